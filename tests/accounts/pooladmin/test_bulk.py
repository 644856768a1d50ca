"""accounts.pooladmin.bulk against the real local stack; pacing and throttling faked with the Stubber where said."""

import pytest
from botocore.stub import Stubber
from django.contrib.admin.models import LogEntry

from accounts.pooladmin import bulk
from tests import fakes
from tests.factories import pool_user_create

pytestmark = pytest.mark.django_db


def test_bulk_reports_each_user_and_goes_on_after_a_failure(cognito, provisioned, boto, actor):
    first, _ = pool_user_create(boto, provisioned.pool_id)
    second, _ = pool_user_create(boto, provisioned.pool_id)
    missing = "00000000-0000-0000-0000-000000000000"

    result = bulk.users_bulk_apply(actor=actor, usernames=[first, missing, second], action="disable")

    assert result.succeeded == [first, second]
    assert result.failed == {missing: "That user is not in the pool (any more)."}
    assert not boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=second)["Enabled"]


def test_bulk_paces_calls_under_the_quota(settings, cognito, provisioned, superuser_actor):
    """Faked with botocore's Stubber (so no time passes on the wire) and a fake clock: checks the spacing only."""
    settings.COGNITO_BULK_RATE = 20
    now, sleeps = [0.0], []

    def sleep(seconds):
        sleeps.append(round(seconds, 3))
        now[0] += seconds

    with Stubber(cognito._client) as stub:
        for username in ["a", "b", "c"]:
            fakes.stub_target(stub, username)
            stub.add_response("admin_enable_user", {})
        result = bulk.users_bulk_apply(
            actor=superuser_actor, usernames=["a", "b", "c"], action="enable", sleep=sleep, clock=lambda: now[0]
        )
    assert result.succeeded == ["a", "b", "c"]
    assert sleeps == [0.05, 0.05]


def test_bulk_retries_throttled_calls_with_backoff(settings, cognito, provisioned, superuser_actor):
    """Faked with botocore's Stubber: the local stack never throttles."""
    settings.COGNITO_BULK_RETRIES = 2
    sleeps = []
    with Stubber(cognito._client) as stub:
        fakes.stub_target(stub, "slow")
        stub.add_client_error("admin_disable_user", "TooManyRequestsException", "Rate exceeded", 400)
        fakes.stub_target(stub, "slow")
        stub.add_response("admin_disable_user", {})
        for _ in range(3):
            fakes.stub_target(stub, "stuck")
            stub.add_client_error("admin_disable_user", "TooManyRequestsException", "Rate exceeded", 400)
        result = bulk.users_bulk_apply(
            actor=superuser_actor, usernames=["slow", "stuck"], action="disable", sleep=sleeps.append
        )
    assert result.succeeded == ["slow"]
    assert result.failed == {"stuck": "Cognito is throttling requests right now; try again in a moment."}
    assert [s for s in sleeps if s >= 0.5] == [0.5, 0.5, 1.0]
    assert LogEntry.objects.filter(object_id="slow").count() == 1
    assert not LogEntry.objects.filter(object_id="stuck").exists()


def test_bulk_stops_when_cognito_is_unreachable(settings, cognito, provisioned, superuser_actor):
    """A closed port: the first failure stops the run instead of waiting out every user's timeouts."""
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9"
    result = bulk.users_bulk_apply(actor=superuser_actor, usernames=["a", "b", "c"], action="disable")
    assert result.succeeded == []
    assert result.failed["b"] == result.failed["c"] == "Not attempted: Cognito could not be reached."
    assert "could not be reached" in result.failed["a"]


def test_bulk_set_password_reads_the_policy_once(cognito, provisioned, boto, superuser_actor, cognito_calls):
    usernames = [pool_user_create(boto, provisioned.pool_id)[0] for _ in range(3)]
    cognito_calls.clear()
    result = bulk.users_bulk_apply(
        actor=superuser_actor,
        usernames=usernames,
        action="set_password",
        params={"password": "Bulk-Passw0rd!!", "permanent": True},
    )
    assert result.succeeded == usernames
    assert cognito_calls.count("DescribeUserPool") == 1


@pytest.mark.parametrize("name", list(bulk.BULK_ACTIONS))
def test_the_table_decides_what_the_admin_asks_before_an_action(admin_client, cognito, cognito_calls, name):
    """Without "confirm", an action that asks shows its own form (or none) and writes nothing.

    It reads at most one user (AdminGetUser), to name them by email on the page.
    """
    entry = bulk.BULK_ACTIONS[name]
    response = admin_client.post("/admin/accounts/cognitouser/bulk/", {"action": name, "username": ["nobody"]})
    if entry.asks:
        assert response.status_code == 200
        assert response.context["label"] == entry.label
        form = response.context["form"]
        assert type(form) is entry.form if entry.form else form is None
        assert set(cognito_calls) <= {"AdminGetUser"}
    else:
        assert response.status_code == 302  # a job, run at once here by the immediate backend
        # Reads only (the job's for the person's email, the policy's): nobody found, nothing written.
        assert cognito_calls == ["AdminGetUser", "AdminGetUser"]
