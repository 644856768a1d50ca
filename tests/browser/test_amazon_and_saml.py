"""End to end in Chromium: Login with Amazon and company sign-in (SAML), through the real local stack.

The site's sign-in page, the simulated provider's page (devstack/idps.py for
Amazon, devstack/saml_idp.py for the company), MiniStack's /oauth2/idpresponse
or /saml2/idpresponse, and back to the site, signed in.
"""

import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.flows import screenshots

pytestmark = pytest.mark.browser
User = get_user_model()


def _no_sideways_scroll_on_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})


def _sign_out(page, live_server):
    page.goto("/")
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_test_id("sign-in")).to_be_visible()


def test_continue_with_amazon_signs_in_and_out(page, live_server, federated, provisioned, simulated_idps):
    page.goto("/sign-in/")
    with page.expect_request(re.compile(r"/oauth2/authorize\?")) as authorize:
        page.get_by_test_id("continue-with-amazon").click()
    assert "identity_provider=LoginWithAmazon" in authorize.value.url
    page.wait_for_url(re.compile(re.escape(simulated_idps.issuers["LoginWithAmazon"]) + r"/oauth2/authorize"))
    page.get_by_role("button", name="amzn1.account.AALEXAMAZON", exact=True).click()

    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alex Amazon")
    expect(page.get_by_test_id("email")).to_have_text("alex@amazon.example")
    # Cognito's {poolId}_LoginWithAmazon group grants nothing.
    expect(page.get_by_test_id("groups")).to_have_text("none")
    page.goto("/account/")
    expect(page.get_by_test_id("sign-in-provider")).to_have_text("Amazon")
    expect(page.get_by_test_id("id-token")).to_contain_text(f"{provisioned.pool_id}_LoginWithAmazon")
    user = User.objects.get(cognito_username="LoginWithAmazon_amzn1.account.AALEXAMAZON")
    assert (user.is_staff, user.is_superuser, user.groups.count()) == (False, False, 0)

    _sign_out(page, live_server)
    page.goto("/account/")
    page.wait_for_url(re.compile(r"/sign-in/"))


def _to_company_idp(page, email, simulated_saml):
    """From the sign-in page, email first, to the simulated company IdP's page; return the site's ``state``."""
    page.goto("/sign-in/")
    page.get_by_test_id("company-email").fill(email)
    with page.expect_request(re.compile(r"/oauth2/authorize\?")) as authorize:
        page.get_by_test_id("sign-in-with-company").click()
    assert "identity_provider=ExampleCorp" in authorize.value.url
    page.wait_for_url(re.compile(re.escape(simulated_saml.url) + r"/sso\?"))
    return parse_qs(urlparse(authorize.value.url).query)["state"][0]


def test_company_sign_in_goes_to_the_company_and_maps_its_group(
    page, live_server, federated, boto, provisioned, simulated_saml
):
    page.goto("/sign-in/")
    screenshots(page, "sign-in-with-company")
    _no_sideways_scroll_on_a_phone(page)
    _to_company_idp(page, "erin@corp.example", simulated_saml)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Example Corp")
    screenshots(page, "simulated-saml-idp")
    _no_sideways_scroll_on_a_phone(page)
    page.get_by_test_id("group-engineering").check()
    page.get_by_test_id("group-finance").check()  # not mapped: grants nothing
    page.get_by_role("button", name=re.compile("Erin Engineer")).click()

    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Erin Engineer")
    expect(page.get_by_test_id("email")).to_have_text("erin@corp.example")
    # engineering -> members, as config/cognito.toml declares; the provider group is not mirrored.
    expect(page.get_by_test_id("groups")).to_have_text("members")
    page.goto("/account/")
    expect(page.get_by_test_id("sign-in-provider")).to_have_text("Example Corp")
    user = User.objects.get(cognito_username="ExampleCorp_erin@corp.example")
    assert (user.is_staff, user.is_superuser) == (False, False)
    cognito_groups = boto.admin_list_groups_for_user(
        UserPoolId=provisioned.pool_id, Username="ExampleCorp_erin@corp.example"
    )["Groups"]
    assert {g["GroupName"] for g in cognito_groups} == {"members", f"{provisioned.pool_id}_ExampleCorp"}
    _sign_out(page, live_server)


def test_a_declared_privileged_mapping_makes_staff_and_is_taken_back(
    page, live_server, federated, boto, provisioned, simulated_saml
):
    """it-admins -> staff is declared with privileged_groups; when the company asserts another group instead, it goes.

    (An assertion without the groups attribute at all leaves Cognito's stored
    custom:idp_groups as it was, measured on the local stack: README.)
    """
    _to_company_idp(page, "ivan@corp.example", simulated_saml)
    page.get_by_test_id("group-it-admins").check()
    page.get_by_role("button", name=re.compile("Ivan Itadmin")).click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_test_id("groups")).to_have_text("staff")
    assert User.objects.get(cognito_username="ExampleCorp_ivan@corp.example").is_staff
    _sign_out(page, live_server)

    # Moved to engineering: staff goes, members comes.
    _to_company_idp(page, "ivan@corp.example", simulated_saml)
    page.get_by_test_id("group-engineering").check()
    page.get_by_role("button", name=re.compile("Ivan Itadmin")).click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_test_id("groups")).to_have_text("members")
    assert not User.objects.get(cognito_username="ExampleCorp_ivan@corp.example").is_staff
    groups = boto.admin_list_groups_for_user(UserPoolId=provisioned.pool_id, Username="ExampleCorp_ivan@corp.example")
    assert "staff" not in {g["GroupName"] for g in groups["Groups"]}


def test_an_email_of_an_unknown_domain_stays_on_the_sign_in_page(page, federated):
    page.goto("/sign-in/")
    page.get_by_test_id("company-email").fill("someone@unknown.example")
    with page.expect_response(re.compile(r"/sign-in/company/")) as answer:
        page.get_by_test_id("sign-in-with-company").click()
    assert answer.value.status == 400
    expect(page.get_by_test_id("company-error")).to_have_text(
        "No company sign-in is set up for unknown.example. Use another way to sign in, or ask your IT team."
    )
    expect(page.get_by_test_id("company-email")).to_have_value("someone@unknown.example")
    screenshots(page, "sign-in-with-company-unknown-domain")
    _no_sideways_scroll_on_a_phone(page)


def test_an_assertion_for_an_address_outside_the_company_is_refused(page, live_server, federated, simulated_saml):
    """The company IdP vouches for gmail.example: Cognito accepts it, the site does not."""
    _to_company_idp(page, "erin@corp.example", simulated_saml)
    page.get_by_test_id("other-email").fill("mallory@gmail.example")
    page.get_by_test_id("other").click()
    page.wait_for_url(re.compile(r"/oidc/callback/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in refused")
    expect(page.get_by_test_id("problem")).to_contain_text(
        "named mallory@gmail.example, which is not at one of its domains (corp.example)"
    )
    screenshots(page, "company-sign-in-refused")
    _no_sideways_scroll_on_a_phone(page)
    assert not User.objects.filter(email="mallory@gmail.example").exists()
    page.goto("/account/")
    page.wait_for_url(re.compile(r"/sign-in/"))


@pytest.mark.parametrize("flaw", ["expired", "tampered"])
def test_a_refused_assertion_gets_a_clear_page(page, live_server, federated, simulated_saml, flaw):
    """Fake at one seam: what AWS answers for an expired or altered assertion.

    MiniStack checks neither the signature nor the validity window of a SAML
    assertion (README, "Company sign-in (SAML)": measured, it signs the person
    in). Real Cognito refuses the assertion and sends the browser to the app's
    callback with ``error=invalid_request`` and a SAML error description. So
    this test lets the simulated IdP make the flawed assertion for real, and
    answers Cognito's POST /saml2/idpresponse the way AWS does.
    """
    state = _to_company_idp(page, "erin@corp.example", simulated_saml)
    posted = []

    def cognito_refuses(route):
        posted.append(route.request.post_data or "")
        query = urlencode(
            {
                "error_description": "Invalid samlResponse or relayState from identity provider",
                "error": "invalid_request",
                "state": state,
            }
        )
        route.fulfill(status=302, headers={"Location": f"{live_server.url}/oidc/callback/?{query}"})

    page.route(re.compile(r"/saml2/idpresponse"), cognito_refuses)
    page.get_by_text("Test a refusal").click()
    page.get_by_test_id(f"flaw-{flaw}").check()
    page.get_by_role("button", name=re.compile("Erin Engineer")).click()
    page.wait_for_url(re.compile(r"/oidc/callback/"))
    assert posted
    assert "SAMLResponse=" in posted[0]
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in did not complete")
    expect(page.get_by_test_id("problem")).to_have_text(
        "Your company's sign-in service sent an answer that could not be accepted. "
        "Please try again; if it keeps happening, contact your IT team."
    )
    page.goto("/account/")
    page.wait_for_url(re.compile(r"/sign-in/"))
