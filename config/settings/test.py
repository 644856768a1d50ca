"""Settings for the test suite; tests/conftest.py points Cognito at a fresh local stack."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, TEMPLATES, env

DEBUG = False
# Long and varied enough for accounts.E011, which the checks run with DEBUG off.
SECRET_KEY = "test-only-not-secret-" + "0123456789abcdef" * 3
if os.environ.get("DJANGO_TEST_DATABASE_URL"):
    # `make test` runs the suite a second time on a throw-away PostgreSQL (devstack/postgres.py).
    DATABASES = {"default": env.db_url_config(os.environ["DJANGO_TEST_DATABASE_URL"])}
else:
    # A file, not SQLite's shared in-memory database: concurrent renewals from two
    # threads must wait for each other's writes, not fail with "table is locked".
    DATABASES = {"default": env.db_url_config(f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"cognito-site-test-{os.getpid()}.sqlite3")
    }
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
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
# Jobs run inside the request in most tests; the end-to-end job tests switch to the database
# backend and start a real `manage.py db_worker` (tests/browser/conftest.py: job_worker).
# In the test process a job runs in the test's own thread (its database transaction); the real
# worker of the end-to-end job tests uses threads, as in production.
COGNITO_JOB_THREADS = 1
COGNITO_JOB_FILES_DIR = Path(tempfile.gettempdir()) / f"cognito-site-test-job-files-{os.getpid()}"
_TASKS_BACKEND = env("DJANGO_TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend")
TASKS = {"default": {"BACKEND": _TASKS_BACKEND, "QUEUES": ["default"]}}
# The job worker the end-to-end job tests start (tests/conftest.py: job_worker) is a process of
# its own: it is told the test's database and local pool here, never through COGNITO_* variables
# (which could name a real pool on a developer's machine).
if os.environ.get("DJANGO_TEST_JOB_WORKER"):
    import json

    _worker = json.loads(os.environ["DJANGO_TEST_JOB_WORKER"])
    DATABASES = {"default": {**env.db_url_config(_worker["database_url"]), "TEST": {}}}
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    COGNITO_REGION = _worker["region"]
    COGNITO_ENDPOINT_URL = _worker["endpoint_url"]
    COGNITO_USER_POOL_ID = _worker["pool_id"]
    COGNITO_CLIENT_ID = _worker["client_id"]
    COGNITO_CLIENT_SECRET = _worker["client_secret"]
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    COGNITO_JOB_THREADS = 4
    COGNITO_JOB_FILES_DIR = Path(_worker["files_dir"])

# The Local inbox banner (devstack.inbox.local_mode), development only; a copy, so base.TEMPLATES stays production's.
TEMPLATES = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],
            "context_processors": [*TEMPLATES[0]["OPTIONS"]["context_processors"], "devstack.inbox.local_mode"],
        },
    },
]
