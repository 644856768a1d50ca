"""The project's own errors; vendor errors are translated into these at the seams."""


class CognitoError(Exception):
    """Cognito refused a request or could not be asked."""

    #: Cognito's error code (``invalid_grant``, ``UserNotFoundException``, ...), if any.
    code = ""

    def __init__(self, message, *, code=""):
        super().__init__(message)
        self.code = code or self.code


class CognitoUnavailable(CognitoError):
    """Cognito did not answer in time, could not be reached, or failed on its side."""


class InvalidToken(CognitoError):
    """A token failed verification; the message says why and never holds the token."""


class InvalidParameter(CognitoError):
    """Cognito refused a value (a malformed attribute, an unknown name, a bad filter)."""


class InvalidPassword(CognitoError):
    """The password breaks the pool's password policy."""


class LimitExceeded(CognitoError):
    """A Cognito limit was reached (e.g. too many groups, too many resets)."""


class TooManyRequests(CognitoUnavailable):
    """Cognito throttled the call (request-rate quota); retrying later may work."""


class NotAvailable(CognitoError):
    """The pool or the stack does not offer this call (e.g. an add-on that is off, or MiniStack's gaps)."""


class UnsupportedState(CognitoError):
    """The user is not in a state that allows this (e.g. resending an invitation to a confirmed user)."""


class NotAllowed(CognitoError):
    """The acting staff member may not make this change (the message says why)."""

    code = "local"


class UsernameExists(CognitoError):
    """A user with that name (or alias) is already in the pool."""

    code = "UsernameExistsException"


class NotFound(CognitoError):
    """The user, group, client or pool does not exist."""


class SyncRefused(Exception):
    """The sync would make too many users inactive to do it without being told to (the message says how many)."""

    def __init__(self, message, *, deactivations, active):
        super().__init__(message)
        self.deactivations = deactivations
        self.active = active


class AccountConflict(CognitoError):
    """The person's site account cannot be created: another site user stands in its place."""
