"""Turn verified claims, or a pool user's attributes, into the Django user's fields: one rule for every caller.

Sign-in and renewal pass the ID token's claims; sync passes a Cognito user's
attributes with ``cognito:username`` and ``cognito:groups`` added. Either way
the values come from outside: members can set their own attributes with their
access token (UpdateUserAttributes), and identity providers map whatever they
send. So every value must be a string that fits its column, else it is dropped
and logged by claim name, never by value.
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
"""

import json
import logging
import re
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

logger = logging.getLogger(__name__)

GROUPS_CLAIM = "cognito:groups"
USERNAME_CLAIM = "cognito:username"
# Cognito's limit on a group name.
# https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateGroup.html
GROUP_NAME_MAX_LENGTH = 128


def _column_size(field):
    return get_user_model()._meta.get_field(field).max_length


def _text(claims, name):
    """Return claim ``name`` when it is a string; "" when absent or anything else (logged)."""
    value = claims.get(name, "")
    if isinstance(value, str):
        return value
    logger.warning("Ignoring the %s claim: it is not a string", name)
    return ""


def _whole(field, value, claim):
    """Return ``value`` if it fits ``field``'s column, else "" (logged): cutting would make it another value."""
    if len(value) <= _column_size(field):
        return value
    logger.warning("Ignoring the %s claim: longer than the %s characters it may have", claim, _column_size(field))
    return ""


def picture_url(claims: Mapping) -> str:
    """Return the profile picture's https URL, or "".

    Google maps a URL; Facebook's ``picture`` arrives as the Graph API's JSON
    (``{"data": {"url": ...}}``); Apple has none. Anything but https is dropped,
    because the page shows it as an image.
    """
    value = claims.get("picture") or ""
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value).get("data", {}).get("url", "")
        except (ValueError, AttributeError):
            return ""
    return value if isinstance(value, str) and value.startswith("https://") else ""


def profile_fields(claims: Mapping) -> dict:
    """Return the user fields the claims own: email, first and last name, picture, and cognito_username if given.

    A person with only a full name (some providers send no other, Apple none
    after the first sign-in) gets it as their first name.
    """
    given, family = _text(claims, "given_name"), _text(claims, "family_name")
    first_name = given or ("" if family else _text(claims, "name"))
    fields = {
        "email": _whole("email", _text(claims, "email"), "email"),
        "first_name": first_name[: _column_size("first_name")],
        "last_name": family[: _column_size("last_name")],
        "picture": _whole("picture", picture_url({"picture": _text(claims, "picture")}), "picture"),
    }
    username = _text(claims, USERNAME_CLAIM) if USERNAME_CLAIM in claims else ""
    # An identifier, like the email: never cut, since a shorter one names someone else.
    if username := _whole("cognito_username", username, USERNAME_CLAIM):
        fields["cognito_username"] = username
    return fields


def group_names(claims: Mapping) -> list[str]:
    """Return the ``cognito:groups`` claim if it is a list of group names; anything else is no groups (logged).

    Never iterate something else: a dict's keys or a string's letters
    ("staff" -> s, t, a, f) would become groups, and perhaps superuser.
    """
    value = claims.get(GROUPS_CLAIM, [])
    if isinstance(value, list) and all(
        isinstance(name, str) and 0 < len(name) <= GROUP_NAME_MAX_LENGTH for name in value
    ):
        return list(value)
    logger.warning("Ignoring the %s claim: it is not a list of group names, so the user has no groups", GROUPS_CLAIM)
    return []


@transaction.atomic
def user_claims_apply(*, user, claims: Mapping) -> bool:
    """Write the fields the claims own onto ``user``, only those columns, then mirror its groups.

    Only those columns, because ``user`` may be stale: a full save would undo
    what changed since it was read (a deactivation), or write back a user
    deleted meanwhile (merged by linking). Return False, writing nothing, when
    the user is gone.
    """
    fields = profile_fields(claims)
    if not get_user_model().objects.filter(pk=user.pk).update(**fields):
        return False
    for name, value in fields.items():
        setattr(user, name, value)
    apply_group_claims(user, group_names(claims))
    return True


#: A plan name as the PreTokenGeneration trigger copies it from custom:plan (at most 32 characters there).
PLAN_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


def plan_name(claims: Mapping) -> str:
    """Return the access token's plan claim (COGNITO_PLAN_CLAIM, added by triggers/pre_token_generation.py), or "".

    Only a short lower-case name counts; anything else (a list, a long or odd
    string) is no plan at all, logged by claim name, never by value.
    """
    value = claims.get(settings.COGNITO_PLAN_CLAIM) if isinstance(claims, Mapping) else None
    if value is None:
        return ""
    if not (isinstance(value, str) and PLAN_PATTERN.fullmatch(value)):
        logger.warning("Ignoring a malformed %s claim", settings.COGNITO_PLAN_CLAIM)
        return ""
    return value


def is_provider_group(name: str) -> bool:
    """Return whether ``name`` is Cognito's own group of a provider's users, ``{poolId}_{Provider}``.

    Cognito adds every federated user to it; it says how the user signed in,
    not what they may do, and Cognito alone manages who is in it.
    """
    return isinstance(name, str) and name.startswith(f"{settings.COGNITO_USER_POOL_ID}_")


def mirrored_group_names(claimed: Iterable) -> list[str]:
    """Return the claimed group names that become Django groups: all but Cognito's provider groups."""
    return sorted({name for name in claimed if isinstance(name, str) and not is_provider_group(name)})


def apply_group_claims(user, claimed: Iterable[str]) -> None:
    """Make the user's Django groups exactly ``claimed`` and set is_staff/is_superuser.

    Groups are created by name when new; memberships that are gone are removed.
    Permissions attached to those groups in the admin then apply as usual.
    """
    names = mirrored_group_names(claimed)
    groups = []
    for name in names:
        group, created = Group.objects.get_or_create(name=name)
        if created:
            logger.info("Created Django group %s from cognito:groups", name)
        groups.append(group)
    user.groups.set(groups)
    is_superuser = bool(set(names) & set(settings.COGNITO_SUPERUSER_GROUPS))
    is_staff = is_superuser or bool(set(names) & set(settings.COGNITO_STAFF_GROUPS))
    # Compared in the database, not on ``user``, which may be stale: a flag set
    # there since it was read must still be brought back to what Cognito says.
    get_user_model().objects.filter(pk=user.pk).exclude(is_staff=is_staff, is_superuser=is_superuser).update(
        is_staff=is_staff, is_superuser=is_superuser
    )
    user.is_staff, user.is_superuser = is_staff, is_superuser
