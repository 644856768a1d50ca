from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.cognito.client import CognitoClient
from accounts.exceptions import CognitoError
from devstack.demo import DEMO_USERS_FILE, demo_staff_permissions_grant, demo_users_seed, load_demo_users


class Command(BaseCommand):
    help = (
        "Local stack only: create or refresh admin@, staff@ and member@example.com (devstack/demo_users.toml) "
        "with a known password, confirmed and in their groups. Safe to re-run."
    )
    # `cognito_provision --demo-users` calls this before the site's ids exist.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--pool-id",
            default="",
            help="The local pool to seed (default: COGNITO_USER_POOL_ID).",
        )
        parser.add_argument("--file", default=str(DEMO_USERS_FILE), help="The demo users' file.")
        parser.add_argument(
            "--staff-permissions",
            action="store_true",
            help="Only grant the Django group `staff` its demo permissions (needs the migrated database).",
        )

    def handle(self, *args, **options):
        if options["staff_permissions"]:
            for codename in demo_staff_permissions_grant():
                self.stdout.write(f"  demo group staff may: {codename}")
            return
        # Known passwords belong on a throw-away local pool, never on AWS.
        if not settings.COGNITO_ENDPOINT_URL:
            raise CommandError("seed_demo_users only works against the local stack (COGNITO_ENDPOINT_URL is empty).")
        pool_id = options["pool_id"] or settings.COGNITO_USER_POOL_ID
        if not pool_id:
            raise CommandError("No pool to seed: run cognito_provision first, or pass --pool-id.")
        try:
            seeded = demo_users_seed(cognito=CognitoClient(pool_id=pool_id), path=options["file"])
        except CognitoError as exc:
            raise CommandError(f"Cognito refused: {exc}") from exc
        for email, groups in seeded:
            self.stdout.write(f"  demo user {email} in {', '.join(groups)}")
        self.stdout.write(f"  demo password: {load_demo_users(options['file'])['password']}")
