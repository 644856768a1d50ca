"""Fixtures for the API tests: a fake pool for hostile tokens, an API client that sends a bearer token."""

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

API = "https://api.example.test"


@pytest.fixture(autouse=True)
def _fresh_api_cache(settings):
    """Verified tokens and throttle counts must not leak from one test to the next."""
    caches[settings.COGNITO_API_CACHE].clear()
    yield
    caches[settings.COGNITO_API_CACHE].clear()


@pytest.fixture
def fake_api(settings, fake_cognito):
    """The fake pool (tests/fakes.py) with a resource server identifier and a machine client."""
    settings.COGNITO_API_IDENTIFIER = API
    settings.COGNITO_M2M_CLIENT_ID = "fakemachine456"
    settings.COGNITO_API_CLIENT_IDS = []
    return fake_cognito


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def cognito_api(settings, cognito, provisioned):
    """Like ``cognito``, with the provisioned resource server and machine client."""
    settings.COGNITO_API_IDENTIFIER = provisioned.api_identifier
    settings.COGNITO_M2M_CLIENT_ID = provisioned.m2m_client_id
    settings.COGNITO_API_CLIENT_IDS = []
    return provisioned


@pytest.fixture
def sessions_only_client(boto, cognito_api):
    """A machine client of the pool allowed only the API's sessions.read scope, removed after the test."""
    client = boto.create_user_pool_client(
        UserPoolId=cognito_api.pool_id,
        ClientName="sessions-read-only",
        GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=[f"{cognito_api.api_identifier}/sessions.read"],
        AllowedOAuthFlowsUserPoolClient=True,
    )["UserPoolClient"]
    yield client
    boto.delete_user_pool_client(UserPoolId=cognito_api.pool_id, ClientId=client["ClientId"])
