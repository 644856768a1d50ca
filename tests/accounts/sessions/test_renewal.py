"""Sessions follow Cognito: renewal when due, changes applied, sessions ended when Cognito says so."""

import logging
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.cognito import oauth
from accounts.models import UserSession
from accounts.sessions import encryption as session_tokens
from accounts.sessions import renewal
from accounts.sessions.middleware import SESSION_ENDED
from tests import fakes
from tests.flows import hosted_ui_sign_in, start_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


@pytest.fixture
def token_calls(monkeypatch):
    """Count the site's calls to Cognito's token endpoint (a spy: the calls still go through)."""
    calls = []
    real_post = requests.post

    def spy(url, *args, **kwargs):
        if url.endswith("/oauth2/token"):
            calls.append(kwargs.get("data", {}).get("grant_type"))
        return real_post(url, *args, **kwargs)

    monkeypatch.setattr(oauth.requests, "post", spy)
    return calls


def record_of(client):
    return UserSession.objects.get(session_key=client.session.session_key)


def make_due(client):
    UserSession.objects.filter(session_key=client.session.session_key).update(
        next_check_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.fixture
def restore_demo_user(boto, provisioned):
    """Put the demo users back as they were: enabled and in their group."""
    yield
    for email, group in [("member@example.com", "members"), ("staff@example.com", "staff")]:
        boto.admin_enable_user(UserPoolId=provisioned.pool_id, Username=email)
        boto.admin_add_user_to_group(UserPoolId=provisioned.pool_id, Username=email, GroupName=group)


# -- against the real local stack -------------------------------------------------------------


def test_a_session_renews_when_due_and_not_before(client, cognito, demo, token_calls):
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    token_calls.clear()  # the sign-in's own authorization_code grant
    first = record_of(client)
    assert first.next_check_at > timezone.now() + timedelta(seconds=200)

    assert client.get(reverse("account")).status_code == 200
    assert client.get("/").status_code == 200
    assert token_calls == []  # fresh tokens: no call at all

    make_due(client)
    assert client.get(reverse("account")).status_code == 200
    assert token_calls == ["refresh_token"]
    renewed = record_of(client)
    assert renewed.renewed_at > first.renewed_at
    assert renewed.next_check_at > timezone.now()
    assert session_tokens.decrypt(renewed.access_token) != session_tokens.decrypt(first.access_token)

    assert client.get(reverse("account")).status_code == 200
    assert token_calls == ["refresh_token"]  # not due again yet


def test_the_check_interval_makes_a_session_due(client, cognito, demo, settings, token_calls):
    settings.COGNITO_SESSION_CHECK_SECONDS = 1
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    token_calls.clear()
    client.get("/")
    assert token_calls == []
    time.sleep(1.2)
    client.get("/")
    assert token_calls == ["refresh_token"]


def test_a_group_removed_in_cognito_goes_at_the_next_renewal(
    client, cognito, demo, boto, provisioned, restore_demo_user
):
    hosted_ui_sign_in(client, "staff@example.com", demo["password"])
    user = User.objects.get(email="staff@example.com")
    assert user.is_staff

    boto.admin_remove_user_from_group(UserPoolId=provisioned.pool_id, Username="staff@example.com", GroupName="staff")
    client.get("/")
    user.refresh_from_db()
    assert user.is_staff  # not due yet: nothing changed

    make_due(client)
    client.get("/")
    user.refresh_from_db()
    assert not user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == []
    assert client.get("/admin/", follow=True).status_code == 403  # still signed in, no admin


def test_a_renewal_in_flight_does_not_undo_a_deactivation(client, cognito, demo):
    """The renewal read the user before sync made them inactive; writing its claims must not revive them."""
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    make_due(client)
    User.objects.filter(email="member@example.com").update(first_name="Stale")
    record, user = record_of(client), User.objects.get(email="member@example.com")  # as the middleware read them
    User.objects.filter(pk=user.pk).update(is_active=False)  # meanwhile, elsewhere

    assert renewal.session_renew(record=record, user=user) == renewal.RENEWED

    user.refresh_from_db()
    assert user.first_name == "Mia"  # the claims were applied
    assert not user.is_active


@pytest.mark.parametrize("action", ["admin_disable_user", "admin_user_global_sign_out"])
def test_disable_and_global_sign_out_end_the_session_at_the_next_renewal(
    client, cognito, demo, boto, provisioned, restore_demo_user, action
):
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    getattr(boto, action)(UserPoolId=provisioned.pool_id, Username="member@example.com")
    assert client.get(reverse("account")).status_code == 200  # not due yet

    make_due(client)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert SESSION_ENDED.encode() in response.content
    assert "_auth_user_id" not in client.session
    assert not UserSession.objects.exists()
    assert client.get(reverse("account")).status_code == 302


def test_sign_out_everywhere_ends_every_session_and_the_refresh_tokens(client, cognito, demo):
    other = Client()
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    hosted_ui_sign_in(other, "member@example.com", demo["password"])
    refresh_tokens = [session_tokens.decrypt(r.refresh_token) for r in UserSession.objects.all()]

    response = client.post(reverse("sign_out_everywhere"))

    assert urlparse(response["Location"]).path == "/logout"
    assert not UserSession.objects.exists()
    assert other.get(reverse("account")).status_code == 302
    for refresh_token in refresh_tokens:  # GlobalSignOut made Cognito refuse them
        with pytest.raises(oauth.CognitoError) as refused:
            oauth.tokens_refresh(refresh_token=refresh_token)
        assert refused.value.code == "invalid_grant"


def test_end_one_of_my_other_sessions(client, cognito, demo):
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.0 Mobile/15E148 Safari/604.1"
    )
    phone = Client(HTTP_USER_AGENT=iphone)
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    hosted_ui_sign_in(phone, "member@example.com", demo["password"])
    page = client.get(reverse("account"))
    # The account page names the device in words, not the raw header.
    assert b"Mobile Safari on iOS" in page.content
    assert b"this browser" in page.content

    phone_record = record_of(phone)
    response = client.post(reverse("session_end", args=[phone_record.pk]), follow=True)
    assert b"That session has ended." in response.content
    assert phone.get(reverse("account")).status_code == 302
    assert client.get(reverse("account")).status_code == 200


def test_cannot_end_someone_elses_session(client, cognito, demo):
    other = Client()
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    hosted_ui_sign_in(other, "staff@example.com", demo["password"])
    response = client.post(reverse("session_end", args=[record_of(other).pk]))
    assert response.status_code == 404
    assert other.get(reverse("account")).status_code == 200


# -- against a fake of Cognito's documented behaviour (the local stack cannot do these) ---------


def fake_sign_in(client, fake, email="pat@example.com"):
    params = parse_qs(urlparse(start_sign_in(client)).query)
    fake.issue(fake.keys[0].sign(fakes.id_claims(nonce=params["nonce"][0], email=email)))
    response = client.get(reverse("oidc_authentication_callback"), {"code": "c", "state": params["state"][0]})
    assert response.status_code == 302
    return session_tokens.decrypt(record_of(client).refresh_token)


def test_sign_out_revokes_the_refresh_token(client, fake_cognito):
    """The local stack has no /oauth2/revoke; Cognito revokes the token and refuses it afterwards."""
    refresh_token = fake_sign_in(client, fake_cognito)
    assert fake_cognito.refresh(refresh_token)[0] == 200

    response = client.post(reverse("sign_out"))

    assert fake_cognito.hits["/oauth2/revoke"] == 1
    assert fake_cognito.refresh(refresh_token) == (400, {"error": "invalid_grant"})
    assert urlparse(response["Location"]).path == "/logout"
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("failure", ["server error", "unreachable"])
def test_a_failing_revoke_does_not_block_sign_out(client, fake_cognito, settings, caplog, failure):
    """Revocation fails (the local stack never revokes at all): sign-out still ends the session."""
    fake_sign_in(client, fake_cognito)
    if failure == "server error":
        fake_cognito.revoke_status = 500
    else:
        settings.COGNITO_DOMAIN = "http://127.0.0.1:9"  # nothing listens on the discard port
    with caplog.at_level(logging.WARNING):
        response = client.post(reverse("sign_out"))
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == "/logout"
    assert "_auth_user_id" not in client.session
    assert not UserSession.objects.exists()
    assert "Could not revoke a refresh token" in caplog.text


def test_a_rotated_refresh_token_replaces_the_old_one(client, fake_cognito):
    """The local stack never rotates; Cognito with rotation returns a new refresh token each time."""
    fake_cognito.rotate = True
    old = fake_sign_in(client, fake_cognito)
    make_due(client)
    client.get("/")
    new = session_tokens.decrypt(record_of(client).refresh_token)
    assert new != old
    assert fake_cognito.refresh(old)[0] == 400
    make_due(client)
    client.get("/")
    assert "_auth_user_id" in client.session  # the rotated token renewed again
    assert fake_cognito.grants["refresh_token"] == 2


def test_two_concurrent_renewals_spend_the_refresh_token_once(client, fake_cognito):
    """Rotation with no grace period: a second use of the spent token would fail and end the session."""
    fake_cognito.rotate = True
    fake_cognito.refresh_delay = 0.5
    fake_sign_in(client, fake_cognito)
    make_due(client)
    user = User.objects.get()
    results, records = [], []

    def renew():
        record = record_of(client)
        results.append(renewal.session_renew(record=record, user=User.objects.get(pk=user.pk)))
        records.append(record)
        connection.close()

    threads = [threading.Thread(target=renew) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert fake_cognito.grants["refresh_token"] == 1
    assert results == [renewal.RENEWED, renewal.RENEWED]
    stored = session_tokens.decrypt(record_of(client).refresh_token)
    assert [session_tokens.decrypt(r.refresh_token) for r in records] == [stored, stored]
    assert stored in fake_cognito.refresh_tokens  # the new one, still valid


def test_cognito_unreachable_keeps_the_session_within_the_grace_limit(client, fake_cognito, settings):
    """An outage, which the local stack cannot stage on demand: the fake stops answering."""
    fake_sign_in(client, fake_cognito)
    fake_cognito.stop()
    make_due(client)

    response = client.get(reverse("account"))
    assert response.status_code == 200
    record = record_of(client)
    assert record.unreachable_since is not None
    assert record.next_check_at > timezone.now()  # no call on every request while it is down

    UserSession.objects.filter(pk=record.pk).update(
        unreachable_since=timezone.now() - timedelta(seconds=settings.COGNITO_SESSION_GRACE_SECONDS + 1),
        next_check_at=timezone.now() - timedelta(seconds=1),
    )
    response = client.get("/")
    assert response.status_code == 200
    assert SESSION_ENDED.encode() in response.content
    assert "_auth_user_id" not in client.session


REFRESH_ANSWERS = {
    "a list": lambda tokens: list(tokens.values()),
    "a string": lambda tokens: tokens["id_token"],
    "a numeric refresh token": lambda tokens: {**tokens, "refresh_token": 123},
    "a dict for the access token": lambda tokens: {**tokens, "access_token": {"token": tokens["access_token"]}},
}


@pytest.mark.parametrize("kind", REFRESH_ANSWERS)
def test_a_token_endpoint_answering_nonsense_to_a_refresh_defers_it(client, fake_cognito, kind):
    """Faked: the local stack's token endpoint always answers a JSON object. Nonsense is Cognito failing."""
    fake_sign_in(client, fake_cognito)
    key = fake_cognito.keys[0]
    tokens = {"id_token": key.sign(fakes.id_claims()), "access_token": key.sign(fakes.access_claims())}
    fake_cognito.refresh_response = (200, REFRESH_ANSWERS[kind](tokens))
    make_due(client)

    response = client.get(reverse("account"))

    assert response.status_code == 200
    assert fake_cognito.grants["refresh_token"] == 1
    record = record_of(client)
    assert record.unreachable_since is not None  # kept within the grace limit, retried later
    assert record.next_check_at > timezone.now()


@pytest.mark.parametrize("exp", [10**20, 1e300, "1893456000", None], ids=["10**20", "1e300", "a string", "none"])
def test_an_unreadable_expiry_schedules_the_next_check_anyway(exp):
    """The schedule reads exp from already verified claims, but a wrong one must never be an OverflowError."""
    claims = {k: v for k, v in fakes.access_claims(exp=exp).items() if v is not None}
    schedule = renewal.schedule_after_success(access_claims=claims)
    assert schedule["access_expires_at"] is None
    assert schedule["next_check_at"] > timezone.now()


def test_new_keys_keep_sessions_that_old_keys_encrypted(client, fake_cognito, settings):
    """A first COGNITO_TOKEN_ENCRYPTION_KEYS, or a SECRET_KEY rotated with SECRET_KEY_FALLBACKS, signs nobody out."""
    fake_sign_in(client, fake_cognito)
    settings.COGNITO_TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key"
    make_due(client)
    assert client.get(reverse("account")).status_code == 200
    assert fake_cognito.grants["refresh_token"] == 1
    # Renewed tokens are encrypted with the new first key.
    stored = record_of(client).id_token
    assert Fernet(settings.COGNITO_TOKEN_ENCRYPTION_KEYS[0]).decrypt(stored.encode())


def test_a_session_with_an_unreadable_refresh_token_ends(client, fake_cognito, settings):
    """Dropping the key that encrypted a session ends it at its next check, without asking Cognito."""
    settings.COGNITO_TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    fake_sign_in(client, fake_cognito)
    settings.COGNITO_TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    make_due(client)
    response = client.get("/", follow=True)
    assert SESSION_ENDED.encode() in response.content
    assert fake_cognito.grants["refresh_token"] == 0


def test_the_refresh_token_never_reaches_a_page_a_cookie_or_a_log(client, fake_cognito, caplog):
    caplog.set_level(logging.DEBUG)
    fake_cognito.rotate = True
    tokens_seen = [fake_sign_in(client, fake_cognito)]
    responses = []
    for _ in range(2):
        make_due(client)
        responses.append(client.get(reverse("account")))
        tokens_seen.append(session_tokens.decrypt(record_of(client).refresh_token))
    responses.append(client.post(reverse("sign_out")))

    assert len(set(tokens_seen)) == 3
    cookies = " ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    for refresh_token in tokens_seen:
        for response in responses:
            assert refresh_token not in response.content.decode()
            assert refresh_token not in str(response.headers)
        assert refresh_token not in cookies
        assert refresh_token not in caplog.text
    assert "Renewed the tokens" in caplog.text  # the logs were captured


def test_a_stale_request_does_not_spend_a_rotated_refresh_token_again(client, fake_cognito):
    """A request that read the session before another renewed it must not renew with the spent token."""
    fake_cognito.rotate = True
    fake_sign_in(client, fake_cognito)
    make_due(client)
    user = User.objects.get()
    first, stale = record_of(client), record_of(client)  # both read while the session was due

    assert renewal.session_renew(record=first, user=user) == renewal.RENEWED
    assert renewal.session_renew(record=stale, user=user) == renewal.RENEWED
    assert fake_cognito.grants["refresh_token"] == 1
    assert client.get(reverse("account")).status_code == 200


def _renewal_while(client, fake, meanwhile):
    """Start a slow renewal in a thread, run ``meanwhile(record, user)`` while it waits, return its result."""
    fake.refresh_delay = 0.5
    fake_sign_in(client, fake)
    make_due(client)
    record, user = record_of(client), User.objects.get()
    result = []
    thread = threading.Thread(
        target=lambda: (result.append(renewal.session_renew(record=record, user=user)), connection.close())
    )
    thread.start()
    time.sleep(0.2)
    meanwhile(record, user)
    thread.join()
    return result


def test_a_session_ended_during_its_renewal_ends_quietly(client, fake_cognito):
    """Sign-out in another tab while a renewal is in flight: no 500, the renewal reports ENDED."""
    result = _renewal_while(
        client, fake_cognito, lambda record, user: UserSession.objects.filter(pk=record.pk).delete()
    )
    assert result == [renewal.ENDED]


def test_a_user_deleted_during_their_renewal_stays_deleted(client, fake_cognito):
    """Linking merges and deletes a Django user; a renewal in flight for them must not write the row back.

    Faked for the slow refresh (``refresh_delay``), which the local stack cannot stage.
    """
    result = _renewal_while(client, fake_cognito, lambda record, user: User.objects.filter(pk=user.pk).delete())
    assert result == [renewal.ENDED]
    assert not User.objects.exists()


def test_fresh_requests_make_no_outbound_call_at_all(client, cognito, demo, monkeypatch):
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    calls = []
    real_request = requests.Session.request
    monkeypatch.setattr(
        requests.Session,
        "request",
        lambda self, method, url, *a, **kw: calls.append(url) or real_request(self, method, url, *a, **kw),
    )
    own_user = {"Username": "u", "UserAttributes": [], "UserMFASettingList": []}
    monkeypatch.setattr(cognito.__class__, "_call", lambda self, operation, **kw: calls.append(operation) or own_user)
    for path in ["/", reverse("account"), "/", reverse("account")]:
        assert client.get(path).status_code == 200
    # No renewal, no token endpoint, no JWKS: only the account page's one GetUser (its Security section shows
    # the MFA setting and connected sign-ins as Cognito has them now).
    assert calls == ["get_user", "get_user"]


def test_an_inactive_django_user_loses_the_session(client, cognito, demo):
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    User.objects.filter(email="member@example.com").update(is_active=False)
    assert client.get(reverse("account")).status_code == 302


def test_expired_session_records_are_not_listed_and_are_pruned_at_sign_in(client, cognito, demo):
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    user = User.objects.get(email="member@example.com")
    UserSession.objects.create(
        user=user, session_key="long-gone", user_agent="Old phone", expires_at=timezone.now() - timedelta(days=1)
    )
    assert b"Old phone" not in client.get(reverse("account")).content
    hosted_ui_sign_in(Client(), "member@example.com", demo["password"])
    assert not UserSession.objects.filter(session_key="long-gone").exists()


# -- several people, one browser ---------------------------------------------------------------


def test_another_user_signing_in_in_the_same_browser_gets_their_own_tokens(client, fake_cognito):
    """The first user's session ends properly: its refresh token is revoked and its record goes."""
    first_token = fake_sign_in(client, fake_cognito)
    first = record_of(client)

    params = parse_qs(urlparse(start_sign_in(client, "/account/")).query)
    other_sub = "99999999-2222-3333-4444-555555555555"
    fake_cognito.issue(
        fake_cognito.keys[0].sign(fakes.id_claims(nonce=params["nonce"][0], sub=other_sub, email="sam@example.com")),
        fake_cognito.keys[0].sign(fakes.access_claims(sub=other_sub)),
    )
    response = client.get(reverse("oidc_authentication_callback"), {"code": "c", "state": params["state"][0]})

    assert response["Location"] == "/account/"
    second = record_of(client)
    assert second.user.email == "sam@example.com"
    assert session_tokens.decrypt(second.refresh_token)
    assert not UserSession.objects.filter(pk=first.pk).exists()
    assert fake_cognito.refresh(first_token)[0] == 400  # revoked
    make_due(client)
    assert client.get(reverse("account")).status_code == 200
    assert fake_cognito.grants["refresh_token"] == 1  # the second user's session does renew


def test_the_same_user_signing_in_again_replaces_the_tokens(client, fake_cognito):
    old = fake_sign_in(client, fake_cognito)
    new = fake_sign_in(client, fake_cognito)
    assert new != old
    assert UserSession.objects.count() == 1
    assert session_tokens.decrypt(record_of(client).refresh_token) == new
    assert fake_cognito.refresh(old)[0] == 400  # the replaced token was revoked


def test_a_signed_in_session_without_its_record_ends(client, cognito, demo):
    """Without its record a session could never be checked against Cognito again, so it ends."""
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    UserSession.objects.all().delete()
    response = client.get("/")
    assert SESSION_ENDED.encode() in response.content
    assert "_auth_user_id" not in client.session
