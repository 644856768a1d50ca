"""`make serve`: the site as production runs it, on this machine, against the local Cognito stack.

The production settings (config/settings/production.py) under gunicorn with
several workers, a throw-away PostgreSQL cluster and Redis on loopback as the
database and the shared cache, the release steps (migrate, collectstatic,
check --deploy) first, and the local Cognito stack with its demo users as
`make run` has it. What differs from a deployment: plain HTTP on 127.0.0.1 (no
certificate, so no redirect to HTTPS), and the database starts empty each time
(Django users are made again at sign-in; Cognito's users are kept in .local/).

Ctrl-C, SIGTERM and SIGHUP stop everything it started. Run as root it installs
Debian's postgresql and redis-server when missing; otherwise it says what to install.
"""

import os
import secrets
import string
import sys
from contextlib import ExitStack
from pathlib import Path

from devstack import postgres
from devstack.redis_server import RedisMissing, redis_bin, redis_server
from devstack.run import (
    PYTHON,
    WORKER,
    Stopped,
    _welcome,
    local_cognito,
    manage,
    require_free_ports,
    run_as_command,
    serve_until_stopped,
    settings_from_environment,
)
from devstack.stack import ROOT

PRODUCTION_SETTINGS = "config.settings.production"
DEFAULT_WORKERS = 2
SECRET_KEY_ALPHABET = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"


class Missing(RuntimeError):
    """Something `make serve` needs is not installed and cannot be installed from here."""


def secret_key(state_dir: Path) -> str:
    """Return this checkout's production secret key, made once and kept (mode 0600) in the state folder.

    Kept, not made anew, so that sessions and the tokens they encrypt outlive a restart.
    """
    path = state_dir / "serve-secret-key"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        key = "".join(secrets.choice(SECRET_KEY_ALPHABET) for _ in range(64))
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
            fh.write(key)
    return path.read_text().strip()


def production_environment(*, cognito, site_port, database_url, cache_url, key, static_root, environ=os.environ):
    """Return the environment of the production site: the local pool's values and the services just started."""
    env = dict(environ)
    env.update(cognito)
    env.update(
        DJANGO_SETTINGS_MODULE=PRODUCTION_SETTINGS,
        DJANGO_SECRET_KEY=key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_DATABASE_URL=database_url,
        DJANGO_CACHE_URL=cache_url,
        DJANGO_STATIC_ROOT=str(static_root),
        # Plain HTTP on loopback: there is no certificate to redirect to (check --deploy says so, W008).
        DJANGO_SECURE_SSL_REDIRECT="false",
        GUNICORN_BIND=f"127.0.0.1:{site_port}",
        WEB_CONCURRENCY=environ.get("WEB_CONCURRENCY") or str(DEFAULT_WORKERS),
    )
    return env


def _requirements():
    """Return PostgreSQL's bin folder and redis-server's path, installing them first when root."""
    as_root = os.geteuid() == 0
    bin_dir = postgres.pg_bin()
    if bin_dir is None and as_root:
        postgres.apt_install("postgresql")
        bin_dir = postgres.pg_bin()
    if bin_dir is None:
        raise Missing("PostgreSQL is missing: sudo apt-get install postgresql, then make serve again.")
    try:
        return bin_dir, redis_bin(install=as_root)
    except RedisMissing as exc:
        raise Missing(str(exc)) from None


def main():
    config = settings_from_environment(os.environ)
    require_free_ports(config)
    bin_dir, redis = _requirements()
    state_dir = config["state_dir"]
    try:
        with ExitStack() as started:
            cognito, idps, saml_idp = started.enter_context(local_cognito(config))
            print("Starting a throw-away PostgreSQL and Redis on 127.0.0.1 ...", flush=True)
            database_url = started.enter_context(postgres.cluster(bin_dir))
            redis_folder = state_dir / "redis"
            redis_folder.mkdir(parents=True, exist_ok=True)
            cache_url = started.enter_context(
                redis_server(executable=redis, port=postgres.free_port(), folder=redis_folder)
            )
            env = production_environment(
                cognito=cognito,
                site_port=config["site_port"],
                database_url=database_url,
                cache_url=cache_url,
                key=secret_key(state_dir),
                static_root=state_dir / "staticfiles",
            )
            # The release process type, as a deployment runs it before starting the web processes.
            print("Release: migrate, collectstatic, check --deploy", flush=True)
            manage("migrate", "--no-input", "-v", "0", env=env)
            manage("collectstatic", "--no-input", "-v", "0", env=env)
            manage("check", "--deploy", "--fail-level", "ERROR", env=env)
            _welcome(config["site_port"], idps, cognito, saml_idp)
            print(
                f"Production settings under gunicorn ({env['WEB_CONCURRENCY']} workers, WEB_CONCURRENCY), "
                f"PostgreSQL {database_url}, Redis {cache_url}.\n",
                flush=True,
            )
            gunicorn = str(Path(PYTHON).parent / "gunicorn")
            # The worker process type beside the web one: the admin's background jobs.
            web = [gunicorn, "-c", str(ROOT / "config" / "gunicorn.py"), "config.wsgi"]
            serve_until_stopped(web, env=env, beside=[WORKER])
    except (KeyboardInterrupt, Stopped):
        pass
    print("\nStopped the site, its database and cache, and the local Cognito stack.", flush=True)


def _main_or_missing():
    try:
        main()
    except Missing as exc:
        print(f"make serve: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    run_as_command(_main_or_missing)
