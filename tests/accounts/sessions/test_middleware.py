"""A signed-in page costs at most one query more than Django's own: the session's record, read once."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSession
from tests import fakes
from tests.flows import start_sign_in

pytestmark = pytest.mark.django_db
MIDDLEWARE = "accounts.sessions.middleware.CognitoSessionMiddleware"


@pytest.fixture
def signed_in(client, fake_cognito):
    """Sign in against the fake token endpoint (the count must not depend on the local stack's timing)."""
    params = parse_qs(urlparse(start_sign_in(client)).query)
    fake_cognito.issue(fake_cognito.keys[0].sign(fakes.id_claims(nonce=params["nonce"][0], email="pat@example.com")))
    response = client.get(reverse("oidc_authentication_callback"), {"code": "c", "state": params["state"][0]})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # the sign-in's message is shown and gone
    return client


def _statements(client, path="/"):
    """Return the SQL a fresh handler runs for one request of the same browser."""
    browser = Client()
    browser.cookies = client.cookies
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def _djangos_own(signed_in, settings, path="/"):
    middleware = settings.MIDDLEWARE
    settings.MIDDLEWARE = [name for name in middleware if name != MIDDLEWARE]
    count = len(_statements(signed_in, path))
    settings.MIDDLEWARE = middleware
    return count


@pytest.mark.parametrize("path", ["/", "/account/"])
def test_a_recently_seen_session_costs_one_read_and_no_write(signed_in, settings, django_assert_num_queries, path):
    own = _djangos_own(signed_in, settings, path)
    with django_assert_num_queries(own + 1) as queries:
        assert signed_in.get(path).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if '"last_seen"' in q["sql"] and "UPDATE" in q["sql"]]


def test_last_seen_is_written_once_it_is_a_minute_old(signed_in, settings, django_assert_num_queries):
    record = UserSession.objects.get(session_key=signed_in.session.session_key)
    UserSession.objects.filter(pk=record.pk).update(last_seen=timezone.now() - timedelta(minutes=2))
    own = _djangos_own(signed_in, settings)
    with django_assert_num_queries(own + 2):
        assert signed_in.get("/").status_code == 200
    record.refresh_from_db()
    assert timezone.now() - record.last_seen < timedelta(seconds=5)
