"""cognito_provision against the real local stack, asserted with boto3."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.cognito.client import CognitoClient
from accounts.cognito.types import IdentityProvider
from accounts.exceptions import CognitoError
from accounts.provisioning.pool import identity_providers_provision, load_spec, pool_provision
from tests.flows import empty_region

pytestmark = pytest.mark.django_db


REGION = "ap-southeast-2"


@pytest.fixture
def empty_stack(settings, local_stack):
    """A region of the local stack where no pool exists until the test provisions one."""
    return empty_region(settings, local_stack, REGION)


def _pool_state(client, name):
    pools = [p for p in client.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == name]
    assert len(pools) == 1
    pool_id = pools[0]["Id"]
    clients = client.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    # The site's own client first; the machine client is asserted on its own.
    clients = sorted(clients, key=lambda c: c["ClientName"] != "django-site")
    groups = client.list_groups(UserPoolId=pool_id)["Groups"]
    details = client.describe_user_pool_client(UserPoolId=pool_id, ClientId=clients[0]["ClientId"])["UserPoolClient"]
    return pool_id, clients, groups, details


def test_running_twice_leaves_one_pool_two_clients_three_groups(empty_stack, tmp_path):
    env_file = tmp_path / "cognito.env"
    call_command("cognito_provision", "--write-env", str(env_file))
    first = env_file.read_text()
    call_command("cognito_provision", "--write-env", str(env_file))

    pool_id, clients, groups, details = _pool_state(empty_stack, "django-cognito-site")
    assert sorted(c["ClientName"] for c in clients) == ["django-site", "django-site-machine"]
    assert sorted(g["GroupName"] for g in groups) == ["admins", "members", "staff"]
    # The second run kept the same ids and secret, so a running site keeps working.
    assert env_file.read_text() == first
    assert f"COGNITO_USER_POOL_ID={pool_id}" in first
    assert f"COGNITO_CLIENT_SECRET={details['ClientSecret']}" in first
    assert (env_file.stat().st_mode & 0o777) == 0o600
    assert details["AllowedOAuthFlows"] == ["code"]
    api = "https://api.django-cognito-site.local"
    assert set(details["AllowedOAuthScopes"]) == {
        "openid",
        "email",
        "profile",
        "aws.cognito.signin.user.admin",
        f"{api}/sessions.read",
        f"{api}/sessions.write",
        f"{api}/users.read",
    }
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
    cognito = CognitoClient(pool_id=pool_id)
    for email, group in expected.items():
        user = cognito.get_user(email)
        assert user.status == "CONFIRMED"
        assert user.attributes["email_verified"] == "true"
        assert user.attributes["given_name"]
        assert user.attributes["family_name"]
        assert cognito.list_groups_for_user(email) == [group]
    users = empty_stack.list_users(UserPoolId=pool_id)["Users"]
    assert len(users) == 3


def test_demo_users_are_refused_outside_the_local_stack(settings):
    settings.COGNITO_ENDPOINT_URL = ""
    with pytest.raises(CommandError, match="only works against the local stack"):
        call_command("cognito_provision", "--demo-users")


def test_printed_settings_leave_the_client_secret_out(empty_stack, capsys):
    call_command("cognito_provision")
    out = capsys.readouterr().out
    pool_id, clients, _, details = _pool_state(empty_stack, "django-cognito-site")
    machine = empty_stack.describe_user_pool_client(UserPoolId=pool_id, ClientId=clients[1]["ClientId"])
    assert "COGNITO_CLIENT_ID=" in out
    assert "COGNITO_M2M_CLIENT_ID=" in out
    assert details["ClientSecret"] not in out
    assert machine["UserPoolClient"]["ClientSecret"] not in out


def test_identity_providers_are_declared_once_and_offered_by_the_client(empty_stack, simulated_idps, tmp_path):
    """Locally each provider is an OIDC provider under its AWS name, pointing at its simulated stand-in."""
    args = [f"--simulated-idp={name}={issuer}" for name, issuer in simulated_idps.issuers.items()]
    env_file = tmp_path / "cognito.env"
    call_command("cognito_provision", *args, "--write-env", str(env_file))
    first = env_file.read_text()
    call_command("cognito_provision", *args, "--write-env", str(env_file))

    pool_id, clients, _, details = _pool_state(empty_stack, "django-cognito-site")
    providers = empty_stack.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"]
    assert sorted((p["ProviderName"], p["ProviderType"]) for p in providers) == [
        ("Facebook", "OIDC"),
        ("Google", "OIDC"),
        ("SignInWithApple", "OIDC"),
    ]
    assert sorted(c["ClientName"] for c in clients) == ["django-site", "django-site-machine"]
    assert details["SupportedIdentityProviders"] == ["COGNITO", "Google", "Facebook", "SignInWithApple"]
    apple = empty_stack.describe_identity_provider(UserPoolId=pool_id, ProviderName="SignInWithApple")
    apple = apple["IdentityProvider"]
    assert apple["ProviderDetails"]["oidc_issuer"] == simulated_idps.issuers["SignInWithApple"]
    assert apple["ProviderDetails"]["authorize_scopes"] == "openid email"
    assert apple["AttributeMapping"]["email_verified"] == "email_verified"
    assert env_file.read_text() == first
    assert "COGNITO_IDENTITY_PROVIDERS=Google,Facebook,SignInWithApple" in first


def test_simulated_providers_are_refused_outside_the_local_stack(settings):
    settings.COGNITO_ENDPOINT_URL = ""
    with pytest.raises(CommandError, match="only works against the local stack"):
        call_command("cognito_provision", "--simulated-idp=Google=http://127.0.0.1:1")


class _RecordingCognito:
    """A fake of the seam for the AWS path: MiniStack refuses nothing here, but AWS is not reachable from tests."""

    is_local = False

    def __init__(self, existing=()):
        self.providers = {p.name: p for p in existing}
        self.calls = []

    def list_identity_providers(self):
        return list(self.providers.values())

    def create_identity_provider(self, name, *, type, details, attribute_mapping):
        self.calls.append(("create", name, type, details, attribute_mapping))
        self.providers[name] = IdentityProvider(name=name, type=type)

    def update_identity_provider(self, name, *, details, attribute_mapping):
        self.calls.append(("update", name, None, details, attribute_mapping))


AWS_ENV = {
    "COGNITO_GOOGLE_CLIENT_ID": "123.apps.googleusercontent.com",
    "COGNITO_GOOGLE_CLIENT_SECRET": "google-secret",
    "COGNITO_APPLE_CLIENT_ID": "com.example.web",
    "COGNITO_APPLE_TEAM_ID": "TEAM123456",
    "COGNITO_APPLE_KEY_ID": "KEY1234567",
    "COGNITO_APPLE_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\\nMIGT\\n-----END PRIVATE KEY-----",
}


def _declare_on_aws(cognito):
    spec = load_spec(settings.COGNITO_PROVISION_FILE)
    return identity_providers_provision(spec=spec, cognito=cognito, environ=AWS_ENV, simulated_issuers={})


def test_on_aws_providers_get_their_social_types_credentials_and_mappings():
    cognito = _RecordingCognito()
    result = _declare_on_aws(cognito)
    # Facebook has no credentials in the environment: skipped, and said so.
    assert result.names == ["Google", "SignInWithApple"]
    assert "skipped identity provider Facebook: set COGNITO_FACEBOOK_CLIENT_ID, COGNITO_FACEBOOK_CLIENT_SECRET" in (
        result.changes
    )
    (_, _, google_type, google, google_map), (_, _, apple_type, apple, apple_map) = cognito.calls
    assert google_type == "Google"
    assert google == {
        "client_id": "123.apps.googleusercontent.com",
        "client_secret": "google-secret",
        "authorize_scopes": "openid email profile",
    }
    assert google_map["email_verified"] == "email_verified"
    assert google_map["picture"] == "picture"
    assert apple_type == "SignInWithApple"
    assert apple["private_key"] == "-----BEGIN PRIVATE KEY-----\nMIGT\n-----END PRIVATE KEY-----"
    assert (apple["team_id"], apple["key_id"], apple["authorize_scopes"]) == ("TEAM123456", "KEY1234567", "email name")
    assert apple_map["given_name"] == "firstName"

    # Running again updates in place.
    cognito.calls.clear()
    _declare_on_aws(cognito)
    assert [call[:2] for call in cognito.calls] == [("update", "Google"), ("update", "SignInWithApple")]


def test_a_provider_of_another_type_is_not_silently_replaced():
    cognito = _RecordingCognito(existing=[IdentityProvider(name="Google", type="OIDC")])
    with pytest.raises(CognitoError, match="has type OIDC, not Google; delete it first"):
        _declare_on_aws(cognito)


def test_the_resource_server_and_machine_client_are_declared_once(empty_stack, tmp_path):
    env_file = tmp_path / "cognito.env"
    call_command("cognito_provision", "--write-env", str(env_file))
    call_command("cognito_provision", "--write-env", str(env_file))
    pool_id = _pool_state(empty_stack, "django-cognito-site")[0]
    servers = empty_stack.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"]
    assert [s["Identifier"] for s in servers] == ["https://api.django-cognito-site.local"]
    assert {s["ScopeName"] for s in servers[0]["Scopes"]} == {"users.read", "sessions.read", "sessions.write"}
    machine = next(
        c
        for c in empty_stack.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
        if c["ClientName"] == "django-site-machine"
    )
    details = empty_stack.describe_user_pool_client(UserPoolId=pool_id, ClientId=machine["ClientId"])["UserPoolClient"]
    assert details["AllowedOAuthFlows"] == ["client_credentials"]
    assert details["AllowedOAuthScopes"] == ["https://api.django-cognito-site.local/users.read"]
    written = env_file.read_text()
    assert f"COGNITO_M2M_CLIENT_ID={machine['ClientId']}" in written
    assert f"COGNITO_M2M_CLIENT_SECRET={details['ClientSecret']}" in written
    assert "COGNITO_API_IDENTIFIER=https://api.django-cognito-site.local" in written


def _spec_with(**changes):
    spec = load_spec(settings.COGNITO_PROVISION_FILE)
    for section, values in changes.items():
        spec[section] = {**spec[section], **values}
    return spec


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"machine_client": {"api_scopes": ["users.write"]}}, "does not declare: users.write"),
        ({"client": {"api_scopes": ["nope"]}}, "does not declare: nope"),
        ({"machine_client": {"generate_secret": False}}, "need generate_secret"),
        ({"machine_client": {"scopes": ["openid"]}}, "only the resource server's scopes"),
        ({"machine_client": {"oauth_flows": ["client_credentials", "code"]}}, "mixes client credentials"),
    ],
    ids=["unknown machine scope", "unknown site scope", "no secret", "openid", "mixed flows"],
)
def test_what_only_aws_refuses_is_refused_before_any_call(changes, reason, cognito_calls_none):
    """The local stack accepts these (see README); Cognito would refuse them, so provisioning does first."""
    with pytest.raises(CognitoError, match=reason):
        pool_provision(spec=_spec_with(**changes), cognito=cognito_calls_none, region=REGION)


@pytest.fixture
def cognito_calls_none():
    """A seam that fails the test if provisioning calls Cognito at all."""

    class NoCalls:
        def __getattr__(self, name):
            raise AssertionError(f"Cognito was called ({name}) before the declaration was checked")

    return NoCalls()


@pytest.mark.parametrize(("allow", "admin_only"), [(True, False), (False, True)])
def test_self_sign_up_is_applied_to_the_pool(empty_stack, allow, admin_only):
    """[signup] allow_self_sign_up becomes the pool's AllowAdminCreateUserOnly, and the seam reads it back."""
    spec = load_spec(settings.COGNITO_PROVISION_FILE)
    spec["signup"] = {**spec["signup"], "allow_self_sign_up": allow}
    # IAM is global: this region's identity pool would take over the session's roles' trust.
    spec.pop("identity_pool", None)
    result = pool_provision(spec=spec, cognito=CognitoClient(), region=REGION)
    pool = empty_stack.describe_user_pool(UserPoolId=result.pool_id)["UserPool"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is admin_only
    assert CognitoClient(pool_id=result.pool_id).describe_pool().admin_create_user_only is admin_only
