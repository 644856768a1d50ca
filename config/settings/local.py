"""Settings for development against the local Cognito stack (``make run``)."""

import os
from pathlib import Path

import environ

# The ids the local stack generated reach the site through this file, written by
# `manage.py cognito_provision --write-env`. The environment and .env win over it.
# This runs before base.py is imported, so base.py sees the values.
_ROOT = Path(__file__).resolve().parent.parent.parent
environ.Env.read_env(_ROOT / ".env")
# `make run` keeps its state in COGNITO_LOCAL_STATE_DIR (default .local/).
environ.Env.read_env(Path(os.environ.get("COGNITO_LOCAL_STATE_DIR") or _ROOT / ".local") / "cognito.env")

from .base import *  # noqa: E402, F403
from .base import INSTALLED_APPS, TEMPLATES, env, literal_env  # noqa: E402

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = literal_env("DJANGO_SECRET_KEY", default="django-insecure-local-development-only")

# ------------------------------------------------------------------------------
# Development-only apps: devstack seeds the local stack (`manage.py seed_demo_users`).
# Never in base.py or production.py. A new list, not `+=`, which would extend
# base.INSTALLED_APPS itself for anything else that imports base in this process.
# ------------------------------------------------------------------------------
INSTALLED_APPS = [*INSTALLED_APPS, "devstack"]

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
