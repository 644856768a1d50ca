"""The triggers deployed by provisioning and run by the local stack (MiniStack executes the Python functions).

The stack fires PreSignUp, PreTokenGeneration V2 (once per token) and
CustomMessage for AdminCreateUser only; the other sources and PostConfirmation
are covered by the unit tests beside this file. It ignores groupOverrideDetails
where AWS reads it, so the provider groups' removal is a unit test too (README).
"""

import base64
import hashlib
import hmac
import json
import re
import shutil
import uuid

import boto3
import pytest
from django.urls import reverse

from accounts import policy
from accounts.cognito.client import CognitoClient
from accounts.cognito.functions import FunctionsClient
from accounts.models import UserSession
from accounts.pooladmin import localmail
from accounts.provisioning import triggers
from accounts.provisioning.pool import pool_provision
from accounts.sessions import encryption
from tests.conftest import own_pool_spec
from tests.flows import REGION, hosted_ui_sign_in
from tests.triggers import events


def _boto(service, stack):
    return boto3.client(
        service, endpoint_url=stack.url, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )


def _provision(stack, spec):
    return pool_provision(spec=spec, cognito=CognitoClient(region=REGION, endpoint_url=stack.url), region=REGION)


def _function_names(spec):
    prefix = spec["triggers"]["function_prefix"]
    return [f"{prefix}-{module.replace('_', '-')}" for module in spec["triggers"]["functions"].values()]


def _upload_calls(functions):
    calls = []
    events = functions._lambda.meta.events

    def record(model, **kwargs):
        calls.append(model.name)

    events.register("before-call.lambda", record, unique_id="test-lambda-calls")
    return calls, lambda: events.unregister("before-call.lambda", unique_id="test-lambda-calls")


def test_the_first_run_deploys_every_trigger_and_points_the_pool_at_them(local_stack, allow_listed_pool):
    spec, result = allow_listed_pool
    lam, idp = _boto("lambda", local_stack), _boto("cognito-idp", local_stack)
    assert sorted(c for c in result.changes if c.startswith("created function")) == sorted(
        f"created function {name}" for name in _function_names(spec)
    )
    pool = idp.describe_user_pool(UserPoolId=result.pool_id)["UserPool"]
    config = pool["LambdaConfig"]
    arns = {name: lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"] for name in _function_names(spec)}
    prefix = spec["triggers"]["function_prefix"]
    assert config["PreSignUp"] == arns[f"{prefix}-pre-sign-up"]
    assert config["PostConfirmation"] == arns[f"{prefix}-post-confirmation"]
    assert config["CustomMessage"] == arns[f"{prefix}-custom-message"]
    assert config["PreTokenGenerationConfig"] == {
        "LambdaVersion": "V2_0",
        "LambdaArn": arns[f"{prefix}-pre-token-generation"],
    }
    # Setting the triggers reset nothing else (UpdateUserPool resets what it is not given).
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert "custom:plan" in {a["Name"] for a in pool["SchemaAttributes"]}
    # Cognito may invoke each function, for this pool only.
    for name in _function_names(spec):
        (statement,) = json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]
        assert statement["Principal"] == {"Service": "cognito-idp.amazonaws.com"}
        assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == pool["Arn"]


def test_the_roles_have_only_what_each_handler_needs(local_stack, allow_listed_pool):
    spec, result = allow_listed_pool
    iam = _boto("iam", local_stack)
    prefix = spec["triggers"]["function_prefix"]
    for name in _function_names(spec):
        document = iam.get_role_policy(RoleName=name, PolicyName="trigger")["PolicyDocument"]
        actions = {
            a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
        if name == f"{prefix}-post-confirmation":
            assert actions == {
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "cognito-idp:AdminAddUserToGroup",
            }
            (grant,) = [s for s in document["Statement"] if s["Action"] == "cognito-idp:AdminAddUserToGroup"]
            assert grant["Resource"].endswith(f":userpool/{result.pool_id}")
        else:
            assert actions == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
        assert all(
            f"/aws/lambda/{name}" in s["Resource"]
            for s in document["Statement"]
            if s["Action"] != "cognito-idp:AdminAddUserToGroup"
        )


def test_a_second_run_with_nothing_changed_uploads_nothing(local_stack, allow_listed_pool):
    spec, first = allow_listed_pool
    lam = _boto("lambda", local_stack)
    before = {n: lam.get_function(FunctionName=n)["Configuration"] for n in _function_names(spec)}
    functions = FunctionsClient(region=REGION, endpoint_url=local_stack.url)
    calls, stop = _upload_calls(functions)
    try:
        again = pool_provision(
            spec=spec,
            cognito=CognitoClient(region=REGION, endpoint_url=local_stack.url),
            region=REGION,
            functions=functions,
        )
    finally:
        stop()
    assert again.pool_id == first.pool_id
    assert "GetFunction" in calls  # the run did look
    assert not {"CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration", "AddPermission"} & set(calls)
    assert not [c for c in again.changes if "function" in c or "trigger" in c or "role" in c or "invoke" in c]
    after = {n: lam.get_function(FunctionName=n)["Configuration"] for n in _function_names(spec)}
    assert {n: (c["CodeSha256"], c["LastModified"]) for n, c in after.items()} == {
        n: (c["CodeSha256"], c["LastModified"]) for n, c in before.items()
    }


def test_changed_code_is_uploaded_once(local_stack, tmp_path, monkeypatch):
    spec = own_pool_spec(f"triggers-{uuid.uuid4().hex[:8]}")
    _provision(local_stack, spec)
    copied = tmp_path / "triggers"
    shutil.copytree(triggers.HANDLERS, copied)
    (copied / "custom_message.py").write_text((copied / "custom_message.py").read_text() + "\n# changed\n")
    monkeypatch.setattr(triggers, "HANDLERS", copied)
    functions = FunctionsClient(region=REGION, endpoint_url=local_stack.url)
    calls, stop = _upload_calls(functions)
    try:
        result = pool_provision(
            spec=spec,
            cognito=CognitoClient(region=REGION, endpoint_url=local_stack.url),
            region=REGION,
            functions=functions,
        )
    finally:
        stop()
    assert calls.count("UpdateFunctionCode") == 1
    assert f"updated the code of function {spec['triggers']['function_prefix']}-custom-message" in result.changes
    deployed = _boto("lambda", local_stack).get_function(
        FunctionName=f"{spec['triggers']['function_prefix']}-custom-message"
    )
    assert deployed["Configuration"]["CodeSha256"] == triggers.code_sha256(triggers.package("custom_message"))


def test_the_package_is_the_same_bytes_every_time():
    assert triggers.package("pre_sign_up") == triggers.package("pre_sign_up")
    assert (
        triggers.code_sha256(triggers.package("pre_sign_up"))
        == base64.b64encode(hashlib.sha256(triggers.package("pre_sign_up")).digest()).decode()
    )


def _secret_hash(username, client_id, secret):
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _sign_up(idp, result, email):
    return idp.sign_up(
        ClientId=result.client_id,
        SecretHash=_secret_hash(email, result.client_id, result.client_secret),
        Username=email,
        Password="Sign-up-Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": email}],
    )


def test_a_sign_up_from_another_domain_is_refused_with_the_sentence(local_stack, allow_listed_pool):
    _, result = allow_listed_pool
    idp = _boto("cognito-idp", local_stack)
    with pytest.raises(idp.exceptions.UserLambdaValidationException) as refused:
        _sign_up(idp, result, "eve@elsewhere.net")
    assert "Sign-up is open to email addresses at example.com only. Please use an address there." in str(refused.value)
    assert idp.list_users(UserPoolId=result.pool_id, Filter='email = "eve@elsewhere.net"')["Users"] == []
    assert _sign_up(idp, result, f"ada-{uuid.uuid4().hex[:6]}@example.com")["UserConfirmed"] is False


def _payload(token):
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_sign_in_puts_the_plan_into_the_access_token(client, cognito, provisioned, demo):
    member = next(u for u in demo["users"] if u["email"] == "member@example.com")
    response = hosted_ui_sign_in(client, member["email"], demo["password"])
    assert response.status_code == 302
    record = UserSession.objects.get(session_key=client.session.session_key)
    access, id_claims = _payload(encryption.decrypt(record.access_token)), _payload(encryption.decrypt(record.id_token))
    assert access["plan"] == member["plan"] == "free"
    assert "plan" not in id_claims  # the ID token keeps the attribute under its own name only
    assert id_claims["custom:plan"] == "free"
    assert access["cognito:groups"] == id_claims["cognito:groups"] == ["members"]


def test_the_deployed_token_function_answers_without_the_provider_group(local_stack, provisioned):
    """Invoked through Lambda with the event of a federated user's sign-in.

    The stack puts ``{pool}_{Provider}`` into cognito:groups and ignores
    groupOverrideDetails where AWS reads it, so the tokens themselves cannot show
    the removal locally (README, "Lambda triggers"); the deployed function's answer can.
    """
    event = events.pre_token_generation(groups=["members", f"{provisioned.pool_id}_Google"], plan="team")
    event["userPoolId"] = provisioned.pool_id
    answer = _boto("lambda", local_stack).invoke(
        FunctionName="django-cognito-site-pre-token-generation", Payload=json.dumps(event).encode()
    )
    details = json.loads(answer["Payload"].read())["response"]["claimsAndScopeOverrideDetails"]
    assert details["groupOverrideDetails"]["groupsToOverride"] == ["members"]
    assert details["accessTokenGeneration"]["claimsToAddOrOverride"] == {"plan": "team"}


def test_an_invitation_names_the_site(cognito):
    email = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    cognito.invite_user(email, attributes={"email": email})
    (message,) = localmail.local_messages(actor=policy.SYSTEM, to=email).messages
    assert message.subject == "Your invitation to Django Cognito Site"
    assert "You have been invited to Django Cognito Site (http://testserver)." in message.body
    # The temporary password is still there, where people (and the admin's browser test) read it.
    assert re.search(r"temporary password is (.+)\.\s*$", message.body)


def test_the_sign_up_page_shows_the_refusal_as_a_sentence(client, on_allow_listed_pool):
    response = client.post(
        reverse("sign_up"),
        {"email": "eve@elsewhere.net", "given_name": "Eve", "family_name": "Else", "password": "Sign-up-Passw0rd!"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sign-up is open to email addresses at example.com only. Please use an address there." in page
    assert "UserLambdaValidation" not in page
    assert "failed with error" not in page
    assert CognitoClient().list_users_page(filter_expression='email = "eve@elsewhere.net"').users == []


def test_a_permission_for_another_pool_is_replaced(local_stack, allow_listed_pool):
    spec, result = allow_listed_pool
    lam = _boto("lambda", local_stack)
    name = f"{spec['triggers']['function_prefix']}-pre-sign-up"
    lam.remove_permission(FunctionName=name, StatementId="cognito-PreSignUp")
    stale = f"arn:aws:cognito-idp:{REGION}:000000000000:userpool/{REGION}_GONE"
    lam.add_permission(
        FunctionName=name,
        StatementId="cognito-PreSignUp",
        Action="lambda:InvokeFunction",
        Principal="cognito-idp.amazonaws.com",
        SourceArn=stale,
    )
    again = _provision(local_stack, spec)
    (statement,) = json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(f"/{result.pool_id}")
    assert [c for c in again.changes if "invoke" in c] == [
        f"let cognito-idp.amazonaws.com invoke {name} for pool {result.pool_id}"
    ]
