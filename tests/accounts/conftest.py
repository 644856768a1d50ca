"""Fixtures for the Cognito user admin tests."""

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def cognito_calls(cognito):
    """The names of the Cognito API calls the site makes during the test, in order (a botocore event hook)."""
    calls = []

    def record(model, **kwargs):
        calls.append(model.name)

    events = cognito._client.meta.events
    events.register("before-call.cognito-idp", record, unique_id="test-cognito-calls")
    yield calls
    events.unregister("before-call.cognito-idp", unique_id="test-cognito-calls")


@pytest.fixture
def actor(db):
    """The staff member who makes the changes (for the admin log)."""
    return get_user_model().objects.create(username="actor", email="actor@example.com", is_staff=True)


@pytest.fixture
def superuser_actor(db):
    """A superuser making changes: no privilege check reads the target's groups first."""
    return get_user_model().objects.create(
        username="super-actor", email="super@example.com", is_staff=True, is_superuser=True
    )
