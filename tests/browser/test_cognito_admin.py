"""End to end in Chromium: the Cognito user admin, the real site and the real local stack's hosted UI."""

import re

import pytest
from playwright.sync_api import expect

from accounts.pooladmin.selectors import UserQuery, users_page
from tests.browser.flows import hosted_ui_submit, screenshots
from tests.factories import pool_user_create, unique_email

pytestmark = pytest.mark.browser
NEW_PASSWORD = "Newhire-Passw0rd!"


def test_invite_a_new_hire_who_signs_in_and_is_then_disabled(page, browser, live_server, demo, local_stack):
    # Keep the address while letting a re-run in the same stack use a fresh one.
    taken = users_page(query=UserQuery(search="newhire@example.com", field="email")).users
    email = unique_email("newhire") if taken else "newhire@example.com"
    page.goto("/admin/accounts/cognitouser/add/")
    hosted_ui_submit(page, "admin@example.com", demo["password"])
    page.wait_for_url(f"{live_server.url}/admin/accounts/cognitouser/add/")

    page.fill("#id_email", email)
    page.fill("#id_given_name", "New")
    page.fill("#id_family_name", "Hire")
    page.get_by_label("members").check()
    page.get_by_label("Cognito generates a temporary password and emails the invitation").check()
    page.click("input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text(f"Created {email}; Cognito sent the invitation.")
    expect(page.get_by_test_id("status")).to_have_text("Invited, has not signed in yet")
    user_page = page.url

    # The documented local way to read the invitation: the admin's "Local mail" page.
    page.goto("/admin/accounts/cognitouser/")
    page.get_by_test_id("local-mail").click()
    invitation = page.get_by_test_id("mail").filter(has_text=email).first.locator("pre").inner_text()
    temporary = re.search(r"temporary password is (.+)\.\s*$", invitation).group(1)

    hire = browser.new_context(base_url=live_server.url)
    hire.set_default_timeout(15_000)
    hire_page = hire.new_page()
    hire_page.goto("/")
    hire_page.get_by_test_id("sign-in").click()
    hosted_ui_submit(hire_page, email, temporary)
    # The hosted UI makes the new user choose a password before anything else.
    hire_page.fill("#new_password", NEW_PASSWORD)
    hire_page.fill("#confirm_password", NEW_PASSWORD)
    hire_page.click("button[type=submit]")
    hire_page.wait_for_url(f"{live_server.url}/")
    expect(hire_page.get_by_role("heading", level=1)).to_have_text("Welcome, New Hire")
    expect(hire_page.get_by_test_id("groups")).to_have_text("members")

    page.goto(user_page)
    expect(page.get_by_test_id("status")).to_have_text("Confirmed")
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_test_id("consequence")).to_contain_text("They can no longer sign in")
    screenshots(page, "confirm-disable")
    page.get_by_role("button", name="Yes, disable").click()
    expect(page.locator(".messagelist")).to_contain_text("Disable: done.")
    expect(page.get_by_test_id("enabled")).to_have_text("no")

    # The new hire's next request finds them signed out, and Cognito refuses them.
    hire_page.goto("/account/")
    hosted_ui_submit(hire_page, email, NEW_PASSWORD)
    expect(hire_page.locator("body")).to_contain_text("disabled")
    hire.close()


def test_bulk_delete_from_the_changelist(page, live_server, demo, boto, provisioned):
    prefix = unique_email("bulkdel").split("@")[0]
    for n in range(2):
        pool_user_create(boto, provisioned.pool_id, email=f"{prefix}-{n}@example.com")
    page.goto(f"/admin/accounts/cognitouser/?q={prefix}&field=email")
    hosted_ui_submit(page, "admin@example.com", demo["password"])
    page.wait_for_url(re.compile(r"/admin/accounts/cognitouser/"))
    for n in range(2):
        page.get_by_label(f"Select {prefix}-{n}@example.com").check()
    page.select_option("select[name=action]", "delete")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_test_id("selected").locator("li")).to_have_count(2)
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_test_id("job-outcome")).to_have_text("2 done of 2")
    for n in range(2):
        expect(page.get_by_test_id("job-results")).to_contain_text(f"{prefix}-{n}@example.com")
    page.goto(f"/admin/accounts/cognitouser/?q={prefix}&field=email")
    expect(page.locator("#result_list")).to_contain_text("No users whose email starts with")


def test_demo_staff_with_every_permission_cannot_touch_an_admin(page, live_server, demo, settings):
    """Acceptance of the permissions issue, as a person would try it: staff@example.com, every permission."""
    from django.contrib.auth.models import Group, Permission

    staff_group, _ = Group.objects.get_or_create(name="staff")
    staff_group.permissions.set(Permission.objects.filter(content_type__app_label__in=["accounts", "auth"]))
    page.goto("/admin/accounts/cognitouser/admin@example.com/change/")
    hosted_ui_submit(page, "staff@example.com", demo["password"])
    page.wait_for_url(re.compile(r"/admin/accounts/cognitouser/admin@example.com/change/"))

    expect(page.get_by_test_id("privileged-note")).to_contain_text("only a superuser can change them")
    expect(page.get_by_test_id("actions")).to_have_count(0)
    screenshots(page, "admin-user-seen-by-staff")

    page.goto("/admin/accounts/cognitouser/add/")
    expect(page.get_by_label("members")).to_be_visible()
    expect(page.get_by_label("admins", exact=True)).to_have_count(0)
    expect(page.get_by_label("staff", exact=True)).to_have_count(0)
    screenshots(page, "add-user-seen-by-staff")

    from accounts import policy
    from accounts.pooladmin.services.users import user_create

    user_create(actor=policy.SYSTEM, email=unique_email("invited-admin"), groups=["admins"])
    page.goto("/admin/accounts/cognitouser/local-mail/")
    expect(page.get_by_test_id("hidden-mail")).to_contain_text("only a superuser may read mail to staff")
    screenshots(page, "local-mail-seen-by-staff")

    page.goto("/admin/accounts/user/")
    page.get_by_role("link", name="staff@example.com").click()
    expect(page.get_by_text("Only superusers can edit them here.")).to_be_visible()
    expect(page.locator("#id_is_superuser")).to_have_count(0)  # read-only, not a checkbox
    screenshots(page, "own-django-user-seen-by-staff")


def test_the_user_pages_actions_are_buttons_a_person_can_see_and_hit(page, live_server, demo):
    """The Delete button was white text on nothing, and every action button 19 px tall."""
    page.goto("/admin/accounts/cognitouser/member@example.com/change/")
    hosted_ui_submit(page, "admin@example.com", demo["password"])
    page.wait_for_url(re.compile(r"/change/"))
    delete = page.locator("button.deletelink")
    assert delete.evaluate("e => getComputedStyle(e).backgroundColor") not in {"rgba(0, 0, 0, 0)", "transparent"}
    for button in page.locator(".cognito-actions button").all():
        assert button.bounding_box()["height"] >= 32
    screenshots(page, "user-page-as-admin")
