"""Feed mozilla-django-oidc its settings from the COGNITO_* settings.

The library reads every setting through a ``get_settings`` static method on its
backend and views; ours answer the endpoint and client settings from
accounts.endpoints at call time, so there is one source of truth.
"""

from django.conf import settings
from mozilla_django_oidc.utils import import_from_settings

from ..cognito.endpoints import cognito_endpoints

_ENDPOINT_SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "token",
    "OIDC_OP_USER_ENDPOINT": "userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "jwks",
}
_COGNITO_SETTINGS = {
    "OIDC_RP_CLIENT_ID": "COGNITO_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET": "COGNITO_CLIENT_SECRET",
    # The library's default is no timeout at all.
    "OIDC_TIMEOUT": "COGNITO_TIMEOUT",
}


def oidc_setting(attr: str, *args):
    """Return the mozilla-django-oidc setting ``attr``, derived where Cognito decides it."""
    if attr in _ENDPOINT_SETTINGS:
        return getattr(cognito_endpoints(), _ENDPOINT_SETTINGS[attr])
    if attr in _COGNITO_SETTINGS:
        return getattr(settings, _COGNITO_SETTINGS[attr])
    return import_from_settings(attr, *args)
