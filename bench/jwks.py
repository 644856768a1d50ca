"""A pool's JWKS on 127.0.0.1 and ID tokens signed with its key, for bench/verify_tokens.py.

The benchmarks keep to their own helpers (never tests/): only the JWKS is
served, the one endpoint token verification reads, and every fetch is counted.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

REGION = "eu-west-1"
POOL_ID = "eu-west-1_BenchPool1"
CLIENT_ID = "benchclient123"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
KID = "bench-key-1"


class JWKSServer:
    """Serve ``/<pool id>/.well-known/jwks.json`` with one RS256 key; count the fetches in ``fetches``."""

    jwks_path = f"/{POOL_ID}/.well-known/jwks.json"

    def __init__(self):
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        body = json.dumps({"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}).encode()
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != server.jwks_path:
                    self.send_error(404)
                    return
                server.fetches += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._http.shutdown()
        self._http.server_close()

    def id_token(self, *, nonce):
        """Return an ID token as Cognito issues one for this pool and client, signed with the served key."""
        now = int(time.time())
        claims = {
            "sub": "11111111-2222-3333-4444-555555555555",
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "token_use": "id",
            "iat": now,
            "exp": now + 3600,
            "auth_time": now,
            "nonce": nonce,
            "email": "bench@example.com",
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": KID})
