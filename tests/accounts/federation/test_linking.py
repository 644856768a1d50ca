"""Linking a federated sign-in to the same person's email/password account, against the real local stack."""

import uuid
from unittest import mock

import pytest
import requests
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.exceptions import LinkingUnavailable, LinkRefused, NotAllowed, NotAvailable, NotFound
from accounts.federation import linking
from accounts.federation.linking import federated_user_link
from accounts.models import UserSession
from accounts.pooladmin.services import users as user_services
from tests.flows import federated_sign_in, hosted_ui_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()
PASSWORD = "Linda-Passw0rd!"


def google_identity(simulated_idps, email, *, verified=True):
    """Give the simulated Google a person with this email (its test API: PUT /users/<sub>)."""
    claims = {"email": email, "email_verified": "true" if verified else "false", "given_name": "Linda"}
    response = requests.put(f"{simulated_idps.issuers['Google']}/users/{email}", json=claims, timeout=10)
    assert response.status_code == 204


@pytest.fixture
def person(federated, provisioned, client, simulated_idps):
    """One person with two site accounts: email/password first, then Google with the same email.

    A Cognito user of its own, so linking it never changes the demo users other tests sign in as.
    """
    email = f"linda.{uuid.uuid4().hex[:8]}@example.com"
    federated.create_user(
        email,
        attributes={"email": email, "email_verified": "true", "given_name": "Linda", "family_name": "Link"},
        suppress_invitation=True,
    )
    federated.set_user_password(email, PASSWORD, permanent=True)
    federated.add_user_to_group(email, "members")
    hosted_ui_sign_in(client, email, PASSWORD)
    native = User.objects.get(email=email, cognito_username__regex=r"^[0-9a-f-]{36}$")
    client.post(reverse("oidc_logout"))
    google_identity(simulated_idps, email)
    federated_sign_in(client, "Google", email)  # picked on the simulated Google's page
    google = User.objects.get(cognito_username=f"Google_{email}")
    return email, native, google


def test_linking_attaches_the_identity_in_cognito_and_merges_the_site_users(client, federated, provisioned, person):
    email, native, google = person
    LogEntry.objects.create(user=google, object_repr="something Linda did", action_flag=ADDITION)
    assert UserSession.objects.filter(user=google).exists()

    result = federated_user_link(federated=google, native=native)

    assert (result.user, result.provider, result.provider_user_id, result.moved) == (native, "Google", email, 1)
    # Cognito: the Google profile is gone and its identity hangs off the native user.
    with pytest.raises(NotFound):
        federated.get_user(f"Google_{email}")
    assert '"providerName": "Google"' in federated.get_user(native.cognito_username).attributes["identities"]
    # The site: one user left, the native one, with the history; the Google user's sessions are over.
    assert not User.objects.filter(pk=google.pk).exists()
    assert LogEntry.objects.get(object_repr="something Linda did").user == native
    assert not UserSession.objects.filter(user_id=google.pk).exists()
    assert client.get(reverse("account")).status_code == 302

    # The next Google sign-in lands in the native account, with its groups.
    federated_sign_in(client, "Google", email)
    assert User.objects.filter(email=email).count() == 1
    assert client.session["_auth_user_id"] == str(native.pk)
    page = client.get(reverse("account")).content.decode()
    assert 'data-testid="sign-in-provider">Google<' in page
    assert 'data-testid="linked-providers">Google<' in page
    # The account page names groups in plain words, with the group's name after them.
    assert 'data-testid="groups"><span class="tag" title="Cognito group members">Member' in page


def test_the_staff_page_lists_the_pair_and_links_it(client, federated, person):
    email, native, google = person
    staff = User.objects.create(username="staff-linker", cognito_sub="staff-linker", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("link_accounts")).status_code == 403
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "delete_cognitouser"]))
    assert client.get(reverse("link_accounts")).status_code == 403  # linking has a permission of its own
    staff.user_permissions.add(Permission.objects.get(codename="link_cognitouser"))

    page = client.get(reverse("link_accounts")).content.decode()
    assert f"Google_{email}" in page
    response = client.post(reverse("link_accounts"), {"federated": google.pk, "native": native.pk}, follow=True)
    assert "Linked: Google sign-ins now land in" in response.content.decode()
    assert not User.objects.filter(pk=google.pk).exists()
    assert f"Google_{email}" not in response.content.decode()


def test_linking_again_after_a_failed_merge_only_merges(federated, person):
    """Cognito was linked but the database step failed: the leftover Django user is merged on the next try."""
    email, native, google = person
    with pytest.raises(RuntimeError), mock.patch.object(linking, "django_users_merge", side_effect=RuntimeError):
        federated_user_link(federated=google, native=native)
    assert User.objects.filter(pk=google.pk).exists()

    result = federated_user_link(federated=google, native=native)
    assert (result.provider, result.provider_user_id) == ("Google", email)
    assert list(User.objects.filter(email=email)) == [native]


def test_the_staff_page_refuses_a_malformed_pair(client):
    admin = User.objects.create(username="admin", cognito_sub="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.post(reverse("link_accounts"), {"federated": "x", "native": "1"}).status_code == 400
    assert client.post(reverse("link_accounts"), {"native": "1"}).status_code == 400
    assert client.post(reverse("link_accounts"), {"federated": "98765", "native": "98766"}).status_code == 404


def test_the_command_links_by_cognito_username(federated, person, capsys):
    email, native, _ = person
    call_command("cognito_link_users", f"Google_{email}", native.cognito_sub)
    assert "Linked Google" in capsys.readouterr().out
    assert list(User.objects.filter(email=email)) == [native]


def test_linking_refuses_the_wrong_way_round_and_to_itself(federated, person):
    _, native, google = person
    with pytest.raises(LinkRefused, match="itself a federated user"):
        federated_user_link(federated=native, native=google)
    with pytest.raises(LinkRefused, match="linked to itself"):
        federated_user_link(federated=native, native=native)
    assert User.objects.filter(pk=google.pk).exists()


class _CognitoWithoutLinking:
    """A seam whose Cognito lacks AdminLinkProviderForUser, like a local stack that does not implement it.

    MiniStack 1.5.33 does implement it (tested above); this fake pins what the page says where it is missing.
    """

    is_local = True

    deleted = []

    def get_user(self, username):
        identities = '[{"providerName": "Google", "userId": "g-1", "primary": "true"}]'
        attributes = {"identities": identities, "email": "a@x.example", "email_verified": "true"}
        fields = {"username": username, "attributes": attributes, "sub": f"sub-{username}", "enabled": True}
        return type("U", (), {**fields, "status": "EXTERNAL_PROVIDER" if "_" in username else "CONFIRMED"})()

    def list_groups_for_user(self, username):
        return []

    def delete_user(self, username):
        self.deleted.append(username)

    def link_provider_for_user(self, **kwargs):
        raise NotAvailable("admin_link_provider_for_user: Unknown action", code="InvalidAction")


def test_where_cognito_lacks_linking_the_page_says_so(client, monkeypatch):
    monkeypatch.setattr(linking, "CognitoClient", _CognitoWithoutLinking)
    admin = User.objects.create(username="admin", cognito_sub="admin", is_staff=True, is_superuser=True)
    native = User.objects.create(username="n", cognito_sub="n", cognito_username="0c7e9f5a-0000", email="a@x.example")
    google = User.objects.create(username="g", cognito_sub="g", cognito_username="Google_g-1", email="a@x.example")
    client.force_login(admin)
    with pytest.raises(LinkingUnavailable, match="was deleted, but linking its identity failed"):
        federated_user_link(federated=google, native=native)
    # The half-done state is said out loud: the Google Cognito user is gone, the site user stays.
    assert _CognitoWithoutLinking.deleted == ["Google_g-1"]
    assert User.objects.filter(pk=google.pk).exists()
    response = client.post(reverse("link_accounts"), {"federated": google.pk, "native": native.pk})
    assert response.status_code == 503
    assert b"Linking is not available on this Cognito" in response.content
    assert b"was deleted" in response.content


def test_the_cognito_user_page_offers_the_link(client, federated, person):
    """Staff find the offer on the federated user's page in the Cognito user admin, and it links."""
    email, native, google = person
    admin = User.objects.create(username="admin-linker", cognito_sub="admin-linker", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page_url = reverse("admin:accounts_cognitouser_change", args=[f"Google_{email}"])

    page = client.get(page_url).content.decode()
    assert 'data-testid="link-target"' in page
    assert f'name="native" value="{native.pk}"' in page
    # The native user's own page offers nothing.
    assert (
        'data-testid="link-target"'
        not in client.get(reverse("admin:accounts_cognitouser_change", args=[native.cognito_username])).content.decode()
    )

    response = client.post(reverse("link_accounts"), {"federated": google.pk, "native": native.pk}, follow=True)
    assert "Linked: Google sign-ins now land in" in response.content.decode()
    assert not User.objects.filter(pk=google.pk).exists()


def test_the_link_is_logged_in_the_admin_history(federated, person):
    _email, native, google = person
    actor = User.objects.create(username="linker", cognito_sub="linker", is_staff=True, is_superuser=True)
    federated_user_link(federated=google, native=native, actor=actor)
    entry = LogEntry.objects.get(object_id=str(native.pk))
    assert "Linked the Google sign-in" in entry.change_message
    assert entry.user == actor


def test_a_pair_with_different_emails_is_refused_before_any_call(client, federated, person, provisioned):
    """Staff cannot post an arbitrary pair: someone's Google sign-in must not land in another's account."""
    email, _native, google = person
    other = User.objects.create(
        username="boss", cognito_sub="boss", cognito_username="boss-uuid", email="boss@corp.example"
    )
    with pytest.raises(LinkRefused, match="different email"):
        federated_user_link(federated=google, native=other)
    assert federated.get_user(f"Google_{email}")  # nothing was deleted


def test_an_unverified_email_is_refused_and_nothing_is_deleted(client, federated, provisioned, simulated_idps):
    """The same address, but the provider does not vouch for it: that proves nothing about the person."""
    email = f"una.{uuid.uuid4().hex[:8]}@example.com"
    federated.create_user(
        email,
        attributes={"email": email, "email_verified": "true", "given_name": "Una"},
        suppress_invitation=True,
    )
    federated.set_user_password(email, PASSWORD, permanent=True)
    hosted_ui_sign_in(client, email, PASSWORD)
    native = User.objects.get(email=email, cognito_username__regex=r"^[0-9a-f-]{36}$")
    client.post(reverse("oidc_logout"))
    google_identity(simulated_idps, email, verified=False)
    federated_sign_in(client, "Google", email)
    google = User.objects.get(cognito_username=f"Google_{email}")

    with pytest.raises(LinkRefused, match="no verified email"):
        federated_user_link(federated=google, native=native)
    assert federated.get_user(f"Google_{email}")
    assert User.objects.filter(pk=google.pk).exists()


# -- who may link (accounts.policy) ----------------------------------------------------


@pytest.fixture
def linker():
    """A staff member (not superuser) who may link and change Cognito users."""
    staff = User.objects.create(username="linker-staff", cognito_sub="linker-staff", is_staff=True)
    codenames = ["link_cognitouser", "view_cognitouser", "change_cognitouser", "delete_cognitouser"]
    staff.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=staff.pk)


def test_staff_can_neither_change_nor_verify_a_federated_users_email(federated, provisioned, person, linker):
    """Finding 3: the email of a Google user comes from Google; linking trusts it, so staff must not set it."""
    email, _native, _google = person
    username = f"Google_{email}"
    for attributes, verify in (({"email": "admin@example.com"}, True), ({"email": "admin@example.com"}, False)):
        with pytest.raises(NotAllowed, match=r"sets their email address|Only a superuser can mark an email"):
            user_services.user_attributes_update(
                actor=linker, username=username, attributes=attributes, mark_email_verified=verify
            )
    assert federated.get_user(username).attributes["email"] == email
    # Other attributes of a federated user can still be changed.
    user_services.user_attributes_update(actor=linker, username=username, attributes={"given_name": "Lin"})


def test_linking_to_an_admin_is_refused_to_staff_and_nothing_is_deleted(client, federated, provisioned, person, linker):
    """Finding 3: staff must not hand their own sign-in to an admin's account."""
    email, native, google = person
    federated.add_user_to_group(email, "admins")
    try:
        with pytest.raises(NotAllowed, match="Only a superuser can link"):
            federated_user_link(federated=google, native=native, actor=linker)
        client.force_login(linker)
        response = client.post(reverse("link_accounts"), {"federated": google.pk, "native": native.pk})
        assert response.status_code == 400
        assert "Only a superuser can link" in response.content.decode()
    finally:
        federated.remove_user_from_group(email, "admins")
    assert federated.get_user(f"Google_{email}")
    assert User.objects.filter(pk=google.pk).exists()


def test_linking_never_deletes_a_privileged_federated_user_for_staff(federated, provisioned, person, linker):
    """Finding 4: the normal delete refuses a staff member's Google user; linking must too."""
    email, native, google = person
    federated.add_user_to_group(f"Google_{email}", "staff")
    with pytest.raises(NotAllowed, match="Only a superuser can link"):
        federated_user_link(federated=google, native=native, actor=linker)
    assert federated.get_user(f"Google_{email}")
    # A superuser may.
    admin = User.objects.create(username="su-linker", cognito_sub="su-linker", is_staff=True, is_superuser=True)
    assert federated_user_link(federated=google, native=native, actor=admin).provider == "Google"


def test_staff_cannot_plant_their_google_sign_in_in_a_members_account(
    client, federated, provisioned, person, linker, simulated_idps
):
    """Found by review: staff set a member's email to their own Google address, marked it verified, and linked.

    The verified email is linking's only evidence that two accounts are one person; staff must not be able
    to manufacture it, on the Cognito side (only superusers mark an email verified) or on the site's side
    (Django's user admin shows emails read-only: claims own them).
    """
    _email, victim, _google = person
    evil = f"evil.{uuid.uuid4().hex[:8]}@gmail.example"
    google_identity(simulated_idps, evil)
    federated_sign_in(Client(), "Google", evil)  # the staff member's own, ordinary Google account
    evil_user = User.objects.get(cognito_username=f"Google_{evil}")
    staff_client = Client()
    staff_client.force_login(linker)
    linker.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))

    with pytest.raises(NotAllowed):
        user_services.user_attributes_update(
            actor=linker, username=victim.cognito_username, attributes={"email": evil}, mark_email_verified=True
        )
    user_services.user_attributes_update(actor=linker, username=victim.cognito_username, attributes={"email": evil})
    staff_client.post(
        f"/admin/accounts/user/{victim.pk}/change/", {"first_name": "", "last_name": "", "email": evil, "_save": "1"}
    )
    victim.refresh_from_db()
    assert victim.email != evil  # the site's copy is Cognito's, not staff's

    cognito_victim = federated.get_user(victim.cognito_username)
    assert cognito_victim.attributes["email"] == evil
    assert cognito_victim.attributes.get("email_verified") != "true"  # an unverified address proves nothing
    response = staff_client.post(reverse("link_accounts"), {"federated": evil_user.pk, "native": victim.pk})
    assert response.status_code == 400
    assert federated.get_user(f"Google_{evil}")  # nothing was deleted or linked
