"""Federated users: claim handling (unit), and sign-in through the simulated providers and the real local stack."""

import json
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.backends import CognitoOIDCBackend
from accounts.claims import picture_url
from accounts.federation import providers as federation
from accounts.models import UserSession
from accounts.sessions import encryption as session_tokens
from tests.flows import federated_sign_in, start_sign_in

User = get_user_model()
POOL = "us-east-1_Pool1"


def _identity(provider, user_id, primary):
    return {
        "userId": user_id,
        "providerName": provider,
        "providerType": provider,
        "issuer": None,
        "primary": primary,
        "dateCreated": "1795753274876",
    }


def _federated_claims(**extra):
    return {
        "sub": "0c7e9f5a-1111-4a4a-9b9b-000000000001",
        "cognito:username": "Google_104857600000000000001",
        "cognito:groups": [f"{POOL}_Google"],
        "email": "gina@gmail.example",
        "identities": [_identity("Google", "104857600000000000001", "true")],
        **extra,
    }


# -- claim handling ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("identities", "requested", "expected"),
    [
        ([_identity("Google", "1", "true")], "", "Google"),
        # "primary" is a string: "false" must not read as true.
        ([_identity("Facebook", "1", "false"), _identity("SignInWithApple", "2", "true")], "", "SignInWithApple"),
        # A native user linked to Google: the tokens look alike either way; the requested provider decides.
        ([_identity("Google", "1", "false")], "", ""),
        ([_identity("Google", "1", "false")], "Google", "Google"),
        ([_identity("Google", "1", "false")], "Facebook", ""),
        # The attribute form: JSON text.
        (json.dumps([_identity("Google", "1", "true")]), "", "Google"),
        ("not json", "", ""),
        ([], "", ""),
    ],
)
def test_sign_in_provider_reads_identities(identities, requested, expected):
    assert federation.sign_in_provider({"identities": identities}, requested) == expected


def test_sign_in_provider_falls_back_to_the_username_prefix():
    assert federation.sign_in_provider({"cognito:username": "Facebook_10220000"}) == "Facebook"
    assert federation.sign_in_provider({"cognito:username": "0c7e9f5a-1111-4a4a-9b9b-000000000001"}) == ""
    assert federation.sign_in_provider({"cognito:username": "Okta_abc"}) == ""
    # Some pools report the prefix in lower case.
    assert federation.sign_in_provider({"cognito:username": "google_1048576"}) == "Google"


def test_linked_providers_are_the_non_primary_identities():
    claims = {"identities": [_identity("Google", "1", "false"), _identity("Facebook", "2", "False")]}
    assert federation.linked_providers(claims) == ["Google", "Facebook"]
    assert federation.linked_providers(_federated_claims()) == []


@pytest.mark.parametrize(
    ("picture", "expected"),
    [
        ("https://lh3.googleusercontent.com/a/x", "https://lh3.googleusercontent.com/a/x"),
        # Facebook's picture arrives as the Graph API's JSON.
        ('{"data": {"url": "https://graph.example/p.jpg", "height": 50}}', "https://graph.example/p.jpg"),
        ('{"data": ', ""),
        ("http://insecure.example/p.jpg", ""),
        ("javascript:alert(1)", ""),
        (None, ""),
    ],
)
def test_picture_url(picture, expected):
    assert picture_url({"picture": picture}) == expected


def test_provider_labels():
    assert federation.provider_label("SignInWithApple") == "Apple"
    assert federation.provider_label("") == "Email and password"


@pytest.mark.django_db
def test_federated_claims_fill_the_django_user(settings):
    settings.COGNITO_USER_POOL_ID = POOL
    claims = _federated_claims(given_name="Gina", family_name="Google", picture="https://lh3.example/g")
    user = CognitoOIDCBackend().create_user(claims)
    user.refresh_from_db()
    assert (user.cognito_sub, user.username) == (claims["sub"], claims["sub"])
    # The username keeps the provider prefix; users are still found by sub.
    assert user.cognito_username == "Google_104857600000000000001"
    assert (user.first_name, user.last_name, user.email) == ("Gina", "Google", "gina@gmail.example")
    assert user.picture == "https://lh3.example/g"
    # The provider's group grants nothing.
    assert list(user.groups.all()) == []
    assert not user.is_staff
    assert not user.is_superuser


@pytest.mark.django_db
def test_missing_names_fall_back_to_the_full_name_or_stay_empty(settings):
    settings.COGNITO_USER_POOL_ID = POOL
    backend = CognitoOIDCBackend()
    user = backend.create_user(_federated_claims(name="Fred Facebook"))
    assert (user.first_name, user.last_name) == ("Fred Facebook", "")
    user = backend.update_user(user, _federated_claims())
    assert (user.first_name, user.last_name) == ("", "")
    assert user.display_name == "gina@gmail.example"


@pytest.mark.django_db
def test_apple_relay_email_is_kept_and_flagged(settings):
    """Apple's "Hide my email" address is the only way to mail the person, so it is stored as the email."""
    settings.COGNITO_USER_POOL_ID = POOL
    relay = "x7k2q9wz@privaterelay.appleid.com"
    claims = _federated_claims(
        email=relay,
        email_verified="true",
        is_private_email="true",
        **{"cognito:username": "SignInWithApple_001234.abc", "identities": [_identity("SignInWithApple", "1", "true")]},
    )
    user = CognitoOIDCBackend().create_user(claims)
    assert user.email == relay
    assert federation.is_relay_email(user.email)
    assert not federation.is_relay_email("mia@example.com")
    assert user.picture == ""


# -- the sign-in page ---------------------------------------------------------------


def test_sign_in_page_offers_each_configured_provider_and_email(client, settings):
    settings.COGNITO_IDENTITY_PROVIDERS = ["Google", "Facebook", "SignInWithApple"]
    response = client.get(reverse("sign_in"), {"next": "/account/"})
    text = response.content.decode()
    assert response.status_code == 200
    for label in ("Continue with Google", "Continue with Facebook", "Continue with Apple", "Sign in with email"):
        assert label in text
    assert "provider=SignInWithApple" in text
    assert "next=%2Faccount%2F" in text


def test_sign_in_page_shows_only_the_configured_providers(client, settings):
    settings.COGNITO_IDENTITY_PROVIDERS = ["Google"]
    text = client.get(reverse("sign_in")).content.decode()
    assert "Continue with Google" in text
    assert "Facebook" not in text
    assert "Apple" not in text


def test_sign_in_without_providers_goes_straight_to_the_hosted_ui(client):
    response = client.get(reverse("sign_in"), {"next": "/account/"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('oidc_authentication_init')}?next=%2Faccount%2F"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "http://testserver.evil/"])
def test_sign_in_page_drops_an_offsite_next(client, settings, next_url):
    settings.COGNITO_IDENTITY_PROVIDERS = ["Google"]
    response = client.get(reverse("sign_in"), {"next": next_url})
    assert response.status_code == 200
    choices = response.content.decode().partition('<ul class="choices">')[2].partition("</ul>")[0]
    assert "provider=Google" in choices
    assert "evil" not in choices


def test_provider_choice_goes_to_cognito_with_identity_provider_state_nonce_and_pkce(client, federated):
    authorize = client.get(reverse("oidc_authentication_init"), {"provider": "Facebook"})["Location"]
    query = parse_qs(urlparse(authorize).query)
    assert query["identity_provider"] == ["Facebook"]
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["code_challenge_method"] == ["S256"]


def test_a_provider_that_is_not_offered_is_not_forwarded(client, federated, settings):
    settings.COGNITO_IDENTITY_PROVIDERS = ["Google"]
    for provider in ("Facebook", "COGNITO", "Evil"):
        authorize = client.get(reverse("oidc_authentication_init"), {"provider": provider})["Location"]
        assert "identity_provider" not in parse_qs(urlparse(authorize).query)
    assert "identity_provider" not in parse_qs(urlparse(start_sign_in(client)).query)


# -- through the simulated providers and the local stack --------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("provider", "label", "first_name"),
    [("Google", "Google", "Gina"), ("Facebook", "Facebook", "Fred"), ("SignInWithApple", "Apple", "")],
)
def test_federated_sign_in_creates_a_user_keyed_by_sub(client, federated, provisioned, provider, label, first_name):
    sub = {"Google": "gina@gmail.example", "Facebook": "fred@facebook.example"}.get(
        provider, "x7k2q9wz@privaterelay.appleid.com"
    )
    response = federated_sign_in(client, provider, sub, next_url="/account/")
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    user = User.objects.get(cognito_username=f"{provider}_{sub}")
    record = UserSession.objects.get(session_key=client.session.session_key)
    id_claims = jwt.decode(session_tokens.decrypt(record.id_token), options={"verify_signature": False})
    assert user.cognito_sub == id_claims["sub"]
    assert user.cognito_sub != sub  # Cognito's own sub, not the provider's
    assert user.email == sub
    assert user.first_name == first_name
    # Cognito put the user in {poolId}_{Provider}; it grants nothing here.
    assert list(user.groups.values_list("name", flat=True)) == []
    assert not user.is_staff
    page = client.get(reverse("account")).content.decode()
    assert f'data-testid="sign-in-provider">{label}<' in page
    assert f"{provisioned.pool_id}_{provider}" in page  # in the decoded token, not among the groups


@pytest.mark.django_db(transaction=True)
def test_second_federated_sign_in_finds_the_same_user(client, federated):
    federated_sign_in(client, "Google", "member@example.com")
    first = User.objects.get(cognito_username="Google_member@example.com")
    client.post(reverse("oidc_logout"))
    federated_sign_in(client, "Google", "member@example.com")
    assert User.objects.filter(cognito_username="Google_member@example.com").count() == 1
    user = User.objects.get(pk=first.pk)
    assert (user.first_name, user.last_name) == ("Mia", "Member")
    assert user.picture == "https://lh3.googleusercontent.com/a/mia-member"


@pytest.mark.django_db(transaction=True)
def test_a_typed_identity_signs_in_as_a_new_person(client, federated):
    """The simulated provider's page also takes any typed sub; the local stack uses an email-shaped sub as email."""
    response = federated_sign_in(client, "Facebook", "typed.person@example.org")
    assert response.status_code == 302
    assert User.objects.get(cognito_username="Facebook_typed.person@example.org").email == "typed.person@example.org"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("error", ["access_denied", "invalid_request", "server_error"])
def test_provider_errors_at_the_callback_lead_back_to_the_sign_in_choices(client, federated, error):
    """On AWS a cancel or provider error reaches the callback as error=; the local stack shows JSON, so call it."""
    authorize = client.get(reverse("oidc_authentication_init"), {"provider": "Google"})["Location"]
    state = parse_qs(urlparse(authorize).query)["state"][0]
    response = client.get(
        reverse("oidc_authentication_callback"),
        {"error": error, "error_description": "Google Error - 400 access_denied", "state": state},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Sign-in did not complete" in text
    assert f'href="{reverse("sign_in")}" data-testid="retry"' in text
    assert not User.objects.exists()
