"""Bring the linked Django users up to date with the pool (the sync_cognito_users command).

Only the database is written: Cognito is read, never changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction

from ..claims import GROUPS_CLAIM, USERNAME_CLAIM, apply_group_claims, group_names, profile_fields
from ..cognito.client import CognitoClient
from ..exceptions import CognitoError, InputRefused, NotFound, SyncRefused
from ..sessions.records import user_sessions_end
from .selectors import linked_users

logger = logging.getLogger(__name__)

#: Without ``force``, the sync refuses to deactivate more than this many linked users...
SYNC_MAX_DEACTIVATIONS = 5
#: ...when they are also more than this share of the active linked users. See ``_sync_check``.
SYNC_MAX_DEACTIVATION_SHARE = 0.10


@dataclass(frozen=True)
class SyncFailure:
    """One linked user the sync could not write, named by primary key and sub (never by token)."""

    pk: int
    sub: str
    reason: str


@dataclass
class SyncResult:
    seen: int = 0
    linked: int = 0
    updated: int = 0
    missing: int = 0
    failed: list[SyncFailure] = field(default_factory=list)


@dataclass
class _SyncPlan:
    """What the sync read and means to write, before any write."""

    #: (Django user, its Cognito user, the Cognito user's groups) for every linked user in the pool.
    found: list = field(default_factory=list)
    #: Active Django users whose Cognito user is not in the pool.
    missing: list = field(default_factory=list)
    #: Active linked Django users, in the pool or not.
    active: int = 0

    @property
    def deactivations(self) -> int:
        """Return how many active users the sync would make inactive: gone from the pool, or disabled there."""
        disabled = sum(1 for django_user, user, _ in self.found if django_user.is_active and not user.enabled)
        return len(self.missing) + disabled


def users_sync(*, force: bool = False, progress: Callable[[int, int], object] | None = None) -> SyncResult:
    """Bring every linked Django user's email, names, active flag and groups up to date with the pool.

    Reads everything before writing anything: the pool (DescribeUserPool, which
    also gives the estimated total), ListUsersInGroup per group, ListUsers page
    by page (far fewer calls than one per user), and the linked Django users.
    Then, unless ``force``, refuses with SyncRefused when the plan looks like a
    wrong or empty pool (see ``_sync_check``), having written nothing. Then
    writes only the database, one user at a time, each in its own savepoint:
    Django users whose Cognito user is gone are marked inactive and signed out.
    A user whose write fails is left as they were and listed in ``failed``; the
    run goes on with the next. ``progress`` is called with (users seen,
    estimated total) after each page.
    """
    cognito = CognitoClient()
    total = _sync_pool(cognito).estimated_users
    memberships = _sync_memberships(cognito)
    result = SyncResult()
    plan = _SyncPlan()
    seen_usernames, seen_subs = set(), set()
    token = ""
    while True:
        page = cognito.list_users_page(token=token)
        linked = linked_users(usernames=[u.username for u in page.users])
        for user in page.users:
            result.seen += 1
            seen_usernames.add(user.username)
            seen_subs.add(user.sub)
            if (django_user := linked.get(user.username)) is not None:
                plan.found.append((django_user, user, memberships.get(user.username, [])))
        if progress:
            progress(result.seen, max(total, result.seen))
        if not (token := page.next_token):
            break
    # Compared here, not in SQL: an IN list of every username would pass SQLite's variable limit.
    for django_user in get_user_model().objects.filter(is_active=True, cognito_sub__isnull=False).iterator():
        plan.active += 1
        if django_user.cognito_sub not in seen_subs and django_user.cognito_username not in seen_usernames:
            plan.missing.append(django_user)
    result.linked = len(plan.found)
    if not force:
        _sync_check(plan)
    for django_user, user, groups in plan.found:
        if _sync_write(result, django_user, partial(_sync_one, django_user, user, groups)):
            result.updated += 1
    for django_user in plan.missing:
        if _sync_write(result, django_user, partial(_sync_deactivate, django_user)):
            result.missing += 1
    return result


def _sync_write(result, django_user, write):
    """Run one user's ``write`` in a savepoint and return what it returns; on failure, record it and return False.

    The savepoint matters on PostgreSQL, where a failed statement would
    otherwise abort every later one in the same transaction.
    """
    try:
        with transaction.atomic():
            changed = write()
    except (DatabaseError, CognitoError) as exc:
        logger.warning(
            "Sync could not write Django user %s (sub %s)", django_user.pk, django_user.cognito_sub, exc_info=True
        )
        # The first line only, for the report: the rest (PostgreSQL's DETAIL and HINT) is in the log.
        reason = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
        result.failed.append(SyncFailure(pk=django_user.pk, sub=django_user.cognito_sub or "", reason=reason))
        return False
    else:
        return changed


def _sync_deactivate(django_user):
    """Mark a Django user whose Cognito user is gone inactive, then end their site sessions."""
    django_user.is_active = False
    django_user.save(update_fields=["is_active"])
    user_sessions_end(user=django_user)
    return True


def _sync_memberships(cognito):
    """Return each Cognito username's groups: ListGroups, then ListUsersInGroup page by page per group."""
    memberships = {}
    for group in cognito.list_groups():
        token = ""
        while True:
            page = cognito.list_users_in_group_page(group.name, token=token)
            for user in page.users:
                memberships.setdefault(user.username, []).append(group.name)
            if not (token := page.next_token):
                break
    return memberships


def _sync_check(plan):
    """Refuse a plan that looks like the wrong pool rather than people leaving.

    Two signs, either enough: the pool holds none of the site's linked users
    while some are active (an empty or foreign pool, however small the site);
    or more than SYNC_MAX_DEACTIVATIONS users and more than
    SYNC_MAX_DEACTIVATION_SHARE of the active ones would be made inactive (a
    wrong pool, or a read that missed users, on a larger site). A handful of
    leavers on a small site, or a small share of a large one, goes through.
    """
    count = plan.deactivations
    if not count:
        return
    share = count / plan.active
    if not plan.found:
        why = "the pool holds none of the site's linked users, which is what a wrong or empty pool looks like"
    elif count > SYNC_MAX_DEACTIVATIONS and share > SYNC_MAX_DEACTIVATION_SHARE:
        limit, share_limit = SYNC_MAX_DEACTIVATIONS, SYNC_MAX_DEACTIVATION_SHARE
        why = f"that is more than {limit} users and more than {share_limit:.0%} of them"
    else:
        return
    raise SyncRefused(
        f"Pool {settings.COGNITO_USER_POOL_ID}: refusing to make {count} of {plan.active} active linked users "
        f"({share:.0%}) "
        f"inactive: {why}. Nothing was changed.",
        deactivations=count,
        active=plan.active,
    )


def _sync_pool(cognito):
    """Read the configured pool, or refuse plainly: a pool that is not there must not look like an empty one."""
    pool_id = settings.COGNITO_USER_POOL_ID
    try:
        return cognito.describe_pool()
    except NotFound as exc:
        message = (
            f"The user pool {pool_id} does not exist in {settings.COGNITO_REGION}: "
            "check COGNITO_USER_POOL_ID and COGNITO_REGION. Nothing was changed."
        )
        raise InputRefused(message) from exc


def _sync_one(django_user, cognito_user, groups):
    """Copy one Cognito user onto its Django user; return whether anything changed."""
    # The attributes read as the ID token's claims would, so the rule is sign-in's (accounts.claims).
    claims = {**cognito_user.attributes, USERNAME_CLAIM: cognito_user.username, GROUPS_CLAIM: list(groups)}
    wanted = {**profile_fields(claims), "is_active": cognito_user.enabled}
    changed = [name for name, value in wanted.items() if getattr(django_user, name) != value]
    for name in changed:
        setattr(django_user, name, wanted[name])
    before = set(django_user.groups.values_list("name", flat=True)), django_user.is_staff, django_user.is_superuser
    if changed:
        django_user.save(update_fields=changed)
    if not cognito_user.enabled and "is_active" in changed:
        user_sessions_end(user=django_user)
    apply_group_claims(django_user, group_names(claims))
    after = set(django_user.groups.values_list("name", flat=True)), django_user.is_staff, django_user.is_superuser
    return bool(changed) or before != after
