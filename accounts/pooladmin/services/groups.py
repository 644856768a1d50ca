"""Change Cognito groups: Cognito first, then the admin log; a staff or admin group only by a superuser."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION

from ... import policy
from ...cognito.client import CognitoClient
from ...models import CognitoGroup
from .. import audit, validation
from ..selectors import group_member_targets


def _log(actor, name, flag, message):
    audit.admin_log(actor=actor, model=CognitoGroup, object_id=name, label=name, flag=flag, message=message)


def _check_group(name, description, precedence):
    validation.refuse_invalid(validation.validate_group_name, name)
    validation.refuse_invalid(validation.validate_group_description, description)
    validation.refuse_invalid(validation.validate_precedence, precedence)


def group_create(*, actor: policy.Actor, name: str, description: str = "", precedence: int | None = None) -> None:
    """Create the group in Cognito (CreateGroup), then log it; a staff or admin group only by a superuser."""
    _check_group(name, description, precedence)
    policy.check(actor=actor, change="create", groups=[name])
    CognitoClient().create_group(name, description=description, precedence=precedence)
    _log(actor, name, ADDITION, "Created.")


def group_update(*, actor: policy.Actor, name: str, description: str = "", precedence: int | None = None) -> None:
    """Change the group's description and precedence in Cognito (UpdateGroup), then log it.

    MiniStack has no UpdateGroup: the call raises NotAvailable there and nothing changes.
    A staff or admin group is changed by a superuser only (precedence decides
    which group's role a member gets).
    """
    _check_group(name, description, precedence)
    policy.check(actor=actor, change="change", groups=[name])
    CognitoClient().update_group(name, description=description, precedence=precedence)
    message = f"Changed description and precedence ({precedence if precedence is not None else 'none'})."
    _log(actor, name, CHANGE, message)


def group_delete(*, actor: policy.Actor, name: str) -> None:
    """Delete the group in Cognito (members leave it), then log it; Django's mirror follows at sign-in or sync.

    Deleting a staff or admin group demotes every member at their next
    sign-in, and deleting any group takes its staff and admin members out of
    it: only a superuser may do either. For anyone else the members are read
    first (see ``_members_check``).
    """
    validation.refuse_invalid(validation.validate_group_name, name)
    policy.check(actor=actor, change="delete", groups=[name])
    _members_check(actor=actor, name=name)
    CognitoClient().delete_group(name)
    _log(actor, name, DELETION, "Deleted.")


def _members_check(*, actor, name):
    """Refuse, for a non-superuser, deleting a group a staff member or admin is in.

    Reads every page of ListUsersInGroup, for this group and the privileged ones;
    a superuser is not read for, since nothing would be refused.
    """
    if not policy.acts_as_superuser(actor):
        # Deleting takes every member out of it, staff and admins too.
        policy.check(
            actor=actor,
            change=f"delete the {name} group while {{who}} is in it",
            targets=group_member_targets(name=name),
        )
