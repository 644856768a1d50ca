"""Benchmark: ID-token verification with the cached JWKS against mozilla-django-oidc's default.

The library's stock backend fetches the JWKS over HTTP on every sign-in; ours
fetches it once per process. Both verify the same RS256 tokens against the
JWKS that bench/jwks.py serves over loopback HTTP. Run: `make bench`.
"""

import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.conf import settings  # noqa: E402
from mozilla_django_oidc.auth import OIDCAuthenticationBackend  # noqa: E402

from accounts.cognito import tokens  # noqa: E402
from bench import jwks  # noqa: E402

ROUNDS = 300


def timed(fn, rounds=ROUNDS):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6, sorted(samples)[int(rounds * 0.95)] * 1e6


def main():
    with jwks.JWKSServer() as server:
        settings.COGNITO_REGION = jwks.REGION
        settings.COGNITO_ENDPOINT_URL = server.url
        settings.COGNITO_USER_POOL_ID = jwks.POOL_ID
        settings.COGNITO_CLIENT_ID = jwks.CLIENT_ID
        token = server.id_token(nonce="n")

        ours = timed(lambda: tokens.verify_token(token, token_use="id", nonce="n"))
        ours_fetches = server.fetches

        # The stock backend only needs these to be built; it calls the JWKS endpoint alone here.
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{server.url}/oauth2/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{server.url}/oauth2/userInfo"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{server.url}{server.jwks_path}"
        settings.OIDC_RP_CLIENT_ID = jwks.CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = "bench-not-secret"
        stock = OIDCAuthenticationBackend()
        before = server.fetches
        theirs = timed(lambda: stock.verify_token(token, nonce="n"))
        theirs_fetches = server.fetches - before

    print(f"ID-token verification, {ROUNDS} rounds, JWKS over loopback HTTP")
    for label, (median, p95), fetches in [
        ("cached JWKS (accounts.cognito.tokens)", ours, ours_fetches),
        ("mozilla-django-oidc default", theirs, theirs_fetches),
    ]:
        print(f"  {label:<38} median {median:7.0f} us  p95 {p95:7.0f} us  JWKS fetches {fetches}")


if __name__ == "__main__":
    main()
