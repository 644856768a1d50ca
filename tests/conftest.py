"""Fixtures: a real local Cognito stack for the session, a fake one where it cannot help.

The stack is a MiniStack process of its own on a free port with throw-away
state, so the tests never touch the developer's `make run` data and can run
while it is up.
"""

import copy
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches

from accounts.cognito import tokens
from accounts.cognito.client import CognitoClient
from accounts.provisioning.pool import load_spec, pool_provision
from devstack.demo import demo_users_seed, load_demo_users
from devstack.idps import PROVIDERS, SimulatedProviders
from devstack.saml_idp import SimulatedSamlIdp, saml_provider_names
from devstack.stack import SERVICES, LocalStack
from tests import fakes
from tests.flows import REGION, free_port, local_boto

# Playwright's sync API runs an event loop in the main thread; Django would
# otherwise refuse ORM calls made from tests while it runs.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TEST_CLIENT_ORIGIN = "http://testserver"


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    # With API Gateway too: tests/accounts/api/test_gateway.py compares the API's decisions with its authorizer's.
    stack = LocalStack(
        port=free_port(),
        state_dir=tmp_path_factory.mktemp("ministack"),
        persist=False,
        services=f"{SERVICES},apigateway",
    )
    with stack:
        yield stack


@pytest.fixture(scope="session")
def simulated_idps():
    """The simulated Google, Facebook and Apple (devstack/idps.py), each on a free port."""
    with SimulatedProviders(ports=dict.fromkeys(PROVIDERS, 0)) as idps:
        yield idps


@pytest.fixture(scope="session")
def simulated_saml(tmp_path_factory):
    """The simulated company SAML IdP (devstack/saml_idp.py) on a free port, its key in a temporary folder."""
    with SimulatedSamlIdp(port=0, key_dir=tmp_path_factory.mktemp("saml-idp")) as idp:
        yield idp


def _pool_provision(stack, idps, origins, saml=None):
    """Provision the session's pool from config/cognito.toml, registering ``origins`` besides the file's own."""
    return pool_provision(
        spec=load_spec(django_settings.COGNITO_PROVISION_FILE),
        cognito=CognitoClient(region=REGION, endpoint_url=stack.url),
        extra_site_urls=origins,
        region=REGION,
        simulated_issuers=idps.issuers,
        simulated_saml=dict.fromkeys(saml_provider_names(), saml.metadata) if saml else {},
    )


@pytest.fixture(scope="session")
def provisioned(local_stack, simulated_idps, simulated_saml):
    """The pool, client, groups and simulated identity providers from config/cognito.toml, plus the demo users.

    Only the test client's origin is registered here: the live server's is added
    by the browser tests (``site_origin_register``), so that a test using the
    stack does not start the live server and give up its rolled-back transaction.
    """
    result = _pool_provision(local_stack, simulated_idps, [TEST_CLIENT_ORIGIN], simulated_saml)
    demo_users_seed(cognito=CognitoClient(region=REGION, endpoint_url=local_stack.url, pool_id=result.pool_id))
    return result


@pytest.fixture(scope="session")
def site_origin_register(local_stack, simulated_idps, simulated_saml, provisioned):
    """Return a function that registers one more site origin with the provisioned app client.

    It provisions the same pool again with the extra origin (provisioning is
    idempotent and keeps the ids and the secret), because UpdateUserPoolClient
    replaces every setting it is not given, callback and sign-out URLs included.
    """
    origins = [TEST_CLIENT_ORIGIN]

    def register(origin):
        if origin in origins:
            return
        origins.append(origin)
        result = _pool_provision(local_stack, simulated_idps, origins, simulated_saml)
        assert (result.pool_id, result.client_id, result.client_secret) == (
            provisioned.pool_id,
            provisioned.client_id,
            provisioned.client_secret,
        )

    return register


@pytest.fixture(scope="session")
def boto(local_stack):
    return local_boto(local_stack.url)


@pytest.fixture
def cognito(settings, local_stack, provisioned, db):
    """Point the site at the provisioned local pool for one test; return a client for it.

    With the database (rolled back after the test, unless the test asks for
    transactions): the site keeps its sessions there from the first request.
    """
    settings.COGNITO_REGION = REGION
    settings.COGNITO_ENDPOINT_URL = local_stack.url
    settings.COGNITO_DOMAIN = ""
    settings.COGNITO_USER_POOL_ID = provisioned.pool_id
    settings.COGNITO_CLIENT_ID = provisioned.client_id
    settings.COGNITO_CLIENT_SECRET = provisioned.client_secret
    # The identity pool and files bucket provisioned with the pool (accounts/credentials/).
    settings.COGNITO_IDENTITY_POOL_ID = provisioned.identity_pool.identity_pool_id
    settings.COGNITO_FILES_BUCKET = provisioned.identity_pool.bucket
    settings.COGNITO_AUTHENTICATED_ROLE_ARN = provisioned.identity_pool.authenticated_role_arn
    settings.COGNITO_DEVELOPER_PROVIDER_NAME = provisioned.identity_pool.developer_provider_name
    return CognitoClient()


@pytest.fixture
def federated(settings, cognito, provisioned):
    """Like ``cognito``, with the sign-in page offering the simulated providers."""
    settings.COGNITO_IDENTITY_PROVIDERS = provisioned.identity_providers
    return cognito


@pytest.fixture
def fake_cognito(settings):
    """Point the site at a fake token endpoint and JWKS (see tests/fakes.py)."""
    fake = fakes.FakeCognito()
    # serve_forever looks for a shutdown request every poll_interval (0.5 s by
    # default), and stop() waits for it: half a second per test, on ~90 tests.
    fake.thread = threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    fake.start()
    settings.COGNITO_REGION = fakes.REGION
    settings.COGNITO_ENDPOINT_URL = fake.url
    settings.COGNITO_DOMAIN = ""
    settings.COGNITO_USER_POOL_ID = fakes.POOL_ID
    settings.COGNITO_CLIENT_ID = fakes.CLIENT_ID
    settings.COGNITO_CLIENT_SECRET = fakes.CLIENT_SECRET
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _fresh_jwks_cache():
    tokens.jwks_cache.clear()
    yield
    tokens.jwks_cache.clear()


@pytest.fixture(scope="session")
def demo():
    return load_demo_users()


def _database_url(settings_dict):
    """Return a URL naming the test database the way django-environ reads it (SQLite file or PostgreSQL)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user, password = settings_dict.get("USER", ""), settings_dict.get("PASSWORD", "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{settings_dict['NAME']}"


@pytest.fixture
def job_worker(settings, cognito, provisioned, local_stack, transactional_db):
    """A real `manage.py db_worker` process on the test's database and pool; the site enqueues to it.

    ``transactional_db``: the worker is another process and sees only committed rows.
    Yields a function that stops it (as a restart would) and starts it again.
    """
    from django.db import connection

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    worker_settings = {
        "database_url": _database_url(connection.settings_dict),
        "region": REGION,
        "endpoint_url": local_stack.url,
        "pool_id": provisioned.pool_id,
        "client_id": provisioned.client_id,
        "client_secret": provisioned.client_secret,
        "files_dir": str(django_settings.COGNITO_JOB_FILES_DIR),
    }
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "DJANGO_TASKS"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_TEST_JOB_WORKER": json.dumps(worker_settings),
    }
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"]
    processes = []

    def start():
        processes.append(subprocess.Popen(command, cwd=root, env=env))  # noqa: S603
        time.sleep(0.5)

    def stop(*, force=False):
        process = processes[-1]
        if process.poll() is None:
            process.kill() if force else process.terminate()
            process.wait(timeout=30)

    start()
    start.stop = stop
    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _pool_usernames(boto, pool_id):
    names, token = set(), None
    while True:
        page = boto.list_users(UserPoolId=pool_id, **({"PaginationToken": token} if token else {}))
        names.update(user["Username"] for user in page["Users"])
        token = page.get("PaginationToken")
        if not token:
            return names


@pytest.fixture
def pool_left_as_found(boto, provisioned):
    """Delete, after the test, every user the test added to the session's shared pool.

    The job tests disable dozens of users at a time; left in the pool they would fill the
    first page of "disabled" for the tests after them.
    """
    before = _pool_usernames(boto, provisioned.pool_id)
    yield
    for username in _pool_usernames(boto, provisioned.pool_id) - before:
        boto.admin_delete_user(UserPoolId=provisioned.pool_id, Username=username)


def own_pool_spec(name, **trigger_settings):
    """config/cognito.toml for a pool and trigger functions named ``name``, so the session's pool is left alone.

    Without the identity pool: it is found by name, and provisioning it for this pool would
    federate the session's identity pool with this pool's client instead of the session's.
    """
    spec = copy.deepcopy(load_spec(django_settings.COGNITO_PROVISION_FILE))
    spec.pop("identity_pool", None)
    spec["pool"]["name"] = name
    spec["triggers"]["function_prefix"] = name
    spec["triggers"].update(trigger_settings)
    return spec


@pytest.fixture(scope="session")
def allow_listed_pool(local_stack):
    """A pool of its own provisioned from the file with sign-ups allowed from example.com only: (spec, result)."""
    spec = own_pool_spec(f"triggers-{uuid.uuid4().hex[:8]}", allowed_email_domains=["example.com"])
    return spec, pool_provision(
        spec=spec, cognito=CognitoClient(region=REGION, endpoint_url=local_stack.url), region=REGION
    )


@pytest.fixture
def on_allow_listed_pool(settings, cognito, allow_listed_pool):
    """Point the site at ``allow_listed_pool`` instead of the session's pool for one test."""
    _, result = allow_listed_pool
    settings.COGNITO_USER_POOL_ID = result.pool_id
    settings.COGNITO_CLIENT_ID = result.client_id
    settings.COGNITO_CLIENT_SECRET = result.client_secret
    caches["default"].clear()  # the sign-up page caches the pool's facts
    yield result
    caches["default"].clear()
