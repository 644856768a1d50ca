"""Provisioning the self-service settings of config/cognito.toml: MFA, email verification before update."""

import pytest
from django.conf import settings

from accounts.cognito.client import CognitoClient
from accounts.provisioning.pool import load_spec, pool_provision
from tests.flows import empty_region

pytestmark = pytest.mark.django_db
REGION = "ca-central-1"  # a region of its own: test_amazon_and_saml.py provisions eu-north-1


@pytest.fixture
def empty_stack(settings, local_stack):
    return empty_region(settings, local_stack, REGION)


def test_mfa_is_optional_with_apps_and_a_changed_email_waits_for_its_code(empty_stack):
    spec = load_spec(settings.COGNITO_PROVISION_FILE)
    first = pool_provision(spec=spec, cognito=CognitoClient(), region=REGION)
    mfa = empty_stack.get_user_pool_mfa_config(UserPoolId=first.pool_id)
    assert mfa["MfaConfiguration"] == "OPTIONAL"
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    pool = empty_stack.describe_user_pool(UserPoolId=first.pool_id)["UserPool"]
    assert pool["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"] == ["email"]
    client = empty_stack.describe_user_pool_client(UserPoolId=first.pool_id, ClientId=first.client_id)
    assert set(client["UserPoolClient"]["ExplicitAuthFlows"]) == {
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
    }
    assert any(change.startswith("set MFA to OPTIONAL") for change in first.changes)

    again = pool_provision(spec=spec, cognito=CognitoClient(), region=REGION)
    assert not any(change.startswith("set MFA") for change in again.changes), "a re-run rewrote the MFA settings"
    assert empty_stack.get_user_pool_mfa_config(UserPoolId=first.pool_id)["MfaConfiguration"] == "OPTIONAL"
