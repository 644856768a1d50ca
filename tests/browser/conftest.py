"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live site."""

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server_registered(live_server, site_origin_register):
    """The live server, with its origin registered once per session as a callback and sign-out URL.

    Cognito sends the browser back only to registered URLs: the callback
    ``{live_server.url}/oidc/callback/`` and, after sign-out, ``{live_server.url}/``.
    """
    site_origin_register(live_server.url)
    return live_server


@pytest.fixture
def page(browser, cognito, live_server_registered, transactional_db):
    """A fresh Chromium context on the live site, pointed at the provisioned local pool.

    ``transactional_db``: the live server answers from another thread, which
    sees only committed rows.
    """
    live_server = live_server_registered
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
