"""Benchmark: the admin's background jobs.

1. Starting a job on N selected users (default 1,000): the admin's POST until it answers with the job's
   page (the job and its N rows written, one task enqueued on the database backend), median of 5.
2. A bulk disable of N users with Cognito throttling one call in five (botocore's Stubber, since the local
   stack never throttles) and a simulated clock: users done, lost, Cognito writes, simulated time.
3. A bulk disable of N users against a throw-away local stack (MiniStack) in real time: the time at the
   configured rate, and the Cognito writes per user.
4. A CSV export of a 10,000-user pool (and of 1,000, to compare), ListUsers answered by botocore's Stubber
   (seeding 10,000 users into MiniStack takes minutes, and the export's own work is what is measured):
   ListUsers calls against pages, the simulated time at the paced rate, and the peak Python memory
   (tracemalloc), which must not grow with the pool.

Run: `.venv/bin/python -m bench.jobs [N]`.
"""

import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_DATABASE_URL", "sqlite://:memory:")
django.setup()

from botocore.stub import Stubber  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment  # noqa: E402

from accounts.cognito.client import CognitoClient  # noqa: E402
from accounts.models import Job, JobItem  # noqa: E402
from accounts.pooladmin import jobs  # noqa: E402
from accounts.pooladmin.selectors import UserQuery, users_iter  # noqa: E402
from accounts.provisioning.pool import load_spec, pool_provision  # noqa: E402
from devstack.stack import LocalStack  # noqa: E402

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def job_start_time(admin, n):
    """``job_start`` on N explicit usernames (a form posts at most Django's 1,000 fields, so N this large
    comes from code or an import): the job and N rows written, one task enqueued on the database backend."""
    settings.TASKS = DATABASE
    usernames = [f"00000000-0000-4000-8000-{i:012d}" for i in range(n)]
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        job = jobs.job_start(actor=admin, action="disable", usernames=usernames)
        samples.append(time.perf_counter() - start)
    assert JobItem.objects.filter(job=job).count() == n
    return statistics.median(samples) * 1000, max(samples) * 1000


def matching_start_time(client, prefix):
    """The admin's POST "disable every user matching this filter", confirmed, until it answers with the job's page."""
    settings.TASKS = DATABASE
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        response = client.post(
            "/admin/accounts/cognitouser/bulk/",
            {"action": "disable", "select_all": "1", "q": prefix, "field": "email", "confirm": "1"},
        )
        samples.append(time.perf_counter() - start)
        assert response.status_code == 302, response
        assert "/admin/accounts/job/" in response["Location"], response
    Job.objects.filter(state=Job.QUEUED).delete()
    return statistics.median(samples) * 1000, max(samples) * 1000


def throttled_run(admin, n):
    """Every fifth user's write is throttled once; the clock is simulated, so the run takes no real time."""
    settings.TASKS = DUMMY
    settings.COGNITO_JOB_THREADS = 1  # the Stubber answers in order
    cache.clear()
    usernames = [f"user-{i:05d}" for i in range(n)]
    job = jobs.job_start(actor=admin, action="disable", usernames=usernames)
    cognito = CognitoClient()
    now = [1_000_000.0]
    writes, throttles = [0], [0]

    def sleep(seconds):
        now[0] += seconds

    def clock():
        now[0] += 0.001  # each step of the run costs a millisecond
        return now[0]

    def count(model, **kwargs):
        if model.name == "AdminDisableUser":
            writes[0] += 1

    cognito._client.meta.events.register("before-parameter-build.cognito-idp", count, unique_id="bench-writes")
    with Stubber(cognito._client) as stub:
        for i, name in enumerate(usernames):
            user = {
                "Username": name,
                "UserAttributes": [{"Name": "sub", "Value": f"sub-{name}"}, {"Name": "email", "Value": f"{name}@x"}],
                "Enabled": True,
                "UserStatus": "CONFIRMED",
            }
            stub.add_response("admin_get_user", user)  # the job names them by email
            for attempt in range(2 if i % 5 == 0 else 1):
                stub.add_response("admin_get_user", user)
                stub.add_response("admin_list_groups_for_user", {"Groups": []})
                if attempt == 0 and i % 5 == 0:
                    stub.add_client_error("admin_disable_user", "TooManyRequestsException", "Rate exceeded", 400)
                    throttles[0] += 1
                else:
                    stub.add_response("admin_disable_user", {})
        start = now[0]
        jobs.job_run(job_id=job.pk, sleep=sleep, clock=clock)
        stub.assert_no_pending_responses()
    cognito._client.meta.events.unregister("before-parameter-build.cognito-idp", unique_id="bench-writes")
    counts = jobs.job_counts(job=job)
    return counts, writes[0], throttles[0], now[0] - start


def export_run(admin, pool_size):
    """Export every user of a ``pool_size`` pool, 60 a page from the Stubber; return calls, pages, rows, time, peak."""
    import math
    import tracemalloc

    settings.TASKS = DUMMY
    settings.COGNITO_JOB_FILES_DIR = Path(tempfile.mkdtemp(prefix="bench-export-"))
    cache.clear()
    cognito = CognitoClient()
    pages = math.ceil(pool_size / 60)
    now = [1_000_000.0]
    calls = [0]

    def sleep(seconds):
        now[0] += seconds

    def clock():
        now[0] += 0.001
        return now[0]

    def count(model, **kwargs):
        if model.name == "ListUsers":
            calls[0] += 1

    job = jobs.job_export_start(actor=admin, query=UserQuery())
    cognito._client.meta.events.register("before-parameter-build.cognito-idp", count, unique_id="bench-export")
    with Stubber(cognito._client) as stub:
        for page in range(pages):
            users = [
                {
                    "Username": f"00000000-0000-4000-8000-{page * 60 + i:012d}",
                    "Attributes": [
                        {"Name": "email", "Value": f"export-{page * 60 + i:06d}@example.com"},
                        {"Name": "given_name", "Value": "Ada"},
                        {"Name": "family_name", "Value": "Lovelace"},
                    ],
                    "Enabled": True,
                    "UserStatus": "CONFIRMED",
                }
                for i in range(min(60, pool_size - page * 60))
            ]
            stub.add_response(
                "list_users", {"Users": users, **({"PaginationToken": f"p{page}"} if page < pages - 1 else {})}
            )
        tracemalloc.start()
        start = now[0]
        jobs.job_run(job_id=job.pk, sleep=sleep, clock=clock)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        stub.assert_no_pending_responses()
    cognito._client.meta.events.unregister("before-parameter-build.cognito-idp", unique_id="bench-export")
    job.refresh_from_db()
    return calls[0], pages, job.rows, now[0] - start, peak


def local_stack_run(admin, client, n):
    settings.TASKS = DUMMY
    settings.COGNITO_JOB_THREADS = 4  # the default
    cache.clear()
    with LocalStack(port=free_port(), state_dir=tempfile.mkdtemp(prefix="bench-ministack-"), persist=False) as stack:
        settings.COGNITO_ENDPOINT_URL = stack.url
        cognito = CognitoClient()
        result = pool_provision(spec=load_spec(settings.COGNITO_PROVISION_FILE), cognito=cognito, region="us-east-1")
        settings.COGNITO_USER_POOL_ID = result.pool_id
        pool = cognito.for_pool(result.pool_id)
        for i in range(n):
            email = f"jobbench-{i:05d}@example.com"
            pool.create_user(email, attributes={"email": email}, suppress_invitation=True)
        matching = matching_start_time(client, "jobbench-")
        settings.TASKS = DUMMY
        job = jobs.job_start(actor=admin, action="disable", query=UserQuery(search="jobbench-", field="email"))
        calls = []
        cognito._client.meta.events.register("before-call.cognito-idp", lambda model, **kw: calls.append(model.name))
        start = time.perf_counter()
        jobs.job_run(job_id=job.pk)
        elapsed = time.perf_counter() - start
        disabled = sum(1 for user in users_iter(query=UserQuery(enabled="no")))
        return jobs.job_counts(job=job), elapsed, calls, disabled, matching


def main(n):
    setup_test_environment()
    setup_databases(verbosity=0, interactive=False)
    admin = get_user_model().objects.create(username="bench-admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)

    median, worst = job_start_time(admin, n)
    print(f"Starting a job on {n} selected users: median {median:.0f} ms, worst {worst:.0f} ms (5 runs)")

    counts, writes, throttles, simulated = throttled_run(admin, n)
    print(
        f"Bulk disable of {n} users, {throttles} writes throttled once (Stubber): {counts['done']} done, "
        f"{counts['failed']} failed, {counts['total'] - counts['done'] - counts['failed']} lost; "
        f"{writes} AdminDisableUser calls ({writes - throttles} succeeded, one per user); "
        f"{simulated:.1f} s simulated at {settings.COGNITO_JOB_WRITE_RATE:g}/s"
    )

    for pool_size in (1_000, 10_000):
        calls, pages, rows, simulated, peak = export_run(admin, pool_size)
        print(
            f"CSV export of a {pool_size}-user pool (Stubber): {rows} rows, {calls} ListUsers calls for {pages} "
            f"pages, {simulated:.1f} s simulated at {settings.COGNITO_JOB_LIST_RATE:g}/s, "
            f"peak Python memory {peak / 1024:.0f} KiB"
        )

    counts, elapsed, calls, disabled, (median, worst) = local_stack_run(admin, client, n)
    print(
        f"The admin starting a job on every user matching a filter ({n} users): median {median:.0f} ms, "
        f"worst {worst:.0f} ms (5 runs)"
    )
    print(
        f"Bulk disable of every user matching a filter, {n} users, local stack: {elapsed:.1f} s "
        f"at {settings.COGNITO_JOB_WRITE_RATE:g}/s ({n / elapsed:.1f} users/s); {counts['done']} done, "
        f"{counts['failed']} failed; {calls.count('ListUsers')} ListUsers pages, "
        f"{calls.count('AdminDisableUser')} AdminDisableUser calls; {disabled} disabled in the pool"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
