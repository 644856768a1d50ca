"""Benchmark: requests per second of ``GET /api/v1/me`` with a bearer token, against the same view unauthenticated.

The site runs in a process of its own behind a threaded WSGI server (the
standard library's, four request threads at most in flight from the load
generator); the load generator is this process, with four threads. The JWKS is
bench/jwks.py's, over loopback HTTP. Phases alternate (open, bearer, open,
bearer) and each kind's best phase counts, so that a busy moment on a shared
machine does not decide the ratio. Run: `.venv/bin/python -m bench.api`.
"""

import http.client
import json
import os
import socketserver
import subprocess
import sys
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

THREADS = 4
PHASE_SECONDS = 5.0
MACHINE = "benchmachine456"


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def serve(port, jwks_url, claims_json):
    """The server process: the site with the bench URLs, one JWKS fetch at most, counting signature checks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    from accounts.cognito import tokens
    from bench import api_urls, jwks

    settings.ROOT_URLCONF = "bench.api_urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.COGNITO_REGION = jwks.REGION
    settings.COGNITO_ENDPOINT_URL = jwks_url
    settings.COGNITO_USER_POOL_ID = jwks.POOL_ID
    settings.COGNITO_CLIENT_ID = jwks.CLIENT_ID
    settings.COGNITO_M2M_CLIENT_ID = MACHINE
    settings.COGNITO_API_THROTTLE_RATE = "1000000/s"
    api_urls.STATE["claims"] = json.loads(claims_json)
    real_decode = tokens.jwt.decode

    def counted(*args, **kwargs):
        api_urls.STATE["signature_checks"] += 1
        return real_decode(*args, **kwargs)

    tokens.jwt.decode = counted
    with make_server("127.0.0.1", port, get_wsgi_application(), _ThreadingWSGIServer, _QuietHandler) as server:
        server.serve_forever()


def _load(port, path, headers, seconds):
    """Return requests per second of GET ``path`` from THREADS threads for ``seconds``; every answer must be 200."""
    count, failures, stop = [0], [], time.monotonic() + seconds
    lock = threading.Lock()

    def worker():
        done = 0
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                failures.append(response.status)
                return
            done += 1
        with lock:
            count[0] += done

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{path} answered {failures[0]}")
    return count[0] / (time.monotonic() - start)


def _get_json(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    body = json.loads(conn.getresponse().read())
    conn.close()
    return body


def main():
    import jwt

    from bench import jwks

    with jwks.JWKSServer() as keys:
        now = int(time.time())
        claims = {
            "sub": MACHINE,
            "client_id": MACHINE,
            "iss": jwks.ISSUER,
            "token_use": "access",
            "scope": "https://api.example/users.read",
            "iat": now,
            "exp": now + 3600,
        }
        token = jwt.encode(claims, keys.private_key, algorithm="RS256", headers={"kid": jwks.KID})
        with socketserver.TCPServer(("127.0.0.1", 0), None) as probe:
            port = probe.server_address[1]
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bench.api", "--serve", str(port), keys.url, json.dumps(claims)],
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        try:
            for _ in range(100):
                try:
                    _get_json(port, "/bench/stats")
                    break
                except OSError:
                    time.sleep(0.1)
            bearer = {"Authorization": f"Bearer {token}"}
            _load(port, "/bench/me-open", {}, 1.0)  # warm-up
            results = {"open": [], "bearer": []}
            for _ in range(2):
                results["open"].append(_load(port, "/bench/me-open", {}, PHASE_SECONDS))
                results["bearer"].append(_load(port, "/api/v1/me", bearer, PHASE_SECONDS))
            stats = _get_json(port, "/bench/stats")
        finally:
            server.terminate()
            server.wait(timeout=10)
        open_rps, bearer_rps = max(results["open"]), max(results["bearer"])
        phases = {kind: ", ".join(f"{r:.0f}" for r in runs) for kind, runs in results.items()}
        print(f"GET /api/v1/me, {THREADS} client threads, {PHASE_SECONDS:.0f} s phases, best of 2 each")
        print(f"  authentication off : {open_rps:8.0f} req/s  (phases: {phases['open']})")
        print(f"  bearer token       : {bearer_rps:8.0f} req/s  (phases: {phases['bearer']})")
        print(f"  ratio              : {bearer_rps / open_rps:8.2f}  (goal >= 0.9)")
        print(f"  JWKS fetches       : {keys.fetches:8d}  (goal 1)")
        print(f"  signature checks   : {stats['signature_checks']:8d}  for 1 distinct token (goal 1)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        main()
