"""The "Sign in with your company" form: the domain picks the company through Cognito's registry, or a clear page."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.flows import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_remembered_domains():
    cache.clear()
    yield
    cache.clear()


def test_a_declared_domain_goes_to_its_company_keeping_next(client, federated):
    response = client.post(reverse("company_sign_in"), {"email": "Erin@Corp.Example", "next": "/account/"})
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == reverse("oidc_authentication_init")
    assert parse_qs(location.query) == {"provider": ["ExampleCorp"], "next": ["/account/"]}
    to_cognito = client.get(response["Location"])
    assert "identity_provider=ExampleCorp" in to_cognito["Location"]


def test_next_off_the_site_is_dropped(client, federated):
    response = client.post(reverse("company_sign_in"), {"email": "erin@corp.example", "next": "https://evil.example/"})
    assert parse_qs(urlparse(response["Location"]).query) == {"provider": ["ExampleCorp"]}


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your work email address."),
        ("not an address", "Enter your work email address."),
        ("x@unknown.example", "No company sign-in is set up for unknown.example."),
    ],
)
def test_no_company_is_a_message_on_the_sign_in_page(client, federated, email, message):
    response = client.post(reverse("company_sign_in"), {"email": email, "next": "/account/"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["company_email"] == email
    # Where to go after signing in is kept, for the company form and the other choices alike.
    assert response.context["next_url"] == "/account/"
    assert "next=%2Faccount%2F" in response.context["email_url"]


def test_an_unreachable_cognito_is_a_plain_unavailable_page(client, federated, settings):
    settings.COGNITO_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"
    settings.COGNITO_TIMEOUT = 1
    response = client.post(reverse("company_sign_in"), {"email": "erin@corp.example"})
    assert response.status_code == 503
    assert "Company sign-in is unavailable right now" in response.content.decode()


def test_without_a_company_the_sign_in_page_has_no_company_form(client, cognito, settings):
    settings.COGNITO_IDENTITY_PROVIDERS = ["Google"]
    page = client.get(reverse("sign_in")).content.decode()
    assert "continue-with-google" in page
    assert "Sign in with your company" not in page


def test_a_saml_error_at_the_callback_gets_the_company_words(client, cognito):
    response = client.get(
        "/oidc/callback/", {"error": "invalid_request", "error_description": "Invalid SAML response received"}
    )
    assert response.status_code == 400
    assert "Your company&#x27;s sign-in service sent an answer that could not be accepted." in response.content.decode()
