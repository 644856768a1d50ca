"""Bring the linked Django users up to date with the Cognito pool."""

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.exceptions import CognitoError


class Command(BaseCommand):
    help = "Page through the Cognito pool and update linked Django users' email, names, active flag and groups."

    def handle(self, *args, **options):
        try:
            result = services.users_sync(progress=self._progress)
        except CognitoError as exc:
            raise CommandError(services.error_message(exc)) from exc
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.seen} Cognito users read, {result.linked} linked to Django users, "
                f"{result.updated} updated, {result.missing} no longer in the pool (made inactive)."
            )
        )

    def _progress(self, seen, total, width=30):
        done = int(width * seen / total) if total else width
        self.stdout.write(f"\r[{'#' * done}{'.' * (width - done)}] {seen}/{total}", ending="")
        self.stdout.flush()
