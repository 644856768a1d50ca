"""The API with real tokens from the local stack: client credentials, the code flow, InitiateAuth."""

import time
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from django.contrib.auth import get_user_model

from accounts.cognito.client import CognitoClient
from tests.conftest import TEST_CLIENT_ORIGIN
from tests.flows import FormFields

pytestmark = pytest.mark.django_db
User = get_user_model()
REDIRECT_URI = f"{TEST_CLIENT_ORIGIN}/oidc/callback/"


def client_credentials_token(stack_url, client_id, secret, scope=None):
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    answer = requests.post(f"{stack_url}/oauth2/token", data=data, auth=(client_id, secret), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def code_flow_tokens(stack_url, client_id, secret, email, password, scope):
    """Sign in through the hosted UI for ``scope`` (the site is not involved) and exchange the code."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "s",
    }
    page = requests.get(f"{stack_url}/oauth2/authorize?{urlencode(query)}", timeout=10)
    assert page.status_code == 200, page.text[:300]
    form = FormFields()
    form.feed(page.text)
    form.fields.update(username=email, password=password)
    answer = requests.post(f"{stack_url}{form.action}", data=form.fields, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
    tokens = requests.post(
        f"{stack_url}/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "client_id": client_id},
        auth=(client_id, secret),
        timeout=10,
    )
    assert tokens.status_code == 200, tokens.text
    return tokens.json()


def _bearer(client, url, token):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_client_credentials_token_reads_users(api_client, local_stack, cognito_api):
    User.objects.create(username="sub-sam", cognito_sub="sub-sam", email="sam@example.com")
    token = client_credentials_token(local_stack.url, cognito_api.m2m_client_id, cognito_api.m2m_client_secret)
    me = _bearer(api_client, "/api/v1/me", token).json()
    assert (me["kind"], me["client_id"]) == ("client", cognito_api.m2m_client_id)
    response = _bearer(api_client, "/api/v1/users?email=sam@example.com", token)
    assert response.status_code == 200
    assert [u["sub"] for u in response.json()] == ["sub-sam"]
    assert _bearer(api_client, "/api/v1/users/sub-sam", token).json()["email"] == "sam@example.com"
    assert User.objects.count() == 1


def test_a_client_allowed_only_another_scope_gets_403(
    api_client, local_stack, cognito_api, boto, settings, sessions_only_client
):
    other = sessions_only_client
    settings.COGNITO_API_CLIENT_IDS = [cognito_api.m2m_client_id, other["ClientId"]]
    token = client_credentials_token(local_stack.url, other["ClientId"], other["ClientSecret"])
    response = _bearer(api_client, "/api/v1/users?email=sam@example.com", token)
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert f'scope="{cognito_api.api_identifier}/users.read"' in response["WWW-Authenticate"]
    settings.COGNITO_API_CLIENT_IDS = [cognito_api.m2m_client_id]  # not an accepted client any more
    assert _bearer(api_client, "/api/v1/me", token).status_code == 401


def test_a_demo_users_access_token_calls_me_and_sessions_and_the_id_token_is_refused(
    api_client, local_stack, cognito_api, demo
):
    api = cognito_api.api_identifier
    tokens = code_flow_tokens(
        local_stack.url,
        cognito_api.client_id,
        cognito_api.client_secret,
        "staff@example.com",
        demo["password"],
        f"openid email {api}/sessions.read",
    )
    me = _bearer(api_client, "/api/v1/me", tokens["access_token"])
    assert me.status_code == 200, me.content
    body = me.json()
    assert (body["kind"], body["groups"], body["site_user"]) == ("user", ["staff"], False)
    assert f"{api}/sessions.read" in body["scopes"]
    sessions = _bearer(api_client, "/api/v1/me/sessions", tokens["access_token"])
    assert (sessions.status_code, sessions.json()) == (200, [])
    # The token was not granted sessions.write, nor users.read.
    assert _bearer(api_client, "/api/v1/users?email=a@example.com", tokens["access_token"]).status_code == 403

    refused = _bearer(api_client, "/api/v1/me", tokens["id_token"])
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]
    assert not User.objects.exists()


def test_an_initiate_auth_token_lacks_the_api_scopes(api_client, boto, cognito_api, demo, settings):
    """InitiateAuth gives only aws.cognito.signin.user.admin; a public client with the password flow asks."""
    public = boto.create_user_pool_client(
        UserPoolId=cognito_api.pool_id,
        ClientName="password-flow",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    try:
        settings.COGNITO_API_CLIENT_IDS = [cognito_api.client_id, public["ClientId"]]
        answer = boto.initiate_auth(
            ClientId=public["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "member@example.com", "PASSWORD": demo["password"]},
        )
        token = answer["AuthenticationResult"]["AccessToken"]
        assert _bearer(api_client, "/api/v1/me", token).status_code == 200
        response = _bearer(api_client, "/api/v1/me/sessions", token)
        assert response.status_code == 403
        assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    finally:
        boto.delete_user_pool_client(UserPoolId=cognito_api.pool_id, ClientId=public["ClientId"])


def test_the_opt_in_revocation_check_sees_a_global_sign_out(
    api_client, local_stack, cognito_api, boto, demo, settings, monkeypatch
):
    """Offline verification cannot see a global sign-out; GetUser, asked at most once per window, can.

    A user of its own, so that signing them out everywhere touches no other test's demo user.
    """
    settings.COGNITO_API_REVOCATION_CHECK_SECONDS = 1
    email = "signed-out-api@example.com"
    boto.admin_create_user(
        UserPoolId=cognito_api.pool_id,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    boto.admin_set_user_password(
        UserPoolId=cognito_api.pool_id, Username=email, Password=demo["password"], Permanent=True
    )
    tokens = code_flow_tokens(
        local_stack.url,
        cognito_api.client_id,
        cognito_api.client_secret,
        email,
        demo["password"],
        "openid aws.cognito.signin.user.admin",
    )
    asked = []
    real = CognitoClient.token_user_check
    monkeypatch.setattr(CognitoClient, "token_user_check", lambda self, token: asked.append(1) or real(self, token))
    for _ in range(3):
        assert _bearer(api_client, "/api/v1/me", tokens["access_token"]).status_code == 200
    assert asked == [1]
    boto.admin_user_global_sign_out(UserPoolId=cognito_api.pool_id, Username=email)
    time.sleep(1.1)
    refused = _bearer(api_client, "/api/v1/me", tokens["access_token"])
    assert refused.status_code == 401
    assert 'error_description="The access token has been revoked."' in refused["WWW-Authenticate"]
    assert not User.objects.exists()
    boto.admin_delete_user(UserPoolId=cognito_api.pool_id, Username=email)
