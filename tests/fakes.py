"""A stand-in for Cognito's token and JWKS endpoints, for what the local stack cannot produce.

MiniStack only ever mints well-formed tokens, so hostile ones (a bad
signature, ``alg: none``, a foreign issuer, an unknown ``kid``...) need a
server that hands out whatever a test asks for. This one speaks real HTTP on
127.0.0.1, signs with real RSA keys, and counts the requests it serves.
"""

import base64
import functools
import json
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

POOL_ID = "eu-west-1_FakePool1"
REGION = "eu-west-1"
CLIENT_ID = "fakeclient123"
CLIENT_SECRET = "fake-client-secret"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"


@functools.cache
def _shared_private_key():
    """One RSA key for every fake's own signing key: generating one costs ~70 ms, and a suite makes ~100 fakes."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class SigningKey:
    """An RSA key pair with a Cognito-style base64 ``kid``; a fresh key unless ``shared`` (the fakes' own)."""

    def __init__(self, kid=None, *, shared=False):
        self.private = (
            _shared_private_key() if shared else rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )
        self.kid = kid or base64.b64encode(uuid.uuid4().bytes).decode()

    @property
    def jwk(self):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    @property
    def public_pem(self):
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims, *, headers=None):
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.kid, **(headers or {})})


def id_claims(**overrides):
    now = int(time.time())
    claims = {
        "sub": "11111111-2222-3333-4444-555555555555",
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
        "auth_time": now,
        "cognito:username": "11111111-2222-3333-4444-555555555555",
        "cognito:groups": ["members"],
        "email": "pat@example.com",
        "email_verified": True,
        "given_name": "Pat",
        "family_name": "Example",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def access_claims(**overrides):
    now = int(time.time())
    claims = {
        "sub": "11111111-2222-3333-4444-555555555555",
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "token_use": "access",
        "scope": "openid email profile",
        "iat": now,
        "exp": now + 3600,
        "username": "11111111-2222-3333-4444-555555555555",
    }
    claims.update(overrides)
    return claims


class FakeCognito:
    """Serve ``/oauth2/token``, ``/oauth2/revoke`` and the pool's JWKS on 127.0.0.1; count every request.

    The refresh grant and revocation follow Cognito's documentation, including
    what the local stack lacks: revocation (after which the refresh token gets
    ``invalid_grant``) and refresh-token rotation (``rotate = True``), where each
    refresh returns a new refresh token and the spent one stops working.
    """

    def __init__(self):
        self.keys = [SigningKey(shared=True)]
        self.token_response = None  # (status, dict) returned to authorization_code grants
        self.hits = Counter()
        self.grants = Counter()
        self.token_requests = []
        self.refresh_tokens = {}  # refresh token -> sub, for the ones still valid
        self.groups = {}  # sub -> cognito:groups put in refreshed tokens
        self.rotate = False
        self.refresh_delay = 0.0
        self.refresh_response = None  # (status, body) returned to every refresh_token grant instead, if set
        self.jwks_delay = 0.0  # seconds before the JWKS answers (a slow or hanging endpoint); stop() cuts it short
        self._stopping = threading.Event()
        self.revoke_status = 200
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with fake._lock:
                    fake.hits[self.path] += 1
                if self.path == f"/{POOL_ID}/.well-known/jwks.json":
                    fake._stopping.wait(fake.jwks_delay)
                    self._json(200, {"keys": [key.jwk for key in fake.keys]})
                else:
                    self._json(404, {"message": "not found"})

            def do_POST(self):
                fake.hits[self.path] += 1
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                fake.token_requests.append(body)
                form = {k: v[0] for k, v in parse_qs(body).items()}
                if self.path == "/oauth2/token":
                    fake.grants[form.get("grant_type")] += 1
                    if form.get("grant_type") == "refresh_token":
                        self._json(*(fake.refresh_response or fake.refresh(form.get("refresh_token", ""))))
                    elif fake.token_response:
                        self._json(*fake.token_response)
                    else:
                        self._json(400, {"error": "invalid_grant"})
                elif self.path == "/oauth2/revoke":
                    if fake.revoke_status == 200:
                        fake.refresh_tokens.pop(form.get("token", ""), None)
                    self._json(fake.revoke_status, {} if fake.revoke_status == 200 else {"error": "server_error"})
                else:
                    self._json(400, {"error": "invalid_request"})

            def _json(self, status, body):
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (its timeout), as a test of a slow endpoint intends

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def jwks_path(self):
        return f"/{POOL_ID}/.well-known/jwks.json"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def issue(self, id_token, access_token=None, key=None):
        """Make the token endpoint answer the next code with these tokens (and a fresh refresh token)."""
        key = key or self.keys[0]
        refresh_token = f"opaque-refresh-{uuid.uuid4()}"
        sub = jwt.decode(id_token, options={"verify_signature": False}).get("sub") if id_token.count(".") == 2 else ""
        self.refresh_tokens[refresh_token] = sub
        self.token_response = (
            200,
            {
                "id_token": id_token,
                "access_token": access_token or key.sign(access_claims()),
                "refresh_token": refresh_token,
                "token_type": "Bearer",
                "expires_in": 3600,
            },
        )

    def refresh(self, refresh_token):
        """Answer a refresh_token grant as Cognito documents it."""
        time.sleep(self.refresh_delay)
        with self._lock:
            sub = self.refresh_tokens.get(refresh_token)
            if sub is None:
                return 400, {"error": "invalid_grant"}
            groups = self.groups.get(sub, ["members"])
            key = self.keys[0]
            answer = {
                "id_token": key.sign(id_claims(sub=sub, **{"cognito:groups": groups, "cognito:username": sub})),
                "access_token": key.sign(access_claims(sub=sub, username=sub)),
                "token_type": "Bearer",
                "expires_in": 3600,
            }
            if self.rotate:
                del self.refresh_tokens[refresh_token]
                answer["refresh_token"] = f"opaque-refresh-{uuid.uuid4()}"
                self.refresh_tokens[answer["refresh_token"]] = sub
            return 200, answer


def get_user_response(username, *, email="", status="CONFIRMED"):
    """An AdminGetUser answer for a Stubber."""
    return {
        "Username": username,
        "UserAttributes": [{"Name": "sub", "Value": f"sub-{username}"}, {"Name": "email", "Value": email}],
        "Enabled": True,
        "UserStatus": status,
    }


def stub_target(stub, username, *, groups=(), status="CONFIRMED"):
    """Queue, on a botocore Stubber, the two reads accounts.policy makes before a write to ``username``."""
    stub.add_response(
        "admin_get_user",
        {
            "Username": username,
            "UserAttributes": [{"Name": "sub", "Value": f"sub-{username}"}, {"Name": "email", "Value": ""}],
            "Enabled": True,
            "UserStatus": status,
        },
    )
    stub.add_response("admin_list_groups_for_user", {"Groups": [{"GroupName": g} for g in groups]})
