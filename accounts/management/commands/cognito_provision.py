import os
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.cognito.client import CognitoClient
from accounts.exceptions import CognitoError
from accounts.provisioning.pool import load_spec, pool_provision


class Command(BaseCommand):
    help = (
        "Create or update the Cognito user pool, domain, app client and groups described in "
        "config/cognito.toml. Safe to re-run. Works against the local stack and AWS alike."
    )
    # The site's checks need the ids this command creates.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(settings.COGNITO_PROVISION_FILE), help="The declarative file.")
        parser.add_argument(
            "--site-url",
            action="append",
            default=[],
            help="An extra site origin (https://example.com) to register; may repeat. COGNITO_SITE_URLS adds more.",
        )
        parser.add_argument(
            "--domain-prefix",
            default=os.environ.get("COGNITO_DOMAIN_PREFIX", ""),
            help="AWS only: the hosted UI domain prefix (default: COGNITO_DOMAIN_PREFIX or the file's).",
        )
        parser.add_argument(
            "--write-env",
            metavar="PATH",
            help="Write the pool's ids and client secret to this env file (mode 600) for the settings to read.",
        )
        parser.add_argument(
            "--demo-users",
            action="store_true",
            help=(
                "Local stack and development settings only: then run devstack's seed_demo_users "
                "(admin@, staff@ and member@example.com with a known password)."
            ),
        )
        parser.add_argument(
            "--simulated-idp",
            action="append",
            default=[],
            metavar="NAME=ISSUER",
            help="Local stack only: register the simulated provider NAME (e.g. Google) at ISSUER; may repeat.",
        )

        parser.add_argument(
            "--simulated-saml",
            action="append",
            default=[],
            metavar="NAME=METADATA_FILE",
            help="Local stack only: register the simulated company IdP NAME with this metadata XML; may repeat.",
        )

    def handle(self, *args, **options):
        cognito = CognitoClient()
        if options["demo_users"] and not cognito.is_local:
            raise CommandError("--demo-users only works against the local stack (COGNITO_ENDPOINT_URL is empty).")
        # The seeding belongs to the development-only devstack app, which this
        # command reaches by command name only: production never imports it.
        if options["demo_users"] and not apps.is_installed("devstack"):
            raise CommandError(
                "--demo-users needs the devstack app, which only the development settings install "
                "(DJANGO_SETTINGS_MODULE=config.settings.local)."
            )
        if options["simulated_idp"] and not cognito.is_local:
            raise CommandError("--simulated-idp only works against the local stack (COGNITO_ENDPOINT_URL is empty).")
        if options["simulated_saml"] and not cognito.is_local:
            raise CommandError("--simulated-saml only works against the local stack (COGNITO_ENDPOINT_URL is empty).")
        simulated_issuers = dict(value.split("=", 1) for value in options["simulated_idp"] if "=" in value)
        simulated_saml = {}
        for value in options["simulated_saml"]:
            name, _, path = value.partition("=")
            try:
                simulated_saml[name] = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"--simulated-saml {name}: cannot read {path} ({exc.strerror})") from None
        spec = load_spec(options["file"])
        target = settings.COGNITO_ENDPOINT_URL or f"AWS {settings.COGNITO_REGION}"
        self.stdout.write(f"Provisioning {spec['pool']['name']!r} on {target}")
        try:
            result = pool_provision(
                spec=spec,
                cognito=cognito,
                extra_site_urls=[*settings.COGNITO_SITE_URLS, *options["site_url"]],
                domain_prefix=options["domain_prefix"] or spec.get("domain", {}).get("prefix", ""),
                region=settings.COGNITO_REGION,
                # Provider credentials (COGNITO_GOOGLE_CLIENT_ID, ...) are read here
                # only: the running site never needs them.
                environ=os.environ,
                simulated_issuers=simulated_issuers,
                simulated_saml=simulated_saml,
            )
            for change in result.changes:
                self.stdout.write(f"  {change}")
            if options["demo_users"]:
                call_command("seed_demo_users", pool_id=result.pool_id, stdout=self.stdout)
        except CognitoError as exc:
            raise CommandError(f"Cognito refused: {exc}") from exc

        lines = result.env_lines(endpoint_url=settings.COGNITO_ENDPOINT_URL)
        if options["write_env"]:
            path = Path(options["write_env"])
            path.parent.mkdir(parents=True, exist_ok=True)
            # Created with mode 600: the file holds the client secret.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write("# Written by manage.py cognito_provision; do not edit.\n")
                fh.write("\n".join(lines) + "\n")
            self.stdout.write(f"Wrote {path}")
        else:
            self.stdout.write("Settings for this pool (the client secrets are left out; use --write-env to get it):")
            for line in lines:
                if "_SECRET=" not in line:
                    self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS("Done."))
