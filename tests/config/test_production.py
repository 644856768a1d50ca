"""The production settings as a deployment runs them: each case is a fresh interpreter with only the
documented variables in its environment, so nothing of the test settings leaks in."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.utils import get_random_secret_key

from devstack.stack import ROOT

#: The documented production values (README "Deploying"), with a database URL that is never connected to.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": get_random_secret_key(),
    "DJANGO_ALLOWED_HOSTS": "testserver,www.example.com",
    "DJANGO_DATABASE_URL": "postgres://site:unused@127.0.0.1:1/site",
    "COGNITO_REGION": "eu-west-1",
    "COGNITO_USER_POOL_ID": "eu-west-1_AbC123dEf",
    "COGNITO_CLIENT_ID": "client",
    "COGNITO_CLIENT_SECRET": "secret",
    "COGNITO_DOMAIN": "https://myapp.auth.eu-west-1.amazoncognito.com",
}

#: Runs under the production settings: requests through Django's test client, answers as JSON.
#: The sign-in start writes a session row, so it gets a throw-away SQLite file migrated first; the
#: pages name hashed static files, so collectstatic runs first too (the release step).
PROBE = """
import json, sys
import django
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

django.setup()
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
answers = {}
for name, path, secure, headers in json.loads(sys.argv[1]):
    path = static(path[len("static:"):]) if path.startswith("static:") else path
    response = Client().get(path, secure=secure, headers=headers)
    answers[name] = {
        "status": response.status_code,
        "location": response.get("Location", ""),
        "headers": dict(response.headers),
        "cookies": {
            key: {flag: str(morsel[flag]) for flag in ("secure", "httponly", "samesite")}
            for key, morsel in response.cookies.items()
        },
    }
print(json.dumps(answers))
"""

REQUESTS = [
    ("home", "/", True, {}),
    ("sign_in_start", "/oidc/authenticate/", True, {}),
    ("spoofed", "/", False, {"X-Forwarded-Proto": "https"}),
    ("stylesheet", "static:css/site.css", True, {"Accept-Encoding": "gzip"}),
    ("local_inbox", "/local-inbox/", True, {}),
]


def _run(args, tmp_path, **overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "DJANGO_", "REDIS_", "GUNICORN_"))}
    env.update(PRODUCTION_ENV, **overrides)
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _probe(tmp_path, **overrides):
    overrides.setdefault("DJANGO_DATABASE_URL", f"sqlite:///{tmp_path / 'probe.sqlite3'}")
    overrides.setdefault("DJANGO_STATIC_ROOT", str(tmp_path / "static"))
    out = _run(["-c", PROBE, json.dumps(REQUESTS)], tmp_path, **overrides)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    return _probe(tmp_path_factory.mktemp("production"))


def test_check_deploy_is_clean_with_the_documented_values(tmp_path):
    out = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "System check identified no issues" in out.stdout


@pytest.mark.parametrize("key", ["", "too-short-0123456789", "ab" * 30], ids=["empty", "short", "two-characters"])
def test_check_refuses_a_weak_secret_key(tmp_path, key):
    out = _run(["manage.py", "check"], tmp_path, DJANGO_SECRET_KEY=key)
    assert out.returncode != 0
    assert "accounts.E011" in out.stderr
    assert "get_random_secret_key" in out.stderr


def _check_without(variable):
    """Run ``manage.py check`` with the documented production values but ``variable``."""
    env_without = {k: v for k, v in PRODUCTION_ENV.items() if k != variable}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "DJANGO_"))}, **env_without},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_database_url_is_required(tmp_path):
    out = _check_without("DJANGO_DATABASE_URL")
    assert out.returncode != 0
    assert "DJANGO_DATABASE_URL" in out.stderr


def test_a_page_carries_the_security_headers(answers):
    home = answers["home"]
    assert home["status"] == 200
    headers = {k.lower(): v for k, v in home["headers"].items()}
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "form-action 'self' https://myapp.auth.eu-west-1.amazoncognito.com" in csp
    assert "unsafe-inline" not in csp
    assert "img-src 'self' https:" in csp  # a provider's profile picture, and nothing over plain HTTP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"


def test_the_session_cookie_is_secure_httponly_and_lax(answers):
    start = answers["sign_in_start"]
    assert start["status"] == 302
    assert start["location"].startswith("https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/authorize?")
    assert start["cookies"]["sessionid"] == {"secure": "True", "httponly": "True", "samesite": "Lax"}


def test_a_spoofed_forwarded_proto_is_not_believed_without_the_opt_in(answers):
    spoofed = answers["spoofed"]
    assert spoofed["status"] == 301
    assert spoofed["location"] == "https://testserver/"


def test_the_forwarded_proto_is_believed_with_the_opt_in(tmp_path):
    spoofed = _probe(tmp_path, DJANGO_TRUST_X_FORWARDED_PROTO="true")["spoofed"]
    assert spoofed["status"] == 200


def test_static_files_have_hashed_names_served_by_whitenoise(answers):
    """Pages name the hashed file, which may be cached for ever, and it is sent compressed."""
    stylesheet = answers["stylesheet"]
    headers = {k.lower(): v for k, v in stylesheet["headers"].items()}
    assert stylesheet["status"] == 200
    assert headers["cache-control"] == "max-age=315360000, public, immutable"
    assert headers["content-encoding"] == "gzip"


def _caches(tmp_path, **overrides):
    code = "import json, django; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
    out = _run(["-c", code], tmp_path, **overrides)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["default"]


@pytest.mark.parametrize("variable", ["DJANGO_CACHE_URL", "REDIS_URL"])
def test_a_redis_url_makes_the_cache_djangos_redis_cache(tmp_path, variable):
    cache = _caches(tmp_path, **{variable: "redis://127.0.0.1:6379/2"})
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/2"


def test_without_a_cache_url_the_cache_is_local_memory(tmp_path):
    assert _caches(tmp_path)["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_database_connections_persist_with_health_checks(tmp_path):
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    out = _run(["-c", code], tmp_path)
    database = json.loads(out.stdout)
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)


def test_no_template_needs_what_the_content_security_policy_refuses():
    """The policy allows the site's own files only: no <style> block, style= attribute or inline script."""
    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<style|\sstyle=|<script(?![^>]*\ssrc=)", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_the_local_inbox_is_not_served_in_production(answers):
    """devstack (and so the Local inbox, with its codes) is installed by the local and test settings only."""
    assert answers["local_inbox"]["status"] == 404
    assert answers["home"]["status"] == 200


def test_a_secret_key_starting_with_a_dollar_is_taken_as_it_is(tmp_path):
    """get_random_secret_key() draws from an alphabet with "$": about one key in fifty starts with it.
    django-environ reads such a value as the name of another variable, so the site would not start, and its
    error would print the key. Found as a flaky gunicorn test on a fresh clone."""
    key = "$" + "k7#Qm2!xZp9@Lw4%Rt6^Yv8&Nb1*Hc3(Jd5)Fg0-Ss_=+" + "aBcDeFgH"
    probe = f"import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY == {key!r})"
    out = _run(["-c", probe], tmp_path, DJANGO_SECRET_KEY=key, DJANGO_DATABASE_URL=f"sqlite:///{tmp_path / 'k'}")
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.strip() == "True"
    assert key[1:20] not in out.stderr


def test_a_missing_secret_key_says_which_variable(tmp_path):
    out = _check_without("DJANGO_SECRET_KEY")
    assert out.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable" in out.stderr
