"""`manage.py seed_demo_users` (devstack's own command) and `cognito_provision --demo-users`, which runs it."""

import pytest
from django.core.management import CommandError, call_command

from accounts.cognito.client import CognitoClient
from devstack.demo import load_demo_users
from devstack.management.commands import seed_demo_users
from tests.flows import empty_region, local_boto

# A region no other test provisions: the first test here finds it empty.
REGION = "ca-central-1"
POOL_NAME = "django-cognito-site"


@pytest.fixture
def empty_stack(settings, local_stack):
    return empty_region(settings, local_stack, REGION)


def _pool_ids(boto):
    return [p["Id"] for p in boto.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == POOL_NAME]


def test_seeding_twice_leaves_each_demo_user_confirmed_verified_and_in_its_group(empty_stack, capsys):
    call_command("cognito_provision")
    (pool_id,) = _pool_ids(empty_stack)
    call_command("seed_demo_users", "--pool-id", pool_id)
    call_command("seed_demo_users", "--pool-id", pool_id)

    demo = load_demo_users()
    cognito = CognitoClient(pool_id=pool_id)
    for user in demo["users"]:
        seen = cognito.get_user(user["email"])
        assert seen.status == "CONFIRMED"
        assert seen.attributes["email_verified"] == "true"
        assert seen.attributes["given_name"] == user["given_name"]
        assert cognito.list_groups_for_user(user["email"]) == user["groups"]
    assert len(empty_stack.list_users(UserPoolId=pool_id)["Users"]) == len(demo["users"])
    out = capsys.readouterr().out
    assert "demo user admin@example.com in admins" in out
    assert f"demo password: {demo['password']}" in out


def test_the_site_pool_is_seeded_by_default(empty_stack, settings):
    call_command("cognito_provision")
    (settings.COGNITO_USER_POOL_ID,) = _pool_ids(empty_stack)
    call_command("seed_demo_users")
    assert CognitoClient().get_user("member@example.com").status == "CONFIRMED"


def test_provisioning_with_demo_users_runs_the_devstack_command(empty_stack, capsys):
    call_command("cognito_provision", "--demo-users")
    (pool_id,) = _pool_ids(empty_stack)
    assert "demo user staff@example.com in staff" in capsys.readouterr().out
    assert CognitoClient(pool_id=pool_id).list_groups_for_user("staff@example.com") == ["staff"]


def test_seeding_is_refused_outside_the_local_stack(settings, monkeypatch):
    settings.COGNITO_ENDPOINT_URL = ""
    built = []
    monkeypatch.setattr(seed_demo_users, "CognitoClient", lambda **kwargs: built.append(kwargs))
    with pytest.raises(CommandError, match="only works against the local stack"):
        call_command("seed_demo_users", "--pool-id", "us-east-1_AnyPool")
    assert built == []  # Cognito was not even reached


def test_seeding_without_a_pool_says_to_provision_first(settings, local_stack):
    settings.COGNITO_ENDPOINT_URL = local_stack.url
    settings.COGNITO_USER_POOL_ID = ""
    with pytest.raises(CommandError, match="run cognito_provision first"):
        call_command("seed_demo_users")


def test_demo_users_without_the_devstack_app_are_refused_before_provisioning(settings, local_stack):
    """As under production settings, which never install devstack: nothing is created in Cognito."""
    settings.COGNITO_REGION = "sa-east-1"  # untouched by every other test
    settings.COGNITO_ENDPOINT_URL = local_stack.url
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "devstack"]
    with pytest.raises(CommandError, match="needs the devstack app"):
        call_command("cognito_provision", "--demo-users")
    assert _pool_ids(local_boto(local_stack.url, "sa-east-1")) == []


def test_the_demo_staff_group_gets_a_working_admin_and_nothing_privileged(cognito):
    """`make run` grants them after migrating: staff@example.com sees users, groups and the add form."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    call_command("seed_demo_users", "--staff-permissions")
    call_command("seed_demo_users", "--staff-permissions")  # safe to re-run
    staff = get_user_model().objects.create(username="demo-staff", email="staff@example.com", is_staff=True)
    staff.groups.add(Group.objects.get(name="staff"))
    client = Client()
    client.force_login(staff)
    for url in ("/admin/", "/admin/accounts/cognitouser/", "/admin/accounts/cognitogroup/", "/admin/accounts/job/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/accounts/cognitouser/add/").status_code == 200
    refused = client.post("/admin/accounts/cognitouser/bulk/", {"action": "disable", "username": ["x"]})
    assert refused.status_code == 403
    assert "accounts.change_cognitouser" in refused.content.decode()
    assert client.get("/admin/auth/group/").status_code == 403
