"""Who may change whom: the one authorization policy every write to Cognito or to a site user goes through.

A staff permission ("change Cognito user", "link Cognito users", "change user")
says *what kind* of change its holder may make. This module says *to whom*:
nobody but a superuser may touch anything privileged, so no combination of
staff permissions adds up to superuser.

Privileged means:

- a Cognito user in any of ``COGNITO_STAFF_GROUPS`` or ``COGNITO_SUPERUSER_GROUPS``;
- a Django user who is staff or superuser (or the Cognito user linked to one);
- one of those groups itself.

Only a superuser may create or invite a user into a privileged group; change
anything of a privileged user (attributes, groups, password, reset, enable,
disable, sign-out, invitation, delete); link or merge where either side is
privileged; create, change or delete a privileged group.

Services never take a raw username for a write: :func:`user_write` reads the
target through :func:`target_user` (which decides) and hands the service a
:class:`Target` with the canonical Cognito username, so a new write path that
skips the policy has no username to write with.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.views.decorators.debug import sensitive_variables

from .cognito.client import CognitoClient
from .exceptions import NotAllowed

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)


def privileged_groups() -> set[str]:
    """Return the Cognito groups that make their members staff or superusers on this site."""
    return set(settings.COGNITO_STAFF_GROUPS) | set(settings.COGNITO_SUPERUSER_GROUPS)


def is_privileged_group(name: str) -> bool:
    return name in privileged_groups()


def site_user_is_privileged(user) -> bool:
    """Return whether a Django user is staff or superuser (whatever their Cognito groups say now)."""
    return bool(user is not None and (user.is_staff or user.is_superuser))


class _System:
    """The site itself, acting for an operator with shell access (management commands)."""

    pk = None

    def __repr__(self):
        return "SYSTEM"


#: The actor management commands pass. Nothing else acts as a superuser without being one:
#: a missing actor (None) is refused like any staff member.
SYSTEM = _System()

#: Who makes a change: a Django user, SYSTEM, or None (refused like any staff member).
Actor: TypeAlias = "AbstractBaseUser | _System | None"


def acts_as_superuser(actor) -> bool:
    """Return whether ``actor`` may touch privileged users and groups: a superuser, or SYSTEM."""
    if actor is SYSTEM:
        return True
    return actor is not None and bool(actor.is_active and actor.is_superuser)


@dataclass(frozen=True)
class Target:
    """A Cognito user as the policy read it, with the site user linked to it (if any)."""

    username: str  # Cognito's canonical username (a UUID in an email-as-username pool)
    sub: str
    email: str
    status: str
    enabled: bool
    groups: frozenset = frozenset()
    attributes: dict = field(default_factory=dict)
    linked: object = None  # the Django user signed in as this Cognito user

    @property
    def label(self) -> str:
        """Name the person for a message: their email, else the Cognito username."""
        return self.email or self.username

    @property
    def federated(self) -> bool:
        """Return whether the user exists through a social or SAML provider (their email comes from it)."""
        return self.status == "EXTERNAL_PROVIDER"

    @property
    def privileged(self) -> bool:
        return bool(self.groups & privileged_groups()) or site_user_is_privileged(self.linked)


def check(
    *,
    actor,
    change: str,
    targets: Iterable[Target] = (),
    groups: Iterable[str] = (),
    users=(),
    superuser_only: bool = False,
) -> None:
    """Refuse, with NotAllowed, a change a non-superuser may not make; return None when it is allowed.

    This is the one decision: every other entry point of this module calls it.
    ``change`` completes "Only a superuser can ..." in the message (``{who}``
    in it stands for the person); ``targets`` are Cognito users, ``groups``
    Cognito group names, ``users`` Django users; ``superuser_only`` refuses
    the change whoever it is for.
    """
    if acts_as_superuser(actor):
        return
    if superuser_only:
        _refuse(actor, f"Only a superuser can {change}.")
    for group in groups:
        if is_privileged_group(group):
            _refuse(actor, f"Only a superuser can {change} the {group} group: it grants staff or admin rights.")
    for target in targets:
        if target.privileged:
            _refuse(actor, f"Only a superuser can {_naming(change, target.label)}: they are staff or an admin.")
    for user in users:
        if site_user_is_privileged(user):
            _refuse(actor, f"Only a superuser can {_naming(change, user)}: they are staff or an admin.")


def _naming(change, who):
    return change.format(who=who) if "{who}" in change else f"{change} {who}"


def _refuse(actor, message):
    logger.warning("Refused a privileged change by staff user %s: %s", getattr(actor, "pk", None), message)
    raise NotAllowed(message)


def linked_site_user(*, username: str, sub: str):
    """Return the Django user signed in as this Cognito user (matched by sub, else username), or None."""
    users = get_user_model().objects.filter(Q(cognito_sub=sub) | Q(cognito_username=username))
    by_sub = [u for u in users if u.cognito_sub == sub]
    return (by_sub or list(users) or [None])[0]


def target_user(*, actor, username: str, change: str, cognito=None) -> Target:
    """Read the Cognito user ``username`` names (username, email alias or sub) and decide whether ``actor`` may.

    Two reads, AdminGetUser (which also turns an email into the canonical
    username) and AdminListGroupsForUser; then the linked Django user. Raise
    NotFound when there is no such user, NotAllowed when the change is refused.
    """
    cognito = cognito or CognitoClient()
    user = cognito.get_user(username)
    target = Target(
        username=user.username,
        sub=user.sub,
        email=user.attributes.get("email", ""),
        status=user.status,
        enabled=user.enabled,
        groups=frozenset(cognito.list_groups_for_user(user.username)),
        attributes=dict(user.attributes),
        linked=linked_site_user(username=user.username, sub=user.sub),
    )
    check(actor=actor, change=change, targets=[target])
    return target


def user_write(change: str, *, groups_from: Callable[[dict], Iterable[str]] | None = None):
    """Make a service ``func(*, target, actor, ...)`` callable as ``func(*, actor, username, ...)``.

    The policy reads and decides before the service runs; a refused change
    makes no write. ``groups_from`` names the groups the change grants or takes
    away, checked before any call.
    """

    def decorate(func):
        @functools.wraps(func)
        @sensitive_variables("kwargs")
        def service(*, actor, username: str, **kwargs):
            if groups_from is not None:
                check(actor=actor, change=change, groups=groups_from(kwargs))
            target = target_user(actor=actor, username=username, change=change)
            return func(target=target, actor=actor, **kwargs)

        return service

    return decorate


def grantable_groups(*, actor, names: Iterable[str]) -> list[str]:
    """Return the group names ``actor`` may put people in or take them out of (forms offer only these)."""
    return [name for name in names if acts_as_superuser(actor) or not is_privileged_group(name)]


def own_account_check(*, actor, change: str) -> None:
    """Allow a signed-in, active person to make ``change`` to their own Cognito user; refuse anyone else.

    The self-service pages (accounts/selfservice/) write with the person's own
    access token, so Cognito itself binds the write to them; this refuses an
    anonymous or deactivated actor, or a site user with no Cognito user, before
    any call. Staff rights play no part: nobody changes someone else here.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        _refuse(actor, f"Only a signed-in person can {change}.")
    if not getattr(actor, "cognito_sub", ""):
        _refuse(actor, f"This account has no Cognito user, so you cannot {change} here.")


def own_target(*, actor, change: str, cognito=None) -> Target:
    """Read ``actor``'s own Cognito user for an admin call made on their behalf (e.g. disconnecting a provider).

    Refuse as :func:`own_account_check` does, and when the Cognito user read
    is not the actor's (its sub differs): the write can only ever be on the
    person themselves, whoever they are, staff or not.
    """
    own_account_check(actor=actor, change=change)
    cognito = cognito or CognitoClient()
    user = cognito.get_user(actor.cognito_username or actor.cognito_sub)
    if user.sub != actor.cognito_sub:
        _refuse(actor, f"You can only {change} on your own account.")
    return Target(
        username=user.username,
        sub=user.sub,
        email=user.attributes.get("email", ""),
        status=user.status,
        enabled=user.enabled,
        attributes=dict(user.attributes),
        linked=actor,
    )


def declared_group_grants(
    *, asserted: Iterable[str], mapping: dict, privileged_declared: Iterable[str], source: str
) -> set[str]:
    """Return the Cognito groups an identity provider's asserted groups grant under its declared mapping.

    Only what config/cognito.toml declares grants: an asserted group that the
    mapping does not name grants nothing, and a privileged group (staff,
    admins) only when the declaration lists it in ``privileged_groups`` too.
    Provisioning refuses such a mapping up front; this refuses it again at
    sign-in, so an edited file cannot grant more than it says.
    """
    allowed = set(privileged_declared)
    granted = set()
    for name in asserted:
        target = mapping.get(name)
        if not isinstance(target, str):
            continue
        if is_privileged_group(target) and target not in allowed:
            logger.warning("Refused %s's group %r: it maps to the undeclared privileged group %s", source, name, target)
            continue
        granted.add(target)
    return granted
