"""End to end in Chromium: sign-up, password recovery, and a Google sign-in meeting an existing account.

The real site, the real local stack; the codes are read where a developer reads
them, on the Local inbox page (MiniStack records the emails instead of sending).
"""

import re
import uuid
from dataclasses import replace

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.cache import caches
from playwright.sync_api import expect

from accounts.cognito.client import CognitoClient
from tests.browser.flows import hosted_ui_submit, screenshots

pytestmark = pytest.mark.browser
User = get_user_model()
PASSWORD = "Browser-Passw0rd!"


def _no_sideways_scroll_on_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})


def look(page, name):
    screenshots(page, name)
    _no_sideways_scroll_on_a_phone(page)


def code_from_local_inbox(page, email, name=None):
    """Open the Local inbox from the banner and return the newest code sent to ``email``."""
    page.get_by_test_id("local-inbox-link").click()
    page.fill("#to", email)
    page.get_by_role("button", name="Filter").click()
    body = page.get_by_test_id("inbox-body").first.inner_text()
    if name:
        look(page, name)
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_sign_up_read_the_code_confirm_and_sign_in_as_a_member(page, live_server, federated):
    email = f"nina.{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/sign-in/")
    look(page, "signup-sign-in-page")
    page.get_by_test_id("sign-up-link").click()
    expect(page.get_by_test_id("password-policy")).to_contain_text("At least 12 characters")
    look(page, "signup-form")
    page.fill("#id_email", email)
    page.fill("#id_given_name", "Nina")
    page.fill("#id_family_name", "New")
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("create-account").click()

    expect(page.get_by_test_id("pending-email")).to_have_text(email)
    look(page, "signup-check-inbox")
    code = code_from_local_inbox(page, email, "signup-local-inbox")
    page.goto("/sign-up/confirm/")
    page.fill("#id_code", "999999" if code != "999999" else "888888")
    page.get_by_test_id("confirm").click()
    expect(page.locator(".errorlist")).to_contain_text("That code is not right")
    look(page, "signup-wrong-code")
    page.fill("#id_code", code)
    page.get_by_test_id("confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is ready")
    look(page, "signup-done")
    page.get_by_test_id("sign-in-now").click()
    hosted_ui_submit(page, email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nina New")
    expect(page.get_by_test_id("groups")).to_have_text("members")


def test_forgot_password_reset_and_sign_in_with_the_new_password(page, live_server, federated):
    email = f"fay.{uuid.uuid4().hex[:8]}@example.com"
    federated.create_user(
        email,
        attributes={"email": email, "email_verified": "true", "given_name": "Fay", "family_name": "Forgot"},
        suppress_invitation=True,
    )
    federated.set_user_password(email, "Old-Passw0rd-123!", permanent=True)
    page.goto("/sign-in/")
    page.get_by_test_id("forgot-password-link").click()
    look(page, "forgot-password")
    page.fill("#id_email", email)
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("reset-email")).to_have_text(email)
    look(page, "forgot-password-reset")
    code = code_from_local_inbox(page, email)
    page.goto("/forgot-password/reset/")
    page.fill("#id_code", code)
    page.fill("#id_password", "weak")
    page.get_by_test_id("reset").click()
    expect(page.locator(".errorlist")).to_contain_text("does not meet the rules")
    page.fill("#id_code", code)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("reset").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")
    look(page, "forgot-password-done")
    page.get_by_test_id("sign-in-now").click()
    hosted_ui_submit(page, email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Fay Forgot")


@pytest.fixture
def member_google_unlinked(boto, provisioned):
    """Afterwards, take the Google identity off member@example.com again: other tests sign in as its own user."""
    yield
    boto.admin_disable_provider_for_user(
        UserPoolId=provisioned.pool_id,
        User={
            "ProviderName": "Google",
            "ProviderAttributeName": "Cognito_Subject",
            "ProviderAttributeValue": "member@example.com",
        },
    )


def _google_sign_in(page, simulated_idps, identity="member@example.com"):
    page.goto("/sign-in/")
    page.get_by_test_id("continue-with-google").click()
    page.wait_for_url(re.compile(re.escape(simulated_idps.issuers["Google"]) + r"/oauth2/authorize"))
    page.get_by_role("button", name=identity, exact=True).click()


def test_google_with_the_members_email_offers_to_connect_and_the_password_sign_in_connects(
    page, live_server, federated, simulated_idps, demo, member_google_unlinked
):
    _google_sign_in(page, simulated_idps)
    page.wait_for_url(f"{live_server.url}/connect/")
    expect(page.get_by_test_id("connect-heading")).to_have_text("You already have an account with this email")
    expect(page.get_by_test_id("connect-sign-in")).to_have_text("Sign in with your password to connect Google")
    look(page, "connect-offer")
    google_user = User.objects.get(cognito_username="Google_member@example.com")

    page.get_by_test_id("connect-sign-in").click()
    hosted_ui_submit(page, "member@example.com", demo["password"])
    page.wait_for_url(f"{live_server.url}/connect/finish/")
    expect(page.get_by_test_id("connect-email")).to_have_text("member@example.com")
    look(page, "connect-finish")
    page.get_by_test_id("connect-confirm").click()
    page.wait_for_url(f"{live_server.url}/account/")
    expect(page.locator(".message")).to_contain_text("Google is connected")
    assert not User.objects.filter(pk=google_user.pk).exists()

    page.goto("/")
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"{live_server.url}/")
    _google_sign_in(page, simulated_idps)
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Mia Member")
    expect(page.get_by_test_id("groups")).to_have_text("members")
    assert User.objects.filter(email="member@example.com").count() == 1


def test_keeping_a_separate_account_is_a_choice_that_sticks(page, live_server, federated, simulated_idps):
    _google_sign_in(page, simulated_idps)
    page.wait_for_url(f"{live_server.url}/connect/")
    page.get_by_test_id("keep-separate").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_test_id("groups")).to_have_text("none")
    assert User.objects.get(cognito_username="Google_member@example.com").separate_account_kept
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"{live_server.url}/")
    _google_sign_in(page, simulated_idps)
    page.wait_for_url(f"{live_server.url}/")  # not offered again


def test_the_refusals_are_plain_pages(page, live_server, federated, settings, monkeypatch):
    """A burst (the site's throttle, at 0 for the test) and an invitation-only pool, as a person sees them."""
    caches["default"].clear()
    settings.COGNITO_SIGNUP_THROTTLE_PER_ADDRESS = 0
    page.goto("/forgot-password/")
    page.fill("#id_email", "member@example.com")
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("problem")).to_have_text("Too many attempts in a short time. Try again in a minute.")
    look(page, "signup-throttled")

    real = CognitoClient.describe_pool
    monkeypatch.setattr(CognitoClient, "describe_pool", lambda self: replace(real(self), admin_create_user_only=True))
    caches["default"].clear()
    page.goto("/sign-up/")
    expect(page.get_by_test_id("invitation-only")).to_be_visible()
    look(page, "signup-invitation-only")
    caches["default"].clear()


def test_a_staff_members_own_google_is_left_to_an_administrator(page, live_server, federated, simulated_idps):
    email = f"stan.{uuid.uuid4().hex[:8]}@example.com"
    federated.create_user(
        email,
        attributes={"email": email, "email_verified": "true", "given_name": "Stan", "family_name": "Staff"},
        suppress_invitation=True,
    )
    federated.set_user_password(email, PASSWORD, permanent=True)
    federated.add_user_to_group(email, "staff")
    claims = {"email": email, "email_verified": "true", "given_name": "Stan"}
    assert requests.put(f"{simulated_idps.issuers['Google']}/users/{email}", json=claims, timeout=10).ok
    page.goto("/sign-in/")
    page.get_by_test_id("continue-with-google").click()
    page.wait_for_url(re.compile(re.escape(simulated_idps.issuers["Google"]) + r"/oauth2/authorize"))
    page.fill("input[name=sub]", email)  # typed, as a person not listed on the simulated page would
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{live_server.url}/connect/")
    page.get_by_test_id("connect-sign-in").click()
    hosted_ui_submit(page, email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/connect/finish/")
    page.get_by_test_id("connect-confirm").click()
    expect(page.get_by_test_id("problem")).to_contain_text("ask an administrator")
    look(page, "connect-refused")
    assert federated.get_user(f"Google_{email}")  # nothing was deleted or linked
