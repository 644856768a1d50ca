"""Settings for a deployed site talking to a real Cognito user pool."""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF

# Set DJANGO_READ_DOT_ENV_FILE=true to read .env too; the environment wins over it.
if os.environ.get("DJANGO_READ_DOT_ENV_FILE", "").lower() in {"1", "true", "yes"}:
    environ.Env.read_env(Path(__file__).resolve().parent.parent.parent / ".env")

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, MIDDLEWARE, env, literal_env

DEBUG = False
# Secrets have no default here: a missing one stops the site at start-up, and
# accounts/checks.py (accounts.E011) refuses an empty or weak one.
SECRET_KEY = literal_env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
COGNITO_USER_POOL_ID = env("COGNITO_USER_POOL_ID")
COGNITO_CLIENT_ID = env("COGNITO_CLIENT_ID")
COGNITO_CLIENT_SECRET = env("COGNITO_CLIENT_SECRET")
COGNITO_DOMAIN = env("COGNITO_DOMAIN")
# No local-stack default in production: empty means AWS.
COGNITO_ENDPOINT_URL = env("COGNITO_ENDPOINT_URL", default="")

# ------------------------------------------------------------------------------
# Database: required, no SQLite fallback (e.g. postgres://user:pass@host:5432/db).
# Connections are kept for CONN_MAX_AGE seconds and checked before reuse, so a
# database restart costs one reconnect rather than an error page.
# https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DJANGO_DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# ------------------------------------------------------------------------------
# HTTPS
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# ------------------------------------------------------------------------------
# Only behind a proxy that sets X-Forwarded-Proto itself, overwriting what the
# client sent: anywhere else a client's own "X-Forwarded-Proto: https" would make
# a plain-HTTP request look secure (no redirect, secure cookies sent over HTTP).
# https://docs.djangoproject.com/en/5.2/ref/settings/#secure-proxy-ssl-header
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# One year, subdomains included (what check --deploy asks for); lower it for a
# first deployment whose HTTPS is not yet proven.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading is a commitment browsers ship and that is slow to undo: the operator
# opts in; until then Django's reminder (security.W021) is silenced.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# ------------------------------------------------------------------------------
# Content-Security-Policy (django-csp; Django 5.2 has no CSP of its own, 6.0 will).
# Everything from the site's own origin only, but images from any HTTPS origin (the
# profile pictures providers host). Forms may also post to the hosted
# UI's origin: sign-out posts to the site, which redirects to Cognito's /logout,
# and browsers apply form-action to that redirect too.
# https://django-csp.readthedocs.io/en/latest/configuration.html
# ------------------------------------------------------------------------------
INSTALLED_APPS = [*INSTALLED_APPS, "csp"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *[origin for origin in [COGNITO_DOMAIN or COGNITO_ENDPOINT_URL] if origin]],
        # Profile pictures are the providers' URLs (Google, Facebook, Apple: the picture claim), on their
        # own HTTPS hosts; images cannot run script, so any HTTPS origin is allowed for them only.
        "img-src": [SELF, "https:"],
    },
}

# ------------------------------------------------------------------------------
# Static files: whitenoise serves them from the web process, with hashed names
# (cached for ever) and gzip/brotli copies made by collectstatic.
# https://whitenoise.readthedocs.io/en/stable/django.html
# ------------------------------------------------------------------------------
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Right after SecurityMiddleware (whose redirect to HTTPS comes first), before everything
# else; CSPMiddleware at the end, so that it sees every response.
_AFTER_SECURITY = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [
    *MIDDLEWARE[:_AFTER_SECURITY],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[_AFTER_SECURITY:],
    "csp.middleware.CSPMiddleware",
]
