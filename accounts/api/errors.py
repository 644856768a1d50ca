"""The API's refusals, shaped by RFC 6750: a JSON body and the matching ``WWW-Authenticate``.

https://www.rfc-editor.org/rfc/rfc6750#section-3
"""

from rest_framework import exceptions, status

REALM = "api"


class BearerError(exceptions.APIException):
    """A refusal with an RFC 6750 error code; ``scope`` names what was needed (insufficient_scope)."""

    error = "invalid_request"
    scope = ""

    def __init__(self, detail=None, *, scope=""):
        super().__init__(detail)
        self.scope = scope


class InvalidRequest(BearerError):
    """The Authorization header is not ``Bearer <token>`` (several headers, spaces, bad characters)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The Authorization header is not one Bearer token."
    error = "invalid_request"


class InvalidBearerToken(BearerError, exceptions.AuthenticationFailed):
    """The token failed verification; the description says why and never holds the token."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "The access token is not valid."
    error = "invalid_token"


class InsufficientScope(BearerError, exceptions.PermissionDenied):
    """A valid token without any of the scopes (or groups) the endpoint needs."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "The access token does not carry a scope this endpoint needs."
    error = "insufficient_scope"


class KeysUnavailable(BearerError):
    """Cognito's signing keys cannot be fetched, so no token can be checked right now."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The user pool's signing keys cannot be fetched right now; try again shortly."
    error = "temporarily_unavailable"


def _quoted(value):
    """Quote a value for an auth-param: RFC 6750's descriptions and scopes exclude ``"`` and ``\\``."""
    return '"' + "".join(c for c in str(value) if c not in '"\\' and 0x20 <= ord(c) < 0x7F) + '"'


def www_authenticate(error="", description="", scope=""):
    """Return a ``Bearer`` challenge; without ``error`` only the realm (RFC 6750 §3: no credentials, no code)."""
    params = [f"realm={_quoted(REALM)}"]
    if error:
        params.append(f"error={_quoted(error)}")
    if description:
        params.append(f"error_description={_quoted(description)}")
    if scope:
        params.append(f"scope={_quoted(scope)}")
    return "Bearer " + ", ".join(params)


def _error_code(exc, status_code):
    if isinstance(exc, BearerError):
        return exc.error
    if isinstance(exc, exceptions.NotAuthenticated):
        return "not_authenticated"
    codes = {400: "invalid_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "throttled"}
    return codes.get(status_code, getattr(exc, "default_code", "error"))


def api_exception_handler(exc, context):
    """Answer every API error as ``{"error", "error_description"}``, with RFC 6750's challenge on 401 and 403."""
    # Imported here: rest_framework.views imports the authentication classes, which import this module.
    from rest_framework.views import exception_handler

    response = exception_handler(exc, context)
    if response is None:
        return None
    code = _error_code(exc, response.status_code)
    detail = getattr(exc, "detail", "")
    description = detail if isinstance(detail, str) else "; ".join(_flatten(detail))
    body = {"error": code, "error_description": str(description)}
    if isinstance(exc, exceptions.ValidationError):
        body["fields"] = response.data
    response.data = body
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        is_bearer = isinstance(exc, BearerError)
        response["WWW-Authenticate"] = www_authenticate(code, description) if is_bearer else www_authenticate()
    elif isinstance(exc, BearerError) and response.status_code in (400, 403):
        response["WWW-Authenticate"] = www_authenticate(code, description, exc.scope)
    return response


def _flatten(detail):
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from (f"{key}: {item}" for item in _flatten(value))
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item)
    else:
        yield str(detail)
