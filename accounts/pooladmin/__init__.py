"""The admin's Cognito users and groups.

- ``admin``: the "Cognito users" and "Cognito groups" pages; they arrange, the services decide.
- ``forms``: the pages' forms, checking input before any call.
- ``selectors``: reads (list pages, a user's detail, the pool's policy and schema, groups).
- ``services/``: writes, one module per subject (``users``, ``groups``): Cognito first, then the site.
- ``bulk``: actions on a selection, paced under Cognito's quota.
- ``sync``: the pool onto the linked Django users (``sync_cognito_users``).
- ``validation``: the rules input must meet before Cognito is asked.
- ``audit``: the one writer of the admin log.
- ``localmail``: the emails the local stack recorded instead of sending them.
"""
