from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.cognito.identity import IdentityClient
from accounts.credentials.services import developer_credentials
from accounts.exceptions import CognitoError


def _user(identifier):
    users = get_user_model().objects.filter(Q(username=identifier) | Q(email__iexact=identifier))
    if len(users) != 1:
        raise CommandError(f"no single site user has the username or email {identifier!r}")
    return users[0]


class Command(BaseCommand):
    help = (
        "Get temporary AWS credentials for a site user through a developer-authenticated identity "
        "(GetOpenIdTokenForDeveloperIdentity under COGNITO_DEVELOPER_PROVIDER_NAME, then "
        "GetCredentialsForIdentity), signed with the site's own AWS credentials; show the identity and role."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="The site user's username or email (e.g. a service account).")
        parser.add_argument(
            "--export",
            action="store_true",
            help="Also print the credentials as shell export lines (to this terminal only; never logged).",
        )

    def handle(self, *args, **options):
        user = _user(options["user"])
        identity = IdentityClient()
        try:
            credentials = developer_credentials(user=user, identity=identity)
            caller = identity.caller_identity(credentials)
        except CognitoError as exc:
            raise CommandError(exc.plain) from exc
        self.stdout.write(f"User:              {user.email or user.username}")
        self.stdout.write(f"AWS identity id:   {credentials.identity_id}")
        self.stdout.write(f"Role:              {caller.arn}")
        self.stdout.write(f"Access key id:     {credentials.access_key_id}")
        self.stdout.write(f"Expires:           {credentials.expiration:%Y-%m-%d %H:%M:%S %Z}")
        if options["export"]:
            self.stdout.write(f"export AWS_ACCESS_KEY_ID={credentials.access_key_id}")
            self.stdout.write(f"export AWS_SECRET_ACCESS_KEY={credentials.secret_key}")
            self.stdout.write(f"export AWS_SESSION_TOKEN={credentials.session_token}")
