"""`make run`: local Cognito, simulated identity providers, provisioning with demo users, migrations, the site
and its job worker.

Ctrl-C, SIGTERM (a process manager, ``kill -TERM`` on the process group) and
SIGHUP (a closing terminal) stop it all, MiniStack included. Ports are checked
before anything starts: one already in use is reported, never adopted.
"""

import contextlib
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from devstack.demo import load_demo_users
from devstack.idps import PORT_VARIABLES, SimulatedProviders, ports_from_environment
from devstack.saml_idp import DEFAULT_PORT as DEFAULT_SAML_PORT
from devstack.saml_idp import PORT_VARIABLE as SAML_PORT_VARIABLE
from devstack.saml_idp import SimulatedSamlIdp, saml_provider_names
from devstack.stack import DEFAULT_PORT, ROOT, LocalStack, PortTaken, require_free_port

PYTHON = sys.executable
DEFAULT_SITE_PORT = 8000
LOCAL_SETTINGS = "config.settings.local"
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class Stopped(Exception):
    """A signal asked `make run` to stop."""


def _stop_on(signum, frame):
    # Once: a second signal must not cut short the stopping itself.
    for name in STOP_SIGNALS:
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise Stopped(signal.Signals(signum).name)


def manage(*args, settings=None, env=None):
    """Run ``manage.py args`` and fail like it does; ``settings`` names a settings module for this call only."""
    env = dict(os.environ if env is None else env)
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True, env=env)


def settings_from_environment(environ):
    """Return the ports and the state folder `make run` uses, from the environment (see .env.example)."""
    state = Path(environ.get("COGNITO_LOCAL_STATE_DIR") or ROOT / ".local")
    return {
        "site_port": int(environ.get("DJANGO_PORT") or DEFAULT_SITE_PORT),
        "ministack_port": int(environ.get("MINISTACK_PORT") or DEFAULT_PORT),
        "idp_ports": ports_from_environment(environ),
        "saml_port": int(environ.get(SAML_PORT_VARIABLE) or DEFAULT_SAML_PORT),
        "state_dir": state,
    }


def read_env_file(path):
    """Return the KEY=value lines of the file cognito_provision wrote, as a dict."""
    values = {}
    for line in Path(path).read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            values[key.strip()] = value.strip()
    return values


def curl_pair(env, *, site_port):
    """Return two shell commands: get a machine token (client credentials), then call the API with it."""
    token_url = f"{env['COGNITO_ENDPOINT_URL']}/oauth2/token"
    scope = f"{env['COGNITO_API_IDENTIFIER']}/users.read"
    return [
        f"TOKEN=$(curl -s -u '{env['COGNITO_M2M_CLIENT_ID']}:{env['COGNITO_M2M_CLIENT_SECRET']}' "
        f"-d grant_type=client_credentials -d scope={scope} {token_url} "
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
        f'curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:{site_port}/api/v1/users?email=staff@example.com"',
    ]


def _welcome(site_port, idps, env, saml_idp=None):
    demo = load_demo_users()
    print("\nDemo accounts (password for all: {}):".format(demo["password"]))
    for user in demo["users"]:
        print(f"  {user['email']:<22} groups: {', '.join(user['groups'])}")
    print("\nSimulated identity providers (pick or type who you are on their page):")
    for name, issuer in idps.issuers.items():
        print(f"  {name:<16} {issuer}")
    if saml_idp is not None:
        print(f"  {'SAML (company)':<16} {saml_idp.url}  (email domains: [[saml_providers]] in config/cognito.toml)")
    print("\nThe API as a machine client (token from the local stack, then a call; docs at /api/v1/docs/):")
    for command in curl_pair(env, site_port=site_port):
        print(f"  {command}")
    print(
        f"\nMy files (the identity pool's temporary AWS credentials): http://127.0.0.1:{site_port}/files/ ; "
        f"CLI credentials: http://127.0.0.1:{site_port}/account/aws/"
    )
    print(f"\nSign up at http://127.0.0.1:{site_port}/sign-up/; the codes Cognito would email are on")
    print(f"  the Local inbox, http://127.0.0.1:{site_port}/local-inbox/ (nothing is sent locally).")
    print(f"\nThe site: http://127.0.0.1:{site_port}/  (Ctrl-C stops the site and everything it started)\n", flush=True)


#: The background jobs' worker (the admin's bulk actions and exports): the database backend's own command.
WORKER = [PYTHON, "manage.py", "db_worker", "--no-reload"]


def serve_until_stopped(command, *, env=None, beside=()):
    """Run ``command`` (the site) and the ``beside`` commands (the job worker) until one exits or a signal
    stops us; stop them all in either case."""
    site = subprocess.Popen(command, cwd=ROOT, env=env)
    processes = [site, *(subprocess.Popen(other, cwd=ROOT, env=env) for other in beside)]
    try:
        while all(p.poll() is None for p in processes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                site.wait(timeout=0.5)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def require_free_ports(config):
    """Raise PortTaken before anything starts if any port the stack needs is in use."""
    require_free_port(config["site_port"], what="the site", variable="DJANGO_PORT")
    require_free_port(config["ministack_port"], what="the local Cognito stack (MiniStack)", variable="MINISTACK_PORT")
    for name, port in config["idp_ports"].items():
        require_free_port(port, what=f"the simulated {name}", variable=PORT_VARIABLES[name])
    require_free_port(config["saml_port"], what="the simulated company SAML IdP", variable=SAML_PORT_VARIABLE)


@contextmanager
def local_cognito(config):
    """Start MiniStack and the simulated providers, provision the pool with the demo users; stop them after.

    Yield the values cognito_provision wrote (the pool's ids and secrets) and the
    running providers (the OIDC ones and the company SAML IdP). Provisioning runs with the local settings,
    whatever the site runs with.
    """
    site_port, state_dir = config["site_port"], config["state_dir"]
    os.environ["COGNITO_ENDPOINT_URL"] = f"http://127.0.0.1:{config['ministack_port']}"
    os.environ["COGNITO_LOCAL_STATE_DIR"] = str(state_dir)
    # The callback and sign-out URLs registered with the pool follow the site's port.
    origins = [f"http://127.0.0.1:{site_port}", f"http://localhost:{site_port}"]
    extra = [url for url in os.environ.get("COGNITO_SITE_URLS", "").split(",") if url]
    os.environ["COGNITO_SITE_URLS"] = ",".join([*extra, *origins])
    stack = LocalStack(port=config["ministack_port"], state_dir=state_dir / "ministack-state")
    idps = SimulatedProviders(ports=config["idp_ports"])
    # Its signing key is generated once into the state folder and kept.
    saml_idp = SimulatedSamlIdp(port=config["saml_port"], key_dir=state_dir / "saml-idp")
    print(f"Starting the local Cognito stack (MiniStack) on {stack.url} ...", flush=True)
    with stack, idps, saml_idp:
        simulated = [f"--simulated-idp={name}={issuer}" for name, issuer in idps.issuers.items()]
        metadata = state_dir / "saml-idp" / "metadata.xml"
        metadata.write_text(saml_idp.metadata, encoding="utf-8")
        simulated += [f"--simulated-saml={name}={metadata}" for name in saml_provider_names()]
        env_file = state_dir / "cognito.env"
        manage("cognito_provision", "--demo-users", *simulated, "--write-env", str(env_file), settings=LOCAL_SETTINGS)
        yield read_env_file(env_file), idps, saml_idp


def main():
    config = settings_from_environment(os.environ)
    # Every port first, so that nothing starts when one is taken.
    require_free_ports(config)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", LOCAL_SETTINGS)
    try:
        with local_cognito(config) as (env, idps, saml_idp):
            manage("migrate", "--no-input", "-v", "0")
            manage("seed_demo_users", "--staff-permissions")
            _welcome(config["site_port"], idps, env, saml_idp)
            site = [PYTHON, "manage.py", "runserver", f"127.0.0.1:{config['site_port']}"]
            serve_until_stopped(site, beside=[WORKER])
    except (KeyboardInterrupt, Stopped):
        pass
    print(f"\nStopped the site and the local Cognito stack (its users are kept in {config['state_dir']}).", flush=True)


def run_as_command(main):
    """Run ``main`` as `make run` and `make serve` do: signals stop it, a taken port or a failed step exits non-zero."""
    for name in STOP_SIGNALS:
        signal.signal(getattr(signal, name), _stop_on)
    try:
        main()
    except PortTaken as exc:
        print(f"{Path(sys.argv[0]).stem}: {exc}", file=sys.stderr)
        sys.exit(2)
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)


if __name__ == "__main__":
    run_as_command(main)
