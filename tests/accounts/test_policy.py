"""accounts.policy: no staff permission, alone or together, reaches superuser; against the real local stack.

Each test here was written against the code before the policy existed and
failed there (the findings of the "Staff permissions that cannot be escalated"
issue); they name the finding they cover.
"""

import dataclasses
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import policy
from accounts.exceptions import CognitoError, NotAllowed
from accounts.models import Job, UserSession
from accounts.pooladmin import bulk, localmail
from accounts.pooladmin.services import groups as group_services
from accounts.pooladmin.services import users as user_services
from tests.factories import linked_user_create, pool_user_create, staff_user_create, unique_email

pytestmark = pytest.mark.django_db
User = get_user_model()
USERS = "/admin/accounts/cognitouser/"
GROUPS = "/admin/accounts/cognitogroup/"
PASSWORD = "Chosen-Passw0rd!x"


def all_permissions_staff():
    """A staff member (not superuser) holding every permission of the accounts app and of Django's groups."""
    codenames = Permission.objects.filter(content_type__app_label="accounts").values_list("codename", flat=True)
    staff = staff_user_create(*codenames)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_group", "change_group"]))
    return User.objects.get(pk=staff.pk)


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def _groups(boto, pool_id, username):
    return sorted(
        g["GroupName"] for g in boto.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)["Groups"]
    )


def _signed_in_session(user):
    """Give ``user`` a site session with its record, as a sign-in would."""
    client = Client()
    client.force_login(user)
    key = client.session.session_key
    assert UserSession.objects.filter(user=user, session_key=key).exists()  # recorded at login
    return key


# -- finding 1: the add permission created admins ---------------------------------------


def test_add_permission_cannot_create_an_admin(client, cognito, provisioned, boto, cognito_calls):
    client.force_login(staff_user_create("view_cognitouser", "add_cognitouser"))
    email = unique_email("would-be-admin")
    form = client.get(f"{USERS}add/").context["form"]
    offered = {value for value, _ in form.fields["groups"].choices}
    assert "members" in offered
    assert not offered & {"staff", "admins"}

    response = client.post(
        f"{USERS}add/",
        {"email": email, "groups": ["admins"], "password_choice": "set", "temporary_password": PASSWORD},
    )

    assert response.status_code == 200  # the form again, with the refusal
    assert "groups" in response.context["form"].errors
    assert "AdminCreateUser" not in cognito_calls
    assert not boto.list_users(UserPoolId=provisioned.pool_id, Filter=f'email = "{email}"')["Users"]


def test_user_create_refuses_a_privileged_group_before_any_call(cognito, actor, cognito_calls):
    with pytest.raises(NotAllowed, match="Only a superuser can put people in the admins group"):
        user_services.user_create(actor=actor, email=unique_email(), groups=["members", "admins"])
    assert cognito_calls == []


def test_a_superuser_still_creates_an_admin(cognito, provisioned, boto, superuser_actor):
    result = user_services.user_create(actor=superuser_actor, email=unique_email("new-admin"), groups=["admins"])
    assert _groups(boto, provisioned.pool_id, result.user.username) == ["admins"]


# -- finding 2: Django's user admin was superuser in disguise ----------------------------


def test_change_user_cannot_grant_flags_or_permissions(client, cognito):
    staff = staff_user_create("view_user", "change_user")
    member = User.objects.create(username="m-sub", cognito_sub="m-sub", email="m@example.com", first_name="Mem")
    client.force_login(staff)
    every = list(Permission.objects.values_list("pk", flat=True))
    page = client.get(f"/admin/accounts/user/{member.pk}/change/")
    assert page.status_code == 200
    assert "is_superuser" not in page.context["adminform"].form.fields  # shown read-only

    response = client.post(
        f"/admin/accounts/user/{member.pk}/change/",
        {
            "first_name": "Changed",
            "email": "staff-chose@example.com",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "user_permissions": every,
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.is_staff, member.is_superuser) == (False, False)
    assert not member.user_permissions.exists()
    assert (member.first_name, member.email) == ("Mem", "m@example.com")  # Cognito's copies, not staff's


def test_change_user_cannot_touch_a_staff_row_not_even_its_own(client, cognito):
    staff = staff_user_create("view_user", "change_user", "delete_user")
    client.force_login(staff)
    own = client.post(
        f"/admin/accounts/user/{staff.pk}/change/",
        {"first_name": "", "last_name": "", "email": "", "is_superuser": "on", "is_staff": "on", "_save": "Save"},
    )
    assert own.status_code == 403
    assert client.post(f"/admin/accounts/user/{staff.pk}/delete/", {"post": "yes"}).status_code == 403
    staff.refresh_from_db()
    assert not staff.is_superuser


def test_change_group_cannot_grant_permissions(client, cognito):
    staff = all_permissions_staff()
    group = Group.objects.create(name="staff")
    staff.groups.add(group)
    client.force_login(staff)
    every = list(Permission.objects.values_list("pk", flat=True))
    response = client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "staff", "permissions": every})
    assert response.status_code == 403
    assert not group.permissions.exists()


# -- finding 5: groups ------------------------------------------------------------------


def test_staff_cannot_delete_change_or_create_a_privileged_group(client, cognito, provisioned, boto):
    client.force_login(all_permissions_staff())

    deleted = client.post(f"{GROUPS}admins/delete/", follow=True)
    created = client.post(f"{GROUPS}add/", {"name": "staff", "description": "mine"}, follow=True)
    changed = client.post(f"{GROUPS}staff/change/", {"description": "x", "precedence": 99}, follow=True)

    assert "Only a superuser can delete the admins group: it grants staff or admin rights." in _messages(deleted)
    assert any("Only a superuser can create the staff group" in m for m in _messages(created))
    assert any("Only a superuser can change the staff group" in m for m in _messages(changed))
    names = {g["GroupName"] for g in boto.list_groups(UserPoolId=provisioned.pool_id)["Groups"]}
    assert {"admins", "staff"} <= names


def test_staff_may_still_manage_an_ordinary_group(client, cognito):
    client.force_login(all_permissions_staff())
    name = f"readers-{unique_email().split('@')[0]}"
    client.post(f"{GROUPS}add/", {"name": name})
    response = client.post(f"{GROUPS}{name}/delete/", follow=True)
    assert f"Deleted group {name}." in _messages(response)


# -- finding 6: invitation resend -------------------------------------------------------


def test_resending_an_invitation_to_a_pending_admin_is_refused(client, cognito, provisioned, boto):
    email = unique_email("pending-admin")
    boto.admin_create_user(
        UserPoolId=provisioned.pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    boto.admin_add_user_to_group(UserPoolId=provisioned.pool_id, Username=email, GroupName="admins")
    client.force_login(staff_user_create("view_cognitouser", "change_cognitouser"))

    response = client.post(f"{USERS}{email}/action/resend_invitation/", follow=True)

    assert any("Only a superuser can invite again" in m for m in _messages(response))
    assert localmail.local_messages(actor=policy.SYSTEM, to=email).messages == []


# -- finding 7: local mail --------------------------------------------------------------


def test_local_mail_hides_messages_to_staff_and_admins_from_non_superusers(client, cognito, superuser_actor):
    admin_email, member_email = unique_email("mail-admin"), unique_email("mail-member")
    user_services.user_create(actor=superuser_actor, email=admin_email, groups=["admins"])
    user_services.user_create(actor=superuser_actor, email=member_email, groups=["members"])
    client.force_login(staff_user_create("view_cognitouser", "change_cognitouser"))

    page = client.get(f"{USERS}local-mail/").content.decode()

    assert member_email in page
    assert admin_email not in page
    assert re.search(r"\d+ messages? (is|are) hidden: only a superuser may read mail to staff, to admins", page)
    shown_to_superuser = localmail.local_messages(actor=superuser_actor, to=admin_email).messages
    assert "temporary password" in shown_to_superuser[0].body


# -- finding 9: site-side effects find the person however they were named --------------


@pytest.mark.parametrize(
    "service", [user_services.user_disable, user_services.user_delete, user_services.user_sign_out_everywhere]
)
def test_a_user_named_by_email_loses_their_site_sessions(cognito, provisioned, boto, superuser_actor, service):
    username, email = pool_user_create(boto, provisioned.pool_id)
    sub = next(
        a["Value"]
        for a in boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=username)["UserAttributes"]
        if a["Name"] == "sub"
    )
    site_user = User.objects.create(username=sub, cognito_sub=sub, cognito_username=username, email=email)
    key = _signed_in_session(site_user)

    service(actor=superuser_actor, username=email)

    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=site_user).exists()
    site_user.refresh_from_db()
    assert site_user.is_active is (service is user_services.user_sign_out_everywhere)


# -- finding 13: bulk runs -----------------------------------------------------------------


def test_bulk_set_password_reads_the_policy_once(admin_client, cognito, provisioned, boto, cognito_calls):
    usernames = [pool_user_create(boto, provisioned.pool_id)[0] for _ in range(2)]
    cognito_calls.clear()
    response = admin_client.post(
        f"{USERS}bulk/",
        {"action": "set_password", "username": usernames, "password": PASSWORD, "confirm": "1"},
        follow=True,
    )
    assert response.context["outcome"] == "2 done of 2"
    # Once to check the form, once by the job for its whole run: never once per user.
    assert cognito_calls.count("DescribeUserPool") == 2
    # The job kept the password encrypted while it ran, and forgets it when it ends.
    assert Job.objects.get(pk=response.context["job"].pk).secret == ""


def test_a_bulk_run_stops_at_its_time_budget_and_says_what_it_did_not_try(
    cognito, provisioned, boto, settings, superuser_actor
):
    settings.COGNITO_BULK_TIME_BUDGET = 20
    usernames = [pool_user_create(boto, provisioned.pool_id)[0] for _ in range(3)]
    now = [0.0]

    def clock():
        return now[0]

    def sleep(seconds):
        now[0] += seconds

    def slow_disable(**kwargs):
        now[0] += 15  # as if throttled and retried at length
        return user_services.user_disable(**kwargs)

    settings_actions = dict(bulk.BULK_ACTIONS)
    try:
        bulk.BULK_ACTIONS["disable"] = dataclasses.replace(bulk.BULK_ACTIONS["disable"], service=slow_disable)
        result = bulk.users_bulk_apply(
            actor=superuser_actor, usernames=usernames, action="disable", sleep=sleep, clock=clock
        )
    finally:
        bulk.BULK_ACTIONS.clear()
        bulk.BULK_ACTIONS.update(settings_actions)

    assert result.succeeded == usernames[:2]
    assert result.failed == dict.fromkeys(usernames[2:], bulk.NOT_ATTEMPTED_TIME)
    assert boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=usernames[2])["Enabled"] is True


# -- all together: every Cognito-admin permission, still no way to privilege ------------------


ESCALATIONS = {
    # name: (method, url or callable(ordinary_username) -> url, data)
    "add user into admins": (
        "post",
        f"{USERS}add/",
        lambda u: {
            "email": unique_email("esc"),
            "groups": ["admins"],
            "password_choice": "set",
            "temporary_password": PASSWORD,
        },
    ),
    "add user into staff": (
        "post",
        f"{USERS}add/",
        lambda u: {"email": unique_email("esc"), "groups": ["staff"], "password_choice": "invite"},
    ),
    "page: add to admins": (
        "post",
        lambda u: f"{USERS}{u}/action/group_add/",
        lambda u: {"group": "admins", "confirm": "1"},
    ),
    "page: add to staff": (
        "post",
        lambda u: f"{USERS}{u}/action/group_add/",
        lambda u: {"group": "staff", "confirm": "1"},
    ),
    "bulk: add to admins": (
        "post",
        f"{USERS}bulk/",
        lambda u: {"action": "group_add", "username": [u], "group": "admins", "confirm": "1"},
    ),
    "delete admins group": ("post", f"{GROUPS}admins/delete/", lambda u: {}),
    "delete staff group": ("post", f"{GROUPS}staff/delete/", lambda u: {}),
    **{
        f"page: {action} the admin": (
            "post",
            f"{USERS}admin@example.com/action/{action}/",
            lambda u, a=action: {"confirm": "1", "group": "admins", "password": PASSWORD, "permanent": "on"},
        )
        for action in [*bulk.BULK_ACTIONS, "resend_invitation"]
    },
    **{
        f"bulk: {action} the admin": (
            "post",
            f"{USERS}bulk/",
            lambda u, a=action: {
                "action": a,
                "username": ["admin@example.com", "staff@example.com"],
                "confirm": "1",
                "group": "admins",
                "password": PASSWORD,
                "permanent": "on",
            },
        )
        for action in bulk.BULK_ACTIONS
    },
    "edit the admin's attributes": (
        "post",
        f"{USERS}admin@example.com/change/",
        lambda u: {"given_name": "Owned", "email": "attacker@example.com", "mark_email_verified": "on"},
    ),
    "make a Django user superuser": (
        "post",
        lambda u: f"/admin/accounts/user/{User.objects.get(cognito_username=u).pk}/change/",
        lambda u: {
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "_save": "Save",
        },
    ),
}


@pytest.mark.parametrize("name", list(ESCALATIONS))
def test_every_cognito_admin_permission_still_cannot_privilege_anyone(client, cognito, provisioned, boto, name):
    pool = provisioned.pool_id
    ordinary, email = pool_user_create(boto, pool, groups=["members"])
    linked_user_create(ordinary, email)
    staff = all_permissions_staff()
    client.force_login(staff)
    admin_before = boto.admin_get_user(UserPoolId=pool, Username="admin@example.com")
    method, url, data = ESCALATIONS[name]
    url = url(ordinary) if callable(url) else url

    response = getattr(client, method)(url, data(ordinary), follow=True)

    assert response.status_code in {200, 403}
    admin_after = boto.admin_get_user(UserPoolId=pool, Username="admin@example.com")
    for key in ("Enabled", "UserStatus", "UserAttributes"):
        assert admin_after[key] == admin_before[key], key
    assert _groups(boto, pool, "admin@example.com") == ["admins"]
    assert _groups(boto, pool, "staff@example.com") == ["staff"]
    assert _groups(boto, pool, ordinary) == ["members"]
    assert {"admins", "staff"} <= {g["GroupName"] for g in boto.list_groups(UserPoolId=pool)["Groups"]}
    assert not boto.list_users(UserPoolId=pool, Filter='email ^= "esc-"')["Users"]  # nobody was created
    assert not User.objects.filter(is_superuser=True).exists()
    if url.startswith("/admin/accounts/user/"):
        assert not User.objects.get(cognito_username=ordinary).is_superuser
    else:
        assert not LogEntry.objects.filter(user=staff).exists()  # no change was made, so none was logged


def test_a_member_holding_every_accounts_permission_cannot_reach_the_admin(client, cognito, cognito_calls):
    member = User.objects.create(username="perm-member", cognito_sub="perm-member", email="pm@example.com")
    member.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    client.force_login(member)
    for url in ("/admin/", USERS, f"{USERS}add/", GROUPS, "/admin/accounts/user/", "/staff/link-accounts/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"], url
    assert cognito_calls == []


def test_the_policy_calls_privileged_what_the_issue_does(settings):
    settings.COGNITO_STAFF_GROUPS = ["staff", "admins"]
    settings.COGNITO_SUPERUSER_GROUPS = ["admins", "owners"]
    plain = dict(username="u", sub="s", email="e@example.com", status="CONFIRMED", enabled=True)
    assert policy.Target(**plain, groups=frozenset({"owners"})).privileged
    assert policy.Target(**plain, groups=frozenset({"staff", "members"})).privileged
    assert not policy.Target(**plain, groups=frozenset({"members"})).privileged
    assert policy.Target(**plain, linked=User(is_staff=True)).privileged
    assert not policy.Target(**plain, linked=User()).privileged
    assert policy.grantable_groups(actor=User(is_staff=True), names=["members", "owners", "staff"]) == ["members"]
    assert policy.grantable_groups(actor=User(is_superuser=True), names=["members", "owners"]) == ["members", "owners"]


# -- found by the attack review after the policy landed --------------------------------------


def test_only_a_superuser_marks_an_email_verified(cognito, provisioned, boto, actor, superuser_actor):
    """Linking trusts a verified email: staff who could mark one verified could plant their own sign-in."""
    username, email = pool_user_create(boto, provisioned.pool_id)
    with pytest.raises(NotAllowed, match="Only a superuser can mark an email address verified"):
        user_services.user_attributes_update(
            actor=actor, username=username, attributes={"email": "planted@example.com"}, mark_email_verified=True
        )
    attributes = {
        a["Name"]: a["Value"]
        for a in boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=username)["UserAttributes"]
    }
    assert attributes["email"] == email
    # Staff may still change it, unverified; a superuser may verify.
    new = unique_email("changed")
    user_services.user_attributes_update(actor=actor, username=username, attributes={"email": new})
    user_services.user_attributes_update(
        actor=superuser_actor,
        username=username,
        attributes={"email": unique_email("verified")},
        mark_email_verified=True,
    )


def test_the_attributes_form_offers_verification_to_superusers_only(client, admin_client, cognito, provisioned, boto):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    client.force_login(staff_user_create("view_cognitouser", "change_cognitouser"))
    assert "mark_email_verified" not in client.get(f"{USERS}{username}/change/").context["form"].fields
    assert "mark_email_verified" in admin_client.get(f"{USERS}{username}/change/").context["form"].fields


def test_local_mail_to_an_address_nobody_has_now_is_hidden(cognito, superuser_actor):
    """A pending admin whose email was corrected: their invitation went to the old address, which no user has."""
    old, new = unique_email("typo-admin"), unique_email("fixed-admin")
    user = user_services.user_create(actor=superuser_actor, email=old, groups=["admins"]).user
    user_services.user_attributes_update(
        actor=superuser_actor, username=user.username, attributes={"email": new}, mark_email_verified=True
    )
    staff = staff_user_create("view_cognitouser", "change_cognitouser")

    mail = localmail.local_messages(actor=staff, to=old)

    assert mail.messages == []
    assert mail.hidden == 1
    assert localmail.local_messages(actor=superuser_actor, to=old).messages  # superusers still read it


def test_resending_an_invitation_never_reaches_someone_else(client, cognito, superuser_actor):
    """An ordinary pending user given a pending admin's address: RESEND by email would reach the admin."""
    admin_email = unique_email("pending-admin")
    user_services.user_create(actor=superuser_actor, email=admin_email, groups=["admins"])
    member = user_services.user_create(actor=superuser_actor, email=unique_email("pending-member"), groups=["members"])
    staff = staff_user_create("view_cognitouser", "change_cognitouser")
    try:
        user_services.user_attributes_update(
            actor=staff, username=member.user.username, attributes={"email": admin_email}
        )
    except CognitoError:
        pytest.skip("this Cognito refuses a second user with the same email")
    client.force_login(staff)

    response = client.post(f"{USERS}{member.user.username}/action/resend_invitation/", follow=True)

    assert any("another user" in m for m in _messages(response)), _messages(response)
    assert len(localmail.local_messages(actor=superuser_actor, to=admin_email).messages) == 1


def test_django_groups_are_managed_by_superusers_only(client, cognito):
    """Names bind Cognito groups to permissions: a renamed group would hand its permissions to another group."""
    helpdesk = Group.objects.create(name="helpdesk")
    staff = all_permissions_staff()
    client.force_login(staff)
    assert client.post(f"/admin/auth/group/{helpdesk.pk}/change/", {"name": "staff"}).status_code == 403
    assert client.post("/admin/auth/group/add/", {"name": "admins"}).status_code == 403
    assert client.post(f"/admin/auth/group/{helpdesk.pk}/delete/", {"post": "yes"}).status_code == 403
    helpdesk.refresh_from_db()
    assert helpdesk.name == "helpdesk"
    assert client.get("/admin/auth/group/").status_code == 200  # still readable


def test_deleting_an_ordinary_group_with_staff_in_it_is_refused(cognito, provisioned, boto, superuser_actor):
    """Deleting takes every member out: of a staff member, only a superuser may."""
    name = f"helpdesk-{unique_email().split('@')[0]}"
    group_services.group_create(actor=superuser_actor, name=name)
    user_services.user_group_add(actor=superuser_actor, username="staff@example.com", group=name)
    staff = staff_user_create("view_cognitogroup", "delete_cognitogroup")
    try:
        with pytest.raises(NotAllowed, match=f"Only a superuser can delete the {name} group while staff@example.com"):
            group_services.group_delete(actor=staff, name=name)
        assert name in _groups(boto, provisioned.pool_id, "staff@example.com")
    finally:
        group_services.group_delete(actor=superuser_actor, name=name)


def test_staff_cannot_create_site_users(client, cognito):
    """A Django user named like someone's sub would stand in the way of their first sign-in."""
    client.force_login(all_permissions_staff())
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_nobody_acts_as_superuser_by_default():
    assert not policy.acts_as_superuser(None)
    assert policy.acts_as_superuser(policy.SYSTEM)


def test_only_a_superuser_changes_the_company_groups_a_sign_in_maps(cognito, provisioned, boto, actor, superuser_actor):
    """custom:idp_groups holds what the company asserted; at the next company sign-in it maps to Cognito groups
    (staff, where declared). A staff member who could write it could make someone staff; an assertion
    without the groups claim leaves the stored value as it was (AWS and the local stack)."""
    username, _ = pool_user_create(boto, provisioned.pool_id)
    with pytest.raises(NotAllowed, match="Only a superuser can change the company groups"):
        user_services.user_attributes_update(
            actor=actor, username=username, attributes={"custom:idp_groups": "it-admins"}
        )
    attributes = {
        a["Name"]: a["Value"]
        for a in boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=username)["UserAttributes"]
    }
    assert "custom:idp_groups" not in attributes
    user_services.user_attributes_update(
        actor=superuser_actor, username=username, attributes={"custom:idp_groups": "engineering"}
    )


def test_the_attributes_form_offers_the_company_groups_to_superusers_only(
    client, admin_client, cognito, provisioned, boto
):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    client.force_login(staff_user_create("view_cognitouser", "change_cognitouser"))
    assert "custom:idp_groups" not in client.get(f"{USERS}{username}/change/").context["form"].fields
    assert "custom:idp_groups" in admin_client.get(f"{USERS}{username}/change/").context["form"].fields
