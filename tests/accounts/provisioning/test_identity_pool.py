"""The identity pool, its roles, the role mapping and the files bucket, from config/cognito.toml [identity_pool]."""

import copy
import json

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.conf import settings as django_settings

from accounts.cognito.client import CognitoClient
from accounts.cognito.identity import IdentityClient
from accounts.cognito.storage import SiteStorage
from accounts.exceptions import InputRefused
from accounts.provisioning.identity_pool import (
    LOCAL_POLICY_NOTE,
    SUB_VARIABLE,
    files_policy,
    identity_pool_provision,
    trust_policy,
)
from accounts.provisioning.pool import load_spec
from tests.flows import REGION


def local(service, stack):
    return boto3.client(
        service, endpoint_url=stack.url, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )


def test_the_identity_pool_is_federated_with_the_pool_and_the_sites_client(local_stack, provisioned):
    pool = local("cognito-identity", local_stack).describe_identity_pool(
        IdentityPoolId=provisioned.identity_pool.identity_pool_id
    )
    assert pool["AllowUnauthenticatedIdentities"] is False
    assert pool["AllowClassicFlow"] is False
    assert pool["DeveloperProviderName"] == "login.django-cognito-site"
    assert pool["CognitoIdentityProviders"] == [
        {
            "ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{provisioned.pool_id}",
            "ClientId": provisioned.client_id,
            "ServerSideTokenCheck": True,
        }
    ]


def test_the_role_trusts_only_this_pools_signed_in_identities(local_stack, provisioned):
    iam = local("iam", local_stack)
    role = iam.get_role(RoleName="django-cognito-site-authenticated")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(trust)
    condition = trust["Statement"][0]["Condition"]
    assert condition["StringEquals"] == {
        "cognito-identity.amazonaws.com:aud": provisioned.identity_pool.identity_pool_id
    }
    assert condition["ForAnyValue:StringLike"] == {"cognito-identity.amazonaws.com:amr": "authenticated"}


def test_locally_the_role_allows_the_private_prefix_and_says_so(local_stack, provisioned):
    iam = local("iam", local_stack)
    policy = iam.get_role_policy(RoleName="django-cognito-site-authenticated", PolicyName="files")["PolicyDocument"]
    policy = policy if isinstance(policy, dict) else json.loads(policy)
    bucket = provisioned.identity_pool.bucket
    assert policy["Statement"][1]["Resource"] == f"arn:aws:s3:::{bucket}/private/*"
    assert LOCAL_POLICY_NOTE.format(prefix="private/", bucket=bucket) in provisioned.changes


def test_the_role_mapping_follows_the_token_with_the_declared_fallback(local_stack, provisioned):
    roles = local("cognito-identity", local_stack).get_identity_pool_roles(
        IdentityPoolId=provisioned.identity_pool.identity_pool_id
    )
    assert roles["Roles"] == {"authenticated": provisioned.identity_pool.authenticated_role_arn}
    key = f"cognito-idp.{REGION}.amazonaws.com/{provisioned.pool_id}:{provisioned.client_id}"
    assert roles["RoleMappings"] == {key: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}}


def test_the_bucket_exists_and_the_env_lines_name_it(local_stack, provisioned):
    local("s3", local_stack).head_bucket(Bucket=provisioned.identity_pool.bucket)
    lines = provisioned.env_lines(endpoint_url=local_stack.url)
    assert f"COGNITO_IDENTITY_POOL_ID={provisioned.identity_pool.identity_pool_id}" in lines
    assert f"COGNITO_FILES_BUCKET={provisioned.identity_pool.bucket}" in lines
    assert f"COGNITO_AUTHENTICATED_ROLE_ARN={provisioned.identity_pool.authenticated_role_arn}" in lines


def test_provisioning_again_keeps_the_identity_pool(local_stack, provisioned):
    again = identity_pool_provision(
        spec=load_spec(django_settings.COGNITO_PROVISION_FILE),
        user_pool_id=provisioned.pool_id,
        client_id=provisioned.client_id,
        region=REGION,
        cognito=CognitoClient(region=REGION, endpoint_url=local_stack.url, pool_id=provisioned.pool_id),
        identity=IdentityClient(region=REGION, endpoint_url=local_stack.url),
        storage=SiteStorage(region=REGION, endpoint_url=local_stack.url),
        environ={},
    )
    assert again.identity_pool_id == provisioned.identity_pool.identity_pool_id
    assert again.authenticated_role_arn == provisioned.identity_pool.authenticated_role_arn
    assert not any(change.startswith("created") for change in again.changes)


def test_a_bad_declaration_is_refused_before_any_call():
    spec = copy.deepcopy(load_spec(django_settings.COGNITO_PROVISION_FILE))
    spec["identity_pool"]["ambiguous_role_resolution"] = "Maybe"
    with pytest.raises(InputRefused, match="AuthenticatedRole"):
        identity_pool_provision(spec=spec, user_pool_id="p", client_id="c", region=REGION, cognito=None)


# -- on AWS (Stubber): what the local stack does not show --------------------------------------------


@pytest.fixture
def aws_clients(settings):
    """The seam's clients for AWS itself (no endpoint override), every call under a Stubber."""
    settings.COGNITO_ENDPOINT_URL = ""
    settings.COGNITO_REGION = "eu-west-1"
    cognito = CognitoClient(region="eu-west-1", endpoint_url="", pool_id="eu-west-1_Pool")
    identity = IdentityClient(region="eu-west-1", endpoint_url="")
    storage = SiteStorage(region="eu-west-1", endpoint_url="")
    stubs = [Stubber(c) for c in (cognito._client, identity._identity, identity._iam, storage._s3)]
    for stub in stubs:
        stub.activate()
    yield cognito, identity, storage, stubs
    for stub in stubs:
        stub.assert_no_pending_responses()
        stub.deactivate()


def test_on_aws_the_role_policy_is_per_identity_and_admins_get_their_role_in_the_token(aws_clients):
    """Gaps: MiniStack does not substitute policy variables and ignores role mapping and group role ARNs.

    On AWS the authenticated role's policy names ${cognito-identity.amazonaws.com:sub}, the
    declared fallback (Deny here) goes into the role mapping, and the admins group gets its
    role ARN (UpdateGroup keeps its description and precedence), so admins' ID tokens carry
    cognito:preferred_role.
    """
    cognito, identity, storage, (idp, ci, iam, s3) = aws_clients
    spec = copy.deepcopy(load_spec(django_settings.COGNITO_PROVISION_FILE))
    spec["identity_pool"]["ambiguous_role_resolution"] = "Deny"
    pool_id = "eu-west-1:11111111-2222-3333-4444-555555555555"
    provider = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool"
    declared_pool = {
        "IdentityPoolName": "django_cognito_site",
        "AllowUnauthenticatedIdentities": False,
        "AllowClassicFlow": False,
        "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": "client1", "ServerSideTokenCheck": True}],
        "DeveloperProviderName": "login.django-cognito-site",
    }
    ci.add_response("list_identity_pools", {"IdentityPools": []}, {"MaxResults": 60})
    ci.add_response("create_identity_pool", {"IdentityPoolId": pool_id, **declared_pool}, declared_pool)
    s3.add_response("head_bucket", {}, {"Bucket": "my-company-site-files"})
    s3.add_response(
        "put_public_access_block", {}, {"Bucket": "my-company-site-files", "PublicAccessBlockConfiguration": ANY}
    )
    arns = {}
    for name in ("django-cognito-site-authenticated", "django-cognito-site-admins"):
        arns[name] = f"arn:aws:iam::123456789012:role/{name}"
        iam.add_client_error("get_role", service_error_code="NoSuchEntity", http_status_code=404)
        iam.add_response(
            "create_role",
            {
                "Role": {
                    "RoleName": name,
                    "Arn": arns[name],
                    "Path": "/",
                    "RoleId": "AROAEXAMPLEEXAMPLE1",
                    "CreateDate": "2026-01-01T00:00:00Z",
                }
            },
            {"RoleName": name, "AssumeRolePolicyDocument": json.dumps(trust_policy(pool_id)), "Description": ANY},
        )
        expected_policy = (
            files_policy(bucket="my-company-site-files", prefix="private/", is_local=False)
            if name.endswith("authenticated")
            else ANY
        )
        iam.add_response(
            "put_role_policy",
            {},
            {
                "RoleName": name,
                "PolicyName": "files",
                "PolicyDocument": json.dumps(expected_policy) if expected_policy is not ANY else ANY,
            },
        )
    ci.add_response(
        "set_identity_pool_roles",
        {},
        {
            "IdentityPoolId": pool_id,
            "Roles": {"authenticated": arns["django-cognito-site-authenticated"]},
            "RoleMappings": {f"{provider}:client1": {"Type": "Token", "AmbiguousRoleResolution": "Deny"}},
        },
    )
    idp.add_response(
        "list_groups",
        {"Groups": [{"GroupName": "admins", "Description": "Full access: Django superusers.", "Precedence": 0}]},
    )
    idp.add_response(
        "update_group",
        {"Group": {"GroupName": "admins"}},
        {
            "UserPoolId": "eu-west-1_Pool",
            "GroupName": "admins",
            "Description": "Full access: Django superusers.",
            "Precedence": 0,
            "RoleArn": arns["django-cognito-site-admins"],
        },
    )
    result = identity_pool_provision(
        spec=spec,
        user_pool_id="eu-west-1_Pool",
        client_id="client1",
        region="eu-west-1",
        cognito=cognito,
        identity=identity,
        storage=storage,
        environ={"COGNITO_FILES_BUCKET": "my-company-site-files"},
    )
    assert SUB_VARIABLE in json.dumps(files_policy(bucket="b", prefix="private/", is_local=False))
    assert result.bucket == "my-company-site-files"
    assert not any(change.startswith("local stack") for change in result.changes)
