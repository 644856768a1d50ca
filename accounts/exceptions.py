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
