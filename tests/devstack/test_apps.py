"""devstack is a development-only app: the local and test settings install it, production never imports it."""

import ast
import json
import os
import subprocess
import sys

from django.apps import apps

from devstack.stack import ROOT

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "example.com",
    "DJANGO_DATABASE_URL": "postgres://site:unused@127.0.0.1:1/site",
    "COGNITO_USER_POOL_ID": "eu-west-1_AbC123dEf",
    "COGNITO_CLIENT_ID": "client",
    "COGNITO_CLIENT_SECRET": "secret",
    "COGNITO_DOMAIN": "https://example.auth.eu-west-1.amazoncognito.com",
}


def _installed_apps(settings_module, **environ):
    """Return INSTALLED_APPS as a fresh interpreter sees them under ``settings_module``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "DJANGO_"))}
    env.update(environ, DJANGO_SETTINGS_MODULE=settings_module)
    code = "import importlib, json, sys; print(json.dumps(importlib.import_module(sys.argv[1]).INSTALLED_APPS))"
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, settings_module], cwd=ROOT, env=env, capture_output=True, check=True, text=True
    )
    return json.loads(out.stdout)


def test_the_test_settings_install_devstack():
    assert apps.is_installed("devstack")


def test_the_local_settings_install_devstack_and_production_does_not(tmp_path):
    assert "devstack" in _installed_apps("config.settings.local", COGNITO_LOCAL_STATE_DIR=str(tmp_path))
    production = _installed_apps("config.settings.production", **PRODUCTION_ENV)
    assert "devstack" not in production
    assert "accounts" in production


def test_no_production_module_imports_devstack():
    importers = []
    for folder in ("accounts", "config"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                if any(name == "devstack" or name.startswith("devstack.") for name in names):
                    importers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert importers == []
