"""triggers/pre_token_generation.py with AWS's V2_0 (and V3_0 client-credentials) events."""

import pytest

from tests.triggers import events
from triggers import pre_token_generation as trigger

PROVIDER_GROUP = f"{events.POOL_ID}_Google"


def _details(event):
    return trigger.pre_token_generation(event, attribute="custom:plan", claim="plan")["response"][
        "claimsAndScopeOverrideDetails"
    ]


@pytest.mark.parametrize(
    "source", ["TokenGeneration_HostedAuth", "TokenGeneration_Authentication", "TokenGeneration_RefreshTokens"]
)
def test_sign_in_and_refresh_put_the_plan_in_the_access_token(source):
    details = _details(events.pre_token_generation(source, plan="pro"))
    assert details["accessTokenGeneration"] == {"claimsToAddOrOverride": {"plan": "pro"}}
    assert details["idTokenGeneration"] == {}


def test_provider_groups_leave_both_tokens():
    details = _details(events.pre_token_generation(groups=["members", PROVIDER_GROUP, "staff"]))
    # groupOverrideDetails applies to cognito:groups in the ID and the access token alike.
    assert details["groupOverrideDetails"] == {
        "groupsToOverride": ["members", "staff"],
        "iamRolesToOverride": [],
        "preferredRole": None,
    }


def test_another_pools_group_of_the_same_shape_stays():
    details = _details(events.pre_token_generation(groups=["us-east-1_OTHER_Google"]))
    assert details["groupOverrideDetails"]["groupsToOverride"] == ["us-east-1_OTHER_Google"]


def test_the_answer_is_the_same_each_time():
    """The local stack invokes the trigger once per token: the handler must not depend on being called once."""
    event = events.pre_token_generation(groups=[PROVIDER_GROUP])
    first = trigger.pre_token_generation(event, attribute="custom:plan", claim="plan")
    assert trigger.pre_token_generation(first, attribute="custom:plan", claim="plan") == first
    assert event == events.pre_token_generation(groups=[PROVIDER_GROUP])  # the input is not changed


def test_client_credentials_are_left_alone():
    event = events.pre_token_generation_client_credentials()
    assert trigger.pre_token_generation(event, attribute="custom:plan", claim="plan") is event


@pytest.mark.parametrize(
    ("plan", "why"),
    [(None, "no attribute"), ("", "empty"), ("   ", "blank"), ("x" * 65, "too long"), (7, "not a string")],
)
def test_no_claim_without_a_usable_attribute(plan, why):
    event = events.pre_token_generation(plan=None)
    if plan is not None:
        event["request"]["userAttributes"]["custom:plan"] = plan
    assert _details(event)["accessTokenGeneration"] == {}, why


@pytest.mark.parametrize("claim", ["sub", "scope", "client_id", "cognito:groups", ""])
def test_a_reserved_claim_name_is_never_written(claim):
    details = trigger.pre_token_generation(events.pre_token_generation(), attribute="custom:plan", claim=claim)
    assert details["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"] == {}


@pytest.mark.parametrize(
    "broken",
    [
        lambda e: e["request"].pop("groupConfiguration"),
        lambda e: e["request"]["groupConfiguration"].pop("groupsToOverride"),
        lambda e: e["request"]["groupConfiguration"].update(groupsToOverride=None),
    ],
    ids=["no group configuration", "no groups", "null groups"],
)
def test_without_groups_in_the_event_the_groups_are_not_overridden(broken):
    event = events.pre_token_generation()
    broken(event)
    details = _details(event)
    assert "groupOverrideDetails" not in details
    assert details["accessTokenGeneration"] == {"claimsToAddOrOverride": {"plan": "pro"}}


def test_without_a_request_nothing_is_added():
    event = events.pre_token_generation()
    del event["request"]
    assert _details(event) == {"idTokenGeneration": {}, "accessTokenGeneration": {}}


def test_the_handler_reads_attribute_and_claim_from_the_environment(monkeypatch):
    monkeypatch.setenv("CLAIM_ATTRIBUTE", "custom:plan")
    monkeypatch.setenv("CLAIM_NAME", "plan")
    answer = trigger.handler(events.pre_token_generation(plan="team"), None)
    assert answer["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]["claimsToAddOrOverride"] == {
        "plan": "team"
    }
