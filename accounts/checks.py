"""System checks that stop a misconfigured site before it serves a sign-in page."""

import re
from urllib.parse import urlparse

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from .cognito.endpoints import ISSUER_HOSTS
from .policy import is_privileged_group
from .signup.options import signup_options

# Pool ids look like eu-west-1_AbC123dEf.
POOL_ID_RE = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d)_[0-9A-Za-z]+$")
REQUIRED = ("COGNITO_REGION", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "COGNITO_CLIENT_SECRET")
COOKIE_SESSIONS = "django.contrib.sessions.backends.signed_cookies"
# Django's own deploy check (security.W009) uses the same bounds, but only warns.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
MAKE_SECRET_KEY = (
    'Make one with: python -c "from django.core.management.utils import get_random_secret_key as k; print(k())"'
)


@register(Tags.security)
def check_cognito_settings(app_configs, **kwargs):
    errors = []
    for name in REQUIRED:
        if not getattr(settings, name, ""):
            errors.append(
                Error(
                    f"{name} is not set.",
                    hint="Set it in the environment or .env; `make run` provisions the local stack and writes it.",
                    id="accounts.E001",
                )
            )
    pool_id = getattr(settings, "COGNITO_USER_POOL_ID", "")
    match = POOL_ID_RE.match(pool_id or "")
    if pool_id and not match:
        errors.append(Error(f"COGNITO_USER_POOL_ID {pool_id!r} is not a user pool id.", id="accounts.E002"))
    elif match and match["region"] != settings.COGNITO_REGION:
        errors.append(
            Error(
                f"COGNITO_USER_POOL_ID is in {match['region']} but COGNITO_REGION is {settings.COGNITO_REGION}.",
                hint="Tokens would carry an issuer this site does not expect.",
                id="accounts.E003",
            )
        )
    if not settings.COGNITO_DOMAIN and not settings.COGNITO_ENDPOINT_URL:
        errors.append(
            Error(
                "COGNITO_DOMAIN is not set.",
                hint="Use the user pool domain, e.g. https://myapp.auth.eu-west-1.amazoncognito.com.",
                id="accounts.E004",
            )
        )
    if settings.COGNITO_DOMAIN and not settings.COGNITO_ENDPOINT_URL:
        domain = urlparse(settings.COGNITO_DOMAIN)
        if domain.scheme != "https" or not domain.netloc or domain.path not in ("", "/"):
            errors.append(
                Error(
                    "COGNITO_DOMAIN must be an https:// base URL with no path.",
                    hint="For example https://myapp.auth.eu-west-1.amazoncognito.com.",
                    id="accounts.E005",
                )
            )
    if getattr(settings, "OIDC_RP_SIGN_ALGO", "") != "RS256":
        errors.append(
            Error(
                "OIDC_RP_SIGN_ALGO must be RS256: Cognito signs its tokens with RS256 only.",
                id="accounts.E006",
            )
        )
    if settings.SESSION_ENGINE == COOKIE_SESSIONS:
        errors.append(
            Error(
                "Cookie-based sessions cannot be ended from the server: disabling a user, signing them out "
                "everywhere or a refused renewal must delete their sessions, and a signed cookie outlives that.",
                hint="Use a server-side session engine (database or cache).",
                id="accounts.E007",
            )
        )
    if not getattr(settings, "OIDC_USE_PKCE", False) or not getattr(settings, "OIDC_USE_NONCE", True):
        errors.append(Error("OIDC_USE_PKCE and OIDC_USE_NONCE must both be on.", id="accounts.E008"))
    for index, key in enumerate(settings.COGNITO_TOKEN_ENCRYPTION_KEYS):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                Error(
                    f"COGNITO_TOKEN_ENCRYPTION_KEYS[{index}] is not a Fernet key.",
                    hint="Make one with: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'",
                    id="accounts.E010",
                )
            )
    if not settings.COGNITO_TIMEOUT or settings.COGNITO_TIMEOUT <= 0:
        errors.append(Error("COGNITO_TIMEOUT must be a positive number of seconds.", id="accounts.E009"))
    if settings.COGNITO_ISSUER_FORMAT not in ISSUER_HOSTS:
        errors.append(
            Error(
                f"COGNITO_ISSUER_FORMAT is {settings.COGNITO_ISSUER_FORMAT!r}.",
                hint="Use 'original' or 'updated', as the pool's IssuerConfiguration says.",
                id="accounts.E012",
            )
        )
    return errors


@register(Tags.security)
def check_secret_key(app_configs, **kwargs):
    """Refuse an empty or guessable SECRET_KEY outside DEBUG: it signs sessions and derives the token key."""
    if settings.DEBUG:
        return []
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    if len(key) >= SECRET_KEY_MIN_LENGTH and len(set(key)) >= SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return []
    return [
        Error(
            f"SECRET_KEY must have at least {SECRET_KEY_MIN_LENGTH} characters, "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different: it signs sessions and, unless "
            "COGNITO_TOKEN_ENCRYPTION_KEYS is set, derives the key that encrypts tokens at rest.",
            hint=f"Set DJANGO_SECRET_KEY. {MAKE_SECRET_KEY}",
            id="accounts.E011",
        )
    ]


@register()
def check_identity_pool_settings(app_configs, **kwargs):
    """Stop a site whose identity-pool credentials are misconfigured (accounts/credentials/)."""
    errors = []
    flow = settings.COGNITO_CREDENTIALS_FLOW
    if flow not in {"enhanced", "basic"}:
        errors.append(Error(f'COGNITO_CREDENTIALS_FLOW is {flow!r}: "enhanced" or "basic".', id="accounts.E131"))
    if flow == "basic" and settings.COGNITO_IDENTITY_POOL_ID and not settings.COGNITO_AUTHENTICATED_ROLE_ARN:
        errors.append(
            Error(
                "The basic flow needs COGNITO_AUTHENTICATED_ROLE_ARN, the role AssumeRoleWithWebIdentity asks for.",
                id="accounts.E132",
            )
        )
    prefix = settings.COGNITO_FILES_PREFIX
    if not prefix.endswith("/") or prefix.startswith("/") or ".." in prefix:
        errors.append(
            Error(f'COGNITO_FILES_PREFIX {prefix!r} must be a folder such as "private/".', id="accounts.E133")
        )
    return errors


@register(Tags.security)
def check_sign_up_group(app_configs, **kwargs):
    """Refuse a [signup] default group that is a staff or admin group: anyone could sign up into it."""
    options = signup_options()
    if options.allow_self_sign_up and is_privileged_group(options.default_group):
        return [
            Error(
                f"[signup] default_group of {settings.COGNITO_PROVISION_FILE} is {options.default_group!r}, "
                "a staff or admin group: anyone who signs up would join it.",
                hint="Use an ordinary group such as 'members'.",
                id="accounts.E020",
            )
        ]
    return []
