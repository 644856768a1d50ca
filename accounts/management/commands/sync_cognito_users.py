"""Bring the linked Django users up to date with the Cognito pool."""

from django.core.management.base import BaseCommand, CommandError

from accounts.exceptions import CognitoError, SyncRefused
from accounts.pooladmin import sync


class Command(BaseCommand):
    help = (
        "Page through the Cognito pool and update linked Django users' email, names, active flag and groups. "
        "Fails, changing nothing, when COGNITO_USER_POOL_ID names no pool, and refuses, changing nothing, "
        "when the pool holds none of the site's linked users or when more than "
        f"{sync.SYNC_MAX_DEACTIVATIONS} users and more than {sync.SYNC_MAX_DEACTIVATION_SHARE:.0%} "
        "of the active linked users would be made inactive; --force makes those changes anyway."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Make users inactive even when that many (or all of them) look like a wrong or empty pool.",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Run it as a job in the worker (manage.py db_worker) and print the job's admin page; "
            "without it the sync runs here, now.",
        )

    def handle(self, *args, force=False, background=False, **options):
        if background:
            from django.urls import reverse

            from accounts.pooladmin.jobs import job_sync_start

            job = job_sync_start(force=force)
            self.stdout.write(
                f"Job {job.pk} enqueued; follow it at {reverse('admin:accounts_job_change', args=[job.pk])}"
            )
            return
        self._drawn = False
        try:
            result = sync.users_sync(force=force, progress=self._progress)
        except SyncRefused as exc:
            raise CommandError(f"{exc} If they really are gone, run again with --force.") from exc
        except CognitoError as exc:
            raise CommandError(exc.plain) from exc
        finally:
            if self._drawn:
                self.stdout.write("")  # end the progress bar's line
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.seen} Cognito users read, {result.linked} linked to Django users, "
                f"{result.updated} updated, {result.missing} no longer in the pool (made inactive)."
            )
        )
        if result.failed:
            for failure in result.failed:
                self.stderr.write(f"Not synced: user {failure.pk} (sub {failure.sub}): {failure.reason}")
            count = len(result.failed)
            raise CommandError(
                f"{count} linked user{'s' if count != 1 else ''} could not be synced (listed above, "
                "left as they were); every other user was. Run again once the cause is fixed."
            )

    def _progress(self, seen, total, width=30):
        self._drawn = True
        done = int(width * seen / total) if total else width
        self.stdout.write(f"\r[{'#' * done}{'.' * (width - done)}] {seen}/{total}", ending="")
        self.stdout.flush()
