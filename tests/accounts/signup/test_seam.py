"""What the local stack cannot show, faked at the boto3 seam with botocore's Stubber (named in each docstring).

MiniStack never throttles, never expires a code, and never answers LimitExceeded;
Cognito does all three (and the pages must answer them plainly, never with a 500).
"""

import base64
import hashlib
import hmac

import pytest
from botocore.stub import ANY, Stubber
from django.core.cache import caches
from django.urls import reverse

from accounts.exceptions import NotAllowed
from accounts.signup import services
from accounts.signup.options import signup_options

pytestmark = pytest.mark.django_db
PASSWORD = "Sign-up-Passw0rd!"


@pytest.fixture(autouse=True)
def _fresh_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def stub(cognito):
    """The Stubber on the seam's client, after the pool's facts are read from the real stack (and cached)."""
    services.pool_facts()
    with Stubber(cognito._client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _pending(client, email="pending@example.com", sub="00000000-0000-4000-8000-000000000001"):
    session = client.session
    session["signup_pending"] = {"email": email, "sub": sub}
    session.save()
    return {
        "Username": sub,
        "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "sub", "Value": sub}],
        "UserStatus": "UNCONFIRMED",
        "Enabled": True,
    }


def test_sign_up_sends_the_secret_hash_of_the_email(client, settings, stub):
    """Stubbed to see the request: SECRET_HASH is Base64(HMAC-SHA256(secret, username + client id)) (AWS docs)."""
    email = "hash@example.com"
    digest = hmac.new(
        settings.COGNITO_CLIENT_SECRET.encode(), (email + settings.COGNITO_CLIENT_ID).encode(), hashlib.sha256
    ).digest()
    stub.add_response(
        "sign_up",
        {"UserConfirmed": False, "UserSub": "00000000-0000-4000-8000-000000000002"},
        {
            "ClientId": settings.COGNITO_CLIENT_ID,
            "SecretHash": base64.b64encode(digest).decode(),
            "Username": email,
            "Password": PASSWORD,
            "UserAttributes": ANY,
        },
    )
    stub.add_response("admin_add_user_to_group", {})
    response = client.post(
        reverse("sign_up"), {"email": email, "given_name": "H", "family_name": "Ash", "password": PASSWORD}
    )
    assert response["Location"] == reverse("sign_up_confirm")


def test_cognito_throttling_sign_up_is_a_plain_try_again_page(client, stub):
    """Stubbed: Cognito's TooManyRequestsException (the local stack never throttles)."""
    stub.add_client_error("sign_up", "TooManyRequestsException", "Rate exceeded", 400)
    response = client.post(
        reverse("sign_up"), {"email": "busy@example.com", "given_name": "B", "family_name": "Usy", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Try again in a minute" in response.content.decode()


def test_a_code_cognito_calls_expired_asks_for_a_new_one(client, stub):
    """Stubbed: ExpiredCodeException (the local stack's codes never expire)."""
    user = _pending(client)
    stub.add_response("admin_get_user", user, None)
    stub.add_client_error("confirm_sign_up", "ExpiredCodeException", "Invalid code provided, please request again.")
    response = client.post(reverse("sign_up_confirm"), {"code": "123456"})
    assert response.status_code == 200
    assert "That code has expired. Ask for a new one below." in response.content.decode()


def test_a_mismatched_code_says_so(client, stub):
    """Stubbed: CodeMismatchException, as Cognito words it."""
    user = _pending(client)
    stub.add_response("admin_get_user", user, None)
    stub.add_client_error("confirm_sign_up", "CodeMismatchException", "Invalid verification code provided.")
    response = client.post(reverse("sign_up_confirm"), {"code": "123456"})
    assert "That code is not right" in response.content.decode()


def test_cognito_limit_on_resets_is_a_plain_try_again_page(client, stub):
    """Stubbed: LimitExceededException ("Attempt limit exceeded"), which Cognito gives after a few resets."""
    stub.add_client_error(
        "forgot_password", "LimitExceededException", "Attempt limit exceeded, please try after some time."
    )
    response = client.post(reverse("forgot_password"), {"email": "member@example.com"})
    assert response.status_code == 429
    assert "Try again in a minute" in response.content.decode()


def test_cognito_limit_on_reset_codes_is_a_plain_try_again_page(client, stub):
    """Stubbed: LimitExceededException at ConfirmForgotPassword, after too many wrong codes."""
    session = client.session
    session["signup_reset_email"] = "member@example.com"
    session.save()
    stub.add_client_error("confirm_forgot_password", "LimitExceededException", "Attempt limit exceeded.")
    response = client.post(reverse("forgot_password_reset"), {"code": "123456", "password": PASSWORD})
    assert response.status_code == 429


def test_an_expired_reset_code_says_start_again(client, stub):
    """Stubbed: ExpiredCodeException at ConfirmForgotPassword."""
    session = client.session
    session["signup_reset_email"] = "member@example.com"
    session.save()
    stub.add_client_error("confirm_forgot_password", "ExpiredCodeException", "Invalid code provided.")
    response = client.post(reverse("forgot_password_reset"), {"code": "123456", "password": PASSWORD})
    assert "That code has expired. Start again to get a new one." in response.content.decode()


def test_an_unreachable_cognito_is_a_page_not_a_500(client, stub):
    """Stubbed: InternalErrorException, Cognito failing on its side."""
    stub.add_client_error("forgot_password", "InternalErrorException", "Internal error", 500)
    response = client.post(reverse("forgot_password"), {"email": "member@example.com"})
    assert response.status_code == 503
    assert "Nothing was changed" in response.content.decode()


def test_a_privileged_default_group_is_refused_before_any_call(cognito, monkeypatch):
    monkeypatch.setattr(
        "accounts.signup.services.signup_options",
        lambda: signup_options().__class__(allow_self_sign_up=True, default_group="admins"),
    )
    services.pool_facts()
    with Stubber(cognito._client), pytest.raises(NotAllowed, match="admins group"):
        services.account_sign_up(email="x@example.com", password=PASSWORD, given_name="X", family_name="Y")
