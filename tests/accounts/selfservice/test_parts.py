"""The small parts of accounts/selfservice/: device names, the TOTP link and QR code, the policy's own-account rule."""

from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
from botocore.stub import Stubber
from django.contrib.auth.models import AnonymousUser

from accounts import policy
from accounts.cognito.client import CognitoClient
from accounts.exceptions import NotAllowed
from accounts.selfservice.devices import device_name
from accounts.selfservice.qr import qr_svg, totp_uri


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Mobile/15E148 Safari/604.1",
            "Mobile Safari on iOS",
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Windows"),
        ("", "Unknown browser"),
        ("<script>alert(1)</script>", "Unknown browser"),
    ],
)
def test_devices_are_named_in_plain_words(header, name):
    assert device_name(header) == name


def test_the_totp_link_is_what_authenticator_apps_read():
    uri = urlparse(totp_uri(secret="JBSWY3DPEHPK3PXP", account="ada@example.com", issuer="Cognito Django site"))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert uri.path == "/Cognito%20Django%20site%3Aada@example.com"  # the colon may be encoded (Key Uri Format)
    assert parse_qs(uri.query) == {"secret": ["JBSWY3DPEHPK3PXP"], "issuer": ["Cognito Django site"]}


def test_the_qr_code_is_an_svg_document_without_script():
    svg = qr_svg("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP").decode()
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg
    assert "<script" not in svg


@pytest.mark.parametrize(
    "actor",
    [None, AnonymousUser(), SimpleNamespace(is_authenticated=True, is_active=False, cognito_sub="s")],
    ids=["none", "anonymous", "inactive"],
)
def test_only_an_active_signed_in_person_changes_their_own_account(actor):
    with pytest.raises(NotAllowed, match="Only a signed-in person"):
        policy.own_account_check(actor=actor, change="change your name")


def test_a_site_user_without_a_cognito_user_has_no_account_to_change():
    actor = SimpleNamespace(is_authenticated=True, is_active=True, cognito_sub="", pk=1)
    with pytest.raises(NotAllowed, match="no Cognito user"):
        policy.own_account_check(actor=actor, change="change your name")


def test_the_own_target_is_refused_when_cognito_names_someone_else(settings):
    """Faked: AdminGetUser answering another sub for the actor's username (a reused or renamed username)."""
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9"
    actor = SimpleNamespace(is_authenticated=True, is_active=True, cognito_sub="mine", cognito_username="u", pk=1)
    cognito = CognitoClient()
    with Stubber(cognito._client) as stub:
        stub.add_response("admin_get_user", {"Username": "u", "UserAttributes": [{"Name": "sub", "Value": "theirs"}]})
        with pytest.raises(NotAllowed, match="only disconnect a sign-in on your own account"):
            policy.own_target(actor=actor, change="disconnect a sign-in", cognito=cognito)
