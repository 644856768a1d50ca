"""The Cognito users and groups admin pages, over the Django test client, against the real local stack."""

import re

import pytest
from botocore.stub import Stubber
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from accounts import policy
from accounts.pooladmin import bulk, localmail, selectors
from tests import fakes
from tests.factories import linked_user_create, pool_user_create, staff_user_create, unique_email
from tests.flows import free_port, hosted_ui_sign_in

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/cognitouser/"
GROUPS = "/admin/accounts/cognitogroup/"


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def _follow(client, url, data=None):
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    return response


# -- the changelist ---------------------------------------------------------------


def test_changelist_lists_the_pool_with_one_call(admin_client, cognito, provisioned, boto, cognito_calls):
    username, email = pool_user_create(boto, provisioned.pool_id)
    linked_user_create(username, email)
    admin_client.get(USERS)  # the pool's estimated count: one DescribeUserPool a minute, cached
    cognito_calls.clear()

    response = admin_client.get(USERS, {"q": email})

    assert cognito_calls == ["ListUsers"]
    rows = response.context["rows"]
    assert [(u.username, linked.email) for u, linked in rows] == [(username, email)]
    content = response.content.decode()
    assert f'href="{reverse("admin:accounts_cognitouser_change", args=[username])}"' in content
    assert "✓" in content  # email verified


def test_next_and_previous_pages_cost_one_call_each(admin_client, cognito, provisioned, boto, cognito_calls):
    prefix = unique_email("pager").split("@")[0]
    for n in range(61):
        pool_user_create(boto, provisioned.pool_id, email=f"{prefix}-{n:02d}@example.com")
    cognito_calls.clear()
    params = {"q": prefix, "field": "email"}

    first = admin_client.get(USERS, params)
    second = admin_client.get(first.context["next_url"])
    again = admin_client.get(second.context["previous_url"])

    assert cognito_calls == ["ListUsers"] * 3
    assert (len(first.context["rows"]), len(second.context["rows"]), len(again.context["rows"])) == (60, 1, 60)
    assert second.context["next_url"] == ""
    assert again.context["rows"][0][0].username == first.context["rows"][0][0].username


def test_a_search_cognito_cannot_take_is_a_message(admin_client, cognito, cognito_calls):
    response = admin_client.get(USERS, {"q": "x" * 300})
    assert response.status_code == 200
    assert _messages(response) == ["Search for at most 200 printable characters."]
    assert cognito_calls == []


def test_an_unreachable_pool_is_a_message_not_a_500(admin_client, cognito, settings):
    """The endpoint is a closed port: a real connection failure."""
    settings.COGNITO_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"
    settings.COGNITO_TIMEOUT = 0.5
    for url in (USERS, f"{USERS}add/", f"{USERS}someone/change/", GROUPS):
        response = admin_client.get(url, follow=True)
        assert response.status_code == 200
        assert "Cognito could not be reached or failed; nothing was changed. Try again in a moment." in _messages(
            response
        )


def test_export_streams_the_filtered_list_as_csv(admin_client, cognito, provisioned, boto):
    prefix = unique_email("export").split("@")[0]
    for n in range(3):
        pool_user_create(boto, provisioned.pool_id, email=f"{prefix}-{n}@example.com", given_name="Exp")
    response = admin_client.get(f"{USERS}export/", {"q": prefix, "field": "email"})
    assert response["Content-Type"] == "text/csv"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("username,email,email_verified,given_name")
    assert sorted(line.split(",")[1] for line in lines[1:]) == [f"{prefix}-{n}@example.com" for n in range(3)]


# -- add ----------------------------------------------------------------------------


def test_add_user_with_invitation(admin_client, cognito, provisioned, boto):
    email = unique_email("added")
    response = _follow(
        admin_client,
        f"{USERS}add/",
        {"email": email, "given_name": "Ann", "groups": ["members"], "password_choice": "invite"},
    )
    assert f"Created {email}; Cognito sent the invitation." in _messages(response)
    assert response.context["detail"].groups == ["members"]
    assert response.context["detail"].user.status == "FORCE_CHANGE_PASSWORD"


def test_add_user_refuses_a_weak_password_keeps_input_and_calls_nothing(admin_client, cognito, boto, cognito_calls):
    email = unique_email("weak")
    response = admin_client.post(
        f"{USERS}add/",
        {"email": email, "given_name": "Keep Me", "password_choice": "set", "temporary_password": "short"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "The password needs at least 12 characters" in form.errors["temporary_password"][0]
    assert 'value="Keep Me"' in response.content.decode()
    assert "AdminCreateUser" not in cognito_calls
    assert selectors.users_page(query=selectors.UserQuery(search=email)).users == []


def test_add_user_that_exists_says_so_and_keeps_input(admin_client, cognito, provisioned, boto):
    _, email = pool_user_create(boto, provisioned.pool_id)
    response = admin_client.post(f"{USERS}add/", {"email": email, "given_name": "Twice", "password_choice": "invite"})
    assert response.status_code == 200
    assert _messages(response) == ["A user with that email address already exists."]
    assert 'value="Twice"' in response.content.decode()


def test_bad_phone_is_refused(admin_client, cognito, cognito_calls):
    response = admin_client.post(
        f"{USERS}add/", {"email": unique_email(), "phone": "020 1234", "password_choice": "invite"}
    )
    assert "E.164" in response.content.decode() or "+, country code" in str(response.context["form"].errors)
    assert "AdminCreateUser" not in cognito_calls


# -- one user -----------------------------------------------------------------------


def test_user_page_shows_everything_and_says_events_are_not_available(admin_client, cognito):
    response = admin_client.get(f"{USERS}admin@example.com/change/")
    content = response.content.decode()
    assert response.context["detail"].groups == ["admins"]
    assert "email_verified" in content
    assert "Sign-in events are not available here" in content
    assert "Resend invitation" not in content  # CONFIRMED


def test_edit_attributes_and_history(admin_client, cognito, provisioned, boto):
    username, _ = pool_user_create(boto, provisioned.pool_id, given_name="Before")
    page = admin_client.get(f"{USERS}{username}/change/")
    data = {name: field.initial or "" for name, field in page.context["form"].fields.items()}
    data.update(given_name="After", mark_email_verified="")
    response = _follow(admin_client, f"{USERS}{username}/change/", data)
    assert _messages(response) == ["Saved: given_name."]
    assert response.context["detail"].user.attributes["given_name"] == "After"

    history = admin_client.get(f"{USERS}{username}/history/")
    assert "Changed given_name." in history.content.decode()
    index = admin_client.get("/admin/")
    assert reverse("admin:accounts_cognitouser_change", args=[username]) in index.content.decode()  # Recent actions


def test_actions_on_the_user_page(admin_client, cognito, provisioned, boto):
    username, email = pool_user_create(boto, provisioned.pool_id)
    base = f"{USERS}{username}/action/"

    confirm = admin_client.post(f"{base}disable/")
    assert "They can no longer sign in" in confirm.content.decode()  # asked first, nothing done yet
    assert f'<li>{email} <span class="help">{username}</span></li>' in confirm.content.decode()  # named
    assert boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=username)["Enabled"] is True
    assert _messages(_follow(admin_client, f"{base}disable/", {"confirm": "1"})) == ["Disable: done."]
    assert boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=username)["Enabled"] is False
    _follow(admin_client, f"{base}enable/")
    _follow(admin_client, f"{base}group_add/", {"group": "staff", "confirm": "1"})
    assert selectors.user_detail(username=username).groups == ["staff"]
    _follow(admin_client, f"{base}group_remove/", {"group": "staff", "confirm": "1"})
    _follow(admin_client, f"{base}sign_out/", {"confirm": "1"})
    weak = _follow(admin_client, f"{base}set_password/", {"password": "weak", "confirm": "1"})
    assert "The password needs" in weak.content.decode()
    _follow(
        admin_client, f"{base}set_password/", {"password": "Brand-New-Passw0rd!", "permanent": "on", "confirm": "1"}
    )
    _follow(admin_client, f"{base}reset_password/", {"confirm": "1"})
    assert boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=username)["UserStatus"] == "RESET_REQUIRED"
    messages = list(LogEntry.objects.filter(object_id=username).order_by("pk").values_list("change_message", flat=True))
    assert messages == [
        "Disabled; site sessions ended.",
        "Enabled.",
        "Added to group staff.",
        "Removed from group staff.",
        "Signed out everywhere; site sessions ended.",
        "Password set (permanent).",
        "Password reset; a code was sent to the user.",
    ]


def test_actions_refuse_get(admin_client, cognito, provisioned, boto):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    admin_client.get(f"{USERS}{username}/action/disable/")
    assert boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=username)["Enabled"] is True


def test_resend_invitation(admin_client, cognito, provisioned):
    email = unique_email("reinvite")
    _follow(admin_client, f"{USERS}add/", {"email": email, "password_choice": "invite"})
    username = selectors.users_page(query=selectors.UserQuery(search=email)).users[0].username
    page = admin_client.get(f"{USERS}{username}/change/")
    assert "Resend invitation" in page.content.decode()
    response = _follow(admin_client, f"{USERS}{username}/action/resend_invitation/")
    assert _messages(response) == ["The invitation was sent again with a new temporary password."]
    assert len(localmail.local_messages(actor=policy.SYSTEM, to=email).messages) == 2


def test_missing_user_is_a_message(admin_client, cognito):
    response = admin_client.get(f"{USERS}00000000-0000-0000-0000-000000000000/change/", follow=True)
    assert _messages(response) == ["That user is not in the pool (any more)."]


# -- bulk ---------------------------------------------------------------------------


def test_bulk_delete_confirms_listing_the_users_then_reports(admin_client, cognito, provisioned, boto):
    users = [pool_user_create(boto, provisioned.pool_id) for _ in range(2)]
    usernames = [u for u, _ in users]

    confirm = admin_client.post(f"{USERS}bulk/", {"action": "delete", "username": usernames})
    assert confirm.status_code == 200
    assert all(u in confirm.content.decode() for u in usernames)
    assert all(selectors.user_detail(username=u) for u in usernames)  # nothing deleted yet

    result = admin_client.post(
        f"{USERS}bulk/", {"action": "delete", "username": usernames, "confirm": "1"}, follow=True
    )
    assert result.templates[0].name == "admin/accounts/job/job.html"  # a job, run here by the immediate backend
    assert result.context["outcome"] == "2 done of 2"
    assert all(email in result.content.decode() for _, email in users)  # named by email
    for _, email in users:
        assert not boto.list_users(UserPoolId=provisioned.pool_id, Filter=f'email = "{email}"')["Users"]


def test_bulk_throttled_user_is_reported(admin_client, cognito, settings):
    """Faked with botocore's Stubber: the local stack never throttles."""
    settings.COGNITO_JOB_RETRIES = 0
    with Stubber(cognito._client) as stub:
        for name in ("u1", "u2"):
            # The job names each person by their pool email first (neither has signed in here).
            stub.add_response("admin_get_user", fakes.get_user_response(name, email=f"{name}@example.com"))
            fakes.stub_target(stub, name)
            if name == "u1":
                stub.add_response("admin_disable_user", {})
            else:
                stub.add_client_error("admin_disable_user", "TooManyRequestsException", "Rate exceeded", 400)
        response = admin_client.post(
            f"{USERS}bulk/", {"action": "disable", "username": ["u1", "u2"], "confirm": "1"}, follow=True
        )
        stub.assert_no_pending_responses()
    assert response.context["outcome"] == "1 done, 1 failed of 2"
    content = response.content.decode()
    assert "u2@example.com" in content
    assert "Cognito is throttling requests right now" in content


def test_bulk_group_add_asks_for_the_group(admin_client, cognito, provisioned, boto):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    ask = admin_client.post(f"{USERS}bulk/", {"action": "group_add", "username": [username]})
    assert "group" in ask.context["form"].fields
    bad = admin_client.post(
        f"{USERS}bulk/", {"action": "group_add", "username": [username], "group": "a b", "confirm": 1}
    )
    assert bad.context["form"].errors
    admin_client.post(
        f"{USERS}bulk/", {"action": "group_add", "username": [username], "group": "members", "confirm": 1}
    )
    assert selectors.user_detail(username=username).groups == ["members"]


# -- groups -------------------------------------------------------------------------


def test_groups_page_counts_members_and_links_to_them(admin_client, cognito):
    response = admin_client.get(GROUPS)
    rows = {row.group.name: row.members for row in response.context["rows"]}
    assert rows["admins"] >= 1
    assert f"{USERS}?group=admins" in response.content.decode()


def test_group_create_and_delete(admin_client, cognito):
    name = unique_email("g").split("@")[0]
    created = _follow(admin_client, f"{GROUPS}add/", {"name": name, "description": "Temp", "precedence": "7"})
    assert f"Created group {name}." in _messages(created)
    confirm = admin_client.get(f"{GROUPS}{name}/delete/")
    assert name in confirm.content.decode()
    deleted = _follow(admin_client, f"{GROUPS}{name}/delete/")
    assert f"Deleted group {name}." in _messages(deleted)


def test_group_edit_says_it_is_not_available_on_this_stack(admin_client, cognito):
    """Against the real local stack, which has no UpdateGroup."""
    response = admin_client.post(f"{GROUPS}members/change/", {"description": "New", "precedence": "3"})
    assert response.status_code == 200
    assert _messages(response) == [
        "Editing groups is not available on this Cognito stack (it has no UpdateGroup); nothing was changed."
    ]
    assert selectors.group_get(name="members").description == "Signed-in members of the site."


def test_local_mail_page_shows_the_invitation(admin_client, cognito):
    email = unique_email("mail")
    _follow(admin_client, f"{USERS}add/", {"email": email, "password_choice": "invite"})
    response = admin_client.get(f"{USERS}local-mail/", {"to": email})
    assert "temporary password" in response.content.decode()


# -- permissions and CSRF ---------------------------------------------------------

EVERY_PAGE = [
    ("get", USERS),
    ("get", f"{USERS}add/"),
    ("post", f"{USERS}add/"),
    ("get", f"{USERS}export/"),
    ("get", f"{USERS}local-mail/"),
    ("get", f"{USERS}admin@example.com/change/"),
    ("post", f"{USERS}admin@example.com/change/"),
    ("get", f"{USERS}admin@example.com/history/"),
    ("post", f"{USERS}bulk/"),
    ("get", f"{USERS}member@example.com/action/disable/"),
    *[("post", f"{USERS}member@example.com/action/{name}/") for name in [*bulk.BULK_ACTIONS, "resend_invitation"]],
    ("get", GROUPS),
    ("get", f"{GROUPS}add/"),
    ("post", f"{GROUPS}add/"),
    ("get", f"{GROUPS}members/change/"),
    ("post", f"{GROUPS}members/change/"),
    ("get", f"{GROUPS}members/history/"),
    ("get", f"{GROUPS}members/delete/"),
    ("post", f"{GROUPS}members/delete/"),
]


@pytest.mark.parametrize(("method", "url"), EVERY_PAGE)
def test_staff_without_permissions_get_403_everywhere(client, cognito, cognito_calls, method, url):
    client.force_login(staff_user_create())
    data = {"action": "disable", "username": ["member@example.com"], "confirm": "1"} if method == "post" else {}
    response = getattr(client, method)(url, data)
    assert response.status_code == 403
    assert cognito_calls == []


def test_staff_without_permissions_do_not_see_the_pages(client, cognito):
    client.force_login(staff_user_create())
    assert "Cognito users" not in client.get("/admin/").content.decode()


def test_view_permission_reads_but_cannot_act(client, cognito, boto, provisioned):
    client.force_login(staff_user_create("view_cognitouser"))
    assert client.get(USERS).status_code == 200
    page = client.get(f"{USERS}member@example.com/change/")
    assert page.status_code == 200
    assert "Disable" not in page.content.decode()
    assert client.post(f"{USERS}member@example.com/action/disable/").status_code == 403
    assert client.post(f"{USERS}member@example.com/change/", {"given_name": "X"}).status_code == 403
    assert client.post(f"{USERS}bulk/", {"action": "delete", "username": ["member@example.com"]}).status_code == 403
    assert boto.admin_get_user(UserPoolId=provisioned.pool_id, Username="member@example.com")["Enabled"] is True


def test_change_permission_does_not_delete(client, cognito):
    client.force_login(staff_user_create("view_cognitouser", "change_cognitouser"))
    response = client.post(f"{USERS}bulk/", {"action": "delete", "username": ["member@example.com"], "confirm": 1})
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client, cognito, cognito_calls):
    response = client.get(USERS)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert cognito_calls == []


def test_mutations_need_csrf(cognito, provisioned, boto, admin_user):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(f"{USERS}{username}/action/disable/").status_code == 403
    assert boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=username)["Enabled"] is True


def test_export_defuses_spreadsheet_formulas_but_keeps_phone_numbers(admin_client, cognito, provisioned, boto):
    username, email = pool_user_create(boto, provisioned.pool_id, given_name="=HYPERLINK(1)")
    boto.admin_update_user_attributes(
        UserPoolId=provisioned.pool_id, Username=username, UserAttributes=[{"Name": "phone_number", "Value": "+4420"}]
    )
    response = admin_client.get(f"{USERS}export/", {"q": email})
    row = b"".join(response.streaming_content).decode().splitlines()[1].split(",")
    assert row[3] == "'=HYPERLINK(1)"
    assert row[5] == "+4420"


def test_a_stale_page_token_starts_again_from_the_first_page(admin_client, cognito):
    """Faked with botocore's Stubber: Cognito refuses a token once the list changed; the local stack returns []."""
    with Stubber(cognito._client) as stub:
        stub.add_response("list_users", {"Users": [], "PaginationToken": "stale"})
        stub.add_client_error("list_users", "InvalidParameterException", "Invalid pagination token", 400)
        stub.add_response("list_users", {"Users": []})
        first = admin_client.get(USERS)
        response = admin_client.get(first.context["next_url"], follow=True)
        stub.assert_no_pending_responses()
    assert _messages(response) == ["The list changed since; here is the first page again."]
    assert response.context["page_number"] == 1


def test_throttled_list_is_a_message(admin_client, cognito):
    """Faked with botocore's Stubber: the local stack never throttles."""
    with Stubber(cognito._client) as stub:
        stub.add_client_error("list_users", "TooManyRequestsException", "Rate exceeded", 400)
        response = admin_client.get(USERS)
    assert response.status_code == 200
    assert _messages(response) == ["Cognito is throttling requests right now; try again in a moment."]


def test_names_with_slashes_and_underscores_work_from_the_admin_log_links(admin_client, cognito):
    name = "team_" + unique_email("ops/x").split("@")[0]
    _follow(admin_client, f"{GROUPS}add/", {"name": name})
    # Django's admin quotes object ids in its links ("_" becomes "_5F", "/" becomes "_2F").
    link = LogEntry.objects.get(object_id=name).get_admin_url()
    assert "_5F" in link
    assert admin_client.get(link).context["group"].name == name
    _follow(admin_client, reverse("admin:accounts_cognitogroup_delete", args=[quote(name)]))
    assert name not in {row.group.name for row in selectors.groups_list(with_members=False)}


def test_demo_staff_sees_the_pages_once_their_group_is_granted_the_permissions(client, cognito, demo):
    hosted_ui_sign_in(client, "staff@example.com", demo["password"])
    assert client.get(USERS).status_code == 403
    staff = Group.objects.get(name="staff")
    staff.permissions.set(Permission.objects.filter(codename__in=["view_cognitouser", "view_cognitogroup"]))
    assert client.get(USERS).status_code == 200
    assert client.get(GROUPS).status_code == 200
    assert client.post(f"{USERS}member@example.com/action/disable/").status_code == 403


def test_local_mail_page_is_not_there_on_aws(admin_client, cognito, settings):
    settings.COGNITO_ENDPOINT_URL = ""
    assert admin_client.get(f"{USERS}local-mail/").status_code == 404


def test_a_weak_temporary_password_says_only_what_is_wrong_with_it(admin_client, cognito, cognito_calls):
    """A typed but weak password gets the policy's words, not also "type the temporary password"."""
    response = admin_client.post(
        f"{USERS}add/", {"email": unique_email(), "password_choice": "set", "temporary_password": "weak"}
    )
    errors = response.context["form"].errors["temporary_password"]
    assert len(errors) == 1
    assert errors[0].startswith("The password needs")
    assert "AdminCreateUser" not in cognito_calls


def test_the_admin_says_what_it_is_for(admin_client, cognito):
    page = admin_client.get("/admin/").content.decode()
    assert "Cognito user administration" in page
    assert "Django administration" not in page


def test_statuses_are_plain_words_with_cognitos_code_beside(admin_client, cognito):
    page = admin_client.get(f"{USERS}admin@example.com/change/").content.decode()
    assert 'data-testid="status" title="CONFIRMED">Confirmed<' in page
    listing = admin_client.get(USERS).content.decode()
    assert '<option value="FORCE_CHANGE_PASSWORD">Invited, has not signed in yet</option>' in listing


def test_an_empty_search_says_what_it_looked_in(admin_client, cognito, cognito_calls):
    response = admin_client.get(USERS, {"q": "Nobody-Called-This"})
    cell = response.content.decode()
    assert "No users whose given name starts with “Nobody-Called-This”" in cell
    assert cognito_calls == ["ListUsers"]


def test_add_to_group_offers_the_groups_this_staff_member_may_grant(client, admin_client, cognito, provisioned, boto):
    username, _ = pool_user_create(boto, provisioned.pool_id, groups=["members"])
    client.force_login(staff_user_create("view_cognitouser", "change_cognitouser"))

    def offered(some_client):
        page = some_client.get(f"{USERS}{username}/change/").content.decode()
        select = (
            page.split('aria-label="Group to add">', 1)[1].split("</select>", 1)[0] if "Group to add" in page else ""
        )
        return set(re.findall(r"<option>([^<]+)</option>", select))

    # Not members (they are in it already); staff and admins are not this staff member's to grant.
    assert not offered(client) & {"members", "staff", "admins"}
    assert {"staff", "admins"} <= offered(admin_client)
    assert "members" not in offered(admin_client)
