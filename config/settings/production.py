"""Settings for a deployed site talking to a real Cognito user pool."""

import os
from pathlib import Path

import environ

# Set DJANGO_READ_DOT_ENV_FILE=true to read .env too; the environment wins over it.
if os.environ.get("DJANGO_READ_DOT_ENV_FILE", "").lower() in {"1", "true", "yes"}:
    environ.Env.read_env(Path(__file__).resolve().parent.parent.parent / ".env")

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# Secrets have no default here: a missing one stops the site at start-up.
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
COGNITO_USER_POOL_ID = env("COGNITO_USER_POOL_ID")
COGNITO_CLIENT_ID = env("COGNITO_CLIENT_ID")
COGNITO_CLIENT_SECRET = env("COGNITO_CLIENT_SECRET")
COGNITO_DOMAIN = env("COGNITO_DOMAIN")
# No local-stack default in production: empty means AWS.
COGNITO_ENDPOINT_URL = env("COGNITO_ENDPOINT_URL", default="")

# ------------------------------------------------------------------------------
# HTTPS
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# ------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60)
SECURE_CONTENT_TYPE_NOSNIFF = True
