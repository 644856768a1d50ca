"""End to end in Chromium: the real site, the real local stack's hosted UI."""

import re
import socket
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.flows import sign_in

pytestmark = pytest.mark.browser
User = get_user_model()


def test_anonymous_home_page(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("signs you in with Amazon Cognito")
    expect(page.get_by_test_id("sign-in")).to_be_visible()


@pytest.mark.parametrize(
    ("email", "name", "group"),
    [
        ("admin@example.com", "Ada Admin", "admins"),
        ("staff@example.com", "Sam Staff", "staff"),
        ("member@example.com", "Mia Member", "members"),
    ],
)
def test_each_demo_user_signs_in_through_the_hosted_ui(page, live_server, demo, email, name, group):
    page.goto("/")
    sign_in(page, email, demo["password"])
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    expect(page.get_by_test_id("email")).to_have_text(email)
    expect(page.get_by_test_id("groups")).to_have_text(group)


def test_admin_reaches_the_users_list(page, live_server, demo):
    page.goto("/admin/accounts/user/")
    page.wait_for_url(re.compile(r"/oauth2/authorize"))
    page.fill("#username", "admin@example.com")
    page.fill("#password", demo["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/accounts/user/")
    expect(page.locator("#content h1")).to_have_text("Select user to change")
    expect(page.locator("#result_list")).to_contain_text("admin@example.com")


def test_staff_reaches_the_admin_but_is_not_a_superuser(page, live_server, demo):
    page.goto("/")
    sign_in(page, "staff@example.com", demo["password"])
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    # Without permissions granted to the staff group, the users list is off limits.
    response = page.goto("/admin/accounts/user/")
    assert response.status == 403
    assert not User.objects.get(email="staff@example.com").is_superuser


def test_member_is_refused_the_admin(page, live_server, demo):
    page.goto("/")
    sign_in(page, "member@example.com", demo["password"])
    page.wait_for_url(f"{live_server.url}/")
    response = page.goto("/admin/")
    assert response.status == 403
    expect(page.get_by_test_id("problem")).to_contain_text("does not have access to the admin")


def test_sign_out_goes_through_cognito_logout_and_sign_in_asks_again(page, live_server, demo, provisioned, local_stack):
    page.goto("/")
    sign_in(page, "member@example.com", demo["password"])
    page.wait_for_url(f"{live_server.url}/")

    with page.expect_request(re.compile(r"/logout\?")) as logout:
        page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"{live_server.url}/")
    url = urlparse(logout.value.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{local_stack.url}/logout"
    # The logout_uri is one of the client's registered sign-out URLs.
    assert parse_qs(url.query) == {"client_id": [provisioned.client_id], "logout_uri": [f"{live_server.url}/"]}
    expect(page.get_by_test_id("sign-in")).to_be_visible()

    page.get_by_test_id("sign-in").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize"))
    expect(page.locator("#password")).to_be_visible()
    # The Django session is gone: the account page sends the browser to sign in again.
    page.goto("/account/")
    page.wait_for_url(re.compile(r"/oauth2/authorize"))
    expect(page.locator("#password")).to_be_visible()


def test_token_endpoint_down_at_callback_shows_a_friendly_page(page, live_server, demo, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    page.goto("/")
    page.get_by_test_id("sign-in").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize"))
    # The hosted UI is up; from now on the token endpoint is unreachable.
    settings.COGNITO_DOMAIN = f"http://127.0.0.1:{dead}"
    page.fill("#username", "member@example.com")
    page.fill("#password", demo["password"])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/oidc/callback/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in is unavailable right now")
    expect(page.get_by_test_id("retry")).to_be_visible()
    assert not User.objects.filter(email="member@example.com").exists()
