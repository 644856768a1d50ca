"""Change Cognito users: Cognito first, then the site; every write goes through accounts.policy.

Each write names its target by username (or email alias, or sub) and reaches
this module through ``policy.user_write``, which reads the user and decides
before any write (see accounts.pooladmin.services for the write order).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.contrib.auth import get_user_model
from django.views.decorators.debug import sensitive_variables

from ... import policy
from ...cognito.client import CognitoClient
from ...cognito.types import PasswordPolicy, PoolUser
from ...exceptions import CognitoError, InputRefused, NotAllowed
from ...models import CognitoUser
from ...sessions.records import user_sessions_end
from .. import audit, validation
from ..selectors import describe_pool, filter_value

if TYPE_CHECKING:
    from ...models import User


def _log(actor, target, message, flag=CHANGE):
    audit.admin_log(
        actor=actor, model=CognitoUser, object_id=target.username, label=target.label, flag=flag, message=message
    )


@sensitive_variables("password")
def _check_password(password, policy=None):
    policy = policy or describe_pool().password_policy
    validation.refuse_invalid(validation.validate_password, password, policy=policy)


def _check_user_fields(*, email=None, phone=None, groups=()):
    if email is not None:
        validation.refuse_invalid(validation.validate_email_address, email)
    if phone:
        validation.refuse_invalid(validation.validate_phone_number, phone)
    for name in groups:
        validation.refuse_invalid(validation.validate_group_name, name)


def _site_user_update(target: policy.Target, *, active: bool | None, end_sessions: bool = True) -> User | None:
    """End the linked Django user's sessions and set its active flag (None: leave it); return the user or None.

    Only the database is written: the site's side of a change Cognito has
    already accepted. The target's linked user was found by sub, so this holds
    however the admin named the person (username, email or sub). The flag is
    written with a conditional UPDATE, never by saving a possibly stale object.
    """
    linked = target.linked
    if linked is None:
        return None
    if end_sessions:
        user_sessions_end(user=linked)
    if active is not None:
        get_user_model().objects.filter(pk=linked.pk).exclude(is_active=active).update(is_active=active)
        linked.is_active = active
    return linked


@dataclass
class CreateResult:
    user: PoolUser
    groups_added: list[str] = field(default_factory=list)
    #: {group: why it failed, in plain words}
    groups_failed: dict[str, str] = field(default_factory=dict)


@sensitive_variables("temporary_password")
def user_create(
    *,
    actor: policy.Actor,
    email: str,
    phone: str = "",
    given_name: str = "",
    family_name: str = "",
    groups: Iterable[str] = (),
    temporary_password: str = "",
) -> CreateResult:
    """Create a Cognito user, add them to ``groups``, and log it.

    Every input is checked before the first call (email, E.164 phone, group
    names, who may grant those groups, the temporary password against the
    pool's policy). Cognito is written first: AdminCreateUser, then
    AdminAddUserToGroup per group. A group that fails leaves the user created
    without it; ``groups_failed`` says which and why, so the page can say so.
    """
    _check_user_fields(email=email, phone=phone, groups=groups)
    policy.check(actor=actor, change="put people in", groups=groups)
    if temporary_password:
        _check_password(temporary_password)
    attributes = {"email": email}
    for name, value in (("phone_number", phone), ("given_name", given_name), ("family_name", family_name)):
        if value:
            attributes[name] = value
    cognito = CognitoClient()
    user = cognito.invite_user(email, attributes=attributes, temporary_password=temporary_password or None)
    result = CreateResult(user=user)
    for group in groups:
        try:
            cognito.add_user_to_group(user.username, group)
        except CognitoError as exc:
            result.groups_failed[group] = exc.plain
        else:
            result.groups_added.append(group)
    how = "with a temporary password set by staff" if temporary_password else "with an emailed invitation"
    message = f"Created {how}; groups: {', '.join(result.groups_added) or 'none'}."
    if result.groups_failed:
        message += f" Not added to: {', '.join(result.groups_failed)}."
    target = policy.Target(username=user.username, sub=user.sub, email=email, status=user.status, enabled=True)
    _log(actor, target, message, flag=ADDITION)
    return result


@policy.user_write("change")
def user_attributes_update(
    *, target: policy.Target, actor: policy.Actor, attributes: dict[str, str], mark_email_verified: bool = False
) -> list[str]:
    """Write changed attributes to Cognito (AdminUpdateUserAttributes), then log them; return their names.

    Reject names the pool does not have, read-only ones and a malformed email or
    phone before the call. A changed email is sent with ``email_verified`` as
    chosen: without it Cognito keeps the old address until the user verifies.
    A federated user's email comes from their provider: staff may neither
    change it nor mark it verified (linking trusts a verified email), and
    only a superuser marks anyone's email verified. Only Cognito and the admin
    log are written: the linked Django user takes the change at sign-in or sync.
    """
    if not attributes:
        return []
    if mark_email_verified and "email" in attributes:
        # Linking takes a verified email as proof that two accounts are one person.
        policy.check(actor=actor, change="mark an email address verified", superuser_only=True)
    if target.federated and ("email" in attributes or mark_email_verified):
        raise NotAllowed(
            f"{target.label} signs in through a social or company provider, which sets their email address; "
            "it cannot be changed or marked verified here."
        )
    if validation.SUPERUSER_ONLY_ATTRIBUTES & set(attributes):
        policy.check(actor=actor, change="change the company groups a sign-in maps", superuser_only=True)
    changeable = validation.changeable_attributes(describe_pool().attributes, superuser=policy.acts_as_superuser(actor))
    for name in attributes:
        if name not in changeable:
            raise InputRefused(f"{name!r} is not an attribute this pool lets you change.")
    _check_user_fields(email=attributes.get("email"), phone=attributes.get("phone_number"))
    payload = dict(attributes)
    if "email" in payload:
        payload["email_verified"] = "true" if mark_email_verified else "false"
    CognitoClient().update_user_attributes(target.username, payload)
    changed = sorted(attributes)
    note = " (email marked verified)" if "email" in attributes and mark_email_verified else ""
    _log(actor, target, f"Changed {', '.join(changed)}{note}.")
    return changed


@policy.user_write("disable")
def user_disable(*, target: policy.Target, actor: policy.Actor) -> None:
    """Disable the user in Cognito, then end their site sessions and mark the linked Django user inactive."""
    CognitoClient().disable_user(target.username)
    _site_user_update(target, active=False)
    _log(actor, target, "Disabled; site sessions ended.")


@policy.user_write("enable")
def user_enable(*, target: policy.Target, actor: policy.Actor) -> None:
    """Enable the user in Cognito, then mark the linked Django user active again."""
    CognitoClient().enable_user(target.username)
    _site_user_update(target, active=True, end_sessions=False)
    _log(actor, target, "Enabled.")


@policy.user_write("delete")
def user_delete(*, target: policy.Target, actor: policy.Actor) -> None:
    """Delete the user from Cognito, then end their site sessions and mark the linked Django user inactive.

    The Django user is kept (inactive) so that the admin log and anything it owns survive.
    """
    CognitoClient().delete_user(target.username)
    _site_user_update(target, active=False)
    _log(actor, target, "Deleted from the pool; site sessions ended.", flag=DELETION)


@policy.user_write("sign out")
def user_sign_out_everywhere(*, target: policy.Target, actor: policy.Actor) -> None:
    """Revoke the user's Cognito tokens (AdminUserGlobalSignOut), then end their sessions on this site."""
    CognitoClient().admin_global_sign_out(target.username)
    _site_user_update(target, active=None)
    _log(actor, target, "Signed out everywhere; site sessions ended.")


@policy.user_write("reset the password of")
def user_password_reset(*, target: policy.Target, actor: policy.Actor) -> None:
    """Make Cognito send the user a reset code (AdminResetUserPassword), then log it; they must set a new one."""
    CognitoClient().reset_user_password(target.username)
    _log(actor, target, "Password reset; a code was sent to the user.")


@sensitive_variables("password")
def user_password_set(
    *, actor: policy.Actor, username: str, password: str, permanent: bool, policy: PasswordPolicy | None = None
) -> None:
    """Check ``password`` against the pool's policy, then set it in Cognito (AdminSetUserPassword) and log it.

    Bulk runs pass the ``policy`` they read once: DescribeUserPool is capped at
    5 calls a second per pool, far below the bulk pace.
    """
    _check_password(password, policy)
    _password_set(actor=actor, username=username, password=password, permanent=permanent)


@policy.user_write("set the password of")
@sensitive_variables("password")
def _password_set(*, target, actor, password, permanent):
    CognitoClient().set_user_password(target.username, password, permanent=permanent)
    _log(actor, target, "Password set (permanent)." if permanent else "Temporary password set.")


@policy.user_write("change who is in", groups_from=lambda kwargs: [kwargs["group"]])
def user_group_add(*, target: policy.Target, actor: policy.Actor, group: str) -> None:
    """Add the user to ``group`` in Cognito, then log it; the site follows at their next sign-in or sync."""
    validation.refuse_invalid(validation.validate_group_name, group)
    CognitoClient().add_user_to_group(target.username, group)
    _log(actor, target, f"Added to group {group}.")


@policy.user_write("change who is in", groups_from=lambda kwargs: [kwargs["group"]])
def user_group_remove(*, target: policy.Target, actor: policy.Actor, group: str) -> None:
    """Remove the user from ``group`` in Cognito, then log it; the site follows at their next sign-in or sync."""
    validation.refuse_invalid(validation.validate_group_name, group)
    CognitoClient().remove_user_from_group(target.username, group)
    _log(actor, target, f"Removed from group {group}.")


@policy.user_write("invite again")
def user_invitation_resend(*, target: policy.Target, actor: policy.Actor) -> None:
    """Resend the invitation with a new temporary password (AdminCreateUser, MessageAction=RESEND), then log it.

    Only users who never signed in (FORCE_CHANGE_PASSWORD) are invited again:
    Cognito refuses RESEND for others, and some emulators reset them instead.
    In an email-as-username pool RESEND must name the user by email, so the
    address is checked to belong to this user alone first (one ListUsers).
    """
    if target.status != "FORCE_CHANGE_PASSWORD":
        raise InputRefused("Only users who have not signed in yet can be invited again.")
    name = target.username
    cognito = CognitoClient()
    if target.email:
        # The email must name this user and nobody else, or RESEND reaches (and resets) someone else.
        holders = cognito.list_users_page(filter_expression=f"email = {filter_value(target.email)}", limit=2)
        holders = holders.users
        if [u.username for u in holders] != [target.username]:
            raise InputRefused(f"Cannot invite {target.label} again: another user has the same email address.")
        name = target.email
    cognito.resend_invitation(name)
    _log(actor, target, "Invitation sent again.")
