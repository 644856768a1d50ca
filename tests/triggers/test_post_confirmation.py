"""triggers/post_confirmation.py with AWS's PostConfirmation events (the local stack never fires this trigger)."""

import pytest

from tests.triggers import events
from triggers import post_confirmation as trigger


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, pool_id, username, group):
        self.calls.append((pool_id, username, group))


def test_a_confirmed_sign_up_joins_the_default_group():
    add = Recorder()
    event = events.post_confirmation()
    assert trigger.post_confirmation(event, group="members", add_user_to_group=add) is event
    assert add.calls == [(events.POOL_ID, event["userName"], "members")]


def test_a_password_reset_adds_nobody():
    add = Recorder()
    trigger.post_confirmation(
        events.post_confirmation("PostConfirmation_ConfirmForgotPassword"), group="members", add_user_to_group=add
    )
    assert add.calls == []


@pytest.mark.parametrize("missing", ["userName", "userPoolId", "triggerSource"])
def test_an_event_without_a_field_it_reads_adds_nobody(missing):
    add = Recorder()
    event = events.post_confirmation()
    del event[missing]
    assert trigger.post_confirmation(event, group="members", add_user_to_group=add) is event
    assert add.calls == []


def test_no_group_configured_adds_nobody():
    add = Recorder()
    trigger.post_confirmation(events.post_confirmation(), group="", add_user_to_group=add)
    assert add.calls == []


def test_the_handler_calls_admin_add_user_to_group(monkeypatch):
    """The boto3 call is faked at botocore's Stubber: the local stack never fires PostConfirmation."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("cognito-idp", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    event = events.post_confirmation()
    stubber.add_response(
        "admin_add_user_to_group",
        {},
        {"UserPoolId": events.POOL_ID, "Username": event["userName"], "GroupName": "members"},
    )
    monkeypatch.setattr(boto3, "client", lambda service: client)
    monkeypatch.setenv("DEFAULT_GROUP", "members")
    with stubber:
        assert trigger.handler(event, None) is event
    stubber.assert_no_pending_responses()
