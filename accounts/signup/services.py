"""Sign-up and password recovery over the user-pool API, with answers that never tell whether an email has an account.

Cognito emails the codes; the site only relays what the person types. An
existing email gets the same "check your inbox" answer as a new one, and the
code step for it cannot succeed without the owner's inbox.
"""

import logging
from dataclasses import dataclass

from django.views.decorators.debug import sensitive_variables

from .. import policy
from ..cognito.client import CognitoClient
from ..exceptions import (
    CodeMismatch,
    CognitoError,
    InvalidParameter,
    NotAllowed,
    NotAuthorized,
    NotFound,
    SignUpClosed,
    UsernameExists,
)
from .options import pool_facts, signup_options

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingSignUp:
    """A sign-up waiting for its code. ``sub`` is empty when the email already had an account (nothing was made)."""

    email: str
    sub: str = ""


def _default_group() -> str:
    """Return the group new sign-ups join, refusing a privileged one (accounts.policy) before any call."""
    group = signup_options().default_group
    # actor=None: a person signing themselves up is nobody's staff; the policy refuses them staff and admin groups.
    policy.check(actor=None, change="put people who sign themselves up in", groups=[group])
    return group


def _replace_unconfirmed(*, email: str, cognito) -> bool:
    """Delete the never-confirmed Cognito user holding ``email``; return False when it is anything else.

    An UNCONFIRMED user is a sign-up whose code nobody typed. Left in place it
    would block the inbox's owner from signing up, and a code resent to them
    would confirm the stranger's password. Read through the policy (a privileged
    or signed-in user is never touched).
    """
    try:
        target = policy.target_user(
            actor=None, username=email, change="replace the unfinished sign-up of {who}", cognito=cognito
        )
    except (NotFound, NotAllowed):
        return False
    if target.status != "UNCONFIRMED" or target.linked is not None:
        return False
    cognito.delete_user(target.username)
    logger.info("Replaced the unconfirmed sign-up %s", target.sub)
    return True


@sensitive_variables("password")
def account_sign_up(*, email: str, password: str, given_name: str, family_name: str, cognito=None) -> PendingSignUp:
    """Sign ``email`` up (SignUp) and put the new user in the default group; return the pending sign-up.

    Cognito is the only side written: SignUp first (Cognito emails the code),
    then AdminAddUserToGroup. If the group write fails the new, unconfirmed user
    is deleted again and the error raised, so nobody is left half made. An email
    that already has a confirmed account makes no write and returns a pending
    sign-up without ``sub``: the same answer, whose code step cannot succeed.
    Raise SignUpClosed when the pool takes no sign-ups, InvalidPassword for the
    policy, Throttled-like CognitoErrors (LimitExceeded, TooManyRequests) as they come.
    """
    cognito = cognito or CognitoClient()
    if not pool_facts(cognito=cognito).self_sign_up:
        raise SignUpClosed("sign-up is by invitation")
    group = _default_group()
    attributes = {"email": email, "given_name": given_name, "family_name": family_name}
    try:
        result = cognito.sign_up(email, password=password, attributes=attributes)
    except UsernameExists:
        if not _replace_unconfirmed(email=email, cognito=cognito):
            logger.info("Sign-up for an email that has an account: answered as for a new one")
            return PendingSignUp(email=email)
        try:
            result = cognito.sign_up(email, password=password, attributes=attributes)
        except UsernameExists:  # someone else signed up with it in between: the same answer
            return PendingSignUp(email=email)
    except NotAuthorized as exc:
        # Cognito's answer when AllowAdminCreateUserOnly is on ("SignUp is not permitted for this user pool").
        raise SignUpClosed("sign-up is by invitation") from exc
    try:
        cognito.add_user_to_group(result.user_sub, group)
    except CognitoError:
        logger.error("Could not add the new sign-up %s to %s; deleting it again", result.user_sub, group)
        cognito.delete_user(result.user_sub)
        raise
    logger.info("Signed up %s into %s; waiting for the code", result.user_sub, group)
    return PendingSignUp(email=email, sub=result.user_sub)


@sensitive_variables("code")
def sign_up_confirm(*, pending: PendingSignUp, code: str, cognito=None) -> None:
    """Confirm the pending sign-up with the emailed code (ConfirmSignUp); only Cognito is written.

    Refuse with CodeMismatch, before any write, when the pool's user with this
    email is not the one this browser signed up (an existing account, or a
    sign-up replaced since): a code must confirm the password typed here. A
    sign-up of this browser's that is confirmed already is done.
    """
    cognito = cognito or CognitoClient()
    if not pending.sub:
        raise CodeMismatch("ConfirmSignUp: no pending sign-up", code="CodeMismatchException")
    try:
        current = cognito.get_user(pending.email)
    except NotFound as exc:
        raise CodeMismatch("ConfirmSignUp: the sign-up is gone", code="CodeMismatchException") from exc
    if current.sub != pending.sub:
        raise CodeMismatch("ConfirmSignUp: another sign-up holds this email", code="CodeMismatchException")
    if current.status == "CONFIRMED":
        return  # this browser's own sign-up, confirmed already (the form sent twice)
    cognito.confirm_sign_up(pending.email, code=code)
    logger.info("Confirmed the sign-up %s", pending.sub)


def sign_up_code_resend(*, pending: PendingSignUp, cognito=None) -> None:
    """Ask Cognito to email the sign-up code again; for an email that had an account, do nothing (same answer)."""
    if not pending.sub:
        return
    try:
        (cognito or CognitoClient()).resend_confirmation_code(pending.email)
    except (NotFound, InvalidParameter, NotAuthorized):
        # Gone or confirmed meanwhile: the answer stays the same.
        logger.info("Resend for a sign-up that is no longer pending")


def password_reset_start(*, email: str, cognito=None) -> None:
    """Ask Cognito to email a reset code (ForgotPassword); say nothing about whether the email has an account.

    With PreventUserExistenceErrors Cognito already answers an unknown email
    like a known one; the refusals it may still give for a user who cannot
    reset (no verified email, not confirmed) are swallowed here for the same reason.
    LimitExceeded and TooManyRequests are raised: every email gets them alike.
    """
    try:
        (cognito or CognitoClient()).forgot_password(email)
    except (NotFound, InvalidParameter, NotAuthorized) as exc:
        logger.info("Password reset not started: %s", type(exc).__name__)


@sensitive_variables("code", "password")
def password_reset_finish(*, email: str, code: str, password: str, cognito=None) -> None:
    """Set the new password with the emailed code (ConfirmForgotPassword); only Cognito is written.

    An unknown email answers like a wrong code (CodeMismatch).
    """
    try:
        (cognito or CognitoClient()).confirm_forgot_password(email, code=code, password=password)
    except (NotFound, NotAuthorized) as exc:
        raise CodeMismatch("ConfirmForgotPassword: no such reset", code="CodeMismatchException") from exc
