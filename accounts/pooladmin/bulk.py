"""Actions on a selection of Cognito users: one table of them, and the run, paced under Cognito's quota.

``BULK_ACTIONS`` is the one place that says, for each action, which service it
calls, which permission of the Cognito user model it takes, what the admin
calls it, and what it asks before it runs. The changelist's bulk menu and the
user page's action URLs (``<user>/action/<name>/``) both go through it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms as django_forms
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from .. import policy
from ..exceptions import CognitoError, CognitoUnavailable, NotAllowed, TooManyRequests
from . import forms
from .selectors import describe_pool
from .services.users import (
    user_delete,
    user_disable,
    user_enable,
    user_group_add,
    user_group_remove,
    user_password_reset,
    user_password_set,
    user_sign_out_everywhere,
)


@dataclass(frozen=True)
class BulkAction:
    """One action on a selection of users, as the admin offers it and the run applies it."""

    #: The service, called once per user as ``service(actor=..., username=..., **the form's data)``.
    service: Callable[..., object]
    #: The Cognito user model's permission the admin requires ("change" or "delete"), besides "view".
    permission: str
    label: str
    #: The form asking for the action's input (a group, a password) on a confirmation page first; None for none.
    form: type[django_forms.Form] | None = None
    #: Whether a confirmation page comes first even with nothing to type (delete).
    confirm: bool = False
    #: Whether the input is checked against the pool's password policy, read once for the whole run.
    password_policy: bool = False
    #: Whether it grants or takes away the group in its input: refused for the whole selection before any call.
    changes_group: bool = False
    #: Whether the user's page is still there to go back to afterwards (not after a delete).
    keeps_user: bool = True
    #: What the action does to the people, said on the confirmation page before it runs.
    consequence: str = ""

    @property
    def asks(self) -> bool:
        """Return whether the admin shows a confirmation page before running the action."""
        return self.confirm or self.form is not None


BULK_ACTIONS: dict[str, BulkAction] = {
    "disable": BulkAction(
        service=user_disable,
        permission="change",
        label="Disable",
        confirm=True,
        consequence="They can no longer sign in, and their sessions on this site end now. Enable undoes it.",
    ),
    "enable": BulkAction(service=user_enable, permission="change", label="Enable"),
    "reset_password": BulkAction(
        service=user_password_reset,
        permission="change",
        label="Reset password",
        confirm=True,
        consequence="Their password stops working: Cognito emails them a code to choose a new one.",
    ),
    "set_password": BulkAction(
        service=user_password_set,
        permission="change",
        label="Set password",
        form=forms.SetPasswordForm,
        password_policy=True,
    ),
    "sign_out": BulkAction(
        service=user_sign_out_everywhere,
        permission="change",
        label="Sign out everywhere",
        confirm=True,
        consequence="Every session they have, on this site and in every app of the pool, ends now.",
    ),
    "group_add": BulkAction(
        service=user_group_add,
        permission="change",
        label="Add to group",
        form=forms.GroupChoiceForm,
        changes_group=True,
    ),
    "group_remove": BulkAction(
        service=user_group_remove,
        permission="change",
        label="Remove from group",
        form=forms.GroupChoiceForm,
        changes_group=True,
    ),
    "delete": BulkAction(
        service=user_delete,
        permission="delete",
        label="Delete",
        confirm=True,
        keeps_user=False,
        consequence=(
            "They are deleted from the Cognito pool: they can no longer sign in, their sessions on this site end, "
            "and this cannot be undone."
        ),
    ),
}


@dataclass
class BulkResult:
    succeeded: list[str] = field(default_factory=list)
    #: {username: why it failed, or why it was not attempted, in plain words}
    failed: dict[str, str] = field(default_factory=dict)


NOT_ATTEMPTED_UNREACHABLE = "Not attempted: Cognito could not be reached."
NOT_ATTEMPTED_TIME = "Not attempted: this run used its time; select these users and run the action again."


@sensitive_variables("params")
def users_bulk_apply(
    *,
    actor: policy.Actor,
    usernames: list[str],
    action: str,
    params: dict | None = None,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> BulkResult:
    """Apply ``action`` to each user, one after the other, and report per user.

    Calls are spaced to stay under ``COGNITO_BULK_RATE`` per second (Cognito's
    UserUpdate quota is 25/s, shared by the account and not adjustable). A
    throttled call (TooManyRequests, after botocore's own adaptive retries) is
    retried with exponential backoff up to ``COGNITO_BULK_RETRIES`` times; any
    other failure is recorded for that user and the next user is tried. Each
    user's change is complete (Cognito, then site) before the next begins.

    A run stops starting new calls after ``COGNITO_BULK_TIME_BUDGET`` seconds,
    so it ends well inside a proxy's request timeout; the users it did not
    reach are reported as not attempted. A ``set_password`` run reads the
    pool's password policy once, unless the caller passes the one it read.
    """
    entry = BULK_ACTIONS[action]
    params = dict(params or {})
    if entry.password_policy and params.get("policy") is None:
        params["policy"] = describe_pool().password_policy
    result = BulkResult()
    if entry.changes_group:
        # Refused for the whole selection before any call, not once per user.
        try:
            policy.check(actor=actor, change="change who is in", groups=[params.get("group", "")])
        except NotAllowed as exc:
            result.failed.update(dict.fromkeys(usernames, exc.plain))
            return result
    interval = 1.0 / settings.COGNITO_BULK_RATE
    deadline = clock() + settings.COGNITO_BULK_TIME_BUDGET
    last = None
    for index, username in enumerate(usernames):
        if clock() >= deadline:
            result.failed.update(dict.fromkeys(usernames[index:], NOT_ATTEMPTED_TIME))
            return result
        for attempt in range(settings.COGNITO_BULK_RETRIES + 1):
            if last is not None and (wait := interval - (clock() - last)) > 0:
                sleep(wait)
            last = clock()
            try:
                entry.service(actor=actor, username=username, **params)
            except TooManyRequests as exc:
                backoff = 0.5 * 2**attempt
                if attempt == settings.COGNITO_BULK_RETRIES or clock() + backoff >= deadline:
                    result.failed[username] = exc.plain
                else:
                    sleep(backoff)
                    continue
            except CognitoUnavailable as exc:
                # Every further call would wait out the same timeouts: stop and say so.
                result.failed[username] = exc.plain
                result.failed.update(dict.fromkeys(usernames[index + 1 :], NOT_ATTEMPTED_UNREACHABLE))
                return result
            except CognitoError as exc:
                result.failed[username] = exc.plain
            else:
                result.succeeded.append(username)
            break
    return result
