"""Settings for the test suite; tests/conftest.py points Cognito at a fresh local stack."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Filled in by the cognito_stack fixture once the local stack has a pool.
COGNITO_REGION = "us-east-1"
COGNITO_USER_POOL_ID = "us-east-1_notprovisioned"
COGNITO_CLIENT_ID = "not-provisioned"
COGNITO_CLIENT_SECRET = "not-provisioned"
COGNITO_DOMAIN = ""
COGNITO_IDENTITY_PROVIDERS = []
COGNITO_TIMEOUT = 3.0
COGNITO_GENERATED_ENV_FILE = None
