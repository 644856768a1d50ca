"""Bulk actions as background jobs: started by the admin, run by the worker (``manage.py db_worker``).

A job's people are its items, one row each. Starting a job writes the job and
its items (one INSERT for the lot) and enqueues one task; "all users matching
this filter" writes no items at all: the worker pages through ListUsers
itself, first, before it changes anyone. The worker then takes the items in
order and, for each one, records "being changed", calls the action's service
(Cognito first, then the site, as the service says), and records the outcome
before it moves on. So whenever a worker stops, the report says who was
changed, who failed and why, who was not attempted, and, for the one user in
flight, that the change may or may not have happened: never a silent half.

Calls are paced across every worker through the shared cache (``pacing``):
``COGNITO_JOB_WRITE_RATE`` actions and ``COGNITO_JOB_LIST_RATE`` ListUsers
pages a second. A throttled call is retried with exponential backoff up to
``COGNITO_JOB_RETRIES`` times; a user still throttled then is reported as
failed, by email, never dropped.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .. import policy
from ..exceptions import CognitoError, CognitoUnavailable, NotAllowed, TooManyRequests
from ..models import Job, JobItem
from ..sessions.encryption import decrypt, encrypt
from . import pacing
from .bulk import BULK_ACTIONS, BulkAction
from .selectors import UserQuery, describe_pool, linked_users, search_filter, users_page

logger = logging.getLogger(__name__)

INTERRUPTED = (
    "Interrupted: the worker stopped while changing this user, so the change may or may not have been made. "
    "Check their page."
)
NOT_ATTEMPTED_CANCELLED = "Not attempted: the job was cancelled."
NOT_ATTEMPTED_UNREACHABLE = "Not attempted: Cognito could not be reached."
NOT_ATTEMPTED_SELF = "Not attempted: this is you; change your own account from its page."
NOT_ATTEMPTED_REFUSED = "Not attempted: {why}"
STILL_THROTTLED = "{plain} Tried {tries} times; not changed. Select them and run the action again."
UNEXPECTED = "Interrupted by an unexpected error on the site, so the change may or may not have been made."


def _starter(actor):
    return (getattr(actor, "email", "") or str(actor))[:254]


def _permission(entry) -> list[str]:
    return ["accounts.view_cognitouser", f"accounts.{entry.permission}_cognitouser"]


@sensitive_variables("password")
def job_start(
    *,
    actor,
    action: str,
    usernames: Iterable[str] = (),
    query: UserQuery | None = None,
    params: dict | None = None,
    password: str = "",
) -> Job:
    """Write a job and its items, then enqueue it for the worker; return the job.

    The database is written first (the job and all its items in one
    transaction), then the task is enqueued; if enqueueing fails the job stays
    "waiting for the worker" and its page offers Resume. With ``query`` (all
    users matching a filter) no item is written here: the worker expands it.
    Group actions are refused for the whole selection before anything is
    written, as a bulk run refuses them; the actor's permission is checked
    by the caller and again by the worker.
    """
    entry = BULK_ACTIONS[action]
    params = dict(params or {})
    if entry.changes_group:
        policy.check(actor=actor, change="change who is in", groups=[params.get("group", "")])
    if query is not None:
        search_filter(text=query.search, field=query.field)  # a bad search is refused before any job
    usernames = list(dict.fromkeys(usernames))
    with transaction.atomic():
        job = Job.objects.create(
            created_by=actor,
            starter=_starter(actor),
            action=action,
            label=entry.label,
            params=params,
            secret=encrypt(password) if password else "",
            query=query.as_params() if query is not None else {},
            expanded=query is None,
        )
        if usernames:
            linked = linked_users(usernames=usernames)
            JobItem.objects.bulk_create(
                [JobItem(job=job, username=n, email=linked[n].email if n in linked else "") for n in usernames],
                batch_size=500,
            )
    job_enqueue(job=job)
    return job


EXPORT = "export"
EXPORT_LABEL = "Export CSV"
EXPORT_COLUMNS = ["username", "email", "email_verified", "given_name", "family_name", "phone_number"]


def job_export_start(*, actor, query: UserQuery) -> Job:
    """Write an export job for every user matching ``query`` and enqueue it; the worker writes the CSV file.

    The database is written first (the job), then the task is enqueued. A bad
    search is refused before anything is written.
    """
    search_filter(text=query.search, field=query.field)
    from .selectors import pool_estimated_users

    job = Job.objects.create(
        created_by=actor,
        starter=_starter(actor),
        action=EXPORT,
        label=EXPORT_LABEL,
        query=query.as_params(),
        expanded=True,
        expected=pool_estimated_users() or 0,
    )
    job_enqueue(job=job)
    return job


def _invite(*, actor, username, email, given_name="", family_name="", phone="", groups=()):
    """Invite one person of an import (``user_create`` checks everything again, through the policy)."""
    from .services.users import user_create

    return user_create(
        actor=actor, email=email, phone=phone, given_name=given_name, family_name=family_name, groups=groups
    )


INVITE = "invite"
#: The import's action: not on the users list's bulk menu, so not in BULK_ACTIONS.
INVITE_ACTION = BulkAction(service=_invite, permission="add", label="Invite from a CSV file")


def _entry(action):
    return INVITE_ACTION if action == INVITE else BULK_ACTIONS[action]


def job_import_start(*, actor, rows: list) -> Job:
    """Write an invitation job for the checked rows of an import (``imports.import_check``) and enqueue it.

    The database is written first (the job and one item per person, with what
    to invite them with), then the task is enqueued.
    """
    with transaction.atomic():
        job = Job.objects.create(created_by=actor, starter=_starter(actor), action=INVITE, label=INVITE_ACTION.label)
        JobItem.objects.bulk_create(
            [JobItem(job=job, username=row.email, email=row.email, data=row.as_data()) for row in rows],
            batch_size=500,
        )
    job_enqueue(job=job)
    return job


SYNC = "sync"
SYNC_LABEL = "Sync the linked Django users with the pool"


def job_sync_start(*, force: bool = False) -> Job:
    """Write a job that runs ``sync_cognito_users`` in the worker, and enqueue it (the command's --background)."""
    job = Job.objects.create(
        created_by=None, starter="a management command", action=SYNC, label=SYNC_LABEL, params={"force": bool(force)}
    )
    job_enqueue(job=job)
    return job


def _sync(job):
    """Run the sync (accounts.pooladmin.sync, which reads everything before it writes) and say how it went."""
    from ..exceptions import SyncRefused
    from . import sync

    def progress(seen, total):
        Job.objects.filter(pk=job.pk).update(rows=seen, expected=total, heartbeat_at=timezone.now())

    try:
        result = sync.users_sync(force=job.params.get("force", False), progress=progress)
    except SyncRefused as exc:
        _finish(job, state=Job.STOPPED, note=f"Refused, nothing changed: {exc} Run the command with --force.")
        return
    except CognitoError as exc:
        _finish(job, state=Job.STOPPED, note=f"Stopped, nothing changed: {exc.plain}")
        return
    note = (
        f"{result.seen} Cognito users read, {result.linked} linked to Django users, {result.updated} updated, "
        f"{result.missing} no longer in the pool (made inactive)."
    )
    if result.failed:
        note += f" {len(result.failed)} could not be synced and were left as they were (see the command's output)."
    Job.objects.filter(pk=job.pk).update(rows=result.seen)
    _finish(job, state=Job.FINISHED if not result.failed else Job.STOPPED, note=note)


def job_file(*, job: Job):
    """Return the path of a finished export's file, or None."""
    if not job.output or job.state != Job.FINISHED:
        return None
    path = settings.COGNITO_JOB_FILES_DIR / job.output
    return path if path.is_file() else None


def job_enqueue(*, job: Job) -> None:
    """Hand the job to the worker (one task row with the database backend)."""
    from .tasks import job_task

    job_task.enqueue(job_id=job.pk)


def job_cancel(*, actor, job: Job) -> None:
    """Ask the worker to stop after the user it is changing now; the rest are reported as not attempted."""
    _may_steer(actor, job)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    # Nobody is running it: finish it here.
    if job.state == Job.QUEUED or job_stale(job=job):
        _finish(job, state=Job.CANCELLED, rest=NOT_ATTEMPTED_CANCELLED)


def job_resume(*, actor, job: Job) -> None:
    """Enqueue a job whose worker stopped; the new run reports the user in flight and goes on with the rest."""
    _may_steer(actor, job)
    if job.state in (Job.QUEUED, Job.RUNNING):
        job_enqueue(job=job)


def _may_steer(actor, job):
    if not (policy.acts_as_superuser(actor) or actor.pk == job.created_by_id):
        raise NotAllowed(message="Only the person who started a job, or a superuser, can cancel or resume it.")


def job_stale(*, job: Job) -> bool:
    """Return whether a queued or running job has not been touched by a worker for ``COGNITO_JOB_STALE_SECONDS``."""
    if job.state not in (Job.QUEUED, Job.RUNNING):
        return False
    last = job.heartbeat_at or job.created
    return timezone.now() - last > timedelta(seconds=settings.COGNITO_JOB_STALE_SECONDS)


def job_counts(*, job: Job) -> dict[str, int]:
    """Return how many of the job's items are in each state, and ``total``: one query."""
    counts = dict.fromkeys((state for state, _ in JobItem.STATES), 0)
    for row in job.items.values("state").annotate(n=Count("id")):
        counts[row["state"]] = row["n"]
    counts["total"] = sum(counts.values())
    return counts


# ------------------------------------------------------------------------------
# The worker's side
# ------------------------------------------------------------------------------


def job_run(
    *, job_id: int, sleep: Callable[[float], object] = time.sleep, clock: Callable[[], float] = time.time
) -> None:
    """Run a job to its end (the task's body); safe to call again for a job whose worker stopped.

    Each user: the item is marked "being changed" in the database, the service
    writes Cognito and then the site, and the outcome is written before the
    next user. A second run finds the item still "being changed" and reports it
    as interrupted rather than guessing; it never repeats that user's change.
    """
    job = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.state not in (Job.QUEUED, Job.RUNNING):
        return
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(state=Job.RUNNING, heartbeat_at=now, started_at=job.started_at or now)
    job.items.filter(state=JobItem.RUNNING).update(state=JobItem.UNKNOWN, message=INTERRUPTED, finished_at=now)
    if job.action == EXPORT:
        _export(job, sleep=sleep, clock=clock)
        return
    if job.action == SYNC:
        _sync(job)
        return
    entry = _entry(job.action)
    actor = job.created_by
    if actor is None or not (actor.is_active and actor.has_perms(_permission(entry))):
        why = f"{job.starter} no longer has the permission to {entry.label.lower()} Cognito users."
        _finish(job, state=Job.STOPPED, note=why, rest=NOT_ATTEMPTED_REFUSED.format(why=why))
        return
    params = dict(job.params)
    try:
        if job.secret:
            params["password"] = decrypt(job.secret)
        if entry.password_policy:
            params["policy"] = describe_pool().password_policy  # once per run: DescribeUserPool is capped at 5/s
        if entry.changes_group:
            policy.check(actor=actor, change="change who is in", groups=[params.get("group", "")])
        if not job.expanded:
            _expand(job, sleep=sleep, clock=clock)
    except NotAllowed as exc:
        _finish(job, state=Job.STOPPED, note=exc.plain, rest=NOT_ATTEMPTED_REFUSED.format(why=exc.plain))
        return
    except CognitoError as exc:
        _finish(job, state=Job.STOPPED, note=exc.plain, rest=NOT_ATTEMPTED_UNREACHABLE)
        return
    _work(job, entry, actor, params, sleep=sleep, clock=clock)


def _cell(value):
    """Defuse a spreadsheet formula in a user-controlled value (CSV injection); keep E.164 phone numbers."""
    from .validation import E164

    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not E164.match(value):
        return "'" + value
    return value


def _export(job, *, sleep, clock):
    """Write every user matching the job's filter to a CSV file, one paced ListUsers page at a time.

    Memory stays flat: each page is written and forgotten. The file is written
    under a temporary name and renamed when complete, so a half-written export
    is never offered for download; a stopped one says how far it got.
    """
    import csv

    actor = job.created_by
    if actor is None or not (actor.is_active and actor.has_perm("accounts.view_cognitouser")):
        _finish(job, state=Job.STOPPED, note=f"{job.starter} no longer has the permission to view Cognito users.")
        return
    folder = settings.COGNITO_JOB_FILES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"cognito-users-job-{job.pk}.csv"
    partial = folder / f".{name}.partial"
    query = UserQuery.from_params(job.query)
    rows, token, complete = 0, "", False
    try:
        with open(partial, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow([*EXPORT_COLUMNS, "status", "enabled", "created"])
            while not _cancelled(job):
                page = _retrying(
                    functools.partial(users_page, query=query, token=token), kind="list-users", sleep=sleep, clock=clock
                )
                for user in page.users:
                    values = [_cell(user.username)] + [_cell(user.attributes.get(c, "")) for c in EXPORT_COLUMNS[1:]]
                    writer.writerow([*values, user.status, user.enabled, user.created or ""])
                rows += len(page.users)
                Job.objects.filter(pk=job.pk).update(rows=rows, heartbeat_at=timezone.now())
                if not page.next_token:
                    complete = True
                    break
                token = page.next_token
        if complete:
            partial.replace(folder / name)
    except CognitoError as exc:
        _finish(job, state=Job.STOPPED, note=f"Stopped after {rows} users: {exc.plain}")
        return
    finally:
        partial.unlink(missing_ok=True)
    if not complete:
        _finish(job, state=Job.CANCELLED, note=f"Cancelled after {rows} users; no file was kept.")
        return
    Job.objects.filter(pk=job.pk).update(output=name)
    _finish(job, state=Job.FINISHED)


def _cancelled(job):
    return Job.objects.filter(pk=job.pk, cancel_requested=True).exists()


def _expand(job, *, sleep, clock):
    """Write an item for every user matching the job's filter, a page (one paced ListUsers call) at a time."""
    query = UserQuery.from_params(job.query)
    token = ""
    while not _cancelled(job):
        page = _retrying(
            functools.partial(users_page, query=query, token=token), kind="list-users", sleep=sleep, clock=clock
        )
        JobItem.objects.bulk_create(
            [JobItem(job=job, username=u.username, email=u.attributes.get("email", "")) for u in page.users],
            ignore_conflicts=True,  # a resumed expansion reads the first pages again
        )
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
        if not page.next_token:
            break
        token = page.next_token
    Job.objects.filter(pk=job.pk).update(expanded=True)


def _retrying(call, *, kind, sleep, clock):
    rate = settings.COGNITO_JOB_LIST_RATE if kind == "list-users" else settings.COGNITO_JOB_WRITE_RATE
    for attempt in range(settings.COGNITO_JOB_RETRIES + 1):
        pacing.pace_take(kind=kind, rate=rate, sleep=sleep, clock=clock)
        try:
            return call()
        except TooManyRequests:
            if attempt == settings.COGNITO_JOB_RETRIES:
                raise
            sleep(min(8.0, 0.5 * 2**attempt))
    raise AssertionError("unreachable")


def _work(job, entry, actor, params, *, sleep, clock):
    """Work through the job's waiting users with ``COGNITO_JOB_THREADS`` threads, then finish it.

    Each user's call is a few round trips (the policy's two reads, then the
    write), so one thread alone stays well under the paced rate; the pacing,
    shared by every thread and worker, keeps them all under the quota.
    """
    stop = threading.Event()
    why = []

    def loop():
        while not stop.is_set():
            if _cancelled(job):
                stop.set()
                return
            item = _claim(job)
            if item is None:
                return
            state, message, unreachable = _apply(item, entry, actor, params, sleep=sleep, clock=clock)
            now = timezone.now()
            JobItem.objects.filter(pk=item.pk).update(state=state, message=message[:300], finished_at=now)
            Job.objects.filter(pk=job.pk).update(heartbeat_at=now)
            if unreachable:
                why.append(message)
                stop.set()

    def threaded():
        try:
            loop()
        finally:
            connection.close()  # each thread has its own database connection

    threads = max(1, settings.COGNITO_JOB_THREADS)
    if threads == 1:
        loop()
    else:
        workers = [threading.Thread(target=threaded, name=f"job-{job.pk}-{n}") for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    if why:
        _finish(job, state=Job.STOPPED, note=why[0], rest=NOT_ATTEMPTED_UNREACHABLE)
    elif _cancelled(job):
        _finish(job, state=Job.CANCELLED, rest=NOT_ATTEMPTED_CANCELLED)
    else:
        _finish(job, state=Job.FINISHED)


def _claim(job):
    """Mark the next waiting user "being changed" and return them; None when nobody is waiting.

    A conditional UPDATE, so two threads (or two runs of a resumed job) never take the same user.
    """
    while True:
        item = job.items.filter(state=JobItem.PENDING).order_by("id").first()
        if item is None:
            return None
        if job.items.filter(pk=item.pk, state=JobItem.PENDING).update(state=JobItem.RUNNING):
            return item


@sensitive_variables("params")
def _apply(item, entry, actor, params, *, sleep, clock):
    """Change one user; return (item state, message, whether the job must stop)."""
    if item.username and item.username == getattr(actor, "cognito_username", None):
        return JobItem.SKIPPED, NOT_ATTEMPTED_SELF, False
    if not item.email:
        item.email = _email_of(item.username)
        if item.email:
            JobItem.objects.filter(pk=item.pk).update(email=item.email[:254])
    tries = settings.COGNITO_JOB_RETRIES + 1
    try:
        result = _retrying(
            lambda: entry.service(actor=actor, username=item.username, **params, **item.data),
            kind="user-write",
            sleep=sleep,
            clock=clock,
        )
    except TooManyRequests as exc:
        return JobItem.FAILED, STILL_THROTTLED.format(plain=exc.plain, tries=tries), False
    except CognitoUnavailable as exc:
        # Every further call would wait out the same timeouts: stop and say so.
        return JobItem.FAILED, exc.plain, True
    except CognitoError as exc:
        return JobItem.FAILED, exc.plain, False
    except Exception:
        logger.exception("Job %s: unexpected error on user %s", item.job_id, item.username)
        return JobItem.UNKNOWN, UNEXPECTED, False
    failed_groups = getattr(result, "groups_failed", None)
    if failed_groups:  # an invitation whose groups did not all follow: done, and said so
        return (
            JobItem.DONE,
            "Invited, but not added to: " + "; ".join(f"{g} ({w})" for g, w in failed_groups.items()),
            False,
        )
    return JobItem.DONE, "", False


def _email_of(username):
    """Return the pool's email of a user no site user names (one AdminGetUser), or "" when it cannot be read."""
    from ..cognito.client import CognitoClient

    try:
        return CognitoClient().get_user(username).attributes.get("email", "")
    except CognitoError:
        return ""  # the run itself will say what is wrong with the user


def _finish(job, *, state, note="", rest=""):
    now = timezone.now()
    if rest:
        job.items.filter(state=JobItem.PENDING).update(state=JobItem.SKIPPED, message=rest, finished_at=now)
    # The secret input is no longer needed once the job ends.
    Job.objects.filter(pk=job.pk).update(state=state, note=note[:300], finished_at=now, heartbeat_at=now, secret="")
