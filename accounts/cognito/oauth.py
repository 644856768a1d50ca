"""Calls to Cognito's token and revocation endpoints outside the sign-in redirect.

https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html
"""

import logging

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from ..exceptions import CognitoError, CognitoUnavailable
from .endpoints import cognito_endpoints

logger = logging.getLogger(__name__)


# The string-valued fields of the token endpoint's answer that the site keeps.
TOKEN_FIELDS = ("id_token", "access_token", "refresh_token")


def _client_auth():
    return (settings.COGNITO_CLIENT_ID, settings.COGNITO_CLIENT_SECRET)


def error_code(response: requests.Response) -> str:
    """Return the OAuth ``error`` field of an error response from a Cognito endpoint, if any."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", ""))[:64] if isinstance(body, dict) else ""


@sensitive_variables("answer")
def token_answer(answer: object) -> dict:
    """Return the token endpoint's answer if it is a JSON object with string tokens; else raise CognitoUnavailable.

    Cognito always answers an object; anything else means the endpoint failed,
    not that the user may not sign in, so it is treated like an outage.
    """
    if not isinstance(answer, dict):
        logger.warning("Token endpoint answered a JSON %s instead of an object", type(answer).__name__)
        raise CognitoUnavailable("the token endpoint answered something other than a JSON object")
    for name in TOKEN_FIELDS:
        if name in answer and not isinstance(answer[name], str):
            logger.warning("Token endpoint answered a %s that is not a string", name)
            raise CognitoUnavailable(f"the token endpoint answered a {name} that is not a string")
    return answer


@sensitive_variables("refresh_token", "answer")
def tokens_refresh(*, refresh_token: str) -> dict:
    """Return the token endpoint's answer to a refresh_token grant.

    Raise CognitoError (with ``code``, e.g. ``invalid_grant``) when Cognito refuses,
    CognitoUnavailable when it cannot be reached or fails on its side.
    """
    try:
        response = requests.post(
            cognito_endpoints().token,
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": settings.COGNITO_CLIENT_ID,
            },
            auth=_client_auth(),
            timeout=settings.COGNITO_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise CognitoUnavailable(f"token endpoint unreachable ({type(exc).__name__})") from exc
    if response.status_code == 200:
        try:
            answer = response.json()
        except ValueError as exc:
            raise CognitoUnavailable("token endpoint answered something other than JSON") from exc
        return token_answer(answer)
    code = error_code(response)
    if response.status_code >= 500 or response.status_code == 429:
        raise CognitoUnavailable(f"token endpoint failed with HTTP {response.status_code}", code=code)
    raise CognitoError(f"token endpoint refused the refresh token (HTTP {response.status_code})", code=code)


@sensitive_variables("refresh_token")
def token_revoke(*, refresh_token: str) -> None:
    """Revoke a refresh token and the tokens issued from it; raise CognitoError on failure."""
    try:
        response = requests.post(
            cognito_endpoints().revoke,
            data={"token": refresh_token, "client_id": settings.COGNITO_CLIENT_ID},
            auth=_client_auth(),
            timeout=settings.COGNITO_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise CognitoUnavailable(f"revocation endpoint unreachable ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise CognitoError(f"revocation endpoint answered HTTP {response.status_code}", code=error_code(response))
