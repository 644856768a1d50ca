"""accounts.pooladmin.services.users against the real local stack: create, change, the site's side, who may."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.test import Client

from accounts import policy
from accounts.exceptions import CognitoError, InputRefused, NotAllowed
from accounts.models import UserSession
from accounts.pooladmin import localmail, selectors
from accounts.pooladmin.services import users as user_services
from tests.factories import linked_user_create, pool_user_create, unique_email
from tests.flows import hosted_ui_sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "Test-Passw0rd!x"


def _exists(boto, pool_id, email):
    return bool(boto.list_users(UserPoolId=pool_id, Filter=f'email = "{email}"')["Users"])


def _cognito_user(boto, pool_id, username):
    return boto.admin_get_user(UserPoolId=pool_id, Username=username)


def test_create_with_invitation_adds_groups_and_logs(cognito, provisioned, boto, actor):
    email = unique_email("hire")
    result = user_services.user_create(
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
    invitation = localmail.local_messages(actor=policy.SYSTEM, to=email).messages[0]
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
        user_services.user_create(actor=actor, email=email, **fields)
    assert "AdminCreateUser" not in cognito_calls
    assert not LogEntry.objects.exists()
    if "@" in email:
        assert not _exists(boto, provisioned.pool_id, email)


def test_existing_email_is_refused_by_cognito(cognito, provisioned, boto, actor):
    _, email = pool_user_create(boto, provisioned.pool_id)
    with pytest.raises(CognitoError) as caught:
        user_services.user_create(actor=actor, email=email)
    assert caught.value.plain == "A user with that email address already exists."
    assert not LogEntry.objects.exists()


def test_a_group_that_fails_is_reported_not_hidden(cognito, provisioned, boto, actor):
    email = unique_email("partial")
    result = user_services.user_create(actor=actor, email=email, groups=["members", "no-such-group"])
    assert result.groups_added == ["members"]
    assert list(result.groups_failed) == ["no-such-group"]
    assert "Not added to: no-such-group" in LogEntry.objects.get(object_id=result.user.username).change_message


def test_resend_invitation_sends_a_new_temporary_password(cognito, provisioned, boto, actor):
    email = unique_email("resend")
    result = user_services.user_create(actor=actor, email=email)
    user_services.user_invitation_resend(actor=actor, username=result.user.username)
    assert len(localmail.local_messages(actor=policy.SYSTEM, to=email).messages) == 2
    assert _cognito_user(boto, provisioned.pool_id, email)["Username"] == result.user.username


def test_disable_signs_the_site_user_out_and_marks_them_inactive(cognito, provisioned, boto, actor):
    username, email = pool_user_create(boto, provisioned.pool_id, password=PASSWORD)
    browser = Client()
    hosted_ui_sign_in(browser, email, PASSWORD)
    assert browser.get("/account/").status_code == 200

    user_services.user_disable(actor=actor, username=username)

    assert _cognito_user(boto, provisioned.pool_id, username)["Enabled"] is False
    assert browser.get("/account/").status_code == 302
    linked = selectors.linked_users(usernames=[username])[username]
    assert linked.is_active is False
    assert not UserSession.objects.filter(user=linked).exists()
    assert LogEntry.objects.get(object_id=username).change_message == "Disabled; site sessions ended."

    user_services.user_enable(actor=actor, username=username)
    linked.refresh_from_db()
    assert linked.is_active is True
    assert _cognito_user(boto, provisioned.pool_id, username)["Enabled"] is True


def test_sign_out_everywhere_ends_site_sessions_but_keeps_the_user_active(cognito, provisioned, boto, actor):
    username, email = pool_user_create(boto, provisioned.pool_id, password=PASSWORD)
    browser = Client()
    hosted_ui_sign_in(browser, email, PASSWORD)

    user_services.user_sign_out_everywhere(actor=actor, username=username)

    assert browser.get("/account/").status_code == 302
    assert selectors.linked_users(usernames=[username])[username].is_active is True


def test_delete_removes_from_pool_and_deactivates_the_site_user(cognito, provisioned, boto, actor):
    username, email = pool_user_create(boto, provisioned.pool_id)
    django_user = linked_user_create(username, email)

    user_services.user_delete(actor=actor, username=username)

    assert not _exists(boto, provisioned.pool_id, email)
    django_user.refresh_from_db()
    assert django_user.is_active is False
    entry = LogEntry.objects.get(object_id=username)
    assert (entry.action_flag, entry.object_repr) == (DELETION, email)


def test_passwords_reset_and_set(cognito, provisioned, boto, actor, cognito_calls):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    user_services.user_password_reset(actor=actor, username=username)
    assert _cognito_user(boto, provisioned.pool_id, username)["UserStatus"] == "RESET_REQUIRED"

    user_services.user_password_set(actor=actor, username=username, password="Another-Passw0rd!", permanent=False)
    assert _cognito_user(boto, provisioned.pool_id, username)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    user_services.user_password_set(actor=actor, username=username, password="Another-Passw0rd!", permanent=True)
    assert _cognito_user(boto, provisioned.pool_id, username)["UserStatus"] == "CONFIRMED"

    cognito_calls.clear()
    with pytest.raises(InputRefused):
        user_services.user_password_set(actor=actor, username=username, password="weak", permanent=True)
    assert "AdminSetUserPassword" not in cognito_calls


def test_group_membership(cognito, provisioned, boto, actor):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    user_services.user_group_add(actor=actor, username=username, group="members")
    assert selectors.user_detail(username=username).groups == ["members"]
    user_services.user_group_remove(actor=actor, username=username, group="members")
    assert selectors.user_detail(username=username).groups == []
    with pytest.raises(CognitoError):
        user_services.user_group_add(actor=actor, username=username, group="no-such-group")


def test_attributes_update_and_email_verification_choice(
    cognito, provisioned, boto, actor, superuser_actor, cognito_calls
):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    new_email = unique_email("moved")
    user_services.user_attributes_update(
        actor=superuser_actor,  # only a superuser vouches for an address (accounts.policy)
        username=username,
        attributes={"given_name": "Renamed", "email": new_email},
        mark_email_verified=True,
    )
    attributes = selectors.user_detail(username=username).user.attributes
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
            user_services.user_attributes_update(actor=actor, username=username, attributes=bad)
    assert "AdminUpdateUserAttributes" not in cognito_calls


def test_resend_is_only_for_users_who_never_signed_in(cognito, provisioned, boto, actor, cognito_calls):
    username, email = pool_user_create(boto, provisioned.pool_id)
    with pytest.raises(CognitoError) as caught:
        user_services.user_invitation_resend(actor=actor, username=username)
    assert caught.value.plain == "Only users who have not signed in yet can be invited again."
    assert "AdminCreateUser" not in cognito_calls
    assert localmail.local_messages(actor=policy.SYSTEM, to=email).messages == []


def test_create_with_a_temporary_password_set_now(cognito, provisioned, boto, actor):
    email = unique_email("setnow")
    user_services.user_create(actor=actor, email=email, temporary_password="Chosen-Passw0rd!")
    assert _cognito_user(boto, provisioned.pool_id, email)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert "Chosen-Passw0rd!" in localmail.local_messages(actor=policy.SYSTEM, to=email).messages[0].body
    assert "temporary password set by staff" in LogEntry.objects.get().change_message


def test_staff_cannot_escalate_through_groups_or_admin_users(cognito, provisioned, boto, actor, cognito_calls):
    """With only the change permission, a staff member may not touch staff/admin users or groups."""
    username, _ = pool_user_create(boto, provisioned.pool_id)
    with pytest.raises(NotAllowed, match="Only a superuser"):
        user_services.user_group_add(actor=actor, username=username, group="admins")
    with pytest.raises(NotAllowed, match="Only a superuser"):
        user_services.user_password_set(
            actor=actor, username="admin@example.com", password="Taken-0ver-Pass!", permanent=True
        )
    with pytest.raises(NotAllowed):
        user_services.user_disable(actor=actor, username="staff@example.com")
    assert not any(
        call.startswith(("AdminAddUserToGroup", "AdminSetUserPassword", "AdminDisableUser")) for call in cognito_calls
    )
    assert selectors.user_detail(username=username).groups == []
    assert not LogEntry.objects.exists()


def test_a_superuser_may_change_admin_users_and_groups(cognito, provisioned, boto, superuser_actor):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    user_services.user_group_add(actor=superuser_actor, username=username, group="staff")
    assert selectors.user_detail(username=username).groups == ["staff"]
    user_services.user_group_remove(actor=superuser_actor, username=username, group="staff")
