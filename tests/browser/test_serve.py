"""`make serve` for real: the production settings under gunicorn, PostgreSQL and Redis, the local Cognito.

Started whole in a process group of its own, with every port and the state
folder chosen by the test; a demo user signs in through the hosted UI in
Chromium, then the group is signalled the way a process manager would.
"""

import os
import re
import signal
import time

import pytest
import requests

from devstack.demo import load_demo_users
from devstack.stack import require_free_port
from tests.browser.flows import screenshots
from tests.servers import make_environment, make_started, processes_of, wait_for_site

pytestmark = pytest.mark.slow


def test_make_serve_signs_a_demo_user_in_under_gunicorn_and_stops_cleanly(tmp_path, browser):
    env = {**make_environment(tmp_path), "WEB_CONCURRENCY": "2"}
    marker = str(tmp_path / "state")
    port = env["DJANGO_PORT"]
    process = make_started("serve", env)
    try:
        # Installing postgresql or redis-server on a fresh machine comes first.
        wait_for_site(process, port, time.monotonic() + 420)
        home = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert home.headers["Server"] == "gunicorn"
        assert "default-src 'self'" in home.headers["Content-Security-Policy"]
        assert home.headers["X-Content-Type-Options"] == "nosniff"
        assert re.search(r"/static/css/site\.[0-9a-f]{12}\.css", home.text)  # whitenoise's hashed names

        demo = load_demo_users()
        context = browser.new_context(base_url=f"http://127.0.0.1:{port}")
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.goto("/account/")
        page.get_by_test_id("sign-in-with-email").click()
        page.wait_for_url(re.compile(r"/oauth2/authorize"))
        page.fill("#username", "member@example.com")
        page.fill("#password", demo["password"])
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/account/$"))
        assert "member@example.com" in page.inner_text("main")
        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        assert cookies["sessionid"]["secure"]
        assert cookies["sessionid"]["httpOnly"]
        screenshots(page, "make-serve-account")
        context.close()

        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=90)[0].decode(errors="replace")
        assert "Stopped the site, its database and cache, and the local Cognito stack." in output
        assert "Booting worker" in output
        deadline = time.monotonic() + 15
        while processes_of(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_of(marker) == []
        for name in ("DJANGO_PORT", "MINISTACK_PORT", "COGNITO_SIMULATED_GOOGLE_PORT"):
            require_free_port(int(env[name]), what=name, variable=name)
        database = re.search(r"PostgreSQL postgres://\S+@127\.0\.0\.1:(\d+)/", output)
        cache = re.search(r"Redis redis://127\.0\.0\.1:(\d+)/", output)
        for found in (database, cache):
            require_free_port(int(found.group(1)), what="a service of make serve", variable="-")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in processes_of(marker):
            os.kill(pid, signal.SIGKILL)
