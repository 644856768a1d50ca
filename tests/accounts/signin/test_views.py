"""The sign-in pages and edges: Cognito errors, an unreachable token endpoint, next=, sign-out, the admin."""

import logging
import socket
import threading
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.flows import hosted_ui_sign_in, start_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def _state(client):
    return parse_qs(urlparse(start_sign_in(client)).query)["state"][0]


def test_anonymous_home_page_offers_sign_in(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign in" in response.content
    assert reverse("sign_in").encode() in response.content


def test_sign_in_request_carries_state_nonce_and_pkce(client, cognito):
    query = parse_qs(urlparse(start_sign_in(client)).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["scope"][0].split() == ["openid", "email", "profile", "aws.cognito.signin.user.admin"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]


@pytest.mark.parametrize(
    ("error", "message"),
    [("access_denied", b"cancelled"), ("server_error", b"had a problem"), ("something_new", b"reported a problem")],
)
def test_cognito_error_at_the_callback_shows_a_way_back(client, cognito, error, message):
    """Cognito redirects errors to the callback; the local stack never does, so this calls it directly."""
    state = _state(client)
    response = client.get(reverse("oidc_authentication_callback"), {"error": error, "state": state})
    assert response.status_code == 400
    assert b"Sign-in did not complete" in response.content
    assert message in response.content
    assert b"Try again" in response.content
    # The state is spent: replaying it with a code fails too.
    replay = client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": state})
    assert replay.status_code == 400


def test_unknown_state_at_the_callback_is_a_plain_failure(client, cognito):
    _state(client)
    response = client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": "forged"})
    assert response.status_code == 400
    assert b"Sign-in failed" in response.content


def test_a_bare_callback_is_a_plain_failure(client):
    response = client.get(reverse("oidc_authentication_callback"))
    assert response.status_code == 400
    assert b"Sign-in failed" in response.content


def test_a_spent_code_is_refused_by_cognito_and_shown_as_failure(client, cognito, demo):
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    client.logout()
    # A fresh state, but a code Cognito never issued: the real token endpoint says invalid_grant.
    response = client.get(reverse("oidc_authentication_callback"), {"code": "not-a-code", "state": _state(client)})
    assert response.status_code == 400
    assert b"Sign-in failed" in response.content


def test_token_endpoint_unreachable_shows_sign_in_unavailable(client, cognito, settings, caplog):
    state = _state(client)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    settings.COGNITO_DOMAIN = f"http://127.0.0.1:{dead}"
    with caplog.at_level(logging.WARNING):
        response = client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": state})
    assert response.status_code == 503
    assert b"Sign-in is unavailable right now" in response.content
    assert b"Try again" in response.content
    assert "Token endpoint unreachable" in caplog.text
    assert not User.objects.exists()


def test_token_endpoint_timeout_shows_sign_in_unavailable(client, cognito, settings):
    """A server that accepts the connection and never answers: the timeout setting must end the wait."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    settings.COGNITO_DOMAIN = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.COGNITO_TIMEOUT = 0.5
    try:
        response = client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": _state(client)})
    finally:
        listener.close()
    assert response.status_code == 503
    assert b"Sign-in is unavailable right now" in response.content


def test_next_on_this_site_is_honoured(client, cognito, demo):
    response = hosted_ui_sign_in(client, "member@example.com", demo["password"], next_url="/account/")
    assert response.status_code == 302
    assert response["Location"] == "/account/"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_next_off_this_site_is_ignored(client, cognito, demo, next_url):
    response = hosted_ui_sign_in(client, "member@example.com", demo["password"], next_url=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_out_ends_the_session_and_goes_through_cognito_logout(client, cognito, demo, provisioned, local_stack):
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    response = client.post(reverse("oidc_logout"))
    assert response.status_code == 302
    logout = urlparse(response["Location"])
    assert f"{logout.scheme}://{logout.netloc}{logout.path}" == f"{local_stack.url}/logout"
    assert parse_qs(logout.query) == {"client_id": [provisioned.client_id], "logout_uri": ["http://testserver/"]}
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("account")).status_code == 302


def test_sign_out_is_post_only(client, cognito, demo):
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    assert client.get(reverse("oidc_logout")).status_code == 405
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize(
    ("email", "status", "expected"),
    [("admin@example.com", 200, b"Users, groups and sign-in"), ("member@example.com", 403, b"No admin access")],
)
def test_admin_access_follows_staff_flag(client, cognito, demo, email, status, expected):
    hosted_ui_sign_in(client, email, demo["password"])
    response = client.get("/admin/", follow=True)
    assert response.status_code == status
    assert expected in response.content


def test_anonymous_admin_is_sent_to_cognito_sign_in(client):
    to_login = client.get("/admin/")
    assert to_login["Location"].startswith("/admin/login/")
    to_sign_in = client.get(to_login["Location"])
    assert to_sign_in.status_code == 302
    assert to_sign_in["Location"].startswith(reverse("oidc_authentication_init"))
    assert parse_qs(urlparse(to_sign_in["Location"]).query)["next"] == ["/admin/"]


def test_admin_login_ignores_an_offsite_next(client):
    response = client.get("/admin/login/", {"next": "https://evil.example/"})
    assert parse_qs(urlparse(response["Location"]).query)["next"] == ["/admin/"]


def test_a_cognito_error_link_does_not_sign_anyone_out(client, cognito, demo):
    """A cross-site link to the callback with error= must not end the visitor's session."""
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    response = client.get(reverse("oidc_authentication_callback"), {"error": "access_denied", "state": "x"})
    assert response.status_code == 400
    assert client.get(reverse("account")).status_code == 200


def test_a_fresh_sign_in_never_returns_into_the_callback(client, cognito, demo):
    response = hosted_ui_sign_in(
        client, "member@example.com", demo["password"], next_url="/oidc/callback/?error=access_denied"
    )
    assert response["Location"] == "/"
    assert client.get(reverse("account")).status_code == 200
