"""config/gunicorn.py reads every value from the environment, and gunicorn runs the site with it."""

import runpy
import socket

import requests

from tests.servers import CONFIG, gunicorn_serving, production_environment


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


def test_no_control_socket_is_shared_between_servers_unless_asked(monkeypatch):
    monkeypatch.delenv("GUNICORN_CONTROL_SOCKET", raising=False)
    assert _config(monkeypatch)["control_socket_disable"] is True
    config = _config(monkeypatch, GUNICORN_CONTROL_SOCKET="/run/site/gunicorn.ctl")
    assert config["control_socket"] == "/run/site/gunicorn.ctl"
    assert "control_socket_disable" not in config


def test_gunicorn_serves_the_production_settings_and_stops(tmp_path):
    """Two workers on a free loopback port answer; SIGTERM leaves no process behind."""
    env = production_environment(tmp_path, DJANGO_TRUST_X_FORWARDED_PROTO="true", WEB_CONCURRENCY="2")
    with gunicorn_serving(env) as server:
        plain = requests.get(f"{server.url}/", allow_redirects=False, timeout=30)
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://{server.url.removeprefix('http://')}/"
        proxied = requests.get(
            f"{server.url}/", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=30
        )
        assert proxied.status_code == 200
        assert "default-src 'self'" in proxied.headers["Content-Security-Policy"]
    assert server.returncode == 0
    assert server.log.count("Booting worker") == 2
    port = int(server.url.rpartition(":")[2])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_each_worker_warms_the_user_agent_parser_before_its_first_request(monkeypatch):
    """The account page names devices; the parser's first use in a process compiles its patterns (seconds)."""
    from accounts.selfservice import devices

    seen = []
    monkeypatch.setattr(devices, "device_name", seen.append)
    _config(monkeypatch)["post_worker_init"](worker=None)
    assert seen == ["Mozilla/5.0 (X11; Linux x86_64)"]
