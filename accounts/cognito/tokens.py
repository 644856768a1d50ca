"""Verify Cognito JWTs: RS256 only, keys from the pool's JWKS cached per process.

Follows AWS's verification steps and awslabs/aws-jwt-verify:
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
"""

import hmac
import logging
import threading
import time
from collections.abc import Collection

import jwt
import requests
from django.conf import settings

from ..exceptions import CognitoUnavailable, InvalidToken
from .endpoints import cognito_endpoints

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
# After a refetch that still lacks the requested kid, further unknown kids fail
# fast for this long instead of hammering the JWKS endpoint (aws-jwt-verify's
# penalty box does the same).
UNKNOWN_KID_PENALTY_SECONDS = 10
# Cognito's ID and access tokens live from 5 minutes to 1 day; a longer-lived
# one was not minted by Cognito as configured, and one that "never expires"
# must not be a session that can never be checked again.
# https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TokenValidityUnitsType.html
MAX_TOKEN_LIFETIME_SECONDS = 86400


class _Flight:
    """One JWKS fetch in progress, which requests wanting the same JWKS wait for instead of fetching again."""

    def __init__(self):
        self.done = threading.Event()
        self.keys = None  # still None once done: the fetch failed


class JWKSCache:
    """Signing keys by JWKS URL and ``kid``, fetched once and refetched only for a new ``kid``.

    A fetch is single-flight and runs outside the lock: one request fetches,
    the others wanting that JWKS wait for its result (at most the timeout) and
    share its failure, so a slow or hanging JWKS costs concurrent sign-ins one
    timeout together, not one each in turn.
    """

    def __init__(self):
        self._keys = {}
        self._penalty_until = {}
        self._flights = {}
        self._lock = threading.Lock()

    def clear(self):
        with self._lock:
            self._keys.clear()
            self._penalty_until.clear()

    def get_key(self, jwks_url, kid):
        """Return the public key for ``kid``; raise InvalidToken if the pool has none."""
        with self._lock:
            keys = self._keys.get(jwks_url)
            if keys is not None and (kid in keys or not self._may_refetch(jwks_url)):
                return self._pick(keys, kid)
            flight = self._flights.get(jwks_url)
            leader = flight is None
            if leader:
                flight = self._flights[jwks_url] = _Flight()
        keys = self._lead(flight, jwks_url) if leader else self._follow(flight)
        if kid not in keys:
            with self._lock:
                self._penalty_until[jwks_url] = time.monotonic() + UNKNOWN_KID_PENALTY_SECONDS
        return self._pick(keys, kid)

    @staticmethod
    def _pick(keys, kid):
        try:
            return keys[kid]
        except KeyError:
            raise InvalidToken("no key in the pool's JWKS has this kid") from None

    def _lead(self, flight, jwks_url):
        """Fetch the JWKS for everyone waiting on ``flight``; the lock is not held meanwhile."""
        try:
            flight.keys = self._fetch(jwks_url)
            with self._lock:
                self._keys[jwks_url] = flight.keys
            return flight.keys
        finally:
            with self._lock:
                if self._flights.get(jwks_url) is flight:
                    del self._flights[jwks_url]
            flight.done.set()

    @staticmethod
    def _follow(flight):
        """Wait, at most the timeout, for another request's fetch; share its keys or its failure."""
        if not flight.done.wait(settings.COGNITO_TIMEOUT):
            raise CognitoUnavailable("timed out waiting for the JWKS another request is fetching")
        if flight.keys is None:
            raise CognitoUnavailable("could not fetch the JWKS (another request tried just now)")
        return flight.keys

    def _may_refetch(self, jwks_url):
        return time.monotonic() >= self._penalty_until.get(jwks_url, 0)

    def _fetch(self, jwks_url):
        logger.info("Fetching the user pool's signing keys from %s", jwks_url)
        try:
            response = requests.get(jwks_url, timeout=settings.COGNITO_TIMEOUT)
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict):
                raise ValueError("the JWKS is not a JSON object")
        except (requests.RequestException, ValueError) as exc:
            raise CognitoUnavailable(f"could not fetch the JWKS: {type(exc).__name__}") from exc
        keys = {}
        for jwk in document.get("keys", []):
            # Only RSA signing keys for RS256 are acceptable; anything else in
            # the set is ignored rather than trusted.
            if jwk.get("kty") != "RSA" or jwk.get("alg", ALGORITHM) != ALGORITHM:
                continue
            if jwk.get("use", "sig") != "sig" or "kid" not in jwk:
                continue
            try:
                keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm=ALGORITHM).key
            except (jwt.PyJWKError, jwt.InvalidKeyError):
                logger.warning("Ignoring an unusable key in the JWKS (kid %s)", jwk["kid"])
        return keys


jwks_cache = JWKSCache()


def verify_token(
    token: str, *, token_use: str, nonce: str | None = None, client_ids: Collection[str] | None = None
) -> dict:
    """Return the claims of a Cognito ``id`` or ``access`` token, or raise InvalidToken.

    Checks, in order: the header names RS256 and a kid; the signature against
    the pool's JWKS; ``exp``; ``iss`` equal to the pool's issuer; ``exp`` and
    ``iat`` numbers at most a day apart; ``token_use``; the client (``aud`` for
    ID tokens, ``client_id`` for access tokens) is one of ``client_ids``, by
    default only the site's own app client (sign-in never widens it); the nonce.
    """
    if not token or not isinstance(token, str):
        raise InvalidToken(f"no {token_use} token in the response")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(f"malformed token header ({type(exc).__name__})") from exc
    # Refuse "none" and HMAC before looking at any key: an HS256 token "signed"
    # with the public key must never be checked with it.
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"signing algorithm {header.get('alg')!r} is not {ALGORITHM}")
    kid = header.get("kid")
    if not kid or not isinstance(kid, str):
        raise InvalidToken("token header has no kid")

    endpoints = cognito_endpoints()
    key = jwks_cache.get_key(endpoints.jwks, kid)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=endpoints.issuer,
            leeway=settings.COGNITO_CLOCK_SKEW,
            options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("token has expired") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidToken("token was issued by another user pool") from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidToken("signature does not verify") from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(f"token is invalid ({type(exc).__name__}: {exc})") from exc

    _check_lifetime(claims)
    if claims["token_use"] != token_use:
        raise InvalidToken(f"token_use is {claims['token_use']!r}, expected {token_use!r}")
    # aws-jwt-verify: ID tokens name the client in aud, access tokens in client_id.
    client_claim = "aud" if token_use == "id" else "client_id"
    allowed = {settings.COGNITO_CLIENT_ID} if client_ids is None else set(client_ids)
    client = claims.get(client_claim)
    # An empty id in the settings must never match a token that lacks the claim.
    if not isinstance(client, str) or not client or client not in allowed:
        raise InvalidToken(f"{client_claim} is not an app client this site accepts")
    # Compared as bytes: compare_digest refuses non-ASCII str, which a forged claim could carry.
    if nonce is not None and not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
        raise InvalidToken("nonce does not match the one sent with the sign-in request")
    return claims


def _check_lifetime(claims):
    """Refuse ``exp`` or ``iat`` that are not numbers, and a token that lives longer than Cognito's can.

    PyJWT accepts any value ``int()`` takes ("1893456000", True); the site
    later turns ``exp`` into a datetime, so only real numbers pass, and the
    lifetime bound keeps ``exp`` within the range of a date (10**20 is not).
    """
    exp, iat = claims["exp"], claims["iat"]
    if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in (exp, iat)):
        raise InvalidToken("exp and iat must be numbers")
    if exp < iat:
        raise InvalidToken("token expires before it was issued")
    if exp - iat > MAX_TOKEN_LIFETIME_SECONDS:
        raise InvalidToken("token lives longer than Cognito's tokens can (one day)")
