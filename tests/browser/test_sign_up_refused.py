"""End to end in Chromium: the deployed PreSignUp trigger refuses a domain, and the sign-up page says why."""

import pytest
from playwright.sync_api import expect

from tests.browser.flows import screenshots

pytestmark = pytest.mark.browser


def test_a_refused_domain_gets_the_triggers_sentence_and_keeps_what_was_typed(page, on_allow_listed_pool):
    page.goto("/sign-up/")
    page.fill("input[name=email]", "eve@elsewhere.net")
    page.fill("input[name=given_name]", "Eve")
    page.fill("input[name=family_name]", "Else")
    page.fill("input[name=password]", "Sign-up-Passw0rd!")
    page.locator("form button[type=submit]").first.click()
    expect(
        page.get_by_text("Sign-up is open to email addresses at example.com only. Please use an address there.")
    ).to_be_visible()
    expect(page.locator("input[name=email]")).to_have_value("eve@elsewhere.net")
    screenshots(page, "sign-up-refused")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
