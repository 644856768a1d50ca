"""config/gunicorn.py reads every value from the environment."""

import runpy

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
