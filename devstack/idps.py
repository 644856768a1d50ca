"""Simulated Google, Facebook, Apple and Login with Amazon for the local stack. Development only.

Each is an OpenID Connect provider (the pinned ``oidc-provider-mock``) on
127.0.0.1 with a sign-in page where the developer picks one of the identities
in simulated_idps.toml, types another, or denies. The local pool registers
them as OIDC providers under the names the site uses on AWS, because MiniStack
federates only OIDC (README, "Social sign-in (Google, Facebook, Apple)").
"""

import logging
import threading
import tomllib
import warnings
from pathlib import Path

import authlib.deprecate  # noqa: F401  (installs its "always" filter now, so the one below wins)
import werkzeug.serving

with warnings.catch_warnings():
    # authlib warns about its own modules that oidc-provider-mock imports; nothing to act on here.
    warnings.simplefilter("ignore")
    import oidc_provider_mock

from devstack.stack import require_free_port

IDENTITIES_FILE = Path(__file__).with_name("simulated_idps.toml")
# The providers the site offers, in the order of its sign-in page.
PROVIDERS = ("Google", "Facebook", "SignInWithApple", "LoginWithAmazon")
DEFAULT_PORTS = {"Google": 4578, "Facebook": 4579, "SignInWithApple": 4580, "LoginWithAmazon": 4581}
# The environment variables that move them (`make run` reads these; see .env.example).
PORT_VARIABLES = {
    "Google": "COGNITO_SIMULATED_GOOGLE_PORT",
    "Facebook": "COGNITO_SIMULATED_FACEBOOK_PORT",
    "SignInWithApple": "COGNITO_SIMULATED_APPLE_PORT",
    "LoginWithAmazon": "COGNITO_SIMULATED_AMAZON_PORT",
}


def ports_from_environment(environ):
    """Return each simulated provider's port: its variable in ``environ``, else the default."""
    return {name: int(environ.get(PORT_VARIABLES[name]) or port) for name, port in DEFAULT_PORTS.items()}


def load_identities(path=IDENTITIES_FILE):
    with open(path, "rb") as fh:
        return tomllib.load(fh)


class SimulatedProviders:
    """One thread-served OIDC provider per name, on 127.0.0.1; a context manager.

    ``ports`` maps a provider name to its port (0 picks a free one).
    ``issuers`` then maps each name to the issuer URL the pool must register.
    """

    def __init__(self, *, ports, path=IDENTITIES_FILE):
        self.ports = dict(ports)
        self.identities = load_identities(path)
        self.servers = {}
        self._threads = []

    @property
    def issuers(self):
        return {name: f"http://127.0.0.1:{server.server_port}" for name, server in self.servers.items()}

    def start(self):
        # One line per request would drown `make run`'s output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        try:
            for name, port in self.ports.items():
                self._serve(name, port)
        except BaseException:
            self.stop()  # the ones already started
            raise
        return self

    def _serve(self, name, port):
        if port:
            require_free_port(port, what=f"the simulated {name}", variable=PORT_VARIABLES.get(name, "its port"))
        users = [
            oidc_provider_mock.User(sub=person["sub"], claims={k: v for k, v in person.items() if k != "sub"})
            for person in self.identities.get(name, [])
        ]
        app = oidc_provider_mock.app(user_claims=users, require_nonce=False)
        server = werkzeug.serving.make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        thread.start()
        self.servers[name] = server
        self._threads.append(thread)

    def stop(self):
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.servers, self._threads = {}, []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
