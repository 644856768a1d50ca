"""accounts.services against the real local stack; throttling faked with botocore's Stubber where said."""

import pytest
from botocore.stub import Stubber
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.test import Client

from accounts import policy, services
from accounts.exceptions import CognitoError, GroupExists, InputRefused, NotAllowed, NotAvailable
from accounts.models import UserSession
from tests import fakes
from tests.factories import linked_user_create, pool_user_create, unique_email
from tests.flows import hosted_ui_sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "Test-Passw0rd!x"


def _exists(boto, pool_id, email):
    return bool(boto.list_users(UserPoolId=pool_id, Filter=f'email = "{email}"')["Users"])


def _cognito_user(boto, pool_id, username):
    return boto.admin_get_user(UserPoolId=pool_id, Username=username)


# -- searching and paging ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("ada@ex", "auto", 'email ^= "ada@ex"'),
        ("+4420", "auto", 'phone_number ^= "+4420"'),
        ("0b1c2d3e-aa", "auto", 'username ^= "0b1c2d3e-aa"'),
        ("Ada", "auto", 'given_name ^= "Ada"'),
        ("O'Br", "family_name", 'family_name ^= "O\'Br"'),
        ('say "hi"', "name", 'name ^= "say \\"hi\\""'),
        ("  ", "auto", ""),
    ],
)
def test_search_becomes_one_prefix_filter(text, field, expected):
    assert services.search_filter(text=text, field=field) == expected


def test_search_refuses_what_cognito_would(cognito_calls):
    with pytest.raises(InputRefused):
        services.search_filter(text="a" * 201)
    with pytest.raises(InputRefused):
        services.users_page(query=services.UserQuery(search="bad\x00"))
    with pytest.raises(InputRefused):
        services.users_page(query=services.UserQuery(search="x" * 201, group="staff"))
    assert cognito_calls == []


def test_pages_of_60_with_one_call_each(cognito, provisioned, boto, cognito_calls):
    prefix = unique_email("paging").split("@")[0]
    for n in range(65):
        pool_user_create(boto, provisioned.pool_id, email=f"{prefix}-{n:02d}@example.com")
    query = services.UserQuery(search=prefix, field="email")
    cognito_calls.clear()

    first = services.users_page(query=query)
    second = services.users_page(query=query, token=first.next_token)

    assert (len(first.users), len(second.users)) == (60, 5)
    assert second.next_token == ""
    assert cognito_calls == ["ListUsers", "ListUsers"]
    assert len({u.username for u in first.users + second.users}) == 65
    assert len(list(services.users_iter(query=query))) == 65


def test_status_enabled_and_group_filters(cognito, provisioned, boto, cognito_calls):
    username, email = pool_user_create(boto, provisioned.pool_id, groups=["staff"])
    boto.admin_disable_user(UserPoolId=provisioned.pool_id, Username=username)

    disabled = services.users_page(query=services.UserQuery(enabled="no"))
    in_staff = services.users_page(query=services.UserQuery(group="staff"))
    staff_and_disabled = services.users_page(query=services.UserQuery(group="staff", enabled="no"))
    confirmed_named = services.users_page(query=services.UserQuery(search=email, status="FORCE_CHANGE_PASSWORD"))

    assert username in {u.username for u in disabled.users}
    assert all(not u.enabled for u in disabled.users)
    assert {"staff@example.com", email} <= {u.attributes["email"] for u in in_staff.users}
    assert [u.username for u in staff_and_disabled.users] == [username]
    assert confirmed_named.users == []  # the user is CONFIRMED
    assert cognito_calls == ["ListUsers", "ListUsersInGroup", "ListUsersInGroup", "ListUsers"]


# -- creating -----------------------------------------------------------------------


def test_create_with_invitation_adds_groups_and_logs(cognito, provisioned, boto, actor):
    email = unique_email("hire")
    result = services.user_create(
        actor=actor, email=email, phone="+14155550123", given_name="New", family_name="Hire", groups=["members"]
    )
    user = _cognito_user(boto, provisioned.pool_id, email)
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["phone_number"] == "+14155550123"
    assert result.groups_added == ["members"]
    groups = boto.admin_list_groups_for_user(UserPoolId=provisioned.pool_id, Username=email)["Groups"]
    assert [g["GroupName"] for g in groups] == ["members"]
    # The local stack records the invitation instead of sending it.
    invitation = services.local_messages(actor=policy.SYSTEM, to=email).messages[0]
    assert "temporary password" in invitation.body
    entry = LogEntry.objects.get(object_id=result.user.username)
    assert (entry.user, entry.action_flag, entry.object_repr) == (actor, ADDITION, email)


@pytest.mark.parametrize(
    "fields",
    [
        {"email": "not-an-email"},
        {"phone": "0044 20 1234"},
        {"groups": ["has space"]},
        {"temporary_password": "short"},
        {"temporary_password": "longenoughbutnoupper1!"},
    ],
)
def test_bad_input_is_refused_before_cognito_is_asked_to_create(
    cognito, provisioned, boto, actor, cognito_calls, fields
):
    email = fields.pop("email", unique_email("refused"))
    with pytest.raises(InputRefused):
        services.user_create(actor=actor, email=email, **fields)
    assert "AdminCreateUser" not in cognito_calls
    assert not LogEntry.objects.exists()
    if "@" in email:
        assert not _exists(boto, provisioned.pool_id, email)


def test_existing_email_is_refused_by_cognito(cognito, provisioned, boto, actor):
    _, email = pool_user_create(boto, provisioned.pool_id)
    with pytest.raises(CognitoError) as caught:
        services.user_create(actor=actor, email=email)
    assert caught.value.plain == "A user with that email address already exists."
    assert not LogEntry.objects.exists()


def test_a_group_that_fails_is_reported_not_hidden(cognito, provisioned, boto, actor):
    email = unique_email("partial")
    result = services.user_create(actor=actor, email=email, groups=["members", "no-such-group"])
    assert result.groups_added == ["members"]
    assert list(result.groups_failed) == ["no-such-group"]
    assert "Not added to: no-such-group" in LogEntry.objects.get(object_id=result.user.username).change_message


def test_resend_invitation_sends_a_new_temporary_password(cognito, provisioned, boto, actor):
    email = unique_email("resend")
    result = services.user_create(actor=actor, email=email)
    services.user_invitation_resend(actor=actor, username=result.user.username)
    assert len(services.local_messages(actor=policy.SYSTEM, to=email).messages) == 2
    assert _cognito_user(boto, provisioned.pool_id, email)["Username"] == result.user.username


# -- changing -----------------------------------------------------------------------


def test_disable_signs_the_site_user_out_and_marks_them_inactive(cognito, provisioned, boto, actor):
    username, email = pool_user_create(boto, provisioned.pool_id, password=PASSWORD)
    browser = Client()
    hosted_ui_sign_in(browser, email, PASSWORD)
    assert browser.get("/account/").status_code == 200

    services.user_disable(actor=actor, username=username)

    assert _cognito_user(boto, provisioned.pool_id, username)["Enabled"] is False
    assert browser.get("/account/").status_code == 302
    linked = services.linked_users(usernames=[username])[username]
    assert linked.is_active is False
    assert not UserSession.objects.filter(user=linked).exists()
    assert LogEntry.objects.get(object_id=username).change_message == "Disabled; site sessions ended."

    services.user_enable(actor=actor, username=username)
    linked.refresh_from_db()
    assert linked.is_active is True
    assert _cognito_user(boto, provisioned.pool_id, username)["Enabled"] is True


def test_sign_out_everywhere_ends_site_sessions_but_keeps_the_user_active(cognito, provisioned, boto, actor):
    username, email = pool_user_create(boto, provisioned.pool_id, password=PASSWORD)
    browser = Client()
    hosted_ui_sign_in(browser, email, PASSWORD)

    services.user_sign_out_everywhere(actor=actor, username=username)

    assert browser.get("/account/").status_code == 302
    assert services.linked_users(usernames=[username])[username].is_active is True


def test_delete_removes_from_pool_and_deactivates_the_site_user(cognito, provisioned, boto, actor):
    username, email = pool_user_create(boto, provisioned.pool_id)
    django_user = linked_user_create(username, email)

    services.user_delete(actor=actor, username=username)

    assert not _exists(boto, provisioned.pool_id, email)
    django_user.refresh_from_db()
    assert django_user.is_active is False
    entry = LogEntry.objects.get(object_id=username)
    assert (entry.action_flag, entry.object_repr) == (DELETION, email)


def test_passwords_reset_and_set(cognito, provisioned, boto, actor, cognito_calls):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    services.user_password_reset(actor=actor, username=username)
    assert _cognito_user(boto, provisioned.pool_id, username)["UserStatus"] == "RESET_REQUIRED"

    services.user_password_set(actor=actor, username=username, password="Another-Passw0rd!", permanent=False)
    assert _cognito_user(boto, provisioned.pool_id, username)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    services.user_password_set(actor=actor, username=username, password="Another-Passw0rd!", permanent=True)
    assert _cognito_user(boto, provisioned.pool_id, username)["UserStatus"] == "CONFIRMED"

    cognito_calls.clear()
    with pytest.raises(InputRefused):
        services.user_password_set(actor=actor, username=username, password="weak", permanent=True)
    assert "AdminSetUserPassword" not in cognito_calls


def test_group_membership(cognito, provisioned, boto, actor):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    services.user_group_add(actor=actor, username=username, group="members")
    assert services.user_detail(username=username).groups == ["members"]
    services.user_group_remove(actor=actor, username=username, group="members")
    assert services.user_detail(username=username).groups == []
    with pytest.raises(CognitoError):
        services.user_group_add(actor=actor, username=username, group="no-such-group")


def test_attributes_update_and_email_verification_choice(
    cognito, provisioned, boto, actor, superuser_actor, cognito_calls
):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    new_email = unique_email("moved")
    services.user_attributes_update(
        actor=superuser_actor,  # only a superuser vouches for an address (accounts.policy)
        username=username,
        attributes={"given_name": "Renamed", "email": new_email},
        mark_email_verified=True,
    )
    attributes = services.user_detail(username=username).user.attributes
    assert (attributes["given_name"], attributes["email"], attributes["email_verified"]) == (
        "Renamed",
        new_email,
        "true",
    )
    assert LogEntry.objects.get(object_id=username, action_flag=CHANGE, user=superuser_actor).change_message == (
        "Changed email, given_name (email marked verified)."
    )

    cognito_calls.clear()
    for bad in ({"nope": "1"}, {"sub": "forged"}, {"email": "not-an-email"}, {"phone_number": "12"}):
        with pytest.raises(InputRefused):
            services.user_attributes_update(actor=actor, username=username, attributes=bad)
    assert "AdminUpdateUserAttributes" not in cognito_calls


def test_user_detail_says_sign_in_events_are_not_available(cognito, provisioned):
    detail = services.user_detail(username="admin@example.com")
    assert detail.groups == ["admins"]
    assert detail.events == []
    assert "not available here" in detail.events_unavailable


# -- bulk -------------------------------------------------------------------------


def test_bulk_reports_each_user_and_goes_on_after_a_failure(cognito, provisioned, boto, actor):
    first, _ = pool_user_create(boto, provisioned.pool_id)
    second, _ = pool_user_create(boto, provisioned.pool_id)
    missing = "00000000-0000-0000-0000-000000000000"

    result = services.users_bulk_apply(actor=actor, usernames=[first, missing, second], action="disable")

    assert result.succeeded == [first, second]
    assert result.failed == {missing: "That user is not in the pool (any more)."}
    assert not _cognito_user(boto, provisioned.pool_id, second)["Enabled"]


def test_bulk_paces_calls_under_the_quota(settings, cognito, provisioned, superuser_actor):
    """Faked with botocore's Stubber (so no time passes on the wire) and a fake clock: checks the spacing only."""
    settings.COGNITO_BULK_RATE = 20
    now, sleeps = [0.0], []

    def sleep(seconds):
        sleeps.append(round(seconds, 3))
        now[0] += seconds

    with Stubber(cognito._client) as stub:
        for username in ["a", "b", "c"]:
            fakes.stub_target(stub, username)
            stub.add_response("admin_enable_user", {})
        result = services.users_bulk_apply(
            actor=superuser_actor, usernames=["a", "b", "c"], action="enable", sleep=sleep, clock=lambda: now[0]
        )
    assert result.succeeded == ["a", "b", "c"]
    assert sleeps == [0.05, 0.05]


def test_bulk_retries_throttled_calls_with_backoff(settings, cognito, provisioned, superuser_actor):
    """Faked with botocore's Stubber: the local stack never throttles."""
    settings.COGNITO_BULK_RETRIES = 2
    sleeps = []
    with Stubber(cognito._client) as stub:
        fakes.stub_target(stub, "slow")
        stub.add_client_error("admin_disable_user", "TooManyRequestsException", "Rate exceeded", 400)
        fakes.stub_target(stub, "slow")
        stub.add_response("admin_disable_user", {})
        for _ in range(3):
            fakes.stub_target(stub, "stuck")
            stub.add_client_error("admin_disable_user", "TooManyRequestsException", "Rate exceeded", 400)
        result = services.users_bulk_apply(
            actor=superuser_actor, usernames=["slow", "stuck"], action="disable", sleep=sleeps.append
        )
    assert result.succeeded == ["slow"]
    assert result.failed == {"stuck": "Cognito is throttling requests right now; try again in a moment."}
    assert [s for s in sleeps if s >= 0.5] == [0.5, 0.5, 1.0]
    assert LogEntry.objects.filter(object_id="slow").count() == 1
    assert not LogEntry.objects.filter(object_id="stuck").exists()


# -- groups -----------------------------------------------------------------------


def test_groups_create_count_and_delete(cognito, provisioned, boto, actor):
    name = unique_email("grp").split("@")[0]
    services.group_create(actor=actor, name=name, description="Temporary", precedence=50)
    _username, _ = pool_user_create(boto, provisioned.pool_id, groups=[name])
    rows = {row.group.name: row for row in services.groups_list()}
    assert (rows[name].members, rows[name].more) == (1, False)
    assert rows[name].group.precedence == 50

    services.group_delete(actor=actor, name=name)
    assert name not in {row.group.name for row in services.groups_list(with_members=False)}
    assert [e.action_flag for e in LogEntry.objects.filter(object_id=name).order_by("pk")] == [ADDITION, DELETION]


def test_group_update_is_not_available_on_the_local_stack(cognito, provisioned, actor):
    """MiniStack has no UpdateGroup: nothing changes and nothing is logged."""
    with pytest.raises(NotAvailable):
        services.group_update(actor=actor, name="members", description="Changed", precedence=5)
    assert services.group_get(name="members").description == "Signed-in members of the site."
    assert not LogEntry.objects.exists()


def test_group_update_on_aws(cognito, provisioned, actor):
    """Faked with botocore's Stubber: the AWS path of UpdateGroup, which the local stack lacks."""
    with Stubber(cognito._client) as stub:
        stub.add_response(
            "update_group",
            {},
            {"UserPoolId": provisioned.pool_id, "GroupName": "members", "Description": "Changed", "Precedence": 5},
        )
        services.group_update(actor=actor, name="members", description="Changed", precedence=5)
        stub.assert_no_pending_responses()
    assert LogEntry.objects.get(object_id="members").action_flag == CHANGE


def test_group_input_is_checked_first(cognito, provisioned, actor, cognito_calls):
    for kwargs in ({"name": "two words"}, {"name": "ok", "precedence": -1}, {"name": "ok", "description": "x" * 2049}):
        with pytest.raises(InputRefused):
            services.group_create(actor=actor, **kwargs)
    assert cognito_calls == []


# -- sync -------------------------------------------------------------------------


def test_sync_brings_linked_users_up_to_date(cognito, provisioned, boto):
    username, email = pool_user_create(boto, provisioned.pool_id, given_name="Fresh", groups=["staff"])
    stale = linked_user_create(username, "old@example.com", first_name="Stale")
    boto.admin_disable_user(UserPoolId=provisioned.pool_id, Username=username)
    gone = linked_user_create("11111111-2222-3333-4444-555555555555", "gone@example.com")
    progress = []

    result = services.users_sync(progress=lambda seen, total: progress.append((seen, total)))

    stale.refresh_from_db()
    gone.refresh_from_db()
    assert (stale.email, stale.first_name, stale.is_active, stale.is_staff) == (email, "Fresh", False, True)
    assert list(stale.groups.values_list("name", flat=True)) == ["staff"]
    assert gone.is_active is False
    assert (result.linked, result.updated, result.missing) == (1, 1, 1)
    assert result.seen >= 4
    assert progress[-1][0] == result.seen


def test_resend_is_only_for_users_who_never_signed_in(cognito, provisioned, boto, actor, cognito_calls):
    username, email = pool_user_create(boto, provisioned.pool_id)
    with pytest.raises(CognitoError) as caught:
        services.user_invitation_resend(actor=actor, username=username)
    assert caught.value.plain == "Only users who have not signed in yet can be invited again."
    assert "AdminCreateUser" not in cognito_calls
    assert services.local_messages(actor=policy.SYSTEM, to=email).messages == []


def test_create_with_a_temporary_password_set_now(cognito, provisioned, boto, actor):
    email = unique_email("setnow")
    services.user_create(actor=actor, email=email, temporary_password="Chosen-Passw0rd!")
    assert _cognito_user(boto, provisioned.pool_id, email)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert "Chosen-Passw0rd!" in services.local_messages(actor=policy.SYSTEM, to=email).messages[0].body
    assert "temporary password set by staff" in LogEntry.objects.get().change_message


# -- who may change whom ----------------------------------------------------------


def test_staff_cannot_escalate_through_groups_or_admin_users(cognito, provisioned, boto, actor, cognito_calls):
    """With only the change permission, a staff member may not touch staff/admin users or groups."""
    username, _ = pool_user_create(boto, provisioned.pool_id)
    with pytest.raises(NotAllowed, match="Only a superuser"):
        services.user_group_add(actor=actor, username=username, group="admins")
    with pytest.raises(NotAllowed, match="Only a superuser"):
        services.user_password_set(
            actor=actor, username="admin@example.com", password="Taken-0ver-Pass!", permanent=True
        )
    with pytest.raises(NotAllowed):
        services.user_disable(actor=actor, username="staff@example.com")
    assert not any(
        call.startswith(("AdminAddUserToGroup", "AdminSetUserPassword", "AdminDisableUser")) for call in cognito_calls
    )
    assert services.user_detail(username=username).groups == []
    assert not LogEntry.objects.exists()


def test_a_superuser_may_change_admin_users_and_groups(cognito, provisioned, boto, superuser_actor):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    services.user_group_add(actor=superuser_actor, username=username, group="staff")
    assert services.user_detail(username=username).groups == ["staff"]
    services.user_group_remove(actor=superuser_actor, username=username, group="staff")


def test_bulk_stops_when_cognito_is_unreachable(settings, cognito, provisioned, superuser_actor):
    """A closed port: the first failure stops the run instead of waiting out every user's timeouts."""
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9"
    result = services.users_bulk_apply(actor=superuser_actor, usernames=["a", "b", "c"], action="disable")
    assert result.succeeded == []
    assert result.failed["b"] == result.failed["c"] == "Not attempted: Cognito could not be reached."
    assert "could not be reached" in result.failed["a"]


def test_bulk_set_password_reads_the_policy_once(cognito, provisioned, boto, superuser_actor, cognito_calls):
    usernames = [pool_user_create(boto, provisioned.pool_id)[0] for _ in range(3)]
    cognito_calls.clear()
    result = services.users_bulk_apply(
        actor=superuser_actor,
        usernames=usernames,
        action="set_password",
        params={"password": "Bulk-Passw0rd!!", "permanent": True},
    )
    assert result.succeeded == usernames
    assert cognito_calls.count("DescribeUserPool") == 1


def test_the_groups_list_counts_one_page_per_group(cognito, provisioned, boto, superuser_actor, cognito_calls):
    """Past 60 members a group reads "60+", so the list costs one call per group however large they are."""
    name = unique_email("big").split("@")[0]
    services.group_create(actor=superuser_actor, name=name)
    for _ in range(61):
        pool_user_create(boto, provisioned.pool_id, groups=[name])
    cognito_calls.clear()
    rows = {row.group.name: row for row in services.groups_list()}
    assert (rows[name].members, rows[name].more) == (60, True)
    assert cognito_calls.count("ListUsersInGroup") == len(rows)
    services.group_delete(actor=superuser_actor, name=name)


def test_a_group_that_exists_is_refused_in_plain_words(cognito, provisioned, superuser_actor):
    with pytest.raises(GroupExists) as caught:
        services.group_create(actor=superuser_actor, name="members")
    assert caught.value.plain == "A group with that name already exists."
    assert not LogEntry.objects.exists()
