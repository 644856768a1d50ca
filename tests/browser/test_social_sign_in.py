"""End to end in Chromium: the site's sign-in page, a simulated provider's page, Cognito, and back, signed in."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.flows import hosted_ui_submit

pytestmark = pytest.mark.browser
User = get_user_model()


@pytest.mark.parametrize(
    ("label", "provider", "identity", "welcome"),
    [
        # Not member@example.com: a verified email of an existing account is offered the connection (test_signup.py).
        ("Google", "Google", "gina@gmail.example", "Gina Google"),
        ("Facebook", "Facebook", "fred@facebook.example", "Fred Facebook"),
        # Apple shares no names, and this person hides their email behind Apple's relay.
        ("Apple", "SignInWithApple", "x7k2q9wz@privaterelay.appleid.com", "x7k2q9wz@privaterelay.appleid.com"),
    ],
)
def test_each_provider_signs_in_through_cognito(
    page, live_server, federated, provisioned, simulated_idps, label, provider, identity, welcome
):
    page.goto("/")
    page.get_by_test_id("sign-in").click()
    page.wait_for_url(re.compile(r"/sign-in/"))
    with page.expect_request(re.compile(r"/oauth2/authorize\?")) as authorize:
        page.get_by_test_id(f"continue-with-{label.lower()}").click()
    assert f"identity_provider={provider}" in authorize.value.url
    # Cognito skipped its own page: this is the simulated provider's.
    page.wait_for_url(re.compile(re.escape(simulated_idps.issuers[provider]) + r"/oauth2/authorize"))
    page.get_by_role("button", name=identity, exact=True).click()

    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {welcome}")
    expect(page.get_by_test_id("email")).to_have_text(identity)
    # Cognito put the user in {poolId}_{Provider}; it grants nothing here.
    expect(page.get_by_test_id("groups")).to_have_text("none")
    page.goto("/account/")
    expect(page.get_by_test_id("sign-in-provider")).to_have_text(label)
    expect(page.get_by_test_id("id-token")).to_contain_text(f"{provisioned.pool_id}_{provider}")
    user = User.objects.get(cognito_username=f"{provider}_{identity}")
    assert (user.is_staff, user.is_superuser, user.groups.count()) == (False, False, 0)
    page.goto("/admin/")
    expect(page.get_by_test_id("problem")).to_contain_text("does not have access to the admin")

    page.goto("/")
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_test_id("sign-in")).to_be_visible()
    page.goto("/account/")
    page.wait_for_url(re.compile(r"/sign-in/"))


def test_sign_in_with_email_still_reaches_the_hosted_ui(page, live_server, federated, demo):
    page.goto("/account/")
    page.wait_for_url(re.compile(r"/sign-in/\?next=/account/"))
    page.get_by_test_id("sign-in-with-email").click()
    hosted_ui_submit(page, "member@example.com", demo["password"])
    page.wait_for_url(f"{live_server.url}/account/")
    expect(page.get_by_test_id("sign-in-provider")).to_have_text("Email and password")
