"""Sign-up and recovery pages against the real local stack; the mail recorder stands in for the inbox."""

import dataclasses
import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from accounts import policy
from accounts.exceptions import NotFound
from accounts.pooladmin.localmail import local_messages
from accounts.signup import services
from tests.factories import unique_email
from tests.flows import hosted_ui_sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "Sign-up-Passw0rd!"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counts and the pool's facts live in the default cache: each test starts with none."""
    caches["default"].clear()
    yield
    caches["default"].clear()


def newest_code(email):
    """Return the code of the newest email the local stack recorded for ``email``."""
    message = local_messages(actor=policy.SYSTEM, to=email).messages[0]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def sign_up(client, email, password=PASSWORD):
    return client.post(
        reverse("sign_up"), {"email": email, "given_name": "Nora", "family_name": "New", "password": password}
    )


def page_text(response, email):
    """The page with the typed address taken out, and the CSRF token: what differs between two people."""
    text = response.content.decode().replace(email, "EMAIL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_sign_up_shows_the_password_policy_before_anything_is_typed(client, cognito):
    page = client.get(reverse("sign_up")).content.decode()
    assert "At least 12 characters, with an uppercase letter, a lowercase letter, a number and a symbol." in page


def test_sign_up_confirm_and_sign_in_lands_in_members(client, cognito):
    email = unique_email("nora")
    response = sign_up(client, email)
    assert response.status_code == 302
    assert response["Location"] == reverse("sign_up_confirm")
    user = cognito.get_user(email)
    assert user.status == "UNCONFIRMED"
    assert cognito.list_groups_for_user(user.username) == ["members"]

    response = client.post(reverse("sign_up_confirm"), {"code": newest_code(email)})

    assert response["Location"] == reverse("sign_up_done")
    assert cognito.get_user(email).status == "CONFIRMED"
    hosted_ui_sign_in(client, email, PASSWORD)
    page = client.get(reverse("home")).content.decode()
    assert '<span class="tag">members</span>' in page


def test_a_wrong_code_says_so_and_confirms_nothing(client, cognito):
    email = unique_email("wrong")
    sign_up(client, email)
    code = newest_code(email)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("sign_up_confirm"), {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert cognito.get_user(email).status == "UNCONFIRMED"


def test_an_existing_email_gets_the_same_page_and_its_code_step_cannot_succeed(client, cognito, demo):
    """No user enumeration: the answer for member@example.com is the new person's answer, word for word."""
    new_email = unique_email("fresh")
    other = client.__class__()
    fresh = other.get(sign_up(other, new_email)["Location"])
    existing_redirect = sign_up(client, "member@example.com")
    assert existing_redirect["Location"] == reverse("sign_up_confirm")
    existing = client.get(existing_redirect["Location"])
    assert page_text(existing, "member@example.com") == page_text(fresh, new_email)

    # The member's account is untouched, and no code (the recorder's, or any) confirms anything for it.
    member = cognito.get_user("member@example.com")
    assert member.status == "CONFIRMED"
    response = client.post(reverse("sign_up_confirm"), {"code": newest_code(new_email)})
    assert "That code is not right" in response.content.decode()
    assert set(cognito.list_groups_for_user(member.username)) == {"members"}
    hosted_ui_sign_in(client, "member@example.com", demo["password"])  # the old password still works


def test_signing_up_again_replaces_an_unfinished_sign_up(client, cognito):
    """A stranger's unconfirmed sign-up must not block the inbox's owner, nor keep the stranger's password."""
    email = unique_email("owner")
    stranger = client.__class__()
    sign_up(stranger, email, password="Strangers-Passw0rd!")
    first = cognito.get_user(email).sub

    sign_up(client, email)
    assert cognito.get_user(email).sub != first
    # The stranger's page cannot confirm the new sign-up, even with the newest code.
    response = stranger.post(reverse("sign_up_confirm"), {"code": newest_code(email)})
    assert "That code is not right" in response.content.decode()
    assert client.post(reverse("sign_up_confirm"), {"code": newest_code(email)})["Location"] == reverse("sign_up_done")
    hosted_ui_sign_in(client, email, PASSWORD)


def test_resend_sends_a_new_code(client, cognito):
    email = unique_email("resend")
    sign_up(client, email)
    before = len(local_messages(actor=policy.SYSTEM, to=email).messages)
    response = client.post(reverse("sign_up_resend"), follow=True)
    assert "a new code is on its way" in response.content.decode()
    assert len(local_messages(actor=policy.SYSTEM, to=email).messages) == before + 1


def test_a_weak_password_is_refused_with_the_rules(client, cognito):
    email = unique_email("weak")
    response = sign_up(client, email, password="weakpassword")
    assert response.status_code == 200
    assert "This password does not meet the rules: At least 12 characters" in response.content.decode()
    with pytest.raises(NotFound):
        cognito.get_user(email)


def test_an_invitation_only_pool_says_so(client, cognito, monkeypatch):
    """The pool's answer decides: here it says AllowAdminCreateUserOnly (MiniStack would still take a SignUp)."""
    monkeypatch.setattr(
        "accounts.cognito.client.CognitoClient.describe_pool",
        lambda self, _real=cognito.__class__.describe_pool: _invitation_only(_real(self)),
    )
    page = client.get(reverse("sign_up")).content.decode()
    assert "Sign-up is by invitation" in page
    assert 'name="password"' not in page
    response = sign_up(client, unique_email("closed"))
    assert "Sign-up is by invitation" in response.content.decode()


def _invitation_only(pool):
    return dataclasses.replace(pool, admin_create_user_only=True)


def test_forgot_password_answers_alike_for_a_known_and_an_unknown_email(client, cognito):
    """No user enumeration: the same redirect and the same reset page, whether or not the email has an account."""
    other = client.__class__()
    unknown = unique_email("nobody")
    known = client.post(reverse("forgot_password"), {"email": "member@example.com"})
    nobody = other.post(reverse("forgot_password"), {"email": unknown})
    assert known["Location"] == nobody["Location"] == reverse("forgot_password_reset")
    assert page_text(client.get(known["Location"]), "member@example.com") == page_text(
        other.get(nobody["Location"]), unknown
    )
    # The unknown email's code step fails as a wrong code does.
    response = other.post(reverse("forgot_password_reset"), {"code": "123456", "password": PASSWORD})
    assert "That code is not right" in response.content.decode()


def test_forgot_password_resets_and_the_new_password_signs_in(client, cognito):
    email = unique_email("forgetful")
    sign_up(client, email)
    client.post(reverse("sign_up_confirm"), {"code": newest_code(email)})
    client.post(reverse("forgot_password"), {"email": email})
    new_password = "Brand-New-Passw0rd!"
    response = client.post(reverse("forgot_password_reset"), {"code": newest_code(email), "password": new_password})
    assert response["Location"] == reverse("forgot_password_done")
    hosted_ui_sign_in(client, email, new_password)
    assert client.get(reverse("account")).status_code == 200


def test_a_burst_of_sign_ups_is_throttled_without_calling_cognito(client, cognito, settings, cognito_calls):
    settings.COGNITO_SIGNUP_THROTTLE_PER_ADDRESS = 2
    sign_up(client, unique_email("burst"))
    sign_up(client, unique_email("burst"))
    calls = len(cognito_calls)
    response = sign_up(client, unique_email("burst"))
    assert response.status_code == 429
    assert "Try again in a minute" in response.content.decode()
    assert len(cognito_calls) == calls


def test_a_burst_of_reset_requests_for_one_email_is_throttled(client, cognito, settings):
    settings.COGNITO_SIGNUP_THROTTLE_PER_EMAIL = 1
    client.post(reverse("forgot_password"), {"email": "member@example.com"})
    response = client.__class__(REMOTE_ADDR="10.0.0.9").post(
        reverse("forgot_password"), {"email": "member@example.com"}
    )
    assert response.status_code == 429
    assert "Try again in a minute" in response.content.decode()


def test_a_confirmation_sent_twice_is_done_not_refused(client, cognito):
    """Two tabs, or a double click: the second confirmation of this browser's own sign-up is not an error."""
    email = unique_email("twice")
    sign_up(client, email)
    pending = services.PendingSignUp(email=email, sub=cognito.get_user(email).sub)
    services.sign_up_confirm(pending=pending, code=newest_code(email))
    services.sign_up_confirm(pending=pending, code="000000")
    assert cognito.get_user(email).status == "CONFIRMED"
