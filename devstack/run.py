"""`make run`: local Cognito, simulated identity providers, provisioning with demo users, migrations, the site.

Ctrl-C stops it all.
"""

import contextlib
import os
import subprocess
import sys

from devstack.demo import load_demo_users
from devstack.idps import DEFAULT_PORTS, SimulatedProviders
from devstack.stack import DEFAULT_PORT, ROOT, LocalStack

PYTHON = sys.executable
SITE = "127.0.0.1:8000"


def manage(*args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def main():
    port = int(os.environ.get("MINISTACK_PORT", DEFAULT_PORT))
    os.environ["COGNITO_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    stack = LocalStack(port=port, state_dir=ROOT / ".local" / "ministack-state")
    print(f"Starting the local Cognito stack (MiniStack) on {stack.url} ...", flush=True)
    idps = SimulatedProviders(ports=DEFAULT_PORTS)
    with stack, idps:
        simulated = [f"--simulated-idp={name}={issuer}" for name, issuer in idps.issuers.items()]
        manage("cognito_provision", "--demo-users", *simulated, "--write-env", str(ROOT / ".local" / "cognito.env"))
        manage("migrate", "--no-input", "-v", "0")
        demo = load_demo_users()
        print("\nDemo accounts (password for all: {}):".format(demo["password"]))
        for user in demo["users"]:
            print(f"  {user['email']:<22} groups: {', '.join(user['groups'])}")
        print("\nSimulated identity providers (pick or type who you are on their page):")
        for name, issuer in idps.issuers.items():
            print(f"  {name:<16} {issuer}")
        print(f"\nThe site: http://{SITE}/  (Ctrl-C stops the site and the local stack)\n", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            subprocess.run([PYTHON, "manage.py", "runserver", SITE], cwd=ROOT, check=False)
        print("\nStopping the local Cognito stack (its users are kept in .local/) ...", flush=True)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
