"""Delete expired sessions and the session records left without a session."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.sessions import records


class Command(BaseCommand):
    help = (
        "Run Django's clearsessions (expired sessions, including the anonymous ones each sign-in start "
        "leaves behind), then delete the site's session records whose session is gone. Safe to run "
        "at any time; run it daily from a scheduler."
    )

    def handle(self, *args, **options):
        call_command("clearsessions")
        pruned = records.sessions_prune()
        self.stdout.write(self.style.SUCCESS(f"Expired sessions cleared; {pruned} orphaned session record(s) deleted."))
