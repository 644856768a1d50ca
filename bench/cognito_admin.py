"""Benchmark: the Cognito users changelist and sync_cognito_users on a pool of N users.

Starts its own MiniStack on a free port (throw-away state), provisions the pool,
seeds N users (1 in 10 linked to a Django user), then reports the changelist's
render time and Cognito calls per page and per search, and the sync command's
time. Run: `.venv/bin/python -m bench.cognito_admin [N]` (default 10,000).
"""

import os
import socket
import statistics
import sys
import tempfile
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_DATABASE_URL", "sqlite://:memory:")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment  # noqa: E402

from accounts.cognito.client import CognitoClient  # noqa: E402
from accounts.pooladmin.selectors import UserQuery, users_iter  # noqa: E402
from accounts.pooladmin.sync import users_sync  # noqa: E402
from accounts.provisioning.pool import load_spec, pool_provision  # noqa: E402
from devstack.stack import LocalStack  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(fn, rounds):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, max(samples) * 1000


def seed(cognito, n):
    """Create n users without invitations, one call at a time (MiniStack is not safe under concurrent writes)."""
    for i in range(n):
        email = f"bench-{i:06d}@example.com"
        cognito.create_user(
            email, attributes={"email": email, "given_name": f"Bench{i % 97}"}, suppress_invitation=True
        )
    users = users_iter(query=UserQuery())
    return [user.username for i, user in enumerate(users) if i % 10 == 0]


def main(n):
    setup_test_environment()
    setup_databases(verbosity=0, interactive=False)
    with LocalStack(port=free_port(), state_dir=tempfile.mkdtemp(prefix="bench-ministack-"), persist=False) as stack:
        settings.COGNITO_ENDPOINT_URL = stack.url
        cognito = CognitoClient()
        result = pool_provision(spec=load_spec(settings.COGNITO_PROVISION_FILE), cognito=cognito, region="us-east-1")
        settings.COGNITO_USER_POOL_ID = result.pool_id
        start = time.perf_counter()
        linked = seed(cognito.for_pool(result.pool_id), n)
        seeding = time.perf_counter() - start
        User = get_user_model()
        for username in linked:
            User.objects.create(username=username, cognito_sub=username, cognito_username=username)

        calls = []
        cognito._client.meta.events.register("before-call.cognito-idp", lambda model, **kw: calls.append(model.name))
        admin = User.objects.create(username="bench-admin", is_staff=True, is_superuser=True)
        client = Client()
        client.force_login(admin)

        def measure(label, url, rounds=10):
            calls.clear()
            median, worst = timed(lambda: client.get(url), rounds)
            print(f"| {label} | {median:.0f} ms | {worst:.0f} ms | {len(calls) / rounds:g} |")

        print(f"Pool of {n} users (seeded in {seeding:.0f} s), {len(linked)} linked to Django users")
        print("| Changelist view | median | worst | Cognito calls per view |")
        print("|---|---|---|---|")
        measure("first page", "/admin/accounts/cognitouser/")
        first = client.get("/admin/accounts/cognitouser/")
        measure("next page", first.context["next_url"])
        measure("search by email prefix", "/admin/accounts/cognitouser/?q=bench-0042")
        measure("search by name prefix", "/admin/accounts/cognitouser/?q=Bench4&field=given_name")
        measure("filter: disabled", "/admin/accounts/cognitouser/?enabled=no")

        calls.clear()
        start = time.perf_counter()
        sync = users_sync()
        print(
            f"sync_cognito_users: {time.perf_counter() - start:.1f} s, {len(calls)} Cognito calls, "
            f"{sync.seen} users read, {sync.linked} linked"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
