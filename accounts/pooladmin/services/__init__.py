"""Decide what happens to Cognito users and groups; the admin pages and commands only arrange.

One module per subject: ``users`` and ``groups``. Cognito is the source of
truth. Every service that changes something writes Cognito first and the
site's database second (the linked Django user, its sessions, the admin log),
because a database write can be retried or redone by ``sync_cognito_users``
while a Cognito refusal must stop everything. If the database write fails
after Cognito accepted, the exception propagates, the admin shows it, and
``sync_cognito_users`` brings the Django user back in line.
"""
