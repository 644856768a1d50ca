"""Benchmark: the "My files" listing (GET /files/) with cold and warm credentials.

Starts its own MiniStack on a free port (throw-away state), provisions the pool
and identity pool, signs the demo member in through the hosted UI over HTTP,
puts a few files in their folder, then times the page: the very first view
(GetId and GetCredentialsForIdentity), cold (the session's credentials dropped,
so GetCredentialsForIdentity again) and warm (the session's cached credentials;
no identity call). Run: `.venv/bin/python -m bench.my_files [ROUNDS]` (default 30).
"""

import os
import socket
import statistics
import sys
import tempfile
import time
from html.parser import HTMLParser
from urllib.parse import urlparse

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_DATABASE_URL", "sqlite://:memory:")
django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.cognito.client import CognitoClient  # noqa: E402
from accounts.cognito.identity import site_client  # noqa: E402
from accounts.models import SessionCredentials  # noqa: E402
from accounts.provisioning.pool import load_spec, pool_provision  # noqa: E402
from devstack.demo import demo_users_seed, load_demo_users  # noqa: E402
from devstack.stack import LocalStack  # noqa: E402

FILES = 5


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields, self.action = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action")
        if tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


def sign_in(client, email, password):
    """Sign in through the local hosted UI over HTTP, as a browser would."""
    authorize = client.get(reverse("oidc_authentication_init"))["Location"]
    page = requests.get(authorize, timeout=10)
    form = _Form()
    form.feed(page.text)
    form.fields.update(username=email, password=password)
    origin = "{0.scheme}://{0.netloc}".format(urlparse(authorize))
    answer = requests.post(f"{origin}{form.action}", data=form.fields, allow_redirects=False, timeout=10)
    callback = urlparse(answer.headers["Location"])
    assert client.get(f"{callback.path}?{callback.query}").status_code == 302


def timed(client, rounds, before=None):
    samples = []
    for _ in range(rounds):
        if before:
            before()
        start = time.perf_counter()
        response = client.get(reverse("files"))
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000


def main(rounds):
    setup_test_environment()
    setup_databases(verbosity=0, interactive=False)
    with LocalStack(port=free_port(), state_dir=tempfile.mkdtemp(prefix="bench-ministack-"), persist=False) as stack:
        settings.COGNITO_ENDPOINT_URL = stack.url
        settings.ALLOWED_HOSTS = ["testserver"]
        result = pool_provision(
            spec=load_spec(settings.COGNITO_PROVISION_FILE),
            cognito=CognitoClient(),
            region="us-east-1",
            extra_site_urls=["http://testserver"],
        )
        demo_users_seed(cognito=CognitoClient(pool_id=result.pool_id))
        settings.COGNITO_USER_POOL_ID = result.pool_id
        settings.COGNITO_CLIENT_ID = result.client_id
        settings.COGNITO_CLIENT_SECRET = result.client_secret
        settings.COGNITO_IDENTITY_POOL_ID = result.identity_pool.identity_pool_id
        settings.COGNITO_FILES_BUCKET = result.identity_pool.bucket
        client = Client()
        sign_in(client, "member@example.com", load_demo_users()["password"])

        calls = []
        identity = site_client("cognito-identity", "us-east-1", stack.url, settings.COGNITO_TIMEOUT)
        identity.meta.events.register("before-call.cognito-identity", lambda model, **kw: calls.append(model.name))
        first, _ = timed(client, 1)
        first_calls = list(calls)
        for i in range(FILES):
            body = SimpleUploadedFile(f"file-{i}.txt", b"x" * 1024, content_type="text/plain")
            client.post(reverse("file_upload"), {"file": body})

        calls.clear()
        cold = timed(client, rounds, before=lambda: SessionCredentials.objects.all().delete())
        cold_calls = len(calls) / rounds
        calls.clear()
        warm = timed(client, rounds)
        warm_calls = len(calls) / rounds

    print(f"My files listing ({FILES} files of 1 KB), {rounds} views each, MiniStack over loopback:")
    print(f"  first view ever         {first:7.1f} ms, identity calls: {', '.join(first_calls)}")
    print(f"  cold credentials        {cold[0]:7.1f} ms median, {cold[1]:7.1f} ms p95, identity calls: {cold_calls}")
    print(f"  warm (cached, fresh)    {warm[0]:7.1f} ms median, {warm[1]:7.1f} ms p95, identity calls: {warm_calls}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
