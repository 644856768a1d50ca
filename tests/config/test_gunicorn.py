"""config/gunicorn.py reads every value from the environment, and gunicorn runs the site with it."""

import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.core.management.utils import get_random_secret_key

from devstack.stack import ROOT

CONFIG = ROOT / "config" / "gunicorn.py"


def _config(monkeypatch, **environ):
    for name in ("PORT", "GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_defaults_listen_on_loopback_with_threads(monkeypatch):
    config = _config(monkeypatch)
    assert config["bind"] == "127.0.0.1:8000"
    assert (config["workers"], config["threads"], config["worker_class"]) == (2, 4, "gthread")


def test_the_timeout_outlasts_the_worst_cognito_wait(monkeypatch):
    config = _config(monkeypatch, COGNITO_BULK_TIME_BUDGET="20", COGNITO_TIMEOUT="5")
    assert config["timeout"] > 20 + 3 * 5
    assert _config(monkeypatch, COGNITO_BULK_TIME_BUDGET="60")["timeout"] > 60


def test_the_environment_sets_workers_threads_and_port(monkeypatch):
    config = _config(monkeypatch, PORT="5000", WEB_CONCURRENCY="3", GUNICORN_THREADS="1", GUNICORN_TIMEOUT="90")
    assert config["bind"] == "0.0.0.0:5000"
    assert (config["workers"], config["threads"], config["worker_class"], config["timeout"]) == (3, 1, "sync", 90)


def test_gunicorn_does_not_decide_the_scheme_itself(monkeypatch):
    assert _config(monkeypatch)["secure_scheme_headers"] == {}


def test_gunicorn_serves_the_production_settings_and_stops(tmp_path):
    """Two workers on a free loopback port answer; SIGTERM leaves no process behind."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "DJANGO_", "REDIS_", "GUNICORN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=get_random_secret_key(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_TRUST_X_FORWARDED_PROTO="true",
        COGNITO_REGION="eu-west-1",
        COGNITO_USER_POOL_ID="eu-west-1_AbC123dEf",
        COGNITO_CLIENT_ID="client",
        COGNITO_CLIENT_SECRET="secret",
        COGNITO_DOMAIN="https://myapp.auth.eu-west-1.amazoncognito.com",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(  # noqa: S603
        [gunicorn, "-c", str(CONFIG), "config.wsgi"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while True:
            try:
                plain = requests.get(url, allow_redirects=False, timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://127.0.0.1:{port}/"
        proxied = requests.get(url, headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=5)
        assert proxied.status_code == 200
        assert "default-src 'self'" in proxied.headers["Content-Security-Policy"]
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    assert server.returncode == 0
    assert log.count("Booting worker") == 2
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
