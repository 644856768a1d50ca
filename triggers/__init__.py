"""Cognito's Lambda triggers for this site: plain Python, no Django, deployed by ``cognito_provision``.

One module per trigger. Each has a pure function of the event (tested against
AWS's documented event shapes in tests/triggers/) and a ``handler(event, context)``
that reads its settings from the Lambda environment variables provisioning sets
(accounts/provisioning/triggers.py) and calls it. Each module is packaged on its
own, so a module imports nothing from its neighbours.
"""
