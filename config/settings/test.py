"""Settings for the test suite; tests/conftest.py points Cognito at a fresh local stack."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS

DEBUG = False
# Long and varied enough for accounts.E011, which the checks run with DEBUG off.
SECRET_KEY = "test-only-not-secret-" + "0123456789abcdef" * 3
# A file, not SQLite's shared in-memory database: concurrent renewals from two
# threads must wait for each other's writes, not fail with "table is locked".
DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"cognito-site-test-{os.getpid()}.sqlite3")}
DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# The tests seed the local stack with devstack's demo users, as `make run` does
# (a new list: base.INSTALLED_APPS stays what production installs).
INSTALLED_APPS = [*INSTALLED_APPS, "devstack"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Placeholders: the cognito fixture (tests/conftest.py) points a test at the provisioned local pool.
COGNITO_REGION = "us-east-1"
COGNITO_USER_POOL_ID = "us-east-1_notprovisioned"
COGNITO_CLIENT_ID = "not-provisioned"
COGNITO_CLIENT_SECRET = "not-provisioned"
COGNITO_DOMAIN = ""
COGNITO_IDENTITY_PROVIDERS = []
COGNITO_TIMEOUT = 3.0
COGNITO_GENERATED_ENV_FILE = None
