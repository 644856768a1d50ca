"""Actions on a selection of Cognito users: paced under the UserUpdate quota, retried when throttled."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from .. import policy
from ..exceptions import CognitoError, CognitoUnavailable, NotAllowed, TooManyRequests
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

BULK_ACTIONS = {
    "disable": (user_disable, "change", "Disable"),
    "enable": (user_enable, "change", "Enable"),
    "reset_password": (user_password_reset, "change", "Reset password"),
    "set_password": (user_password_set, "change", "Set password"),
    "sign_out": (user_sign_out_everywhere, "change", "Sign out everywhere"),
    "group_add": (user_group_add, "change", "Add to group"),
    "group_remove": (user_group_remove, "change", "Remove from group"),
    "delete": (user_delete, "delete", "Delete"),
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
    service = BULK_ACTIONS[action][0]
    params = dict(params or {})
    if action == "set_password" and params.get("policy") is None:
        params["policy"] = describe_pool().password_policy
    result = BulkResult()
    if action in {"group_add", "group_remove"}:
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
                service(actor=actor, username=username, **params)
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
