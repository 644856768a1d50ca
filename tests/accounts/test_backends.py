"""The backend: users keyed by sub, groups and flags from cognito:groups, against the real local stack.

What the stack cannot produce (a token endpoint answering nonsense) runs against tests/fakes.py.
"""

import logging
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests import fakes
from tests.factories import pool_user_create
from tests.flows import hosted_ui_sign_in, start_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


@pytest.fixture
def member(cognito, provisioned):
    """member@example.com, back in exactly the members group after the test."""
    email = "member@example.com"
    yield email
    for group in cognito.list_groups_for_user(email):
        if group != "members":
            cognito.remove_user_from_group(email, group)
    cognito.add_user_to_group(email, "members")


def test_first_sign_in_creates_the_user_from_the_id_token(client, cognito, provisioned, demo):
    response = hosted_ui_sign_in(client, "staff@example.com", demo["password"])
    assert response.status_code == 302
    cognito_user = cognito.get_user("staff@example.com")
    user = User.objects.get(cognito_sub=cognito_user.sub)
    assert user.username == cognito_user.sub
    assert (user.email, user.first_name, user.last_name) == ("staff@example.com", "Sam", "Staff")
    assert not user.has_usable_password()
    assert sorted(user.groups.values_list("name", flat=True)) == ["staff"]
    assert user.is_staff
    assert not user.is_superuser


def test_groups_follow_cognito_across_two_sign_ins(client, cognito, provisioned, demo, boto, member):
    hosted_ui_sign_in(client, member, demo["password"])
    user = User.objects.get(email=member)
    assert list(user.groups.values_list("name", flat=True)) == ["members"]
    assert not user.is_staff

    # In Cognito: add to staff, remove from members.
    boto.admin_add_user_to_group(UserPoolId=provisioned.pool_id, Username=member, GroupName="staff")
    boto.admin_remove_user_from_group(UserPoolId=provisioned.pool_id, Username=member, GroupName="members")
    client.logout()
    hosted_ui_sign_in(client, member, demo["password"])

    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["staff"]
    assert user.is_staff
    assert not user.is_superuser
    assert User.objects.count() == 1  # the same user, found by sub


def test_group_permissions_apply_through_django(client, cognito, provisioned, demo, member):
    members = Group.objects.create(name="members")
    members.permissions.add(Permission.objects.get(codename="view_group"))
    hosted_ui_sign_in(client, member, demo["password"])
    user = User.objects.get(email=member)
    assert user.has_perm("auth.view_group")
    assert not user.has_perm("auth.change_group")


def test_admins_are_superusers_by_default(client, cognito, demo):
    hosted_ui_sign_in(client, "admin@example.com", demo["password"])
    user = User.objects.get(email="admin@example.com")
    assert user.is_staff
    assert user.is_superuser


def test_staff_and_superuser_flags_follow_the_settings(client, cognito, demo, settings):
    settings.COGNITO_STAFF_GROUPS = ["members"]
    settings.COGNITO_SUPERUSER_GROUPS = []
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    hosted_ui_sign_in(client, "admin@example.com", demo["password"])
    member = User.objects.get(email="member@example.com")
    admin = User.objects.get(email="admin@example.com")
    assert member.is_staff
    assert not member.is_superuser
    assert not admin.is_staff
    assert not admin.is_superuser


def test_a_changed_email_does_not_create_a_second_user(client, cognito, provisioned, demo, boto):
    email = "member@example.com"
    hosted_ui_sign_in(client, email, demo["password"])
    user = User.objects.get(email=email)
    user.email = "stale@example.com"  # as if the address had changed since
    user.save()
    client.logout()
    hosted_ui_sign_in(client, email, demo["password"])
    assert User.objects.count() == 1
    user.refresh_from_db()
    assert user.email == email


def test_a_warm_sign_in_calls_cognito_once(client, cognito, demo, monkeypatch):
    """After the keys are cached, a sign-in costs one call to Cognito: the token endpoint."""
    import requests

    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    client.logout()
    calls = []
    real_request = requests.Session.request

    def counting(self, method, url, *args, **kwargs):
        calls.append((method.upper(), url))
        return real_request(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", counting)
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    site_calls = [c for c in calls if "/oauth2/authorize" not in c[1] and not c[1].endswith("/login")]
    assert [method for method, _ in site_calls] == ["POST"]
    assert site_calls[0][1].endswith("/oauth2/token")


def test_a_user_made_inactive_on_the_site_signs_in_again_while_cognito_has_them_enabled(client, cognito, demo):
    """Cognito decides who may sign in: a sign-in proves the Cognito user exists and is enabled."""
    hosted_ui_sign_in(client, "member@example.com", demo["password"])
    client.logout()
    User.objects.filter(email="member@example.com").update(is_active=False)  # as sync did once, wrongly

    response = hosted_ui_sign_in(client, "member@example.com", demo["password"])

    assert response.status_code == 302
    user = User.objects.get(email="member@example.com")
    assert user.is_active
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("account")).status_code == 200


def _good_tokens(fake, nonce):
    key = fake.keys[0]
    return {"id_token": key.sign(fakes.id_claims(nonce=nonce)), "access_token": key.sign(fakes.access_claims())}


TOKEN_ANSWERS = {
    "a list": lambda tokens: [tokens["id_token"], tokens["access_token"]],
    "a string": lambda tokens: tokens["id_token"],
    "null": lambda tokens: None,
    "a numeric refresh token": lambda tokens: {**tokens, "refresh_token": 123},
    "a numeric access token": lambda tokens: {**tokens, "access_token": 123},
    "a list for the ID token": lambda tokens: {**tokens, "id_token": [tokens["id_token"]]},
}


@pytest.mark.parametrize("kind", TOKEN_ANSWERS)
def test_a_token_endpoint_answering_nonsense_is_a_page_not_a_500(client, fake_cognito, caplog, kind):
    """Faked: the local stack's token endpoint always answers a well-formed JSON object."""
    params = parse_qs(urlparse(start_sign_in(client)).query)
    fake_cognito.token_response = (200, TOKEN_ANSWERS[kind](_good_tokens(fake_cognito, params["nonce"][0])))

    with caplog.at_level(logging.WARNING):
        response = client.get(reverse("oidc_authentication_callback"), {"code": "c", "state": params["state"][0]})

    assert response.status_code == 503
    assert b"Sign-in is unavailable right now" in response.content
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session
    assert "Token endpoint answered" in caplog.text


def test_a_first_sign_in_whose_username_is_taken_is_a_page_not_a_500(client, cognito, provisioned, boto):
    """A site user already holds the username (the sub) this person's first sign-in needs."""
    username, email = pool_user_create(boto, provisioned.pool_id)
    sub = next(
        a["Value"]
        for a in boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=username)["UserAttributes"]
        if a["Name"] == "sub"
    )
    User.objects.create(username=sub)

    response = hosted_ui_sign_in(client, email, "Test-Passw0rd!x")

    assert response.status_code == 400
    assert b"We could not sign you in" in response.content
    assert not User.objects.filter(cognito_sub=sub).exists()
