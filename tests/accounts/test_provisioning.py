"""cognito_provision against the real local stack, asserted with boto3."""

import pytest
from django.core.management import CommandError, call_command

from accounts.cognito import CognitoClient
from tests.conftest import local_boto

pytestmark = pytest.mark.django_db


REGION = "ap-southeast-2"


@pytest.fixture
def empty_stack(settings, local_stack):
    """A region of the local stack where no pool exists until the test provisions one."""
    settings.COGNITO_REGION = REGION
    settings.COGNITO_ENDPOINT_URL = local_stack.url
    settings.COGNITO_SITE_URLS = []
    return local_boto(local_stack.url, REGION)


def _pool_state(client, name):
    pools = [p for p in client.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == name]
    assert len(pools) == 1
    pool_id = pools[0]["Id"]
    clients = client.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    groups = client.list_groups(UserPoolId=pool_id)["Groups"]
    details = client.describe_user_pool_client(UserPoolId=pool_id, ClientId=clients[0]["ClientId"])["UserPoolClient"]
    return pool_id, clients, groups, details


def test_running_twice_leaves_one_pool_one_client_three_groups(empty_stack, tmp_path):
    env_file = tmp_path / "cognito.env"
    call_command("cognito_provision", "--write-env", str(env_file))
    first = env_file.read_text()
    call_command("cognito_provision", "--write-env", str(env_file))

    pool_id, clients, groups, details = _pool_state(empty_stack, "django-cognito-site")
    assert len(clients) == 1
    assert sorted(g["GroupName"] for g in groups) == ["admins", "members", "staff"]
    # The second run kept the same ids and secret, so a running site keeps working.
    assert env_file.read_text() == first
    assert f"COGNITO_USER_POOL_ID={pool_id}" in first
    assert f"COGNITO_CLIENT_SECRET={details['ClientSecret']}" in first
    assert (env_file.stat().st_mode & 0o777) == 0o600
    assert details["AllowedOAuthFlows"] == ["code"]
    assert set(details["AllowedOAuthScopes"]) == {"openid", "email", "profile", "aws.cognito.signin.user.admin"}
    assert set(details["CallbackURLs"]) == {
        "http://127.0.0.1:8000/oidc/callback/",
        "http://localhost:8000/oidc/callback/",
    }
    assert set(details["LogoutURLs"]) == {"http://127.0.0.1:8000/", "http://localhost:8000/"}


def test_demo_users_are_confirmed_verified_and_grouped(empty_stack, tmp_path):
    call_command("cognito_provision", "--demo-users", "--write-env", str(tmp_path / "env"))
    call_command("cognito_provision", "--demo-users", "--write-env", str(tmp_path / "env"))
    pool_id = _pool_state(empty_stack, "django-cognito-site")[0]
    expected = {"admin@example.com": "admins", "staff@example.com": "staff", "member@example.com": "members"}
    cognito = CognitoClient()
    for email, group in expected.items():
        user = cognito.get_user(pool_id, email)
        assert user.status == "CONFIRMED"
        assert user.attributes["email_verified"] == "true"
        assert user.attributes["given_name"]
        assert user.attributes["family_name"]
        assert cognito.list_groups_for_user(pool_id, email) == [group]
    users = empty_stack.list_users(UserPoolId=pool_id)["Users"]
    assert len(users) == 3


def test_demo_users_are_refused_outside_the_local_stack(settings):
    settings.COGNITO_ENDPOINT_URL = ""
    with pytest.raises(CommandError, match="only works against the local stack"):
        call_command("cognito_provision", "--demo-users")


def test_printed_settings_leave_the_client_secret_out(empty_stack, capsys):
    call_command("cognito_provision")
    out = capsys.readouterr().out
    secret = _pool_state(empty_stack, "django-cognito-site")[3]["ClientSecret"]
    assert "COGNITO_CLIENT_ID=" in out
    assert secret not in out
