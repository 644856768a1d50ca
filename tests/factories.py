"""Build test data: Cognito users in the local pool, Django users linked to them, staff with chosen permissions."""

import itertools
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

_counter = itertools.count()


def unique_email(prefix="user"):
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:8]}@example.com"


def pool_user_create(
    boto, pool_id, *, email=None, given_name="Test", family_name="Person", name=None, groups=(), password=None
):
    """Create a confirmed, verified user in the local pool with boto3 directly (arranging, not testing).

    A name given as None is left unset.
    """
    email = email or unique_email()
    names = {"given_name": given_name, "family_name": family_name, "name": name}
    user = boto.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            *({"Name": key, "Value": value} for key, value in names.items() if value is not None),
        ],
    )["User"]
    boto.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=password or "Test-Passw0rd!x", Permanent=True
    )
    for group in groups:
        boto.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    return user["Username"], email


def linked_user_create(username, email, **fields):
    """A Django user as the OIDC backend would have created at sign-in."""
    return get_user_model().objects.create(
        username=username, cognito_sub=username, cognito_username=username, email=email, **fields
    )


def staff_user_create(*codenames):
    """A staff user (not superuser) holding exactly the named accounts permissions."""
    user = get_user_model().objects.create(username=f"staff-{uuid.uuid4().hex[:8]}", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))
    return user
