"""The self-service pages over HTTP: a real sign-in at the local stack; Cognito's answers faked only where it cannot.

The local stack never throttles, never sends an email-change code (it changes the
email at once and has no VerifyUserAttribute) and never answers a wrong code with
ExpiredCode; those answers come from botocore's Stubber on the seam's client, after a
real sign-in, and each test says so.
"""

import contextlib

import pytest
from botocore.stub import ANY, Stubber
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.cognito.client import CognitoClient
from accounts.selfservice import views
from tests.factories import pool_user_create, unique_email
from tests.flows import hosted_ui_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()
PASSWORD = "Selfserv-Passw0rd!"


@pytest.fixture
def signed_in(client, cognito, boto, provisioned):
    """A fresh member signed in through the local hosted UI; the test client carries their session."""
    username, email = pool_user_create(
        boto, provisioned.pool_id, email=unique_email("seam"), groups=["members"], password=PASSWORD
    )
    response = hosted_ui_sign_in(client, email, PASSWORD)
    assert response.status_code == 302
    yield {"username": username, "email": email, "client": client}
    with contextlib.suppress(boto.exceptions.UserNotFoundException):  # the test may have deleted it
        boto.admin_delete_user(UserPoolId=provisioned.pool_id, Username=username)


@pytest.fixture
def stub():
    """botocore's Stubber on the seam's (shared) client: every call must be one the test queued."""
    with Stubber(CognitoClient()._client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_a_changed_email_waits_for_its_code_and_the_old_one_stays(signed_in, stub):
    """Faked: AWS's answers with AttributesRequireVerificationBeforeUpdate (the local stack ignores the setting)."""
    client, old = signed_in["client"], signed_in["email"]
    new = unique_email("new")
    stub.add_response("initiate_auth", {"AuthenticationResult": {"AccessToken": "dropped"}}, None)
    stub.add_response(
        "update_user_attributes",
        {
            "CodeDeliveryDetailsList": [
                {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
            ]
        },
        {"AccessToken": ANY, "UserAttributes": [{"Name": "email", "Value": new}]},
    )
    response = client.post(reverse("selfservice_email_change"), {"email": new, "password": PASSWORD})
    assert response["Location"] == reverse("selfservice_email_confirm")
    page = client.get(reverse("selfservice_email_confirm")).content.decode()
    assert new in page
    assert f"you still sign in as {old}" in page
    assert User.objects.get(cognito_sub=signed_in["username"]).email == old

    stub.add_client_error("verify_user_attribute", "CodeMismatchException", "Invalid verification code provided.")
    page = client.post(reverse("selfservice_email_confirm"), {"code": "123456"})
    assert page.status_code == 200
    assert "That code is not right. Check it and try again." in page.content.decode()

    stub.add_client_error(
        "verify_user_attribute", "ExpiredCodeException", "Invalid code provided, please request a code again."
    )
    page = client.post(reverse("selfservice_email_confirm"), {"code": "123456"})
    assert "That code has expired. Ask for a new one." in page.content.decode()
    assert User.objects.get(cognito_sub=signed_in["username"]).email == old

    stub.add_response("verify_user_attribute", {}, {"AccessToken": ANY, "AttributeName": "email", "Code": "654321"})
    response = client.post(reverse("selfservice_email_confirm"), {"code": "654321"})
    assert response["Location"] == reverse("account")
    assert views.EMAIL_PENDING_KEY not in client.session


def test_a_code_that_is_not_six_digits_never_reaches_cognito(signed_in, stub):
    client = signed_in["client"]
    session = client.session
    session[views.EMAIL_PENDING_KEY] = "x@example.com"
    session.save()
    page = client.post(reverse("selfservice_email_confirm"), {"code": "12ab"})
    assert page.status_code == 200
    assert "Type the six digits of the code." in page.content.decode()


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("LimitExceededException", "Cognito&#x27;s limit for this was reached; try again later."),
        ("TooManyRequestsException", "Cognito is throttling requests right now; try again in a moment."),
        ("TooManyFailedAttemptsException", "Too many wrong attempts. Wait a few minutes, then try again."),
    ],
)
def test_a_throttled_password_change_says_so_plainly(signed_in, stub, code, words):
    """Faked: the local stack never throttles nor locks out (measured: nine wrong passwords in a row)."""
    stub.add_client_error("change_password", code, "Attempt limit exceeded, please try after some time.")
    stub.add_response("describe_user_pool", _pool())
    page = signed_in["client"].post(
        reverse("selfservice_password"),
        {"current": PASSWORD, "proposed": "Another-Passw0rd!", "again": "Another-Passw0rd!"},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert words in text
    assert "Another-Passw0rd!" not in text
    assert PASSWORD not in text


def test_turning_mfa_off_needs_the_challenge_passed(signed_in, stub):
    """Faked: Cognito's SOFTWARE_TOKEN_MFA step, as the hosted UI would meet it, refusing the code.

    The local stack gives the challenge too (the end-to-end test passes it); here its
    refusal, and that no MFA setting was written after it.
    """
    stub.add_response(
        "initiate_auth", {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s" * 40, "ChallengeParameters": {}}
    )
    stub.add_client_error("respond_to_auth_challenge", "CodeMismatchException", "Invalid code received for user")
    page = signed_in["client"].post(reverse("selfservice_totp_off"), {"password": PASSWORD, "code": "123456"})
    assert page.status_code == 200
    assert "That code is not right." in page.content.decode()
    # No set_user_mfa_preference was queued: had the view called it, the Stubber would have raised.


def test_turning_mfa_off_when_cognito_asks_for_no_code_changes_nothing(signed_in, stub):
    """Faked: a pool whose MFA is ON and a person not enrolled get MFA_SETUP (the local stack issues tokens)."""
    stub.add_response("initiate_auth", {"ChallengeName": "MFA_SETUP", "Session": "s" * 40, "ChallengeParameters": {}})
    page = signed_in["client"].post(reverse("selfservice_totp_off"), {"password": PASSWORD, "code": "123456"})
    assert page.status_code == 200
    assert "This Cognito does not offer this call." in page.content.decode()


def test_deleting_someone_who_acted_in_the_admin_keeps_an_anonymous_row(signed_in, boto, provisioned):
    user = User.objects.get(cognito_sub=signed_in["username"])
    LogEntry.objects.create(user=user, action_flag=ADDITION, object_repr="something", change_message="made it")
    response = signed_in["client"].post(reverse("selfservice_delete"), {"email": signed_in["email"].upper()})
    assert response["Location"] == reverse("home")
    kept = User.objects.get(pk=user.pk)
    assert (kept.email, kept.first_name, kept.cognito_sub, kept.is_active) == ("", "", None, False)
    assert kept.username == f"deleted-{user.pk}"
    assert not kept.site_sessions.exists()
    assert LogEntry.objects.filter(user=kept).count() == 1
    with pytest.raises(boto.exceptions.UserNotFoundException):
        boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=signed_in["username"])
    assert signed_in["client"].get(reverse("account")).status_code == 302


def test_a_refused_deletion_keeps_everything(signed_in, stub):
    """Faked: Cognito failing DeleteUser (the local stack does not fail it)."""
    stub.add_client_error("delete_user", "InternalErrorException", "boom")
    page = signed_in["client"].post(reverse("selfservice_delete"), {"email": signed_in["email"]})
    assert page.status_code == 200
    assert "nothing was changed" in page.content.decode()
    assert User.objects.get(cognito_sub=signed_in["username"]).is_active


def _pool():
    return {
        "UserPool": {
            "Id": "us-east-1_x",
            "Name": "p",
            "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": True}},
        }
    }


# -- a session alone is not enough to take the account over (found by the review of the merged work) ----


def test_a_new_email_needs_the_current_password(signed_in, boto, provisioned):
    """A stolen or unattended session must not move the account's email (and so its password resets) away."""
    client, old = signed_in["client"], signed_in["email"]
    new = unique_email("takeover")
    page = client.post(reverse("selfservice_email_change"), {"email": new})
    assert page.status_code == 200
    assert "This field is required." in page.content.decode()
    page = client.post(reverse("selfservice_email_change"), {"email": new, "password": "Not-The-Passw0rd!"})
    assert page.status_code == 200
    assert "That is not your password." in page.content.decode()
    attributes = boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=signed_in["username"])["UserAttributes"]
    assert {a["Name"]: a["Value"] for a in attributes}["email"] == old

    response = client.post(reverse("selfservice_email_change"), {"email": new, "password": PASSWORD})
    assert response.status_code == 302
    attributes = boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=signed_in["username"])["UserAttributes"]
    assert {a["Name"]: a["Value"] for a in attributes}["email"] == new  # the local stack changes it at once


def test_with_an_authenticator_a_new_email_needs_its_code_too(signed_in, stub):
    """Faked: Cognito's SOFTWARE_TOKEN_MFA challenge to the password check (kept short: no real enrolment here)."""
    stub.add_response("initiate_auth", {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s" * 20}, None)
    page = signed_in["client"].post(
        reverse("selfservice_email_change"), {"email": unique_email("new"), "password": PASSWORD}
    )
    assert page.status_code == 200
    assert "Type the code from your authenticator app too." in page.content.decode()


def test_a_second_authenticator_is_not_set_up_over_the_first(signed_in, stub):
    """Faked: GetUser saying MFA is on. Replacing the app would take the account with a session alone."""
    stub.add_response(
        "get_user",
        {
            "Username": signed_in["username"],
            "UserAttributes": [{"Name": "sub", "Value": signed_in["username"]}],
            "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
            "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
        },
        {"AccessToken": ANY},
    )
    response = signed_in["client"].get(reverse("selfservice_totp_setup"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account")
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert said == [
        "Your authenticator app is on. To use another one, turn it off first (that asks for your "
        "password and a code from it), then set up the new one."
    ]
