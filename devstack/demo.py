"""Seed the local stack with demo users. Development only: production code never imports this."""

import tomllib
from pathlib import Path

from accounts.exceptions import NotFound, UsernameExists

DEMO_USERS_FILE = Path(__file__).with_name("demo_users.toml")


def load_demo_users(path=DEMO_USERS_FILE):
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def demo_users_seed(*, cognito, path=DEMO_USERS_FILE):
    """Create or refresh the demo users: confirmed, email verified, password set, in their groups.

    Return the list of (email, groups) seeded. Safe to re-run.
    """
    spec = load_demo_users(path)
    seeded = []
    for user in spec["users"]:
        attributes = {
            "email": user["email"],
            "email_verified": "true",
            "given_name": user["given_name"],
            "family_name": user["family_name"],
        }
        if user.get("plan"):
            # Read by the PreTokenGeneration trigger into the access token's ``plan`` claim (triggers/).
            attributes["custom:plan"] = user["plan"]
        try:
            cognito.create_user(user["email"], attributes=attributes, suppress_invitation=True)
        except UsernameExists:
            cognito.update_user_attributes(user["email"], attributes)
        cognito.set_user_password(user["email"], spec["password"], permanent=True)
        for group in user["groups"]:
            try:
                cognito.add_user_to_group(user["email"], group)
            except NotFound as exc:
                raise NotFound(f"demo user {user['email']}: group {group} does not exist") from exc
        seeded.append((user["email"], user["groups"]))
    return seeded


#: What the demo `staff` group may do in the admin: see the pool's users and groups (and the jobs naming
#: them) and invite people into ordinary groups. Nothing privileged (accounts.policy decides whom).
DEMO_STAFF_PERMISSIONS = ("accounts.view_cognitouser", "accounts.add_cognitouser", "accounts.view_cognitogroup")


def demo_staff_permissions_grant(*, group_name="staff"):
    """Give the Django group mirroring the demo `staff` Cognito group its permissions; return their codenames.

    Needs the migrated database (the permissions are rows). Adds, never removes: what an admin granted
    on top stays. Safe to re-run.
    """
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=group_name)
    for dotted in DEMO_STAFF_PERMISSIONS:
        app_label, codename = dotted.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return list(DEMO_STAFF_PERMISSIONS)
