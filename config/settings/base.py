"""Settings shared by every environment; see local.py, production.py and test.py."""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# local.py (and production.py when asked) read .env before importing this file;
# the test settings never do, so a developer's .env cannot change the tests.
env = environ.Env()


def literal_env(name, default=None):
    """Return a variable exactly as set, for secrets: django-environ takes a value that starts with "$" for
    the name of another variable (and names the value in its error), and a random key sometimes does."""
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable")
    return value


# ------------------------------------------------------------------------------
# Django core
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = literal_env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
TIME_ZONE = env("DJANGO_TIME_ZONE", default="UTC")
LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {"default": env.db("DJANGO_DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# The shared cache: what must agree across workers (rate limits, verified API tokens,
# job pacing) lives here. Django's own Redis cache when a URL is set (redis://...),
# this process's memory otherwise, which is right for one process only.
# https://docs.djangoproject.com/en/5.2/topics/cache/#redis
_CACHE_URL = env("DJANGO_CACHE_URL", default="") or env("REDIS_URL", default="")
CACHES = {
    "default": env.cache_url_config(_CACHE_URL)
    if _CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "mozilla_django_oidc",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files served by the site itself: /api/v1/docs/ works offline, with no CDN.
    "drf_spectacular_sidecar",
    # Background jobs (accounts/pooladmin/jobs.py): the Tasks API backport and its database backend.
    "django_tasks",
    "django_tasks_db",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and messages: it may end the session and say so.
    "accounts.sessions.middleware.CognitoSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# ------------------------------------------------------------------------------
# Sessions and cookies
# ------------------------------------------------------------------------------
# Server-side sessions only: the site ends sessions itself (sign out everywhere,
# ending one session from the account page, an admin disabling a user, a sync
# finding the Cognito user gone) by deleting them from the store
# (accounts.sessions.records.user_sessions_end). A signed-cookie session cannot be
# deleted from the server and would outlive all of those, so accounts/checks.py
# (accounts.E007) refuses that engine. The tokens themselves are not in the session:
# they are kept encrypted on its UserSession row.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
# Lax, not Strict: Cognito sends the browser back to the callback with a
# top-level GET, which must carry the session that holds state and nonce.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# ------------------------------------------------------------------------------
# Authentication
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Only Cognito signs people in; there are no local passwords.
AUTHENTICATION_BACKENDS = ["accounts.backends.CognitoOIDCBackend"]
# The sign-in choices page; it goes straight to the hosted UI when no identity
# provider is offered.
LOGIN_URL = "sign_in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# ------------------------------------------------------------------------------
# Cognito: every URL is derived from these in accounts/cognito/endpoints.py
# ------------------------------------------------------------------------------
COGNITO_LOCAL_ENDPOINT_URL = "http://127.0.0.1:4577"
COGNITO_REGION = env("COGNITO_REGION", default="us-east-1")
COGNITO_USER_POOL_ID = env("COGNITO_USER_POOL_ID", default="")
COGNITO_CLIENT_ID = env("COGNITO_CLIENT_ID", default="")
COGNITO_CLIENT_SECRET = env("COGNITO_CLIENT_SECRET", default="")
# Hosted UI base URL, e.g. https://myapp.auth.eu-west-1.amazoncognito.com.
# Empty means "the endpoint override serves the hosted UI" (the local stack).
COGNITO_DOMAIN = env("COGNITO_DOMAIN", default="")
# Empty for AWS; the local stack's URL otherwise.
COGNITO_ENDPOINT_URL = env("COGNITO_ENDPOINT_URL", default=COGNITO_LOCAL_ENDPOINT_URL)
# The access-token claim the PreTokenGeneration trigger fills from custom:plan
# ([triggers] claim_name in config/cognito.toml), and the plans /api/v1/me/plan admits.
COGNITO_PLAN_CLAIM = env("COGNITO_PLAN_CLAIM", default="plan")
COGNITO_PAID_PLANS = env.list("COGNITO_PAID_PLANS", default=["team", "pro"])
COGNITO_STAFF_GROUPS = env.list("COGNITO_STAFF_GROUPS", default=["staff", "admins"])
COGNITO_SUPERUSER_GROUPS = env.list("COGNITO_SUPERUSER_GROUPS", default=["admins"])
# Seconds; every call to Cognito (token endpoint, JWKS, admin API) has a timeout.
COGNITO_TIMEOUT = env.float("COGNITO_TIMEOUT", default=5.0)
# Identity providers the sign-in page offers, by their Cognito names (Google,
# Facebook, SignInWithApple); each must be a supported provider of the app client.
# https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
COGNITO_IDENTITY_PROVIDERS = env.list("COGNITO_IDENTITY_PROVIDERS", default=[])
# Which issuer the pool's tokens carry: "original" (https://cognito-idp...) or
# "updated" (https://issuer-cognito-idp..., the pool's IssuerConfiguration). Sign-in
# and the API both expect it. The local stack always issues the original.
# https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
COGNITO_ISSUER_FORMAT = env("COGNITO_ISSUER_FORMAT", default="original")
# The name authenticator apps show next to the six-digit code (accounts/selfservice/, TOTP set-up).
# https://github.com/google/google-authenticator/wiki/Key-Uri-Format#issuer
COGNITO_TOTP_ISSUER = env("COGNITO_TOTP_ISSUER", default="Cognito Django site")
# Clock skew tolerated when checking exp/iat, in seconds.
COGNITO_CLOCK_SKEW = env.int("COGNITO_CLOCK_SKEW", default=60)
# Bulk admin actions: calls per second (Cognito's UserUpdate quota is 25/s per
# account, not adjustable) and retries of a throttled call.
# https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
COGNITO_BULK_RATE = env.float("COGNITO_BULK_RATE", default=20.0)
COGNITO_BULK_RETRIES = env.int("COGNITO_BULK_RETRIES", default=4)
# Seconds one bulk run may spend before it reports the rest as "not attempted":
# well under a proxy's or gunicorn's request timeout.
COGNITO_BULK_TIME_BUDGET = env.float("COGNITO_BULK_TIME_BUDGET", default=20.0)

# Background jobs (accounts/pooladmin/jobs.py) run in `manage.py db_worker` through the
# Tasks API; another backend (django-tasks-rq over Redis, say) is one setting away.
TASKS = {
    "default": {
        "BACKEND": env("DJANGO_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Calls a second every job worker together may make (paced through the shared cache):
# Cognito's user writes are capped at 25/s and ListUsers at 30/s, for the whole account.
COGNITO_JOB_WRITE_RATE = env.float("COGNITO_JOB_WRITE_RATE", default=COGNITO_BULK_RATE)
COGNITO_JOB_LIST_RATE = env.float("COGNITO_JOB_LIST_RATE", default=25.0)
# Tries of a throttled call before the user is reported as failed (waits of 0.5 s, 1 s, 2 s ... up to 8 s).
COGNITO_JOB_RETRIES = env.int("COGNITO_JOB_RETRIES", default=8)
# Users one job changes at the same time (threads of its worker): each change is a few round trips.
COGNITO_JOB_THREADS = env.int("COGNITO_JOB_THREADS", default=4)
# Where export jobs write their CSV files: the worker writes, the web process serves, so on more than one
# machine this is shared storage.
COGNITO_JOB_FILES_DIR = Path(env("COGNITO_JOB_FILES_DIR", default=str(BASE_DIR / ".local" / "job-files")))
# A running job whose worker has not written for this long lost its worker: its page offers Resume.
COGNITO_JOB_STALE_SECONDS = env.int("COGNITO_JOB_STALE_SECONDS", default=60)
# Extra site origins to register as callback and sign-out URLs when provisioning
# (the declarative file already lists http://127.0.0.1:8000 and http://localhost:8000).
COGNITO_SITE_URLS = env.list("COGNITO_SITE_URLS", default=[])
# The declarative description of the pool that cognito_provision applies.
COGNITO_PROVISION_FILE = BASE_DIR / "config" / "cognito.toml"
# Where cognito_provision --write-env puts the generated ids for local settings.
COGNITO_GENERATED_ENV_FILE = BASE_DIR / ".local" / "cognito.env"
# Sessions follow Cognito: a signed-in request renews the tokens with the refresh
# token when the access token is within COGNITO_SESSION_RENEW_MARGIN seconds of
# expiry or the last check is older than COGNITO_SESSION_CHECK_SECONDS. If Cognito
# cannot be reached, the session goes on for COGNITO_SESSION_GRACE_SECONDS, then ends.
COGNITO_SESSION_CHECK_SECONDS = env.int("COGNITO_SESSION_CHECK_SECONDS", default=300)
COGNITO_SESSION_GRACE_SECONDS = env.int("COGNITO_SESSION_GRACE_SECONDS", default=900)
COGNITO_SESSION_RENEW_MARGIN = env.int("COGNITO_SESSION_RENEW_MARGIN", default=120)
# Fernet keys that encrypt tokens at rest, newest first; empty derives one from
# SECRET_KEY. See README "Sessions that follow Cognito" for rotation.
COGNITO_TOKEN_ENCRYPTION_KEYS = env.list("COGNITO_TOKEN_ENCRYPTION_KEYS", default=[])
# Access keys for the local stack only (never sent anywhere else); on AWS the
# standard credential chain applies.
COGNITO_LOCAL_ACCESS_KEY_ID = "test"
COGNITO_LOCAL_SECRET_ACCESS_KEY = "test"

# ------------------------------------------------------------------------------
# Identity-pool credentials (accounts/credentials/): temporary AWS credentials for
# signed-in people, and "My files" in their own folder of the files bucket.
# https://docs.aws.amazon.com/cognito/latest/developerguide/identity-pools.html
# ------------------------------------------------------------------------------
# Empty: the site has no identity pool, and its pages say so.
COGNITO_IDENTITY_POOL_ID = env("COGNITO_IDENTITY_POOL_ID", default="")
COGNITO_FILES_BUCKET = env("COGNITO_FILES_BUCKET", default="")
# Each person's folder is {prefix}{identity id}/ (config/cognito.toml [identity_pool.bucket]).
COGNITO_FILES_PREFIX = env("COGNITO_FILES_PREFIX", default="private/")
# "enhanced" (GetId, GetCredentialsForIdentity) or "basic" (GetId, GetOpenIdToken,
# then STS AssumeRoleWithWebIdentity on COGNITO_AUTHENTICATED_ROLE_ARN); the pool must allow the basic flow.
COGNITO_CREDENTIALS_FLOW = env("COGNITO_CREDENTIALS_FLOW", default="enhanced")
COGNITO_AUTHENTICATED_ROLE_ARN = env("COGNITO_AUTHENTICATED_ROLE_ARN", default="")
# The identity pool's developer provider name (developer-authenticated identities).
COGNITO_DEVELOPER_PROVIDER_NAME = env("COGNITO_DEVELOPER_PROVIDER_NAME", default="")
# Seconds cached credentials are used for (they last 60 minutes; at most 50 are used).
COGNITO_CREDENTIALS_CACHE_SECONDS = min(env.int("COGNITO_CREDENTIALS_CACHE_SECONDS", default=3000), 3000)
# The largest file "My files" takes or hands out, in bytes.
COGNITO_FILES_MAX_BYTES = env.int("COGNITO_FILES_MAX_BYTES", default=10 * 1024 * 1024)

# ------------------------------------------------------------------------------
# Sign-up and recovery (accounts/signup/): requests per client address and per email
# in each window, counted in the default cache (shared when DJANGO_CACHE_URL is set).
# Whether people may sign up, and their group, is config/cognito.toml's [signup].
# ------------------------------------------------------------------------------
COGNITO_SIGNUP_THROTTLE_SECONDS = env.int("COGNITO_SIGNUP_THROTTLE_SECONDS", default=60)
COGNITO_SIGNUP_THROTTLE_PER_ADDRESS = env.int("COGNITO_SIGNUP_THROTTLE_PER_ADDRESS", default=10)
COGNITO_SIGNUP_THROTTLE_PER_EMAIL = env.int("COGNITO_SIGNUP_THROTTLE_PER_EMAIL", default=5)

# ------------------------------------------------------------------------------
# The API (accounts/api/): Cognito access tokens as Bearer tokens, RFC 6750
# https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html
# ------------------------------------------------------------------------------
# The resource server's identifier: scopes arrive as "{identifier}/users.read".
COGNITO_API_IDENTIFIER = env("COGNITO_API_IDENTIFIER", default="https://api.django-cognito-site.local")
# The machine client cognito_provision creates (client-credentials grant); its
# secret is for callers such as `make run`'s curl example, the site never sends it.
COGNITO_M2M_CLIENT_ID = env("COGNITO_M2M_CLIENT_ID", default="")
COGNITO_M2M_CLIENT_SECRET = env("COGNITO_M2M_CLIENT_SECRET", default="")
# App clients whose access tokens the API accepts; empty means the site's own
# client and the machine client. Sign-in always requires the site's own client.
COGNITO_API_CLIENT_IDS = env.list("COGNITO_API_CLIENT_IDS", default=[])
# Requests per client (machine client, user or address) that DRF's throttle allows.
# https://www.django-rest-framework.org/api-guide/throttling/
COGNITO_API_THROTTLE_RATE = env("COGNITO_API_THROTTLE_RATE", default="600/minute")
# Opt-in: at most once per this many seconds per token, ask Cognito (GetUser) whether
# a person's access token was revoked or signed out globally; 0 is off (offline only).
# Only tokens with the aws.cognito.signin.user.admin scope can be asked about.
COGNITO_API_REVOCATION_CHECK_SECONDS = env.int("COGNITO_API_REVOCATION_CHECK_SECONDS", default=0)
# The cache alias that holds verified tokens (by digest, until they expire) and throttle counts.
COGNITO_API_CACHE = "api"
# The shared cache when one is configured (so every worker agrees on throttle counts),
# else this process's memory, bounded: LocMemCache culls a third of its entries when full.
CACHES["api"] = (
    {**env.cache_url_config(_CACHE_URL), "KEY_PREFIX": "api"}
    if _CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "api",
        "OPTIONS": {"MAX_ENTRIES": env.int("COGNITO_API_CACHE_ENTRIES", default=10000)},
    }
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.CognitoBearerAuthentication",
        "accounts.api.authentication.SessionCSRFAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api.permissions.HasScopes"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api.throttling.ClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "accounts.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Site API",
    "DESCRIPTION": "Called with a Cognito access token (Authorization: Bearer), or a signed-in browser session.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# ------------------------------------------------------------------------------
# mozilla-django-oidc: endpoints and client credentials are filled in lazily
# from the COGNITO_* settings by accounts.signin.oidc.oidc_setting.
# https://mozilla-django-oidc.readthedocs.io/en/stable/settings.html
# ------------------------------------------------------------------------------
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile aws.cognito.signin.user.admin"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
# Tokens are kept encrypted on the UserSession row instead (accounts.sessions.encryption).
OIDC_STORE_ACCESS_TOKEN = False
OIDC_STORE_ID_TOKEN = False
OIDC_AUTHENTICATE_CLASS = "accounts.signin.views.CognitoAuthenticateView"
OIDC_CALLBACK_CLASS = "accounts.signin.views.CognitoCallbackView"

# Error reports hide every variable that looks like a token or a secret.
DEFAULT_EXCEPTION_REPORTER_FILTER = "accounts.reporting.CognitoExceptionReporterFilter"

# ------------------------------------------------------------------------------
# Logging: tokens and secrets are never logged; users are named by sub.
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "accounts": {"level": env("DJANGO_LOG_LEVEL", default="INFO")},
        # botocore logs request bodies at DEBUG, which carry passwords.
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
