"""The site as processes: under gunicorn with the production settings, and `make run` / `make serve` whole.

Plain functions for tests to import; each server binds a free loopback port and
is stopped (SIGTERM, then waited for) when its ``with`` block ends.
"""

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from django.core.management.utils import get_random_secret_key

from devstack.stack import ROOT
from tests.flows import free_port

CONFIG = ROOT / "config" / "gunicorn.py"
#: Variables of the test process that must not leak into the server's environment.
OWN_PREFIXES = ("COGNITO_", "DJANGO_", "REDIS_", "GUNICORN_", "WEB_CONCURRENCY", "PORT")


def production_environment(tmp_path, **overrides):
    """Return an environment for the production settings on a throw-away SQLite file, with ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=get_random_secret_key(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        COGNITO_REGION="eu-west-1",
        COGNITO_USER_POOL_ID="eu-west-1_AbC123dEf",
        COGNITO_CLIENT_ID="client",
        COGNITO_CLIENT_SECRET="secret",
        COGNITO_DOMAIN="https://myapp.auth.eu-west-1.amazoncognito.com",
    )
    env.update(overrides)
    return env


class Gunicorn:
    """A running gunicorn: its URL, and after it stopped, its return code and log (access log included)."""

    def __init__(self, process, url):
        self.process, self.url = process, url
        self.log = ""

    @property
    def returncode(self):
        return self.process.returncode


@contextmanager
def gunicorn_serving(env, *, collectstatic=True, start_timeout=30):
    """Run ``gunicorn -c config/gunicorn.py config.wsgi`` with ``env`` on a free port until the block ends."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if collectstatic:
        manage = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
        subprocess.run(manage, cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603
    executable = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(  # noqa: S603
        [executable, "-c", str(CONFIG), "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Gunicorn(process, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                requests.get(f"{server.url}/", allow_redirects=False, timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert process.poll() is None, "gunicorn exited at start-up"
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            server.log, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            server.log, _ = process.communicate()


def make_environment(tmp_path, **ports):
    """Return the environment of a `make run` or `make serve` with every port free and its state in ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "DJANGO_", "MINISTACK_"))}
    env.update(
        COGNITO_LOCAL_STATE_DIR=str(tmp_path / "state"),
        DJANGO_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_PORT=str(ports.get("site") or free_port()),
        MINISTACK_PORT=str(ports.get("ministack") or free_port()),
        COGNITO_SIMULATED_GOOGLE_PORT=str(free_port()),
        COGNITO_SIMULATED_FACEBOOK_PORT=str(free_port()),
        COGNITO_SIMULATED_APPLE_PORT=str(free_port()),
        COGNITO_SIMULATED_AMAZON_PORT=str(free_port()),
        COGNITO_SIMULATED_SAML_PORT=str(free_port()),
    )
    return env


def processes_of(marker):
    """Return the pids of processes whose environment mentions ``marker`` (this run's state folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_for_site(process, port, deadline):
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode(errors="replace")[-3000:]
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError("the site did not come up")


def make_started(target, env):
    """Start ``make target`` in a process group of its own (as a process manager would), output captured."""
    return subprocess.Popen(  # noqa: S603
        [shutil.which("make"), "--no-print-directory", target],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
