"""End to end in Chromium: the account page shows the plan claim the deployed PreTokenGeneration trigger added."""

import pytest
from playwright.sync_api import expect

from tests.browser.flows import screenshots, sign_in

pytestmark = pytest.mark.browser


def test_the_account_page_shows_the_access_tokens_plan(page, live_server, demo):
    admin = next(u for u in demo["users"] if u["email"] == "admin@example.com")
    page.goto("/")
    sign_in(page, admin["email"], demo["password"])
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/account/")
    expect(page.get_by_test_id("plan")).to_have_text(admin["plan"])
    expect(page.get_by_test_id("access-token")).to_contain_text('"plan": "pro"')
    expect(page.get_by_test_id("email")).to_contain_text(admin["email"])
    screenshots(page, "account-plan")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
