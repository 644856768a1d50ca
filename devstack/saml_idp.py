"""A simulated company SAML 2.0 identity provider for the local stack. Development only.

Cognito (here MiniStack) sends the browser to ``/sso`` with an HTTP-Redirect
AuthnRequest; the page lets the developer pick who they are (or type someone)
and which of the company's groups they are in, then posts a signed Response to
the AuthnRequest's AssertionConsumerServiceURL (Cognito's /saml2/idpresponse).

Built on ``signxml`` (XML signatures over lxml and cryptography, no xmlsec1
binary), because no maintained test-IdP package on PyPI works offline without
pulling a dozen packages into the shared environment (README, "Company sign-in
(SAML)"). The signing key and certificate are generated once into ``key_dir``
(``.local/saml-idp`` under `make run`, a temporary folder in the tests).

The page also offers, for testing refusals, an expired assertion and one
altered after signing: the local stack accepts both (it checks neither
signatures nor validity windows; README), real Cognito refuses them.
"""

import base64
import datetime
import html
import logging
import os
import secrets
import threading
import tomllib
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import werkzeug.serving
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner
from werkzeug.wrappers import Request, Response

from devstack.stack import require_free_port

IDENTITIES_FILE = Path(__file__).with_name("simulated_saml.toml")
SPEC_FILE = Path(__file__).resolve().parent.parent / "config" / "cognito.toml"
DEFAULT_PORT = 4582
PORT_VARIABLE = "COGNITO_SIMULATED_SAML_PORT"

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
REDIRECT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
# The attribute names Microsoft Entra ID releases; config/cognito.toml maps these.
ATTRIBUTES = {
    "email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "given_name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    "family_name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    "name": "http://schemas.microsoft.com/identity/claims/displayname",
    "groups": "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
}
# An AuthnRequest is a few hundred bytes; refuse anything that inflates past this.
MAX_REQUEST_BYTES = 64 * 1024


def saml_provider_names(spec_path=SPEC_FILE):
    """Return the SAML providers config/cognito.toml declares: `make run` registers this IdP under each."""
    with open(spec_path, "rb") as fh:
        return [provider["name"] for provider in tomllib.load(fh).get("saml_providers", [])]


def load_company(path=IDENTITIES_FILE):
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _key_pair(key_dir):
    """Return (private key PEM, certificate PEM) from ``key_dir``, generating them the first time."""
    key_dir = Path(key_dir)
    key_path, cert_path = key_dir / "idp-key.pem", key_dir / "idp-cert.pem"
    if key_path.exists() and cert_path.exists():
        return key_path.read_bytes(), cert_path.read_bytes()
    key_dir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Simulated company IdP (development only)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    # Mode 600: a development key, but a signing key all the same.
    with open(os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        fh.write(key_pem)
    cert_path.write_bytes(cert_pem)
    return key_pem, cert_pem


def _instant(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_authn_request(encoded):
    """Return (request id, ACS URL, SP entity id) of an HTTP-Redirect AuthnRequest; ValueError if it is not one."""
    try:
        raw = base64.b64decode(encoded, validate=False)
        inflater = zlib.decompressobj(-15)
        xml = inflater.decompress(raw, MAX_REQUEST_BYTES)
        if inflater.unconsumed_tail:
            raise ValueError("the AuthnRequest is too large")
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except (ValueError, zlib.error, etree.XMLSyntaxError) as exc:
        raise ValueError(f"not a SAML AuthnRequest ({type(exc).__name__})") from None
    if root.tag != f"{{{SAMLP}}}AuthnRequest":
        raise ValueError("not a SAML AuthnRequest")
    issuer = root.find(f"{{{SAML}}}Issuer")
    acs = root.get("AssertionConsumerServiceURL", "")
    return root.get("ID", ""), acs, (issuer.text or "") if issuer is not None else ""


def _acs_allowed(acs):
    """Post assertions only to a loopback Cognito's /saml2/idpresponse: this IdP never leaves the machine."""
    parts = urlsplit(acs)
    return (
        parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost"} and parts.path == "/saml2/idpresponse"
    )


class SimulatedSamlIdp:
    """One company IdP on 127.0.0.1:``port`` (0 picks a free one); a context manager.

    ``metadata`` is the XML the pool registers (``MetadataFile``).
    """

    def __init__(self, *, port, key_dir, path=IDENTITIES_FILE):
        self.port = port
        self.company = load_company(path)
        self.key_pem, self.cert_pem = _key_pair(key_dir)
        self.server = None
        self._thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def entity_id(self):
        return f"{self.url}/metadata"

    @property
    def metadata(self):
        cert_b64 = b"".join(self.cert_pem.strip().splitlines()[1:-1]).decode()
        return (
            f'<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" entityID="{self.entity_id}">'
            f'<md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
            f'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert_b64}'
            f"</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            f"<md:NameIDFormat>{EMAIL_FORMAT}</md:NameIDFormat>"
            f'<md:SingleSignOnService Binding="{REDIRECT_BINDING}" Location="{self.url}/sso"/>'
            f"</md:IDPSSODescriptor></md:EntityDescriptor>"
        )

    # -- the assertion -----------------------------------------------------------

    def saml_response(self, *, person, groups, request_id, acs, audience, expired=False, tampered=False):
        """Return the base64 of a Response whose Assertion, about ``person`` in ``groups``, is signed.

        ``expired``: the validity window ended ten minutes ago. ``tampered``: the
        email is changed after signing, so the signature no longer matches.
        """
        now = datetime.datetime.now(datetime.UTC)
        if expired:
            now -= datetime.timedelta(minutes=15)
        until = now + datetime.timedelta(minutes=5)
        assertion_id, response_id = f"_{secrets.token_hex(16)}", f"_{secrets.token_hex(16)}"
        response = etree.Element(f"{{{SAMLP}}}Response", nsmap={"samlp": SAMLP, "saml": SAML})
        response.attrib.update({"ID": response_id, "Version": "2.0", "IssueInstant": _instant(now), "Destination": acs})
        if request_id:
            response.set("InResponseTo", request_id)
        etree.SubElement(response, f"{{{SAML}}}Issuer").text = self.entity_id
        status = etree.SubElement(response, f"{{{SAMLP}}}Status")
        etree.SubElement(status, f"{{{SAMLP}}}StatusCode", Value="urn:oasis:names:tc:SAML:2.0:status:Success")
        assertion = etree.SubElement(
            response, f"{{{SAML}}}Assertion", ID=assertion_id, Version="2.0", IssueInstant=_instant(now)
        )
        etree.SubElement(assertion, f"{{{SAML}}}Issuer").text = self.entity_id
        # Where the signature goes (SAML's schema wants it right after the Issuer).
        etree.SubElement(assertion, f"{{{DS}}}Signature", Id="placeholder")
        subject = etree.SubElement(assertion, f"{{{SAML}}}Subject")
        etree.SubElement(subject, f"{{{SAML}}}NameID", Format=EMAIL_FORMAT).text = person["email"]
        confirmation = etree.SubElement(
            subject, f"{{{SAML}}}SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"
        )
        data = etree.SubElement(confirmation, f"{{{SAML}}}SubjectConfirmationData", NotOnOrAfter=_instant(until))
        data.set("Recipient", acs)
        if request_id:
            data.set("InResponseTo", request_id)
        conditions = etree.SubElement(
            assertion, f"{{{SAML}}}Conditions", NotBefore=_instant(now), NotOnOrAfter=_instant(until)
        )
        restriction = etree.SubElement(conditions, f"{{{SAML}}}AudienceRestriction")
        etree.SubElement(restriction, f"{{{SAML}}}Audience").text = audience
        authn = etree.SubElement(assertion, f"{{{SAML}}}AuthnStatement", AuthnInstant=_instant(now))
        authn.set("SessionIndex", assertion_id)
        context = etree.SubElement(authn, f"{{{SAML}}}AuthnContext")
        etree.SubElement(
            context, f"{{{SAML}}}AuthnContextClassRef"
        ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        statement = etree.SubElement(assertion, f"{{{SAML}}}AttributeStatement")
        values = {key: person.get(key, "") for key in ("email", "given_name", "family_name", "name")}
        values["groups"] = list(groups)
        for key, value in values.items():
            if not value:
                continue
            attribute = etree.SubElement(statement, f"{{{SAML}}}Attribute", Name=ATTRIBUTES[key])
            for item in value if isinstance(value, list) else [value]:
                etree.SubElement(attribute, f"{{{SAML}}}AttributeValue").text = item
        signed = XMLSigner(
            signature_algorithm="rsa-sha256",
            digest_algorithm="sha256",
            c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
        ).sign(response, key=self.key_pem, cert=self.cert_pem.decode(), reference_uri=assertion_id)
        if tampered:
            for node in signed.iter(f"{{{SAML}}}NameID", f"{{{SAML}}}AttributeValue"):
                if node.text == person["email"]:
                    node.text = f"someone-else@{person['email'].partition('@')[2]}"
        return base64.b64encode(etree.tostring(signed, xml_declaration=True, encoding="UTF-8")).decode()

    # -- the pages -----------------------------------------------------------------

    def _page(self, title, body, status=200):
        document = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{html.escape(title)}</title><link rel="stylesheet" href="/idp.css"></head>'
            f'<body><main><p class="badge">Simulated company sign-in · development only</p>{body}</main></body></html>'
        )
        headers = {"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'self'; form-action http:"}
        return Response(document, status=status, mimetype="text/html", headers=headers)

    def _refuse(self, message):
        return self._page("Cannot sign in", f"<h1>Cannot sign in</h1><p>{html.escape(message)}</p>", status=400)

    def _picker(self, request):
        try:
            request_id, acs, audience = _parse_authn_request(request.args.get("SAMLRequest", ""))
        except ValueError as exc:
            return self._refuse(f"This page needs a sign-in request from Cognito: {exc}.")
        if not _acs_allowed(acs):
            return self._refuse("The sign-in request asks for an answer somewhere other than the local Cognito.")
        company = self.company
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
            for name, value in (
                ("request_id", request_id),
                ("acs", acs),
                ("audience", audience),
                ("relay_state", request.args.get("RelayState", "")),
            )
        )
        groups = "".join(
            f'<label class="check"><input type="checkbox" name="group" value="{html.escape(g)}"'
            f' data-testid="group-{html.escape(g)}"> {html.escape(g)}</label>'
            for g in company["groups"]
        )
        people = "".join(
            f'<button type="submit" name="person" value="{html.escape(p["email"])}" data-testid="person">'
            f"{html.escape(p['name'])} <span>{html.escape(p['email'])}</span></button>"
            for p in company["people"]
        )
        body = (
            f"<h1>Sign in to {html.escape(company['name'])}</h1>"
            f'<form method="post" action="/sso/respond">{hidden}'
            f"<fieldset><legend>Groups this person is in at the company</legend>{groups}</fieldset>"
            f'<fieldset><legend>Who are you?</legend><div class="people">{people}</div>'
            '<label for="email">Or someone else (any email)</label>'
            '<input id="email" name="email" type="email" autocomplete="off" data-testid="other-email">'
            '<button type="submit" name="person" value="" class="secondary" data-testid="other">'
            "Sign in as this address</button></fieldset>"
            "<details><summary>Test a refusal</summary>"
            '<label class="check"><input type="radio" name="flaw" value="" checked> A good assertion</label>'
            '<label class="check"><input type="radio" name="flaw" value="expired" data-testid="flaw-expired">'
            " An expired assertion</label>"
            '<label class="check"><input type="radio" name="flaw" value="tampered" data-testid="flaw-tampered">'
            " An assertion altered after signing</label></details></form>"
        )
        return self._page(f"Sign in to {company['name']}", body)

    def _respond(self, request):
        form = request.form
        acs = form.get("acs", "")
        if not _acs_allowed(acs):
            return self._refuse("The sign-in request asks for an answer somewhere other than the local Cognito.")
        email = (form.get("person") or form.get("email") or "").strip()
        if "@" not in email or len(email) > 254:
            return self._refuse("Pick a person or type an email address.")
        known = {p["email"]: p for p in self.company["people"]}
        person = known.get(email, {"email": email, "name": email.partition("@")[0]})
        groups = [g for g in form.getlist("group") if g in self.company["groups"]]
        flaw = form.get("flaw", "")
        saml_response = self.saml_response(
            person=person,
            groups=groups,
            request_id=form.get("request_id", ""),
            acs=acs,
            audience=form.get("audience", ""),
            expired=flaw == "expired",
            tampered=flaw == "tampered",
        )
        body = (
            f'<h1>Signing you in</h1><form method="post" action="{html.escape(acs)}" id="saml-post">'
            f'<input type="hidden" name="SAMLResponse" value="{saml_response}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(form.get("relay_state", ""))}">'
            '<button type="submit" data-testid="continue">Continue to the site</button></form>'
            '<script src="/autosubmit.js"></script>'
        )
        return self._page("Signing you in", body)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = request.max_form_memory_size = MAX_REQUEST_BYTES
        if request.path == "/metadata":
            response = Response(self.metadata, mimetype="application/samlmetadata+xml")
        elif request.path == "/sso" and request.method == "GET":
            response = self._picker(request)
        elif request.path == "/sso/respond" and request.method == "POST":
            response = self._respond(request)
        elif request.path == "/idp.css":
            response = Response(_CSS, mimetype="text/css")
        elif request.path == "/autosubmit.js":
            response = Response(_AUTOSUBMIT, mimetype="text/javascript")
        else:
            response = self._refuse("There is no such page on the simulated IdP.")
            response.status_code = 404
        return response(environ, start_response)

    # -- serving ---------------------------------------------------------------------

    def start(self):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        if self.port:
            require_free_port(self.port, what="the simulated company SAML IdP", variable=PORT_VARIABLE)
        self.server = werkzeug.serving.make_server("127.0.0.1", self.port, self.wsgi, threaded=True)
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self._thread.join(timeout=5)
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


_AUTOSUBMIT = "document.getElementById('saml-post').submit();\n"

_CSS = """
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; background: #eef1f5; color: #1c2430; }
main { max-width: 34rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
.badge { display: inline-block; margin: 0 0 1rem; padding: .2rem .6rem; border-radius: 999px;
  background: #fff4d6; color: #6b4e00; font-size: .85rem; }
fieldset { border: 1px solid #d5dbe3; border-radius: 6px; margin: 0 0 1rem; padding: .75rem 1rem; }
legend { font-weight: 600; padding: 0 .3rem; }
.check { display: block; padding: .2rem 0; }
.people { display: grid; gap: .5rem; margin-bottom: 1rem; }
button { width: 100%; padding: .7rem 1rem; border: 0; border-radius: 6px; background: #1f5fbf; color: #fff;
  font: inherit; text-align: left; cursor: pointer; }
button span { display: block; font-size: .85rem; opacity: .85; overflow-wrap: anywhere; }
button.secondary { background: #e3e8ef; color: #1c2430; margin-top: .5rem; }
input[type=email] { width: 100%; padding: .6rem; font: inherit; border: 1px solid #b8c2cf; border-radius: 6px; }
details { margin-top: .5rem; color: #4a5563; }
@media (max-width: 30rem) { main { margin: 0; border-radius: 0; padding: 1rem; } }
"""
