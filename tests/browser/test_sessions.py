"""End to end in Chromium: a change in Cognito reaches a signed-in browser without a new sign-in."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.flows import sign_in

pytestmark = pytest.mark.browser
User = get_user_model()


@pytest.fixture
def staff_back_in_group(boto, provisioned):
    yield
    boto.admin_add_user_to_group(UserPoolId=provisioned.pool_id, Username="staff@example.com", GroupName="staff")


def test_staff_removed_in_cognito_loses_admin_after_the_check_interval(
    page, live_server, demo, settings, boto, provisioned, local_stack, staff_back_in_group
):
    settings.COGNITO_SESSION_CHECK_SECONDS = 2
    page.goto("/")
    sign_in(page, "staff@example.com", demo["password"])
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Admin")).to_be_visible()

    boto.admin_remove_user_from_group(UserPoolId=provisioned.pool_id, Username="staff@example.com", GroupName="staff")
    time.sleep(2.5)  # past the check interval

    page.goto("/")
    expect(page.get_by_test_id("groups")).to_have_text("none")
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    response = page.goto("/admin/")
    assert response.status == 403
    assert not User.objects.get(email="staff@example.com").is_staff

    page.goto("/")
    with page.expect_request(re.compile(r"/logout\?")) as logout:
        page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"{live_server.url}/")
    assert logout.value.url.startswith(f"{local_stack.url}/logout?client_id={provisioned.client_id}")
    expect(page.get_by_test_id("sign-in")).to_be_visible()


def test_the_account_page_lists_this_session_and_signs_out_everywhere(page, live_server, demo):
    page.goto("/")
    sign_in(page, "member@example.com", demo["password"])
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/account/")
    expect(page.get_by_test_id("sessions")).to_contain_text("this browser")
    expect(page.get_by_test_id("renewed-at")).not_to_have_text("—")
    page.get_by_test_id("sign-out-everywhere").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_test_id("sign-in")).to_be_visible()
