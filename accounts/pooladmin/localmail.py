"""The local stack only: the emails Cognito would have sent, which MiniStack records instead."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings

from .. import policy
from ..cognito.client import CognitoClient
from ..exceptions import CognitoUnavailable
from .selectors import filter_value, linked_users, privileged_members


@dataclass(frozen=True)
class LocalMessage:
    to: str
    subject: str
    body: str
    sent: float


@dataclass(frozen=True)
class LocalMail:
    messages: list[LocalMessage]
    #: Messages to staff or admins left out: a non-superuser must not read their codes and passwords.
    hidden: int = 0


def _mail_readers_check(cognito):
    """Return a function telling whether a non-superuser may read mail sent to an address.

    Deny by default: only when the address belongs, now, to at least one user
    of the pool and none of them is staff or an admin. An address nobody has
    any more (a corrected typo) may still carry a valid temporary password.
    One ListUsers per distinct address; the local stack's pools are small.
    """
    privileged = privileged_members(cognito)
    answers = {}

    def may_read(address: str) -> bool:
        address = address.strip().lower()
        if address not in answers:
            holders = cognito.list_users_page(filter_expression=f"email = {filter_value(address)}").users
            linked = linked_users(usernames=[u.username for u in holders])
            answers[address] = bool(holders) and not any(
                u.username in privileged or policy.site_user_is_privileged(linked.get(u.username)) for u in holders
            )
        return answers[address]

    return may_read


def local_messages(*, actor: policy.Actor, to: str = "") -> LocalMail:
    """Return the emails the local stack recorded instead of sending (newest first); none on AWS.

    MiniStack keeps invitation and code emails in its SES recorder at
    ``/_ministack/ses/messages``; Cognito on AWS really sends them. They carry
    temporary passwords and reset codes, which anyone can have sent to an
    admin's address, so a non-superuser sees only messages to addresses that
    belong to ordinary users now (see ``_mail_readers_check``).
    """
    base = settings.COGNITO_ENDPOINT_URL
    if not base:
        return LocalMail(messages=[])
    try:
        response = requests.get(f"{base.rstrip('/')}/_ministack/ses/messages", timeout=settings.COGNITO_TIMEOUT)
        response.raise_for_status()
        payload = response.json()
        accounts = payload.get("messages", {}).values() if isinstance(payload, dict) else []
        recorded = [m for account in accounts for m in account if isinstance(m, dict)]
    except (requests.RequestException, ValueError, AttributeError, TypeError) as exc:
        raise CognitoUnavailable("The local stack's mail recorder could not be read.") from exc
    messages = [
        LocalMessage(
            to=", ".join(str(address) for address in m.get("To", [])),
            subject=str(m.get("Subject", "")),
            body=str(m.get("BodyText", "")),
            sent=m.get("Timestamp", 0) if isinstance(m.get("Timestamp", 0), int | float) else 0,
        )
        for m in recorded
    ]
    if to:
        messages = [m for m in messages if to.lower() in m.to.lower()]
    hidden = 0
    if not policy.acts_as_superuser(actor):
        may_read = _mail_readers_check(CognitoClient())
        shown = [m for m in messages if m.to and all(may_read(a) for a in m.to.split(",") if a.strip())]
        hidden, messages = len(messages) - len(shown), shown
    return LocalMail(messages=sorted(messages, key=lambda m: m.sent, reverse=True), hidden=hidden)
