"""The curl pair `make run` prints really gets a machine token from the local stack, and the API accepts it."""

import shutil
import subprocess

import pytest

from devstack.run import curl_pair

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_the_printed_token_command_gets_a_token_the_api_accepts(local_stack, cognito, provisioned, settings, client):
    settings.COGNITO_API_IDENTIFIER = provisioned.api_identifier
    settings.COGNITO_M2M_CLIENT_ID = provisioned.m2m_client_id
    env = {
        "COGNITO_ENDPOINT_URL": local_stack.url,
        "COGNITO_API_IDENTIFIER": provisioned.api_identifier,
        "COGNITO_M2M_CLIENT_ID": provisioned.m2m_client_id,
        "COGNITO_M2M_CLIENT_SECRET": provisioned.m2m_client_secret,
    }
    get_token, call = curl_pair(env, site_port=8000)
    token = subprocess.run(  # noqa: S603
        ["/bin/bash", "-c", f"{get_token}; echo $TOKEN"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.strip()
    assert token.count(".") == 2
    response = client.get("/api/v1/users?email=staff@example.com", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert "Authorization: Bearer $TOKEN" in call
    assert "/api/v1/users?email=" in call
