"""The simulated company SAML IdP: its assertions are really signed, and its flawed ones really flawed."""

import base64
import datetime
import re
import zlib

import pytest
import requests
from lxml import etree
from signxml import InvalidSignature, XMLVerifier

from devstack.saml_idp import SAML, SimulatedSamlIdp

ACS = "http://127.0.0.1:4577/saml2/idpresponse"
PERSON = {"email": "erin@corp.example", "name": "Erin Engineer", "given_name": "Erin", "family_name": "Engineer"}


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    with SimulatedSamlIdp(port=0, key_dir=tmp_path_factory.mktemp("idp")) as idp:
        yield idp


def _response(idp, **flaws):
    encoded = idp.saml_response(
        person=PERSON,
        groups=["engineering", "finance"],
        request_id="_r1",
        acs=ACS,
        audience="urn:amazon:cognito:sp:x",
        **flaws,
    )
    return base64.b64decode(encoded)


def _verified(idp, xml):
    return XMLVerifier().verify(xml, x509_cert=idp.cert_pem.decode(), expect_references=1).signed_xml


def test_a_good_assertion_verifies_with_the_certificate_in_the_metadata(idp):
    signed = _verified(idp, _response(idp))
    assert signed.tag == f"{{{SAML}}}Assertion"
    assert signed.find(f".//{{{SAML}}}NameID").text == "erin@corp.example"
    values = [v.text for v in signed.iter(f"{{{SAML}}}AttributeValue")]
    assert {"engineering", "finance", "Erin Engineer"} <= set(values)
    audience = signed.find(f".//{{{SAML}}}Audience").text
    assert audience == "urn:amazon:cognito:sp:x"
    cert = re.sub(r"-----[A-Z ]+-----|\s", "", idp.cert_pem.decode())
    assert cert in idp.metadata
    assert f'Location="{idp.url}/sso"' in idp.metadata


def test_a_tampered_assertion_fails_its_signature(idp):
    xml = _response(idp, tampered=True)
    assert b"someone-else@corp.example" in xml
    with pytest.raises(InvalidSignature):
        _verified(idp, xml)


def test_an_expired_assertion_is_signed_but_out_of_its_window(idp):
    signed = _verified(idp, _response(idp, expired=True))
    until = signed.find(f".//{{{SAML}}}Conditions").get("NotOnOrAfter")
    ended = datetime.datetime.strptime(until, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    assert ended < datetime.datetime.now(datetime.UTC)


def test_the_key_is_generated_once_and_kept_private(tmp_path):
    first = SimulatedSamlIdp(port=0, key_dir=tmp_path)
    again = SimulatedSamlIdp(port=0, key_dir=tmp_path)
    assert first.cert_pem == again.cert_pem
    assert (tmp_path / "idp-key.pem").stat().st_mode & 0o777 == 0o600


def _authn_request(acs):
    xml = (
        f'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0" '
        f'AssertionConsumerServiceURL="{acs}"><saml:Issuer xmlns:saml="{SAML}">urn:amazon:cognito:sp:x</saml:Issuer>'
        "</samlp:AuthnRequest>"
    )
    return base64.b64encode(zlib.compress(xml.encode())[2:-4]).decode()


def test_the_page_answers_only_a_loopback_cognito(idp):
    good = requests.get(f"{idp.url}/sso", params={"SAMLRequest": _authn_request(ACS), "RelayState": "r"}, timeout=5)
    assert good.status_code == 200
    assert "Sign in to Example Corp" in good.text
    assert good.headers["Cache-Control"] == "no-store"
    elsewhere = requests.get(
        f"{idp.url}/sso", params={"SAMLRequest": _authn_request("https://evil.example/saml2/idpresponse")}, timeout=5
    )
    assert elsewhere.status_code == 400
    assert "somewhere other than the local Cognito" in elsewhere.text
    garbage = requests.get(f"{idp.url}/sso", params={"SAMLRequest": "not-base64-deflate"}, timeout=5)
    assert garbage.status_code == 400
    posted = requests.post(f"{idp.url}/sso/respond", data={"acs": "https://evil.example/saml2/idpresponse"}, timeout=5)
    assert posted.status_code == 400


def test_the_answer_page_posts_the_signed_response_to_cognito(idp):
    answer = requests.post(
        f"{idp.url}/sso/respond",
        data={
            "acs": ACS,
            "person": "erin@corp.example",
            "group": ["engineering", "not-a-company-group"],
            "relay_state": "r",
        },
        timeout=5,
    )
    assert answer.status_code == 200
    form = etree.HTML(answer.text).find(".//form")
    assert form.get("action") == ACS
    fields = {i.get("name"): i.get("value") for i in form.iter("input")}
    assert fields["RelayState"] == "r"
    signed = _verified(idp, base64.b64decode(fields["SAMLResponse"]))
    assert [
        v.text for v in signed.iter(f"{{{SAML}}}AttributeValue") if v.text in {"engineering", "not-a-company-group"}
    ] == ["engineering"]
