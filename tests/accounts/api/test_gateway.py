"""The same tokens at a local API Gateway method with a Cognito authorizer and at the site's API.

The decisions must match, except that API Gateway answers 401 for a token
without the scope where the site answers 403 insufficient_scope (RFC 6750).
"""

import boto3
import pytest
import requests

from tests.flows import REGION

from .test_local_stack import client_credentials_token, code_flow_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(local_stack, cognito_api):
    """A REST API whose GET /me needs a Cognito access token with users.read; return its invoke URL."""
    apigw = boto3.client(
        "apigateway",
        endpoint_url=local_stack.url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    api = apigw.create_rest_api(name="api-gateway-reference")
    api_id = api["id"]
    root = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    pool_arn = f"arn:aws:cognito-idp:{REGION}:000000000000:userpool/{cognito_api.pool_id}"
    authorizer = apigw.create_authorizer(
        restApiId=api_id,
        name="cognito",
        type="COGNITO_USER_POOLS",
        providerARNs=[pool_arn],
        identitySource="method.request.header.Authorization",
    )
    resource = apigw.create_resource(restApiId=api_id, parentId=root["id"], pathPart="me")
    apigw.put_method(
        restApiId=api_id,
        resourceId=resource["id"],
        httpMethod="GET",
        authorizationType="COGNITO_USER_POOLS",
        authorizerId=authorizer["id"],
        authorizationScopes=[f"{cognito_api.api_identifier}/users.read"],
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=resource["id"],
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(restApiId=api_id, resourceId=resource["id"], httpMethod="GET", statusCode="200")
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=resource["id"],
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": '{"ok": true}'},
    )
    apigw.create_deployment(restApiId=api_id, stageName="test")
    yield f"{local_stack.url}/_aws/execute-api/{api_id}/test/me"
    apigw.delete_rest_api(restApiId=api_id)


def test_the_api_decides_as_api_gateways_authorizer_except_403_for_a_missing_scope(
    api_client, local_stack, cognito_api, boto, demo, gateway, settings, sessions_only_client
):
    other = sessions_only_client
    settings.COGNITO_API_CLIENT_IDS = [cognito_api.client_id, cognito_api.m2m_client_id, other["ClientId"]]
    machine = client_credentials_token(local_stack.url, cognito_api.m2m_client_id, cognito_api.m2m_client_secret)
    no_scope = client_credentials_token(local_stack.url, other["ClientId"], other["ClientSecret"])
    person = code_flow_tokens(
        local_stack.url,
        cognito_api.client_id,
        cognito_api.client_secret,
        "admin@example.com",
        demo["password"],
        f"openid {cognito_api.api_identifier}/users.read",
    )
    cases = {
        "machine token with the scope": (f"Bearer {machine}", 200, 200),
        "person's token with the scope (staff group)": (f"Bearer {person['access_token']}", 200, 200),
        "token without the scope": (f"Bearer {no_scope}", 401, 403),
        "ID token": (f"Bearer {person['id_token']}", 401, 401),
        "garbage": ("Bearer not-a-token", 401, 401),
        "no header": (None, 401, 401),
    }
    for case, (header, at_gateway, at_site) in cases.items():
        headers = {"Authorization": header} if header else {}
        gw = requests.get(gateway, headers=headers, timeout=10)
        site = api_client.get("/api/v1/users?email=a@example.com", **({"HTTP_AUTHORIZATION": header} if header else {}))
        assert (gw.status_code, site.status_code) == (at_gateway, at_site), case
