"""Provisioning Login with Amazon and the company SAML provider: on the real local stack, and on AWS at the seam."""

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.cognito.types import IdentityProvider
from accounts.exceptions import InputRefused
from accounts.provisioning.pool import (
    identity_providers_provision,
    load_spec,
    saml_providers_provision,
    saml_spec_check,
)
from tests.flows import empty_region

pytestmark = pytest.mark.django_db

REGION = "eu-north-1"
GROUPS_CLAIM = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"


@pytest.fixture
def empty_stack(settings, local_stack):
    return empty_region(settings, local_stack, REGION)


def test_provisioning_twice_with_amazon_and_saml_leaves_one_of_each(
    empty_stack, simulated_idps, simulated_saml, tmp_path
):
    metadata = tmp_path / "metadata.xml"
    metadata.write_text(simulated_saml.metadata)
    args = [f"--simulated-idp={name}={issuer}" for name, issuer in simulated_idps.issuers.items()]
    args.append(f"--simulated-saml=ExampleCorp={metadata}")
    env_file = tmp_path / "cognito.env"
    call_command("cognito_provision", *args, "--write-env", str(env_file))
    first = env_file.read_text()
    call_command("cognito_provision", *args, "--write-env", str(env_file))

    pools = [p for p in empty_stack.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == "django-cognito-site"]
    assert len(pools) == 1
    pool_id = pools[0]["Id"]
    providers = empty_stack.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"]
    names = sorted((p["ProviderName"], p["ProviderType"]) for p in providers)
    assert names == [
        ("ExampleCorp", "SAML"),
        ("Facebook", "OIDC"),
        ("Google", "OIDC"),
        ("LoginWithAmazon", "OIDC"),
        ("SignInWithApple", "OIDC"),
    ]
    saml = empty_stack.describe_identity_provider(UserPoolId=pool_id, ProviderName="ExampleCorp")["IdentityProvider"]
    assert saml["IdpIdentifiers"] == ["corp.example"]
    assert saml["AttributeMapping"]["custom:idp_groups"] == GROUPS_CLAIM
    assert f"{simulated_saml.url}/sso" in saml["ProviderDetails"]["MetadataFile"]
    found = empty_stack.get_identity_provider_by_identifier(UserPoolId=pool_id, IdpIdentifier="corp.example")
    assert found["IdentityProvider"]["ProviderName"] == "ExampleCorp"
    # The attribute the groups land in was added once.
    schema = empty_stack.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    assert [a["Name"] for a in schema].count("custom:idp_groups") == 1
    amazon = empty_stack.describe_identity_provider(UserPoolId=pool_id, ProviderName="LoginWithAmazon")
    assert amazon["IdentityProvider"]["ProviderDetails"]["oidc_issuer"] == simulated_idps.issuers["LoginWithAmazon"]
    clients = empty_stack.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    site = next(c for c in clients if c["ClientName"] == "django-site")
    details = empty_stack.describe_user_pool_client(UserPoolId=pool_id, ClientId=site["ClientId"])["UserPoolClient"]
    assert details["SupportedIdentityProviders"][-2:] == ["LoginWithAmazon", "ExampleCorp"]
    assert env_file.read_text() == first
    assert "COGNITO_IDENTITY_PROVIDERS=Google,Facebook,SignInWithApple,LoginWithAmazon,ExampleCorp" in first


class _RecordingCognito:
    """A fake of the seam for the AWS path (AWS is not reachable from tests)."""

    is_local = False

    def __init__(self, existing=()):
        self.providers = {p.name: p for p in existing}
        self.calls = []

    def list_identity_providers(self):
        return list(self.providers.values())

    def create_identity_provider(self, name, *, type, details, attribute_mapping, idp_identifiers=None):
        self.calls.append(("create", name, type, details, attribute_mapping, idp_identifiers))
        self.providers[name] = IdentityProvider(name=name, type=type)

    def update_identity_provider(self, name, *, details, attribute_mapping, idp_identifiers=None):
        self.calls.append(("update", name, None, details, attribute_mapping, idp_identifiers))


def test_on_aws_amazon_is_a_login_with_amazon_provider_with_its_profile_scope():
    cognito = _RecordingCognito()
    environ = {"COGNITO_AMAZON_CLIENT_ID": "amzn1.application-oa2-client.abc", "COGNITO_AMAZON_CLIENT_SECRET": "s3"}
    spec = load_spec(settings.COGNITO_PROVISION_FILE)
    result = identity_providers_provision(spec=spec, cognito=cognito, environ=environ, simulated_issuers={})
    assert result.names == ["LoginWithAmazon"]
    ((_, name, type_, details, mapping, _),) = cognito.calls
    assert (name, type_) == ("LoginWithAmazon", "LoginWithAmazon")
    assert details == {
        "client_id": "amzn1.application-oa2-client.abc",
        "client_secret": "s3",
        "authorize_scopes": "profile",
    }
    assert mapping == {"username": "user_id", "email": "email", "name": "name"}


def test_on_aws_saml_reads_its_metadata_url_and_declares_its_domains():
    spec = load_spec(settings.COGNITO_PROVISION_FILE)
    cognito = _RecordingCognito()
    skipped = saml_providers_provision(spec=spec, cognito=cognito, environ={}, simulated_saml={})
    assert skipped.names == []
    assert skipped.changes == ["skipped SAML provider ExampleCorp: set COGNITO_SAML_EXAMPLECORP_METADATA_URL"]
    url = "https://login.microsoftonline.com/tenant/federationmetadata/2007-06/federationmetadata.xml?appid=x"
    environ = {"COGNITO_SAML_EXAMPLECORP_METADATA_URL": url}
    saml_providers_provision(spec=spec, cognito=cognito, environ=environ, simulated_saml={})
    saml_providers_provision(spec=spec, cognito=cognito, environ=environ, simulated_saml={})
    assert [(c[0], c[1], c[2]) for c in cognito.calls] == [
        ("create", "ExampleCorp", "SAML"),
        ("update", "ExampleCorp", None),
    ]
    assert cognito.calls[0][3] == {"MetadataURL": url}
    assert cognito.calls[0][5] == ["corp.example"]


def _spec(**saml):
    spec = load_spec(settings.COGNITO_PROVISION_FILE)
    spec["saml_providers"] = [{**spec["saml_providers"][0], **saml}]
    return spec


@pytest.mark.parametrize(
    ("saml", "reason"),
    [
        ({"group_mapping": {"it-admins": "admins"}}, "privileged group 'admins'"),
        ({"group_mapping": {"it-admins": "staff"}, "privileged_groups": []}, "privileged group 'staff'"),
        ({"group_mapping": {"x": "nobody"}}, "which \\[\\[groups\\]\\] lacks"),
    ],
)
def test_a_mapping_to_a_privileged_or_unknown_group_is_refused_unless_declared(saml, reason):
    with pytest.raises(InputRefused, match=reason):
        saml_spec_check(_spec(**saml))


def test_one_domain_cannot_belong_to_two_companies():
    spec = _spec()
    spec["saml_providers"].append({**spec["saml_providers"][0], "name": "Other"})
    with pytest.raises(InputRefused, match=r"corp\.example is claimed by both ExampleCorp and Other"):
        saml_spec_check(spec)
