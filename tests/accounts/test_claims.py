"""One rule turns claims (or a pool user's attributes) into Django user fields, and hostile claims break nothing."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.claims import apply_group_claims, group_names, profile_fields
from accounts.models import UserSession
from tests import fakes
from tests.factories import pool_user_create
from tests.flows import callback_with, hosted_ui_sign_in

User = get_user_model()


# -- the rule itself -----------------------------------------------------------------------------


def test_profile_fields_take_the_fields_the_claims_own():
    claims = {
        "email": "pat@example.com",
        "given_name": "Pat",
        "family_name": "Example",
        "name": "Pat Q. Example",
        "picture": "https://example.com/pat.png",
        "cognito:username": "pat-uuid",
        "custom:tier": "gold",
    }
    assert profile_fields(claims) == {
        "email": "pat@example.com",
        "first_name": "Pat",
        "last_name": "Example",
        "picture": "https://example.com/pat.png",
        "cognito_username": "pat-uuid",
    }


def test_a_full_name_stands_in_for_a_first_name_only_when_there_is_no_name_at_all():
    assert profile_fields({"name": "Robin Full"})["first_name"] == "Robin Full"
    assert profile_fields({"name": "Robin Full", "family_name": "Full"})["first_name"] == ""
    assert "cognito_username" not in profile_fields({"name": "Robin Full"})


def test_names_are_cut_to_the_column_but_an_overlong_email_or_picture_is_dropped(caplog):
    email = "a" * 250 + "@example.com"
    picture = "https://example.com/" + "p" * 490
    with caplog.at_level(logging.WARNING, logger="accounts.claims"):
        fields = profile_fields({"email": email, "given_name": "G" * 300, "picture": picture})
    assert fields["first_name"] == "G" * 150
    assert fields["email"] == ""  # a truncated address would be someone else's
    assert fields["picture"] == ""
    assert "email" in caplog.text
    assert "picture" in caplog.text
    assert email not in caplog.text
    assert picture not in caplog.text


@pytest.mark.parametrize("value", [123, 4.5, True, None, ["Pat"], {"first": "Pat"}])
def test_claims_that_are_not_strings_are_dropped_and_logged_by_name(caplog, value):
    with caplog.at_level(logging.WARNING, logger="accounts.claims"):
        fields = profile_fields({"given_name": value, "family_name": "Example", "cognito:username": value})
    assert fields["first_name"] == ""
    assert fields["last_name"] == "Example"
    assert "cognito_username" not in fields
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "given_name" in messages
    assert "cognito:username" in messages
    if value is not None:
        assert repr(value) not in messages


@pytest.mark.parametrize(
    ("claimed", "expected"),
    [
        (["staff", "members"], ["staff", "members"]),
        ([], []),
        (None, []),
        ("staff", []),  # never the groups s, t, a, f
        ({"admins": True}, []),
        (["members", 7], []),
        (["members", "x" * 129], []),
        (["members", ""], []),
    ],
)
def test_groups_are_a_list_of_group_names_or_none_at_all(claimed, expected):
    assert group_names({"cognito:groups": claimed}) == expected
    assert group_names({}) == []


# -- hostile claims at the HTTP seam --------------------------------------------------------------

LONG_EMAIL = "a" * 250 + "@example.com"
LONG_PICTURE = "https://example.com/" + "p" * 490

HOSTILE_CLAIMS = {
    "given_name a number": {"given_name": 123},
    "cognito:username a number": {"cognito:username": 42},
    "overlong email": {"email": LONG_EMAIL},
    "overlong picture": {"picture": LONG_PICTURE},
    "groups a dict": {"cognito:groups": {"admins": True}},
    "groups a string": {"cognito:groups": "staff"},
    "groups with a number": {"cognito:groups": ["admins", 7]},
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", HOSTILE_CLAIMS)
def test_hostile_claims_sign_the_user_in_without_them(client, fake_cognito, caplog, kind):
    """Faked: the local stack only mints well-formed claims; members can set odd attribute values, a fake shows any.

    The token itself is genuine (signed, right issuer, audience and nonce), so
    the person is signed in; the bad claim alone is dropped and logged by name.
    """
    claims = HOSTILE_CLAIMS[kind]
    with caplog.at_level(logging.WARNING):
        response = callback_with(client, fake_cognito, claims=claims)

    assert response.status_code == 302
    user = User.objects.get(cognito_sub=fakes.id_claims()["sub"])
    assert client.session["_auth_user_id"] == str(user.pk)
    assert len(user.email) <= 254
    assert len(user.picture) <= 500
    assert isinstance(user.first_name, str)
    assert isinstance(user.cognito_username, str)
    assert not user.is_superuser
    assert not user.is_staff
    if "groups" in kind:
        assert list(user.groups.all()) == []
        assert not Group.objects.exists()  # neither "admins" nor s, t, a, f
    warnings = " ".join(r.getMessage() for r in caplog.records if r.name == "accounts.claims")
    assert next(iter(claims)) in warnings
    for value in claims.values():
        if isinstance(value, str):
            assert value not in caplog.text


# -- one rule for sign-in and sync, against the real local stack ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_sign_in_renewal_and_sync_agree_on_a_user_with_only_a_full_name(client, cognito, provisioned, boto):
    """One rule (accounts.claims) at all three: sync once blanked the first name that sign-in takes from ``name``."""
    password = "Full-Name-Passw0rd!"
    username, email = pool_user_create(
        boto, provisioned.pool_id, given_name=None, family_name=None, name="Robin Full", password=password
    )
    try:
        assert hosted_ui_sign_in(client, email, password).status_code == 302
        user = User.objects.get(email=email)
        assert (user.first_name, user.last_name) == ("Robin Full", "")

        # Renewal applies the same rule: blank it here, and the next renewal's claims bring it back.
        User.objects.filter(pk=user.pk).update(first_name="")
        UserSession.objects.filter(user=user).update(next_check_at=timezone.now() - timedelta(seconds=1))
        assert client.get(reverse("account")).status_code == 200
        user.refresh_from_db()
        assert user.first_name == "Robin Full"
        assert UserSession.objects.get(user=user).renewed_at > user.last_login  # it did renew

        User.objects.filter(pk=user.pk).update(first_name="")
        call_command("sync_cognito_users", stdout=StringIO())

        user.refresh_from_db()
        assert (user.first_name, user.last_name, user.email) == ("Robin Full", "", email)
    finally:
        boto.admin_delete_user(UserPoolId=provisioned.pool_id, Username=username)


def test_flags_follow_the_claims_even_when_the_user_object_is_stale(db):
    """The flags are compared in the database: a superuser flag set since the object was read must not survive."""
    user = get_user_model().objects.create(username="stale-flags", cognito_sub="stale-flags")
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)

    apply_group_claims(user, ["members"])

    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)
