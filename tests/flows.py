"""What tests do as a person or a browser would: sign in through the hosted UI or a provider, over HTTP.

Plain functions for tests to import (fixtures live in the conftest files).
"""

import socket
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import boto3
import requests
from django.urls import reverse

from tests import fakes

REGION = "us-east-1"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_boto(url, region=REGION):
    """Return a plain boto3 client on the local stack, for tests to assert on Cognito's state directly."""
    return boto3.client(
        "cognito-idp", endpoint_url=url, region_name=region, aws_access_key_id="test", aws_secret_access_key="test"
    )


class FormFields(HTMLParser):
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
    form = FormFields()
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


def empty_region(settings, local_stack, region):
    """Point the site at ``region`` of the local stack, where no pool exists until a test makes one; return boto3.

    The provisioning file is the site's without its identity pool: IAM is global,
    so a second identity pool would take the session's roles over (their trust
    names one identity pool), and the session's people would lose their credentials.
    """
    settings.COGNITO_REGION = region
    settings.COGNITO_ENDPOINT_URL = local_stack.url
    settings.COGNITO_SITE_URLS = []
    stripped = Path(local_stack.state_dir) / "cognito-without-identity-pool.toml"
    if not stripped.exists():
        provision_file_without_identity_pool(settings.COGNITO_PROVISION_FILE, stripped)
    settings.COGNITO_PROVISION_FILE = stripped
    return local_boto(local_stack.url, region)


def provision_file_without_identity_pool(path, dest):
    """Write ``path`` (a config/cognito.toml) to ``dest`` without its [identity_pool...] tables; return ``dest``.

    For tests that provision the whole file into a region of their own: IAM is
    global, so a second identity pool would take the session's roles over (their
    trust names one identity pool).
    """
    kept, skipping = [], False
    for line in Path(path).read_text().splitlines(keepends=True):
        if line.startswith("["):
            skipping = line.lstrip("[").startswith("identity_pool")
        if not skipping:
            kept.append(line)
    Path(dest).write_text("".join(kept))
    return dest
