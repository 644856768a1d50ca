from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts import policy
from accounts.exceptions import CognitoError
from accounts.federation.linking import federated_user_link


def _user(identifier):
    users = get_user_model().objects.filter(Q(cognito_sub=identifier) | Q(cognito_username=identifier))
    if len(users) != 1:
        raise CommandError(f"no single site user has the Cognito sub or username {identifier!r}")
    return users[0]


class Command(BaseCommand):
    help = (
        "Link a federated user's provider identity to an email/password user (AdminLinkProviderForUser) "
        "and merge their site accounts, keeping the email/password one."
    )

    def add_arguments(self, parser):
        parser.add_argument("federated", help="The federated user's Cognito sub or username (e.g. Google_1234).")
        parser.add_argument("native", help="The email/password user's Cognito sub or username.")

    def handle(self, *args, **options):
        federated, native = _user(options["federated"]), _user(options["native"])
        try:
            result = federated_user_link(federated=federated, native=native, actor=policy.SYSTEM)
        except CognitoError as exc:
            raise CommandError(f"Could not link: {exc}") from exc
        linked = f"Linked {result.provider} {result.provider_user_id} to {result.user}"
        self.stdout.write(self.style.SUCCESS(f"{linked}; {result.moved} rows moved."))
