"""accounts.pooladmin.jobs and pacing: against the real local stack, with a real worker process where said.

Most tests store the job with the Tasks API's dummy backend (which runs nothing) and then run
the worker's body, ``job_run``, here, to control what happens between users. Throttling is
faked with botocore's Stubber (the local stack never throttles).
"""

import threading
import time

import pytest
from botocore.stub import Stubber
from django.core.cache import cache
from django.test import Client

from accounts.models import Job, JobItem
from accounts.pooladmin import jobs, pacing
from accounts.pooladmin.selectors import UserQuery
from tests import fakes
from tests.factories import pool_user_create, unique_email

pytestmark = pytest.mark.usefixtures("pool_left_as_found")
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


@pytest.fixture
def stored_only(settings):
    """Jobs are stored and enqueued, and nobody runs them until the test calls ``job_run``."""
    settings.TASKS = DUMMY
    cache.clear()


def _states(job):
    return {item.username: (item.state, item.message) for item in JobItem.objects.filter(job=job)}


def _enabled(boto, provisioned, username):
    return boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=username)["Enabled"]


# -- pacing ---------------------------------------------------------------------------


def test_pacing_keeps_every_second_under_the_rate_with_a_fake_clock():
    cache.clear()
    now, sleeps = [1000.0], []

    def sleep(seconds):
        sleeps.append(round(seconds, 3))
        now[0] += seconds

    taken = []
    for _ in range(25):
        pacing.pace_take(kind="test-fake-clock", rate=10, sleep=sleep, clock=lambda: now[0])
        taken.append(int(now[0]))
        now[0] += 0.01  # each call takes 10 ms
    assert [taken.count(second) for second in sorted(set(taken))] == [10, 10, 5]
    assert len(sleeps) == 2


def test_pacing_is_shared_by_two_workers_through_the_cache():
    """Two threads stand for two worker processes: they share the cache, as processes share Redis."""
    cache.clear()
    stamps, lock = [], threading.Lock()

    def worker():
        for _ in range(12):
            pacing.pace_take(kind="test-two-workers", rate=10)
            with lock:
                stamps.append(time.time())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_second = {}
    for stamp in stamps:
        per_second[int(stamp)] = per_second.get(int(stamp), 0) + 1
    assert len(stamps) == 24
    assert max(per_second.values()) <= 10  # together, never more than the rate in any second
    assert len(per_second) >= 3  # 24 calls at 10 a second need at least three seconds


# -- a job's run ----------------------------------------------------------------------


def test_a_job_changes_each_user_and_names_them_by_email(stored_only, cognito, provisioned, boto, superuser_actor):
    users = [pool_user_create(boto, provisioned.pool_id) for _ in range(3)]
    missing = "00000000-0000-0000-0000-000000000000"
    job = jobs.job_start(actor=superuser_actor, action="disable", usernames=[users[0][0], missing, users[1][0]])
    assert job.state == Job.QUEUED
    assert JobItem.objects.filter(job=job).count() == 3
    assert _enabled(boto, provisioned, users[0][0])  # nothing done before the worker runs it

    jobs.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == Job.FINISHED
    states = _states(job)
    assert states[users[0][0]] == ("done", "")
    assert states[users[1][0]] == ("done", "")
    assert states[missing] == ("failed", "That user is not in the pool (any more).")
    emails = dict(JobItem.objects.filter(job=job).values_list("username", "email"))
    assert emails[users[0][0]] == users[0][1]  # read from the pool: they never signed in here
    assert not _enabled(boto, provisioned, users[0][0])
    assert _enabled(boto, provisioned, users[2][0])
    assert jobs.job_counts(job=job) == {**jobs.job_counts(job=job), "done": 2, "failed": 1, "total": 3}


def test_a_job_on_every_user_matching_a_filter_expands_it_page_by_page(
    stored_only, cognito, provisioned, boto, superuser_actor, cognito_calls
):
    prefix = unique_email("expand").split("@")[0]
    usernames = [pool_user_create(boto, provisioned.pool_id, email=f"{prefix}-{n}@example.com")[0] for n in range(62)]
    job = jobs.job_start(actor=superuser_actor, action="disable", query=UserQuery(search=prefix, field="email"))
    assert not JobItem.objects.filter(job=job).exists()  # starting costs no Cognito call and no item
    cognito_calls.clear()

    jobs.job_run(job_id=job.pk)

    assert cognito_calls.count("ListUsers") == 2  # 62 users: two pages, one call each
    assert cognito_calls.count("AdminDisableUser") == 62  # one write per user
    assert sorted(JobItem.objects.filter(job=job, state="done").values_list("username", flat=True)) == sorted(usernames)


def test_cancel_stops_after_the_current_user(stored_only, cognito, provisioned, boto, superuser_actor, monkeypatch):
    usernames = [pool_user_create(boto, provisioned.pool_id)[0] for _ in range(3)]
    job = jobs.job_start(actor=superuser_actor, action="disable", usernames=usernames)
    real_pace = pacing.pace_take

    def pace_then_cancel(**kwargs):
        # Staff press Cancel while the worker is about to change the first user.
        real_pace(**kwargs)
        jobs.job_cancel(actor=superuser_actor, job=Job.objects.get(pk=job.pk))

    monkeypatch.setattr(pacing, "pace_take", pace_then_cancel)
    jobs.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == Job.CANCELLED
    states = _states(job)
    assert states[usernames[0]] == ("done", "")  # the user in flight is finished, not cut in half
    assert states[usernames[1]] == states[usernames[2]] == ("skipped", "Not attempted: the job was cancelled.")
    assert not _enabled(boto, provisioned, usernames[0])
    assert _enabled(boto, provisioned, usernames[1])
    assert _enabled(boto, provisioned, usernames[2])


def test_only_who_started_a_job_or_a_superuser_may_cancel_it(stored_only, cognito, superuser_actor, actor):
    job = jobs.job_start(actor=superuser_actor, action="enable", usernames=["someone"])
    with pytest.raises(jobs.NotAllowed):
        jobs.job_cancel(actor=actor, job=job)
    assert not Job.objects.get(pk=job.pk).cancel_requested


def test_a_second_run_reports_the_user_in_flight_and_goes_on(stored_only, cognito, provisioned, boto, superuser_actor):
    """A worker killed mid-user leaves that item "being changed": the next run says so and never repeats it."""
    usernames = [pool_user_create(boto, provisioned.pool_id)[0] for _ in range(3)]
    job = jobs.job_start(actor=superuser_actor, action="disable", usernames=usernames)
    Job.objects.filter(pk=job.pk).update(state=Job.RUNNING)
    JobItem.objects.filter(job=job, username=usernames[0]).update(state=JobItem.DONE)
    JobItem.objects.filter(job=job, username=usernames[1]).update(state=JobItem.RUNNING)

    jobs.job_run(job_id=job.pk)

    states = _states(job)
    assert states[usernames[0]] == ("done", "")
    assert states[usernames[1]] == ("unknown", jobs.INTERRUPTED)
    assert states[usernames[2]] == ("done", "")
    assert _enabled(boto, provisioned, usernames[1])  # not repeated: reported for staff to check
    assert Job.objects.get(pk=job.pk).state == Job.FINISHED


def test_throttled_calls_are_retried_with_backoff_and_nobody_is_lost(
    stored_only, settings, cognito, provisioned, superuser_actor
):
    """Faked with botocore's Stubber: the local stack never throttles."""
    settings.COGNITO_JOB_RETRIES = 2
    job = jobs.job_start(actor=superuser_actor, action="enable", usernames=["slow", "stuck", "next"])
    sleeps = []
    with Stubber(cognito._client) as stub:
        stub.add_response("admin_get_user", fakes.get_user_response("slow", email="slow@example.com"))
        for _ in range(2):
            fakes.stub_target(stub, "slow")
            stub.add_client_error("admin_enable_user", "TooManyRequestsException", "Rate exceeded", 400)
        fakes.stub_target(stub, "slow")
        stub.add_response("admin_enable_user", {})
        stub.add_response("admin_get_user", fakes.get_user_response("stuck", email="stuck@example.com"))
        for _ in range(3):
            fakes.stub_target(stub, "stuck")
            stub.add_client_error("admin_enable_user", "TooManyRequestsException", "Rate exceeded", 400)
        stub.add_response("admin_get_user", fakes.get_user_response("next", email="next@example.com"))
        fakes.stub_target(stub, "next")
        stub.add_response("admin_enable_user", {})
        jobs.job_run(job_id=job.pk, sleep=sleeps.append)
        stub.assert_no_pending_responses()
    states = _states(job)
    assert states["slow"] == ("done", "")
    assert states["stuck"][0] == "failed"
    assert "throttling" in states["stuck"][1]
    assert "Tried 3 times; not changed" in states["stuck"][1]
    assert states["next"] == ("done", "")
    assert [s for s in sleeps if s >= 0.5] == [0.5, 1.0, 0.5, 1.0]  # the backoffs of slow, then of stuck


def test_an_unreachable_cognito_stops_the_job_and_says_who_was_not_attempted(
    stored_only, settings, cognito, superuser_actor
):
    """A closed port."""
    job = jobs.job_start(actor=superuser_actor, action="disable", usernames=["a", "b", "c"])
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9"
    jobs.job_run(job_id=job.pk)
    states = _states(job)
    assert states["a"][0] == "failed"
    assert "could not be reached" in states["a"][1]
    assert states["b"] == states["c"] == ("skipped", "Not attempted: Cognito could not be reached.")
    assert Job.objects.get(pk=job.pk).state == Job.STOPPED


def test_a_job_whose_starter_lost_the_permission_changes_nobody(stored_only, cognito, provisioned, boto, actor):
    from django.contrib.auth.models import Permission

    username, _ = pool_user_create(boto, provisioned.pool_id)
    actor.user_permissions.set(Permission.objects.filter(codename__in=["view_cognitouser", "change_cognitouser"]))
    job = jobs.job_start(actor=actor, action="disable", usernames=[username])
    actor.user_permissions.clear()

    jobs.job_run(job_id=job.pk)

    assert _states(job)[username][0] == "skipped"
    assert "no longer has the permission" in Job.objects.get(pk=job.pk).note
    assert _enabled(boto, provisioned, username)


def test_a_set_password_job_keeps_the_password_encrypted_and_forgets_it(
    stored_only, cognito, provisioned, boto, superuser_actor
):
    username, _ = pool_user_create(boto, provisioned.pool_id)
    password = "Job-Passw0rd!xyz"
    job = jobs.job_start(
        actor=superuser_actor,
        action="set_password",
        usernames=[username],
        params={"permanent": True},
        password=password,
    )
    stored = Job.objects.get(pk=job.pk)
    assert stored.secret
    assert password not in stored.secret
    assert password not in str(stored.params)
    jobs.job_run(job_id=job.pk)
    assert _states(job)[username] == ("done", "")
    assert Job.objects.get(pk=job.pk).secret == ""


def test_the_progress_view_is_json_for_staff_who_may_see_users_only(stored_only, cognito, admin_client, admin_user):
    job = jobs.job_start(actor=admin_user, action="enable", usernames=["a", "b"])
    JobItem.objects.filter(job=job, username="a").update(state=JobItem.DONE)
    data = admin_client.get(f"/admin/accounts/job/{job.pk}/progress/").json()
    assert data["counts"]["total"] == 2
    assert data["finished"] == 1
    assert [item["username"] for item in data["items"]] == ["a"]
    assert data["over"] is False

    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create(username="plainstaff", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(f"/admin/accounts/job/{job.pk}/progress/").status_code == 403
    assert client.get(f"/admin/accounts/job/{job.pk}/change/").status_code == 403


# -- a real worker process ------------------------------------------------------------


@pytest.mark.slow
def test_a_worker_killed_mid_job_leaves_a_report_that_says_exactly_who_was_changed(
    job_worker, cognito, provisioned, boto, superuser_actor
):
    """A real `manage.py db_worker`, killed with SIGKILL part way, then a new one resumes the job."""
    prefix = unique_email("restart").split("@")[0]
    usernames = [pool_user_create(boto, provisioned.pool_id, email=f"{prefix}-{n}@example.com")[0] for n in range(40)]
    job = jobs.job_start(actor=superuser_actor, action="disable", usernames=usernames)
    deadline = time.monotonic() + 60
    while JobItem.objects.filter(job=job, state=JobItem.DONE).count() < 5:
        assert time.monotonic() < deadline, "the worker did not start the job"
        time.sleep(0.1)
    job_worker.stop(force=True)

    # What the report says now is what Cognito says: done means disabled, waiting means untouched.
    for item in JobItem.objects.filter(job=job):
        if item.state == JobItem.DONE:
            assert not _enabled(boto, provisioned, item.username)
        elif item.state == JobItem.PENDING:
            assert _enabled(boto, provisioned, item.username)
    assert JobItem.objects.filter(job=job, state=JobItem.PENDING).exists()

    job_worker()  # a new worker, and Resume on the job's page
    jobs.job_resume(actor=superuser_actor, job=Job.objects.get(pk=job.pk))
    while Job.objects.get(pk=job.pk).state != Job.FINISHED:
        assert time.monotonic() < deadline + 60, "the resumed job did not finish"
        time.sleep(0.2)
    counts = jobs.job_counts(job=job)
    assert counts["done"] + counts["unknown"] == 40
    assert counts["unknown"] <= 4  # at most one per thread of the worker (config/settings/test.py)
    for item in JobItem.objects.filter(job=job, state=JobItem.DONE):
        assert not _enabled(boto, provisioned, item.username)


def test_a_missing_permission_is_a_403_in_the_admins_look_naming_it(cognito):
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create(username="no-perms", is_staff=True)
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/accounts/cognitouser/")
    assert response.status_code == 403
    content = response.content.decode()
    assert 'data-testid="missing-permission">accounts.view_cognitouser<' in content
    assert "Cognito user administration" in content  # the admin's header, not the bare site page


def test_link_accounts_is_reachable_from_the_admin_index_and_a_users_page(admin_client, cognito):
    for url in ("/admin/", "/admin/accounts/cognitouser/member@example.com/change/"):
        content = admin_client.get(url).content.decode()
        assert 'href="/staff/link-accounts/" data-testid="link-accounts"' in content, url


# -- export ---------------------------------------------------------------------------


def test_an_export_job_streams_every_matching_user_to_a_file_one_page_a_call(
    stored_only, cognito, provisioned, boto, admin_client, admin_user, cognito_calls
):
    import csv

    prefix = unique_email("exportjob").split("@")[0]
    for n in range(62):
        pool_user_create(boto, provisioned.pool_id, email=f"{prefix}-{n:02d}@example.com", given_name="=HYPERLINK(1)")
    started = admin_client.post("/admin/accounts/cognitouser/export-job/", {"q": prefix, "field": "email"})
    job = Job.objects.get(pk=int(started["Location"].rstrip("/").split("/")[-2]))
    assert job.action == "export"
    assert jobs.job_file(job=job) is None  # nothing before the worker runs it
    cognito_calls.clear()

    jobs.job_run(job_id=job.pk)

    assert cognito_calls == ["ListUsers", "ListUsers"]  # 62 users: two pages, one call each
    job.refresh_from_db()
    assert (job.state, job.rows) == (Job.FINISHED, 62)
    with open(jobs.job_file(job=job), newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:2] == ["username", "email"]
    assert sorted(r[1] for r in rows[1:]) == [f"{prefix}-{n:02d}@example.com" for n in range(62)]
    assert {r[3] for r in rows[1:]} == {"'=HYPERLINK(1)"}  # a formula defused
    page = admin_client.get(f"/admin/accounts/job/{job.pk}/change/")
    assert page.context["download_url"] == f"/admin/accounts/job/{job.pk}/download/"
    download = admin_client.get(page.context["download_url"])
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).decode().count(prefix) == 62


# -- sync_cognito_users as a job --------------------------------------------------------


def test_sync_cognito_users_runs_as_a_job_with_background(stored_only, cognito, provisioned, boto, admin_client):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from tests.factories import linked_user_create

    username, email = pool_user_create(boto, provisioned.pool_id)
    stale = linked_user_create(username, "old-address@example.com")
    call_command("sync_cognito_users", "--background")
    job = Job.objects.get(action=jobs.SYNC)
    assert job.state == Job.QUEUED
    assert get_user_model().objects.get(pk=stale.pk).email == "old-address@example.com"  # nothing yet

    jobs.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == Job.FINISHED
    assert "1 updated" in job.note or "updated" in job.note
    assert get_user_model().objects.get(pk=stale.pk).email == email
    page = admin_client.get(f"/admin/accounts/job/{job.pk}/change/").content.decode()
    assert "a management command" in page
    assert job.note in page
