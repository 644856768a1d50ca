"""Fixtures: a real local Cognito stack for the session, a fake one where it cannot help.

The stack is a MiniStack process of its own on a free port with throw-away
state, so the tests never touch the developer's `make run` data and can run
while it is up.
"""

import os
import socket
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.cognito import tokens
from accounts.cognito.client import CognitoClient
from accounts.provisioning.pool import load_spec, pool_provision
from devstack.demo import demo_users_seed, load_demo_users
from devstack.idps import PROVIDERS, SimulatedProviders
from devstack.stack import LocalStack
from tests import fakes

# Playwright's sync API runs an event loop in the main thread; Django would
# otherwise refuse ORM calls made from tests while it runs.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REGION = "us-east-1"
TEST_CLIENT_ORIGIN = "http://testserver"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    stack = LocalStack(port=free_port(), state_dir=tmp_path_factory.mktemp("ministack"), persist=False)
    with stack:
        yield stack


@pytest.fixture(scope="session")
def simulated_idps():
    """The simulated Google, Facebook and Apple (devstack/idps.py), each on a free port."""
    with SimulatedProviders(ports=dict.fromkeys(PROVIDERS, 0)) as idps:
        yield idps


@pytest.fixture(scope="session")
def provisioned(local_stack, live_server, simulated_idps):
    """The pool, client, groups and simulated identity providers from config/cognito.toml, plus the demo users."""
    cognito = CognitoClient(region=REGION, endpoint_url=local_stack.url)
    result = pool_provision(
        spec=load_spec(django_settings.COGNITO_PROVISION_FILE),
        cognito=cognito,
        extra_site_urls=[TEST_CLIENT_ORIGIN, live_server.url],
        region=REGION,
        simulated_issuers=simulated_idps.issuers,
    )
    demo_users_seed(cognito=cognito, pool_id=result.pool_id)
    return result


def local_boto(url, region=REGION):
    """Return a plain boto3 client on the local stack, for tests to assert on Cognito's state directly."""
    return boto3.client(
        "cognito-idp", endpoint_url=url, region_name=region, aws_access_key_id="test", aws_secret_access_key="test"
    )


@pytest.fixture(scope="session")
def boto(local_stack):
    return local_boto(local_stack.url)


@pytest.fixture
def cognito(settings, local_stack, provisioned):
    """Point the site at the provisioned local pool for one test; return a client for it."""
    settings.COGNITO_REGION = REGION
    settings.COGNITO_ENDPOINT_URL = local_stack.url
    settings.COGNITO_DOMAIN = ""
    settings.COGNITO_USER_POOL_ID = provisioned.pool_id
    settings.COGNITO_CLIENT_ID = provisioned.client_id
    settings.COGNITO_CLIENT_SECRET = provisioned.client_secret
    return CognitoClient()


@pytest.fixture
def federated(settings, cognito, provisioned):
    """Like ``cognito``, with the sign-in page offering the simulated providers."""
    settings.COGNITO_IDENTITY_PROVIDERS = provisioned.identity_providers
    return cognito


@pytest.fixture
def fake_cognito(settings):
    """Point the site at a fake token endpoint and JWKS (see tests/fakes.py)."""
    fake = fakes.FakeCognito().start()
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


class _FormFields(HTMLParser):
    """Collect the <input> names and values of the hosted UI's sign-in form."""

    def __init__(self):
        super().__init__()
        self.fields = {}
        self.action = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action")
        if tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


def start_sign_in(client, next_url=None):
    """Ask the site to sign in; return the authorize URL it redirects to."""
    response = client.get(reverse("oidc_authentication_init"), {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return response["Location"]


def hosted_ui_sign_in(client, email, password, next_url=None):
    """Sign in through the local stack's hosted UI over HTTP, as a browser would; return the callback response."""
    authorize = start_sign_in(client, next_url)
    page = requests.get(authorize, timeout=10)
    assert page.status_code == 200, page.text[:500]
    form = _FormFields()
    form.feed(page.text)
    form.fields.update(username=email, password=password)
    origin = "{0.scheme}://{0.netloc}".format(urlparse(authorize))
    answer = requests.post(f"{origin}{form.action}", data=form.fields, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    callback = urlparse(answer.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


def callback_with(client, fake, id_token=None, *, claims=None, access_token=None):
    """Start a sign-in, have the fake token endpoint return ``id_token``, and hit the callback.

    Without ``id_token``, one is signed with the fake's key from ``fakes.id_claims``
    with the sign-in's nonce and ``claims`` on top.
    """
    authorize = urlparse(start_sign_in(client))
    params = parse_qs(authorize.query)
    state, nonce = params["state"][0], params["nonce"][0]
    if id_token is None:
        id_token = fake.keys[0].sign(fakes.id_claims(nonce=nonce, **(claims or {})))
    fake.issue(id_token, access_token)
    return client.get(reverse("oidc_authentication_callback"), {"code": "a-code", "state": state})


def federated_sign_in(client, provider, sub, next_url=None):
    """Sign in through a simulated provider over HTTP, as a browser would; return the callback response.

    The site sends the browser to Cognito's authorize with ``identity_provider``,
    Cognito to the provider's page, where ``sub`` is picked; the provider sends it
    back to Cognito's ``/oauth2/idpresponse``, which redirects to the site's callback.
    """
    query = {"provider": provider, **({"next": next_url} if next_url else {})}
    response = client.get(reverse("oidc_authentication_init"), query)
    assert response.status_code == 302
    to_provider = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert to_provider.status_code == 302, to_provider.text[:500]
    picked = requests.post(to_provider.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=10)
    assert picked.status_code == 302, picked.text[:500]
    to_site = requests.get(picked.headers["Location"], allow_redirects=False, timeout=10)
    assert to_site.status_code == 302, to_site.text[:500]
    callback = urlparse(to_site.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")
