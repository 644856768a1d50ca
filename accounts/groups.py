"""Mirror a user's ``cognito:groups`` claim onto Django groups and flags."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

logger = logging.getLogger(__name__)


def mirrored_group_names(claimed):
    """Return the claimed group names that become Django groups.

    Cognito adds every federated user to a group named ``{poolId}_{Provider}``;
    it says how the user signed in, not what they may do, so it never becomes
    a Django group.
    """
    provider_prefix = f"{settings.COGNITO_USER_POOL_ID}_"
    return sorted({name for name in claimed if isinstance(name, str) and not name.startswith(provider_prefix)})


def apply_group_claims(user, claimed):
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
