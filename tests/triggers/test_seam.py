"""accounts/cognito/functions.py where only AWS behaves so: botocore's Stubber stands in for Lambda.

A role just created is not yet assumable by Lambda on AWS (IAM is eventually
consistent), which the local stack never shows.
"""

import pytest
from botocore.stub import Stubber

from accounts.cognito import functions as seam
from accounts.exceptions import CognitoError

NOT_YET = "The role defined for the function cannot be assumed by Lambda."
CONFIG = {
    "FunctionName": "f",
    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
    "CodeSha256": "abc=",
    "State": "Active",
    "LastUpdateStatus": "Successful",
}


@pytest.fixture
def aws(settings, monkeypatch):
    settings.COGNITO_ENDPOINT_URL = ""
    monkeypatch.setattr(seam.time, "sleep", lambda seconds: None)
    client = seam.FunctionsClient(region="us-east-1", endpoint_url="")
    with Stubber(client._lambda) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _create(client):
    return client.create_function(
        "f",
        zip_bytes=b"zip",
        handler="m.handler",
        runtime="python3.12",
        role_arn="arn:aws:iam::1:role/r",
        timeout=5,
        environment={},
    )


def test_create_function_waits_for_a_new_role_on_aws(aws):
    client, stubber = aws
    stubber.add_client_error("create_function", "InvalidParameterValueException", NOT_YET)
    stubber.add_client_error("create_function", "InvalidParameterValueException", NOT_YET)
    stubber.add_response("create_function", CONFIG)
    stubber.add_response("get_function", {"Configuration": CONFIG})  # the "active" waiter
    assert _create(client).arn == CONFIG["FunctionArn"]


def test_another_invalid_parameter_is_not_retried(aws):
    client, stubber = aws
    stubber.add_client_error("create_function", "InvalidParameterValueException", "Unzipped size must be smaller.")
    with pytest.raises(CognitoError, match="Unzipped size"):
        _create(client)


def test_a_role_that_never_becomes_assumable_fails_with_the_reason(aws):
    client, stubber = aws
    for _ in range(seam.ROLE_PROPAGATION_ATTEMPTS):
        stubber.add_client_error("create_function", "InvalidParameterValueException", NOT_YET)
    with pytest.raises(CognitoError, match="cannot be assumed"):
        _create(client)
