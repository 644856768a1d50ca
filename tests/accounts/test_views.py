"""The account page: decoded payloads, never a token; sign-in required."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import UserSession
from accounts.sessions import encryption as session_tokens
from tests.flows import hosted_ui_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def test_account_page_shows_decoded_payloads_and_never_a_token(client, cognito, demo):
    response = hosted_ui_sign_in(client, "admin@example.com", demo["password"], next_url="/account/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "&quot;token_use&quot;: &quot;id&quot;" in text
    assert "&quot;token_use&quot;: &quot;access&quot;" in text
    assert "admins" in text
    record = UserSession.objects.get(session_key=client.session.session_key)
    id_token, access_token, refresh_token = (
        session_tokens.decrypt(record.id_token),
        session_tokens.decrypt(record.access_token),
        session_tokens.decrypt(record.refresh_token),
    )
    assert id_token.count(".") == 2
    assert refresh_token
    # Only payloads: no compact JWT, no signature, no refresh token.
    for secret in (id_token, access_token.split(".")[2], refresh_token):
        assert secret not in text
    # Stored encrypted, and nothing token-like in the session dict or cookies.
    assert refresh_token not in record.refresh_token
    session_dump = repr(dict(client.session.items()))
    assert "eyJ" not in session_dump
    assert refresh_token not in session_dump
    assert "eyJ" not in "".join(morsel.value for morsel in client.cookies.values())


def test_account_page_requires_sign_in(client):
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign_in"))
