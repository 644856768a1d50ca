"""The renewal lease holds across processes: gunicorn workers on PostgreSQL spend a refresh token once.

The lease is a conditional UPDATE on the session's row (accounts/sessions/renewal.py).
In one process the tests in tests/accounts/sessions/ show it with threads; here
the requests land in separate gunicorn worker processes sharing only PostgreSQL,
which is how the site runs in production. The token endpoint is the counting fake
of tests/fakes.py (the local stack cannot delay a refresh to widen the race, nor
count refresh calls), reached by the workers over HTTP.
"""

import re
import threading
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import UserSession
from tests import fakes
from tests.flows import callback_with
from tests.servers import gunicorn_serving, production_environment

pytestmark = pytest.mark.django_db(transaction=True)
CONCURRENT_REQUESTS = 8
WORKERS = 4


@pytest.fixture
def database_url():
    """The URL of the test database, which the workers share with this test (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        pytest.skip("runs in make test's PostgreSQL run: gunicorn workers cannot share the test's SQLite file safely")
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_concurrent_requests_in_several_workers_renew_once(client, fake_cognito, database_url, tmp_path):
    """N requests of one session due for renewal, across workers: 1 refresh call, all 200, the session lives on."""
    assert callback_with(client, fake_cognito).status_code == 302
    session_key = client.session.session_key
    UserSession.objects.filter(session_key=session_key).update(next_check_at=timezone.now() - timedelta(seconds=1))
    # The refresh answers slowly, so the other requests arrive while the first worker holds the lease.
    fake_cognito.refresh_delay = 1.0
    env = production_environment(
        tmp_path,
        DJANGO_SECRET_KEY=settings.SECRET_KEY,  # the session's tokens are encrypted with a key derived from it
        DJANGO_DATABASE_URL=database_url,
        DJANGO_CONN_MAX_AGE="0",  # no connection may outlive the server: the test database is dropped after
        DJANGO_TRUST_X_FORWARDED_PROTO="true",
        COGNITO_REGION=fakes.REGION,
        COGNITO_USER_POOL_ID=fakes.POOL_ID,
        COGNITO_CLIENT_ID=fakes.CLIENT_ID,
        COGNITO_CLIENT_SECRET=fakes.CLIENT_SECRET,
        COGNITO_DOMAIN=fake_cognito.url,
        COGNITO_ENDPOINT_URL=fake_cognito.url,
        # Sync workers take one request at a time, so concurrent requests must spread over processes.
        WEB_CONCURRENCY=str(WORKERS),
        GUNICORN_THREADS="1",
        GUNICORN_CMD_ARGS="--access-logformat 'served-by=%(p)s status=%(s)s path=%(U)s'",
    )
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}", "X-Forwarded-Proto": "https"}
    statuses = []
    with gunicorn_serving(env) as server:
        start = threading.Barrier(CONCURRENT_REQUESTS)

        def visit():
            start.wait()
            answer = requests.get(f"{server.url}/account/", headers=headers, allow_redirects=False, timeout=60)
            statuses.append(answer.status_code)

        threads = [threading.Thread(target=visit) for _ in range(CONCURRENT_REQUESTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after = requests.get(f"{server.url}/account/", headers=headers, allow_redirects=False, timeout=60)

    assert statuses == [200] * CONCURRENT_REQUESTS, server.log
    assert fake_cognito.grants["refresh_token"] == 1
    assert after.status_code == 200
    record = UserSession.objects.get(session_key=session_key)
    assert record.renewed_at is not None
    assert record.lease_until is None
    served_by = set(re.findall(r"served-by=<(\d+)> status=200 path=/account/", server.log))
    assert len(served_by) >= 2, server.log
