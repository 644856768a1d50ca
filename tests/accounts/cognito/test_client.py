"""The boto3 seam's user-admin calls: against the real local stack, and faked only where it cannot help."""

import pytest
from botocore.stub import Stubber

from accounts.cognito.client import CognitoClient
from accounts.exceptions import (
    CognitoUnavailable,
    InvalidPassword,
    NotAvailable,
    NotFound,
    TooManyRequests,
    UsernameExists,
)
from tests.factories import pool_user_create, unique_email
from tests.flows import free_port


def test_list_users_page_returns_typed_users_and_never_asks_for_more_than_60(cognito, provisioned):
    page = cognito.list_users_page(filter_expression='email = "admin@example.com"', limit=500)
    assert [u.attributes["email"] for u in page.users] == ["admin@example.com"]
    user = page.users[0]
    assert user.enabled is True
    assert user.status == "CONFIRMED"
    assert user.created is not None
    assert page.next_token == ""


def test_get_user_carries_dates_and_mfa(cognito, provisioned):
    user = cognito.get_user("staff@example.com")
    assert user.modified is not None
    assert user.preferred_mfa == ""
    assert user.mfa_methods == ()


def test_describe_pool_reads_the_password_policy_and_schema(cognito, provisioned):
    settings = cognito.describe_pool()
    assert settings.password_policy.minimum_length == 12
    assert settings.password_policy.require_symbols is True
    assert "given_name" in {a.name for a in settings.attributes}


def test_cognito_errors_become_the_projects_errors(cognito, provisioned, boto):
    _username, email = pool_user_create(boto, provisioned.pool_id)
    with pytest.raises(UsernameExists):
        cognito.invite_user(email, attributes={"email": email})
    with pytest.raises(NotFound):
        cognito.disable_user(unique_email("nobody"))
    with pytest.raises(InvalidPassword):
        cognito.set_user_password(email, "weak", permanent=True)


def test_a_call_the_local_stack_lacks_is_not_available(cognito, provisioned):
    """MiniStack has no UpdateGroup; it answers InvalidAction, which the seam calls NotAvailable."""
    with pytest.raises(NotAvailable):
        cognito.update_group("members", description="x")


def test_sign_in_events_need_threat_protection(cognito, provisioned):
    """Without threat protection Cognito answers UserPoolAddOnNotEnabledException; so does the local stack."""
    with pytest.raises(NotAvailable):
        cognito.list_user_auth_events("member@example.com")


def test_throttling_is_too_many_requests(cognito, provisioned):
    """Faked with botocore's Stubber: the local stack never throttles."""
    with Stubber(cognito._client) as stub:
        stub.add_client_error("admin_disable_user", "TooManyRequestsException", "Rate exceeded", 400)
        with pytest.raises(TooManyRequests) as caught:
            cognito.disable_user("member@example.com")
    assert isinstance(caught.value, CognitoUnavailable)


def test_an_unreachable_pool_is_unavailable(settings, provisioned):
    """Nothing listens on the port: a real connection failure, no fake."""
    settings.COGNITO_TIMEOUT = 0.5
    client = CognitoClient(region="us-east-1", endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(CognitoUnavailable):
        client.list_users_page()


def test_an_answer_botocore_cannot_parse_is_cognito_unavailable_not_a_500(monkeypatch):
    """Faked at the seam's boto3 client: neither the local stack nor AWS sends garbage on purpose, but a proxy
    or an outage can (an HTML error page with status 200). ResponseParserError is no BotoCoreError."""
    from botocore.parsers import ResponseParserError

    from accounts.exceptions import CognitoUnavailable

    client = CognitoClient(pool_id="us-east-1_Garbled1")

    def garbled(**kwargs):
        raise ResponseParserError("Unable to parse response (not valid JSON)")

    monkeypatch.setattr(client._client, "list_groups", garbled)
    with pytest.raises(CognitoUnavailable, match="could not be read"):
        client._call("list_groups", UserPoolId=client.pool_id)
