"""A social sign-in meeting an existing account, over HTTP against the real local stack and simulated providers."""

import uuid

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

from accounts.exceptions import NotFound
from accounts.federation import connect
from tests.flows import federated_sign_in, hosted_ui_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()
PASSWORD = "Connect-Passw0rd!"


def google_identity(simulated_idps, email, *, verified=True):
    """Give the simulated Google a person with this email (its test API: PUT /users/<sub>)."""
    claims = {"email": email, "email_verified": "true" if verified else "false", "given_name": "Cora"}
    response = requests.put(f"{simulated_idps.issuers['Google']}/users/{email}", json=claims, timeout=10)
    assert response.status_code == 204


@pytest.fixture
def native(federated):
    """An email/password person of their own, so that connecting never changes the demo users."""
    email = f"cora.{uuid.uuid4().hex[:8]}@example.com"
    federated.create_user(
        email,
        attributes={"email": email, "email_verified": "true", "given_name": "Cora", "family_name": "Connect"},
        suppress_invitation=True,
    )
    federated.set_user_password(email, PASSWORD, permanent=True)
    federated.add_user_to_group(email, "members")
    return email


def test_a_verified_google_email_of_an_existing_account_is_offered_the_connection(client, native, simulated_idps):
    google_identity(simulated_idps, native)
    response = federated_sign_in(client, "Google", native)
    assert response["Location"] == reverse("connect_offer")
    page = client.get(reverse("connect_offer")).content.decode()
    assert "You already have an account with this email" in page
    assert "Sign in with your password to connect Google" in page


def test_an_unverified_email_is_never_offered(client, native, simulated_idps):
    """Facebook asserts no verification; a Google account with email_verified false proves nothing either."""
    google_identity(simulated_idps, native, verified=False)
    response = federated_sign_in(client, "Google", native)
    assert response["Location"] == "/"
    assert connect.PENDING_LINK_KEY not in client.session


def test_facebook_is_never_offered_the_members_account(client, federated):
    response = federated_sign_in(client, "Facebook", "member@example.com")
    assert response["Location"] == "/"
    assert connect.PENDING_LINK_KEY not in client.session


def test_the_password_sign_in_of_another_account_connects_nothing(client, federated, native, simulated_idps, demo):
    google_identity(simulated_idps, native)
    federated_sign_in(client, "Google", native)
    hosted_ui_sign_in(client, "member@example.com", demo["password"], next_url=reverse("connect_finish"))
    response = client.post(reverse("connect_finish"))
    assert response.status_code == 400
    assert federated.get_user(f"Google_{native}")  # nothing was deleted or linked


def test_a_tampered_or_stale_offer_connects_nothing(client, federated, native, simulated_idps, settings):
    google_identity(simulated_idps, native)
    federated_sign_in(client, "Google", native)
    google = User.objects.get(cognito_username=f"Google_{native}")
    hosted_ui_sign_in(client, native, PASSWORD)
    session = client.session
    session[connect.PENDING_LINK_KEY] = signing.dumps(
        {"federated": google.pk, "provider": "Google", "email": native}, salt="another salt"
    )
    session.save()
    response = client.post(reverse("connect_finish"))
    assert response.status_code == 400
    assert "Nothing to connect" in response.content.decode()
    assert federated.get_user(f"Google_{native}")


def test_a_staff_account_is_connected_by_an_administrator_not_by_itself(client, federated, native, simulated_idps):
    """The decision for privileged people: the policy refuses self-service, the page says who can, nothing changes."""
    federated.add_user_to_group(native, "staff")
    google_identity(simulated_idps, native)
    federated_sign_in(client, "Google", native)
    hosted_ui_sign_in(client, native, PASSWORD, next_url=reverse("connect_finish"))
    response = client.post(reverse("connect_finish"))
    assert response.status_code == 403
    assert "ask an administrator" in response.content.decode()
    assert federated.get_user(f"Google_{native}")
    assert User.objects.filter(cognito_username=f"Google_{native}").exists()


def test_connecting_links_in_cognito_and_leaves_one_site_account(client, federated, native, simulated_idps):
    google_identity(simulated_idps, native)
    federated_sign_in(client, "Google", native)
    google = User.objects.get(cognito_username=f"Google_{native}")
    callback = hosted_ui_sign_in(client, native, PASSWORD, next_url=reverse("connect_finish"))
    assert callback["Location"] == reverse("connect_finish")
    assert client.post(reverse("connect_finish"))["Location"] == reverse("account")
    with pytest.raises(NotFound):
        federated.get_user(f"Google_{native}")
    assert not User.objects.filter(pk=google.pk).exists()
    assert connect.PENDING_LINK_KEY not in client.session
