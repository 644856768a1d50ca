"""Hostile ID tokens are refused at the callback, and nothing about the user changes.

The local stack only mints good tokens, so these run against tests/fakes.py:
a fake token endpoint and JWKS over real HTTP, tokens signed with real RSA keys.
"""

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.cognito import tokens
from accounts.exceptions import CognitoError, CognitoUnavailable
from tests import fakes
from tests.flows import callback_with, start_sign_in

pytestmark = pytest.mark.django_db
User = get_user_model()


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_good_token_signs_the_user_in(client, fake_cognito):
    response = callback_with(client, fake_cognito)
    assert response.status_code == 302
    user = User.objects.get(cognito_sub=fakes.id_claims()["sub"])
    assert user.email == "pat@example.com"
    assert client.session["_auth_user_id"] == str(user.pk)


def _hostile_tokens(fake, nonce):
    good_key = fake.keys[0]
    stranger = fakes.SigningKey(kid=good_key.kid)  # same kid, different key
    claims = fakes.id_claims(nonce=nonce)
    now = int(time.time())
    header = {"alg": "none", "kid": good_key.kid, "typ": "JWT"}
    # The classic key-confusion attack: HMAC "signed" with the RSA public key.
    # Built by hand because PyJWT itself refuses to use a PEM key as an HMAC secret.
    signing_input = f"{_b64({'alg': 'HS256', 'kid': good_key.kid, 'typ': 'JWT'})}.{_b64(claims)}".encode()
    mac = hmac.new(good_key.public_pem, signing_input, hashlib.sha256).digest()
    hs256_token = f"{signing_input.decode()}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    return {
        "bad signature": stranger.sign(claims),
        "alg none": f"{_b64(header)}.{_b64(claims)}.",
        "HS256 signed with the public key": hs256_token,
        "unknown kid": fakes.SigningKey().sign(claims),
        "wrong iss": good_key.sign(fakes.id_claims(nonce=nonce, iss=fakes.ISSUER + "x")),
        "wrong aud": good_key.sign(fakes.id_claims(nonce=nonce, aud="someone-else")),
        "access token as ID token": good_key.sign(fakes.id_claims(nonce=nonce, token_use="access")),
        "expired": good_key.sign(
            fakes.id_claims(nonce=nonce, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
        ),
        "nonce mismatch": good_key.sign(fakes.id_claims(nonce="not-the-nonce-we-sent")),
        "no nonce": good_key.sign(fakes.id_claims(nonce=None)),
        # Cognito's ID and access tokens live at most a day.
        "never expires": good_key.sign(fakes.id_claims(nonce=nonce, exp=now + 10 * 365 * 86400)),
        "lives a day and a second": good_key.sign(fakes.id_claims(nonce=nonce, iat=now, exp=now + 86401)),
        "exp 10**20": good_key.sign(fakes.id_claims(nonce=nonce, exp=10**20)),
        "exp infinite": good_key.sign(fakes.id_claims(nonce=nonce, exp=float("inf"))),
        "exp a string": good_key.sign(fakes.id_claims(nonce=nonce, exp=str(now + 3600))),
        "iat a string": good_key.sign(fakes.id_claims(nonce=nonce, iat=str(now))),
        "iat true": good_key.sign(fakes.id_claims(nonce=nonce, iat=True)),
        "exp before iat": good_key.sign(fakes.id_claims(nonce=nonce, iat=now + 30, exp=now + 20)),
    }


HOSTILE = [
    "bad signature",
    "alg none",
    "HS256 signed with the public key",
    "unknown kid",
    "wrong iss",
    "wrong aud",
    "access token as ID token",
    "expired",
    "nonce mismatch",
    "no nonce",
    "never expires",
    "lives a day and a second",
    "exp 10**20",
    "exp infinite",
    "exp a string",
    "iat a string",
    "iat true",
    "exp before iat",
]


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_id_token_is_refused_and_no_user_is_created(client, fake_cognito, caplog, kind):
    authorize = urlparse(start_sign_in(client))
    params = parse_qs(authorize.query)
    token = _hostile_tokens(fake_cognito, params["nonce"][0])[kind]
    fake_cognito.issue(token)

    with caplog.at_level(logging.INFO):
        response = client.get(reverse("oidc_authentication_callback"), {"code": "a-code", "state": params["state"][0]})

    assert response.status_code == 400
    assert b"Sign-in failed" in response.content
    assert b"Try again" in response.content
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session
    assert "ID token rejected" in caplog.text
    assert token not in caplog.text
    assert token.encode() not in response.content


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_id_token_leaves_an_existing_user_unchanged(client, fake_cognito, kind):
    callback_with(client, fake_cognito)  # a genuine first sign-in
    client.logout()
    user = User.objects.get()
    before = (user.email, user.first_name, list(user.groups.values_list("name", flat=True)), user.last_login)

    authorize = urlparse(start_sign_in(client))
    params = parse_qs(authorize.query)
    token = _hostile_tokens(fake_cognito, params["nonce"][0])[kind]
    # The hostile token claims a different email and the admins group.
    fake_cognito.issue(token)
    response = client.get(reverse("oidc_authentication_callback"), {"code": "c", "state": params["state"][0]})

    assert response.status_code == 400
    user.refresh_from_db()
    assert (user.email, user.first_name, list(user.groups.values_list("name", flat=True)), user.last_login) == before
    assert "_auth_user_id" not in client.session


def test_a_non_ascii_nonce_claim_is_refused_not_a_500(client, fake_cognito):
    response = callback_with(client, fake_cognito, fake_cognito.keys[0].sign(fakes.id_claims(nonce="nönce")))
    assert response.status_code == 400
    assert not User.objects.exists()


def test_a_token_that_lives_exactly_a_day_is_accepted(client, fake_cognito):
    now = int(time.time())
    response = callback_with(client, fake_cognito, claims={"iat": now, "exp": now + 86400})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": 10**20},
        {"exp": int(time.time()) + 2 * 86400},
        {"exp": str(int(time.time()) + 3600)},
        {"iat": None},
    ],
    ids=["exp 10**20", "lives two days", "exp a string", "no iat"],
)
def test_an_access_token_with_an_impossible_lifetime_is_refused_not_a_500(client, fake_cognito, overrides):
    """Faked: the local stack only mints well-formed tokens."""
    claims = {k: v for k, v in fakes.access_claims(**overrides).items() if v is not None}
    response = callback_with(client, fake_cognito, access_token=fake_cognito.keys[0].sign(claims))
    assert response.status_code == 400
    assert b"Sign-in failed" in response.content
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session


def test_access_token_for_another_user_is_refused(client, fake_cognito):
    other = fake_cognito.keys[0].sign(fakes.access_claims(sub="someone-else"))
    response = callback_with(client, fake_cognito, access_token=other)
    assert response.status_code == 400
    assert not User.objects.exists()


def test_access_token_from_another_client_is_refused(client, fake_cognito):
    other = fake_cognito.keys[0].sign(fakes.access_claims(client_id="another-app"))
    response = callback_with(client, fake_cognito, access_token=other)
    assert response.status_code == 400
    assert not User.objects.exists()


def test_two_sign_ins_fetch_the_jwks_once(client, fake_cognito):
    callback_with(client, fake_cognito)
    client.logout()
    callback_with(client, fake_cognito)
    assert client.session["_auth_user_id"]
    assert fake_cognito.hits[fake_cognito.jwks_path] == 1


def test_a_new_kid_causes_exactly_one_refetch(client, fake_cognito):
    callback_with(client, fake_cognito)
    client.logout()
    # Cognito rotates its keys: the JWKS now has a new key, which signs the next token.
    rotated = fakes.SigningKey()
    fake_cognito.keys.append(rotated)
    authorize = urlparse(start_sign_in(client))
    params = parse_qs(authorize.query)
    fake_cognito.issue(
        rotated.sign(fakes.id_claims(nonce=params["nonce"][0])), rotated.sign(fakes.access_claims()), key=rotated
    )
    response = client.get(reverse("oidc_authentication_callback"), {"code": "c", "state": params["state"][0]})

    assert response.status_code == 302
    assert fake_cognito.hits[fake_cognito.jwks_path] == 2


def test_unknown_kids_do_not_hammer_the_jwks_endpoint(client, fake_cognito):
    for _ in range(3):
        authorize = urlparse(start_sign_in(client))
        params = parse_qs(authorize.query)
        fake_cognito.issue(fakes.SigningKey().sign(fakes.id_claims(nonce=params["nonce"][0])))
        client.get(reverse("oidc_authentication_callback"), {"code": "c", "state": params["state"][0]})
    # The first fetch finds no such kid; later unknown kids fail fast for a while.
    assert fake_cognito.hits[fake_cognito.jwks_path] == 1


def _verify_concurrently(token, threads=4):
    """Verify ``token`` in ``threads`` threads at once; return (results or exceptions, wall time)."""
    results, start = [], threading.Barrier(threads)

    def verify():
        start.wait()
        try:
            results.append(tokens.verify_token(token, token_use="id"))
        except CognitoError as exc:
            results.append(exc)

    workers = [threading.Thread(target=verify) for _ in range(threads)]
    began = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    return results, time.monotonic() - began


def test_a_hanging_jwks_is_fetched_once_and_does_not_queue_sign_ins(fake_cognito, settings):
    """Faked: the local stack's JWKS always answers at once. Here it answers after the timeout has passed.

    One request fetches, the others wait for that fetch: four sign-ins pay
    about one timeout together, not one each, and the endpoint is asked once.
    """
    settings.COGNITO_TIMEOUT = 1.0
    fake_cognito.jwks_delay = 5.0
    token = fake_cognito.keys[0].sign(fakes.id_claims())

    results, elapsed = _verify_concurrently(token)

    assert len(results) == 4
    assert all(isinstance(result, CognitoUnavailable) for result in results)
    assert fake_cognito.hits[fake_cognito.jwks_path] == 1
    assert elapsed < 3 * settings.COGNITO_TIMEOUT  # one timeout and change; serialised it was four


def test_a_slow_jwks_is_fetched_once_for_every_waiting_sign_in(fake_cognito, settings):
    """Faked: a JWKS that answers slowly but within the timeout; the waiters get the keys the first fetch read."""
    settings.COGNITO_TIMEOUT = 3.0
    fake_cognito.jwks_delay = 0.5
    token = fake_cognito.keys[0].sign(fakes.id_claims())

    results, elapsed = _verify_concurrently(token)

    assert [result["sub"] for result in results] == [fakes.id_claims()["sub"]] * 4
    assert fake_cognito.hits[fake_cognito.jwks_path] == 1
    assert elapsed < 2.5
