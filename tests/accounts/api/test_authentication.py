"""Hostile bearer tokens are refused per RFC 6750, and no Django user is ever created.

The local stack only mints good tokens, so these run against tests/fakes.py:
a fake JWKS over real HTTP, tokens signed with real RSA keys.
"""

import base64
import hashlib
import hmac
import json
import threading
import time

import pytest
from django.contrib.auth import get_user_model

from accounts.api.authentication import CognitoBearerAuthentication
from accounts.cognito import tokens
from tests import fakes

from .conftest import API

pytestmark = pytest.mark.django_db
User = get_user_model()
ME = "/api/v1/me"
USERS = "/api/v1/users?email=pat@example.com"
MACHINE = "fakemachine456"


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def machine_claims(**overrides):
    now = int(time.time())
    claims = {
        "sub": MACHINE,
        "client_id": MACHINE,
        "iss": fakes.ISSUER,
        "token_use": "access",
        "scope": f"{API}/users.read",
        "iat": now,
        "exp": now + 3600,
        "jti": "a-jti",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _get(client, url, token=None, **headers):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.get(url, **headers)


def test_no_credentials_is_401_with_the_bare_challenge(api_client, fake_api):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["error"] == "not_authenticated"


def test_a_users_access_token_for_someone_never_signed_in_is_a_stateless_principal(api_client, fake_api):
    token = fake_api.keys[0].sign(fakes.access_claims(**{"cognito:groups": ["members"]}))
    response = _get(api_client, ME, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "user"
    assert body["sub"] == fakes.access_claims()["sub"]
    assert body["groups"] == ["members"]
    assert body["site_user"] is False
    assert body["permissions"] == []
    assert not User.objects.exists()


def test_a_site_users_token_maps_to_them_by_sub(api_client, fake_api):
    user = User.objects.create(username="pat", cognito_sub=fakes.access_claims()["sub"], email="pat@example.com")
    response = _get(api_client, ME, fake_api.keys[0].sign(fakes.access_claims()))
    assert response.status_code == 200
    assert response.json()["email"] == "pat@example.com"
    assert response.json()["site_user"] is True
    assert User.objects.get() == user


def test_a_disabled_site_users_token_is_refused(api_client, fake_api):
    User.objects.create(username="pat", cognito_sub=fakes.access_claims()["sub"], is_active=False)
    response = _get(api_client, ME, fake_api.keys[0].sign(fakes.access_claims()))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_machine_token_is_a_client_principal_and_reads_users(api_client, fake_api):
    User.objects.create(username="pat", cognito_sub="sub-pat", email="pat@example.com")
    token = fake_api.keys[0].sign(machine_claims())
    me = _get(api_client, ME, token).json()
    assert (me["kind"], me["client_id"], me["site_user"]) == ("client", MACHINE, False)
    response = _get(api_client, USERS, token)
    assert response.status_code == 200
    assert [u["sub"] for u in response.json()] == ["sub-pat"]
    assert User.objects.count() == 1


def test_a_repeat_call_costs_no_signature_check(api_client, fake_api, monkeypatch):
    token = fake_api.keys[0].sign(machine_claims())
    checks = []
    real = tokens.jwt.decode
    monkeypatch.setattr(tokens.jwt, "decode", lambda *a, **k: checks.append(1) or real(*a, **k))
    for _ in range(3):
        assert _get(api_client, ME, token).status_code == 200
    assert len(checks) == 1
    assert fake_api.hits[fake_api.jwks_path] == 1


def _hs256(key, claims):
    signing_input = f"{_b64({'alg': 'HS256', 'kid': key.kid, 'typ': 'JWT'})}.{_b64(claims)}".encode()
    mac = hmac.new(key.public_pem, signing_input, hashlib.sha256).digest()
    return f"{signing_input.decode()}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def _hostile(fake):
    key = fake.keys[0]
    now = int(time.time())
    claims = machine_claims()
    good = key.sign(claims)
    header, _payload, signature = good.split(".")
    tampered = f"{header}.{_b64({**claims, 'scope': f'{API}/users.read {API}/sessions.write'})}.{signature}"
    return {
        "ID token as access token": key.sign(fakes.id_claims(aud=MACHINE)),
        "another client's token": key.sign(machine_claims(sub="stranger", client_id="stranger")),
        "expired": key.sign(machine_claims(iat=now - 7200, exp=now - 3600)),
        "future iat": key.sign(machine_claims(iat=now + 3600, exp=now + 7200)),
        "wrong issuer": key.sign(machine_claims(iss=fakes.ISSUER + "x")),
        "alg none": f"{_b64({'alg': 'none', 'kid': key.kid, 'typ': 'JWT'})}.{_b64(claims)}.",
        "HS256 with the public key": _hs256(key, claims),
        "unknown kid": fakes.SigningKey().sign(claims),
        "tampered payload": tampered,
        "garbage": "not-a-jwt",
    }


HOSTILE = [
    "ID token as access token",
    "another client's token",
    "expired",
    "future iat",
    "wrong issuer",
    "alg none",
    "HS256 with the public key",
    "unknown kid",
    "tampered payload",
    "garbage",
]


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_token_is_401_invalid_token_without_echo(api_client, fake_api, case):
    token = _hostile(fake_api)[case]
    response = _get(api_client, USERS, token)
    assert response.status_code == 401, response.content
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_token", error_description="')
    assert response.json()["error"] == "invalid_token"
    for part in token.split("."):
        if len(part) > 8:
            assert part not in challenge
            assert part not in response.content.decode()
    assert not User.objects.exists()


def test_a_token_without_the_scope_is_403_insufficient_scope(api_client, fake_api):
    token = fake_api.keys[0].sign(machine_claims(scope=f"{API}/sessions.read"))
    response = _get(api_client, USERS, token)
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="The access token does not carry a scope this endpoint needs.", '
        f'scope="{API}/users.read"'
    )
    assert response.json()["error"] == "insufficient_scope"
    assert not User.objects.exists()


def test_a_person_with_users_read_needs_a_staff_group(api_client, fake_api):
    scope = f"openid {API}/users.read"
    member = fake_api.keys[0].sign(fakes.access_claims(scope=scope, **{"cognito:groups": ["members"]}))
    staff = fake_api.keys[0].sign(fakes.access_claims(scope=scope, **{"cognito:groups": ["staff"]}))
    assert _get(api_client, USERS, member).status_code == 403
    assert _get(api_client, USERS, staff).status_code == 200


@pytest.mark.parametrize(
    ("header", "status", "challenge"),
    [
        ("Basic Zm9vOmJhcg==", 401, 'Bearer realm="api"'),
        ("Bearer", 400, 'error="invalid_request"'),
        ("Bearer a.b.c, Bearer d.e.f", 400, 'error="invalid_request"'),
        ("Bearer a b", 400, 'error="invalid_request"'),
        ("Bearer \u00e9\u00e9", 400, 'error="invalid_request"'),
        ("Bearer " + "a" * 100 * 1024, 401, 'error="invalid_token"'),
        ("bearer garbage", 401, 'error="invalid_token"'),
        ("Bearer ....", 401, 'error="invalid_token"'),
    ],
    ids=["wrong scheme", "no token", "several headers", "two parts", "non-ASCII", "100 KB", "lowercase", "dots"],
)
def test_no_authorization_header_gives_a_500(api_client, fake_api, header, status, challenge):
    response = api_client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == status, response.content
    assert challenge in response["WWW-Authenticate"]
    assert set(response.json()) >= {"error", "error_description"}
    assert len(response["WWW-Authenticate"]) < 300
    assert not User.objects.exists()


def test_the_jwks_unreachable_is_503(api_client, fake_api, settings):
    token = fake_api.keys[0].sign(machine_claims())
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9"  # a closed port: nothing listens on discard
    response = _get(api_client, ME, token)
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"


def test_sign_in_still_requires_the_sites_own_client(fake_api):
    """The API's wider set of clients must never reach the sign-in's check."""
    token = fake_api.keys[0].sign(machine_claims())
    with pytest.raises(tokens.InvalidToken):
        tokens.verify_token(token, token_use="access")


def test_throttled_callers_get_429_with_retry_after(api_client, fake_api, settings):
    settings.COGNITO_API_THROTTLE_RATE = "2/minute"
    token = fake_api.keys[0].sign(machine_claims())
    other = fake_api.keys[0].sign(fakes.access_claims())
    assert [_get(api_client, ME, token).status_code for _ in range(3)] == [200, 200, 429]
    response = _get(api_client, ME, token)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert _get(api_client, ME, other).status_code == 200  # per client: another caller is not held back


def test_a_cached_token_of_a_client_no_longer_accepted_is_refused(api_client, fake_api, settings):
    token = fake_api.keys[0].sign(machine_claims())
    assert _get(api_client, ME, token).status_code == 200
    settings.COGNITO_API_CLIENT_IDS = [fakes.CLIENT_ID]
    response = _get(api_client, ME, token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


UPDATED_ISSUER = f"https://issuer-cognito-idp.{fakes.REGION}.amazonaws.com/{fakes.POOL_ID}"


@pytest.mark.parametrize(
    ("expected", "issued", "status"),
    [
        ("original", fakes.ISSUER, 200),
        ("original", UPDATED_ISSUER, 401),
        ("updated", UPDATED_ISSUER, 200),
        ("updated", fakes.ISSUER, 401),
    ],
    ids=["original as expected", "updated when original expected", "updated as expected", "original when updated"],
)
def test_the_api_follows_the_configured_issuer_format(api_client, fake_api, settings, expected, issued, status):
    """The local stack ignores IssuerConfiguration, so the updated issuer is tested with the fake seam."""
    settings.COGNITO_ISSUER_FORMAT = expected
    response = _get(api_client, ME, fake_api.keys[0].sign(machine_claims(iss=issued)))
    assert response.status_code == status
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("expected", "issued", "ok"), [("updated", UPDATED_ISSUER, True), ("updated", fakes.ISSUER, False)]
)
def test_sign_in_follows_the_configured_issuer_format(fake_api, settings, expected, issued, ok):
    settings.COGNITO_ISSUER_FORMAT = expected
    token = fake_api.keys[0].sign(fakes.id_claims(iss=issued))
    if ok:
        assert tokens.verify_token(token, token_use="id")["iss"] == issued
    else:
        with pytest.raises(tokens.InvalidToken):
            tokens.verify_token(token, token_use="id")


def test_the_revocation_check_refuses_for_now_when_cognito_cannot_answer(api_client, fake_api, settings):
    """The fake serves no user-pool API, so GetUser gets an answer the seam cannot read: 503, not a 500."""
    settings.COGNITO_API_REVOCATION_CHECK_SECONDS = 60
    person = fake_api.keys[0].sign(fakes.access_claims(scope="openid aws.cognito.signin.user.admin"))
    response = _get(api_client, ME, person)
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    # Machine tokens and tokens without the GetUser scope are never asked about.
    assert _get(api_client, ME, fake_api.keys[0].sign(machine_claims())).status_code == 200
    assert _get(api_client, ME, fake_api.keys[0].sign(fakes.access_claims())).status_code == 200


def test_concurrent_first_calls_with_one_token_verify_it_once(fake_api, monkeypatch):
    token = fake_api.keys[0].sign(machine_claims())
    checks = []
    real = tokens.jwt.decode

    def slow_decode(*args, **kwargs):
        checks.append(1)
        time.sleep(0.05)  # long enough for the other threads to arrive while it runs
        return real(*args, **kwargs)

    monkeypatch.setattr(tokens.jwt, "decode", slow_decode)
    authentication = CognitoBearerAuthentication()
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(authentication.get_validated_token(token).sub)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [MACHINE] * 4
    assert len(checks) == 1
