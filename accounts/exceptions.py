"""The project's own errors: one table of them, each class with the Cognito codes it stands for and its plain words.

Vendor errors are translated into these at the seams. As DRF and simplejwt put
``default_detail`` and ``default_code`` on their exception classes, each class
here carries ``codes`` (the Cognito error codes it stands for: the seam's map
from code to class is built from them, see :func:`errors_by_code`) and
``default_detail`` (what an admin page says, see :attr:`CognitoError.plain`),
with ``details`` for the codes of one class that need words of their own. In the
words, ``{detail}`` is Cognito's message without the operation it names and
``{message}`` the exception's whole message.
"""

import ast
import json
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar


class CognitoError(Exception):
    """Cognito refused a request or could not be asked; also the base of the site's own refusals.

    InputRefused, NotAllowed and LinkRefused subclass it although Cognito never
    saw the request, so that every place that shows a refusal catches one class.
    """

    #: The Cognito error codes this class stands for; a code belongs to one class only.
    codes: ClassVar[tuple[str, ...]] = ()
    #: Plain words for an admin message, for every code of the class without words of its own in ``details``.
    default_detail: ClassVar[str] = "Cognito refused: {detail}"
    #: Words for one code, where one class stands for codes that need different ones.
    details: ClassVar[Mapping[str, str]] = MappingProxyType({})

    def __init__(self, message: str = "", *, code: str = "") -> None:
        super().__init__(message)
        #: The error code the other side answered (``invalid_grant``, ``UserNotFoundException``, ...), if any.
        self.code = code

    @property
    def detail(self) -> str:
        """Return the message without the operation the seam puts first ("AdminGetUser: ...")."""
        return str(self).split(": ", 1)[-1]

    @property
    def plain(self) -> str:
        """Return the error in plain words for an admin message (never a traceback)."""
        words = self.details.get(self.code, self.default_detail)
        return words.format(detail=self.detail, message=str(self))


class CognitoUnavailable(CognitoError):
    """Cognito did not answer in time, could not be reached, or failed on its side."""

    codes = ("InternalErrorException",)
    default_detail = "Cognito could not be reached or failed; nothing was changed. Try again in a moment."


class TooManyRequests(CognitoUnavailable):
    """Cognito throttled the call (request-rate quota); retrying later may work."""

    codes = ("TooManyRequestsException",)
    default_detail = "Cognito is throttling requests right now; try again in a moment."


class InvalidToken(CognitoError):
    """A token failed verification; the message says why and never holds the token."""

    default_detail = "A token failed verification."


class InvalidParameter(CognitoError):
    """Cognito refused a value (a malformed attribute, an unknown name, a bad filter)."""

    codes = ("InvalidParameterException",)
    default_detail = "Cognito refused a value: {detail}"


class InvalidPassword(CognitoError):
    """The password breaks the pool's password policy."""

    codes = ("InvalidPasswordException",)
    default_detail = "The password does not meet the pool's password policy."


class LimitExceeded(CognitoError):
    """A Cognito limit was reached (e.g. too many groups, too many resets, too many wrong codes or passwords)."""

    codes = ("LimitExceededException", "TooManyFailedAttemptsException")
    default_detail = "Cognito's limit for this was reached; try again later."
    details = MappingProxyType(
        {
            "TooManyFailedAttemptsException": "Too many wrong attempts. Wait a few minutes, then try again.",
        }
    )


class CodeMismatch(CognitoError):
    """A verification code (emailed, or from an authenticator app) is not the one Cognito expects."""

    # EnableSoftwareTokenMFAException: VerifySoftwareToken's answer to a wrong authenticator code.
    codes = ("CodeMismatchException", "EnableSoftwareTokenMFAException")
    default_detail = "That code is not right. Check it and try again."


class ExpiredCode(CognitoError):
    """A verification code is too old (emailed codes last 24 hours); a new one must be sent."""

    codes = ("ExpiredCodeException",)
    default_detail = "That code has expired. Ask for a new one."


class NotAvailable(CognitoError):
    """The pool or the stack does not offer this call (e.g. an add-on that is off, or MiniStack's gaps)."""

    # InvalidAction is MiniStack's answer to a call it does not implement (UpdateGroup, for one).
    codes = ("UnknownOperationException", "UserPoolAddOnNotEnabledException", "InvalidAction")
    default_detail = "This Cognito does not offer this call."
    details = MappingProxyType(
        {
            "UserPoolAddOnNotEnabledException": "This needs the pool's threat protection, which is off.",
            "InvalidAction": "The local Cognito stack does not offer this.",
        }
    )


class UnsupportedState(CognitoError):
    """The user is not in a state that allows this (e.g. resending an invitation to a confirmed user)."""

    codes = ("UnsupportedUserStateException",)
    default_detail = "The user's status does not allow this."


class NotAuthorized(CognitoError):
    """Cognito refused the call for the user's sake (a disabled user, a revoked token, a status that forbids it)."""

    codes = ("NotAuthorizedException",)
    default_detail = "Cognito refused: the user's status does not allow this."


class InputRefused(CognitoError):
    """The site's own checks refused the input before Cognito was asked; the message says why, for staff to read.

    A CognitoError although Cognito never saw the request: every admin page, the
    bulk run and the sync catch CognitoError to show a refusal as a message, and
    this is one more refusal to show.
    """

    default_detail = "{message}"


class NotAllowed(CognitoError):
    """The acting staff member may not make this change (accounts.policy; the message says why)."""

    default_detail = "{message}"


class UsernameExists(CognitoError):
    """A user with that name (or alias) is already in the pool."""

    codes = ("UsernameExistsException",)
    default_detail = "A user with that email address already exists."


class GroupExists(CognitoError):
    """A group with that name is already in the pool."""

    codes = ("GroupExistsException",)
    default_detail = "A group with that name already exists."


class NotFound(CognitoError):
    """The user, group, client or pool does not exist."""

    codes = ("UserNotFoundException", "ResourceNotFoundException")
    default_detail = "That user, group or pool does not exist."
    details = MappingProxyType({"UserNotFoundException": "That user is not in the pool (any more)."})


class LinkRefused(CognitoError):
    """The two users cannot be linked (accounts.federation.linking; the message says why, for staff to read)."""

    default_detail = "{message}"


class LinkingUnavailable(CognitoError):
    """This Cognito does not offer AdminLinkProviderForUser (the message says what was done before it failed)."""

    default_detail = "{message}"


class Throttled(CognitoError):
    """The site itself held a burst back (sign-up, code and reset requests per address and per email)."""

    default_detail = "Too many attempts in a short time. Try again in a minute."


class SignUpClosed(CognitoError):
    """The pool takes no sign-ups (AllowAdminCreateUserOnly): people join by invitation."""

    default_detail = "Sign-up is by invitation only. Ask an administrator to invite you."


class SyncRefused(Exception):
    """The sync would make too many users inactive to do it without being told to (the message says how many)."""

    def __init__(self, message, *, deactivations, active):
        super().__init__(message)
        self.deactivations = deactivations
        self.active = active


class AccountConflict(CognitoError):
    """The person's site account cannot be created: another site user stands in its place."""

    default_detail = "This person's site account cannot be created: another site user stands in its place."


def errors_by_code(root: type = CognitoError) -> dict[str, type[CognitoError]]:
    """Return each Cognito error code with the class under ``root`` that stands for it, read from ``codes``.

    Only a class's own ``codes`` count (a subclass does not inherit its parent's).
    Raise TypeError when two classes claim one code: the table would drift again.
    """
    found: dict[str, type[CognitoError]] = {}
    pending = [root]
    while pending:
        cls = pending.pop(0)
        pending.extend(cls.__subclasses__())
        for code in cls.__dict__.get("codes", ()):
            if found.setdefault(code, cls) is not cls:
                raise TypeError(f"{code} is claimed by both {found[code].__name__} and {cls.__name__}")
    return found


# -- Identity-pool credentials (accounts.cognito.identity and accounts.cognito.storage) -----------------
# Codes shared with the user-pool API (NotAuthorizedException, ResourceNotFoundException) are mapped to
# these by the identity seam itself, since the user-pool seam's table gives each code one class.


class CredentialsError(CognitoError):
    """AWS credentials for the person could not be obtained or used; the words say why, for the person to read."""

    default_detail = "Your AWS credentials could not be obtained: {detail}"


class IdentityPoolMissing(CredentialsError):
    """The site has no identity pool configured, or the configured one does not exist."""

    default_detail = (
        "This site has no identity pool configured, so there are no AWS credentials to give you. "
        "Ask the site's administrators to run cognito_provision."
    )


class RoleDenied(CredentialsError):
    """The identity pool's role mapping gives the person no role (AmbiguousRoleResolution = Deny)."""

    codes = ("InvalidIdentityPoolConfigurationException",)
    default_detail = (
        "The identity pool gives your account no AWS role (its role mapping denies it), "
        "so there are no AWS credentials for you."
    )


class TokenRefused(CredentialsError):
    """The identity pool or STS refused the person's token (signed out everywhere, disabled, or expired)."""

    codes = ("InvalidIdentityToken", "IDPRejectedClaim")
    default_detail = "AWS refused your sign-in token (perhaps you signed out everywhere). Sign out and sign in again."


class CredentialsExpired(CredentialsError):
    """The temporary credentials expired before AWS was asked."""

    codes = ("ExpiredToken", "ExpiredTokenException")
    default_detail = "Your temporary AWS credentials had expired; reload the page for new ones."


class ClassicFlowDisabled(CredentialsError):
    """The site asked for the basic flow, which the identity pool does not allow."""

    default_detail = (
        "The identity pool does not allow the basic (classic) flow; set COGNITO_CREDENTIALS_FLOW=enhanced "
        "or declare allow_classic_flow in config/cognito.toml."
    )


class AwsUnavailable(CredentialsError):
    """Cognito identity, STS or S3 did not answer in time or could not be reached."""

    codes = ("ExternalServiceException", "ServiceUnavailable", "SlowDown")
    default_detail = "AWS could not be reached ({detail}); nothing was changed. Try again in a moment."


class AccessDenied(CredentialsError):
    """AWS refused the call with the person's credentials: their role does not allow it."""

    codes = ("AccessDenied", "AccessDeniedException")
    default_detail = "AWS refused: your role does not allow this."


class FileMissing(CredentialsError):
    """The file (S3 object) or the bucket does not exist."""

    codes = ("NoSuchKey", "NoSuchBucket")
    default_detail = "That file does not exist (any more)."
    details = MappingProxyType({"NoSuchBucket": "The site's file bucket does not exist; run cognito_provision."})


class RoleMissing(CredentialsError):
    """An IAM role or role policy the provisioning looks for does not exist."""

    codes = ("NoSuchEntity",)
    default_detail = "That IAM role does not exist."


class TriggerRefused(CognitoError):
    """One of the pool's Lambda triggers refused the request (UserLambdaValidationException), PreSignUp for one.

    ``sentence`` is the trigger's reason when it is one plain sentence, the
    way triggers/pre_sign_up.py words its refusals; anything else (a crash's
    message, markup, a long text) is never shown and ``sentence`` is "".
    """

    codes = ("UserLambdaValidationException",)
    default_detail = "Cognito's trigger refused the request."

    #: AWS puts "PreSignUp failed with error " (or the trigger's name) before the function's message.
    _PREFIX = re.compile(r"^\s*[A-Za-z]+ failed with error\s+")
    _SENTENCE = re.compile(r"[A-Z][^\n\r<>{}\[\]\\]{0,238}[.!?]")

    @property
    def sentence(self) -> str:
        """Return the trigger's own reason if it is one plain sentence, else ""."""
        text = self.detail
        parsed = None
        if text.startswith("{") and len(text) <= 2000:
            # The local stack answers the function's error object as JSON or as Python's repr of it.
            try:
                parsed = json.loads(text)
            except ValueError:
                try:
                    parsed = ast.literal_eval(text)
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    parsed = None
        if isinstance(parsed, dict):
            text = parsed.get("errorMessage") if isinstance(parsed.get("errorMessage"), str) else ""
        text = self._PREFIX.sub("", text).strip()
        if text.endswith("..") and not text.endswith("..."):
            text = text[:-1]  # AWS ends its wrapper with a period of its own
        return text if self._SENTENCE.fullmatch(text) else ""
