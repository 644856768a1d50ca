"""Decide what happens to Cognito users and groups; the admin pages and commands only arrange.

Cognito is the source of truth. Every service that changes something writes
Cognito first and the site's database second (the linked Django user, its
sessions, the admin log), because a database write can be retried or redone by
``sync_cognito_users`` while a Cognito refusal must stop everything. If the
database write fails after Cognito accepted, the exception propagates, the admin
shows it, and ``sync_cognito_users`` brings the Django user back in line.
"""

import logging
import re
import time
from dataclasses import dataclass, field
from functools import partial

import requests
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.views.decorators.debug import sensitive_variables

from . import policy
from .claims import GROUPS_CLAIM, USERNAME_CLAIM, apply_group_claims, group_names, profile_fields
from .cognito.client import CognitoClient
from .exceptions import (
    CognitoError,
    CognitoUnavailable,
    InputRefused,
    NotAllowed,
    NotFound,
    SyncRefused,
    TooManyRequests,
)
from .models import CognitoGroup, CognitoUser
from .sessions.records import user_sessions_end

logger = logging.getLogger(__name__)

PAGE_SIZE = 60  # ListUsers' maximum Limit
STATUSES = ("CONFIRMED", "FORCE_CHANGE_PASSWORD", "UNCONFIRMED", "RESET_REQUIRED", "EXTERNAL_PROVIDER")
# What the search box may look in: ListUsers filters one attribute, by prefix.
SEARCH_ATTRIBUTES = {
    "email": "email",
    "username": "username",
    "phone": "phone_number",
    "given_name": "given_name",
    "family_name": "family_name",
    "name": "name",
}
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
# Cognito's group-name pattern is [\p{L}\p{M}\p{S}\p{N}\p{P}]+: no spaces or control characters.
GROUP_NAME = re.compile(r"^[^\s\x00-\x1f\x7f]{1,128}$")
# The symbols Cognito's password policy counts as "special characters".
PASSWORD_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
# Attributes the admin never writes: Cognito owns them (sub) or the verify choice sets them.
READ_ONLY_ATTRIBUTES = {"sub", "email_verified", "phone_number_verified", "updated_at", "identities"}
UUID_PREFIX = re.compile(r"^[0-9a-f]{8}-", re.IGNORECASE)


def _cognito():
    return CognitoClient()


def _pool():
    return settings.COGNITO_USER_POOL_ID


# ------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserQuery:
    """What a changelist shows: a search and filters, as they arrive in the query string."""

    search: str = ""
    field: str = "auto"
    status: str = ""
    enabled: str = ""  # "yes", "no" or ""
    group: str = ""

    @classmethod
    def from_params(cls, params):
        return cls(
            search=params.get("q", "").strip(),
            field=params.get("field", "auto") if params.get("field") in {"auto", *SEARCH_ATTRIBUTES} else "auto",
            status=params.get("status", "") if params.get("status") in STATUSES else "",
            enabled=params.get("enabled", "") if params.get("enabled") in {"yes", "no"} else "",
            group=params.get("group", "").strip(),
        )

    def as_params(self):
        params = {"q": self.search, "field": self.field if self.search else "", "status": self.status}
        params.update(enabled=self.enabled, group=self.group)
        return {k: v for k, v in params.items() if v}


def search_filter(*, text, field="auto"):
    """Return the ListUsers ``Filter`` for a prefix search, e.g. ``email ^= "ada"``; "" for no search.

    ``auto`` picks the attribute from the text: an email for "@", a phone number
    for "+", a username for a UUID, a given name otherwise. Reject text Cognito
    would refuse (too long, control characters) before any call.
    """
    text = text.strip()
    if not text:
        return ""
    if len(text) > 200 or any(ord(c) < 32 for c in text):
        raise InputRefused("Search for at most 200 printable characters.")
    if field == "auto":
        if "@" in text:
            field = "email"
        elif text.startswith("+"):
            field = "phone"
        elif UUID_PREFIX.match(text):
            field = "username"
        else:
            field = "given_name"
    return f"{SEARCH_ATTRIBUTES[field]} ^= {filter_value(text)}"


def filter_value(text):
    """Return ``text`` as a ListUsers Filter value: double-quoted, a quote or backslash inside escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _server_filter(query):
    """Return the one server-side Filter for ``query`` (ListUsers accepts one attribute)."""
    if query.search:
        return search_filter(text=query.search, field=query.field)
    if query.status:
        return f'cognito:user_status = "{query.status}"'
    if query.enabled:
        return 'status = "Enabled"' if query.enabled == "yes" else 'status = "Disabled"'
    return ""


def _matches(user, query):
    """Apply, on one page, the filters the server-side Filter could not carry."""
    if query.status and user.status != query.status:
        return False
    if query.enabled and user.enabled != (query.enabled == "yes"):
        return False
    if query.group and query.search:
        attribute = search_filter(text=query.search, field=query.field).split(" ", 1)[0]
        value = user.username if attribute == "username" else user.attributes.get(attribute, "")
        return value.lower().startswith(query.search.lower())
    return True


def users_page(*, query, token=""):
    """Return one page of the pool's users for ``query``: exactly one ListUsers or ListUsersInGroup call.

    Cognito filters on one attribute, so the search (or else the status, or else
    enabled) goes to the server and the other filters are applied to the page,
    which may then hold fewer than 60 users while more pages follow.
    """
    filter_expression = _server_filter(query)  # refuses a bad search before any call
    cognito = _cognito()
    if query.group:
        page = cognito.list_users_in_group_page(query.group, token=token, limit=PAGE_SIZE)
    else:
        page = cognito.list_users_page(filter_expression=filter_expression, token=token, limit=PAGE_SIZE)
    users = [u for u in page.users if _matches(u, query)]
    return type(page)(users=users, next_token=page.next_token)


def users_iter(*, query):
    """Yield every user matching ``query``, one page (one call) at a time."""
    token = ""
    while True:
        page = users_page(query=query, token=token)
        yield from page.users
        if not page.next_token:
            return
        token = page.next_token


def linked_users(*, usernames):
    """Return the site's users signed in as these Cognito usernames, by username: one database query."""
    users = get_user_model().objects.filter(Q(cognito_username__in=usernames) | Q(cognito_sub__in=usernames))
    found = {}
    for user in users:
        found[user.cognito_username or user.cognito_sub] = user
        found.setdefault(user.cognito_sub, user)
    return found


@dataclass
class UserDetail:
    user: object
    groups: list
    linked: object = None
    events: list = field(default_factory=list)
    events_unavailable: str = ""


def user_detail(*, username):
    """Return a user with their groups, linked Django user and recent sign-in events.

    Sign-in events need the pool's threat protection (and a stack that has the
    call); without it ``events_unavailable`` says so instead of failing.
    """
    cognito = _cognito()
    user = cognito.get_user(username)
    groups = sorted(cognito.list_groups_for_user(user.username))
    detail = UserDetail(user=user, groups=groups, linked=linked_users(usernames=[user.username]).get(user.username))
    try:
        detail.events = cognito.list_user_auth_events(user.username)
    except CognitoUnavailable:
        raise
    except CognitoError as exc:
        logger.info("Sign-in events of %s unavailable: %s", user.sub, exc.code)
        detail.events_unavailable = "Sign-in events are not available here (threat protection is off for this pool)."
    return detail


def describe_pool():
    """Return the pool's password policy and attribute schema (one DescribeUserPool call)."""
    return _cognito().describe_pool()


@sensitive_variables("password")
def password_problems(*, password, policy):
    """Return what is wrong with ``password`` under the pool's ``policy``, in plain words; [] if nothing."""
    problems = []
    if len(password) < policy.minimum_length:
        problems.append(f"at least {policy.minimum_length} characters")
    if policy.require_uppercase and not any(c.isupper() for c in password):
        problems.append("an upper-case letter")
    if policy.require_lowercase and not any(c.islower() for c in password):
        problems.append("a lower-case letter")
    if policy.require_numbers and not any(c.isdigit() for c in password):
        problems.append("a number")
    if policy.require_symbols and not any(c in PASSWORD_SYMBOLS for c in password):
        problems.append("a symbol such as ! or #")
    if len(password) > 256:
        problems.append("at most 256 characters")
    return problems


def _check_password(password, policy=None):
    problems = password_problems(password=password, policy=policy or describe_pool().password_policy)
    if problems:
        raise InputRefused("The password needs " + ", ".join(problems) + ".")


def _check_user_fields(*, email=None, phone=None, groups=()):
    if email is not None:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise InputRefused(f"{email!r} is not a valid email address.") from exc
    if phone and not E164.match(phone):
        raise InputRefused("Phone numbers are written +, country code, number, e.g. +14155550123.")
    for name in groups:
        _check_group_name(name)


def _check_group_name(name):
    if not GROUP_NAME.match(name or ""):
        message = f"{name!r} is not a group name Cognito accepts (1-128 characters, no spaces)."
        raise InputRefused(message)


# ------------------------------------------------------------------------------
# The site's side of a change: linked user, sessions, admin log
# ------------------------------------------------------------------------------


def _log(*, actor, model, object_id, label, flag, message):
    if actor is None or actor is policy.SYSTEM:
        # A management command: the admin log names a staff member, and there is none.
        logger.info("%s %s: %s", model._meta.verbose_name, object_id, message)
        return
    LogEntry.objects.create(
        user_id=actor.pk,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=object_id,
        object_repr=str(label)[:200],
        action_flag=flag,
        change_message=message,
    )


def _user_log(actor, target, message, flag=CHANGE):
    _log(actor=actor, model=CognitoUser, object_id=target.username, label=target.label, flag=flag, message=message)


def _site_user_update(target, *, active, end_sessions=True):
    """End the linked Django user's sessions and set its active flag (None: leave it); return the user or None.

    The target's linked user was found by sub, so this holds however the
    admin named the person (username, email or sub). The flag is written with
    a conditional UPDATE, never by saving a possibly stale object.
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


# ------------------------------------------------------------------------------
# Changing users (Cognito first, then the site); every write goes through accounts.policy
# ------------------------------------------------------------------------------


@dataclass
class CreateResult:
    user: object
    groups_added: list = field(default_factory=list)
    groups_failed: dict = field(default_factory=dict)


@sensitive_variables("temporary_password")
def user_create(*, actor, email, phone="", given_name="", family_name="", groups=(), temporary_password=""):
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
    cognito = _cognito()
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
    _user_log(actor, target, message, flag=ADDITION)
    return result


@policy.user_write("change")
def user_attributes_update(*, target, actor, attributes, mark_email_verified=False):
    """Write changed attributes to Cognito (AdminUpdateUserAttributes), then log them.

    Reject names the pool does not have, read-only ones and a malformed email or
    phone before the call. A changed email is sent with ``email_verified`` as
    chosen: without it Cognito keeps the old address until the user verifies.
    A federated user's email comes from their provider: staff may neither
    change it nor mark it verified (linking trusts a verified email), and
    only a superuser marks anyone's email verified.
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
    schema = {a.name: a for a in describe_pool().attributes}
    for name in attributes:
        spec = schema.get(name)
        if spec is None or name in READ_ONLY_ATTRIBUTES or not spec.mutable:
            raise InputRefused(f"{name!r} is not an attribute this pool lets you change.")
    _check_user_fields(email=attributes.get("email"), phone=attributes.get("phone_number"))
    payload = dict(attributes)
    if "email" in payload:
        payload["email_verified"] = "true" if mark_email_verified else "false"
    _cognito().update_user_attributes(target.username, payload)
    changed = sorted(attributes)
    note = " (email marked verified)" if "email" in attributes and mark_email_verified else ""
    _user_log(actor, target, f"Changed {', '.join(changed)}{note}.")
    return changed


@policy.user_write("disable")
def user_disable(*, target, actor):
    """Disable the user in Cognito, then end their site sessions and mark the linked Django user inactive."""
    _cognito().disable_user(target.username)
    _site_user_update(target, active=False)
    _user_log(actor, target, "Disabled; site sessions ended.")


@policy.user_write("enable")
def user_enable(*, target, actor):
    """Enable the user in Cognito, then mark the linked Django user active again."""
    _cognito().enable_user(target.username)
    _site_user_update(target, active=True, end_sessions=False)
    _user_log(actor, target, "Enabled.")


@policy.user_write("delete")
def user_delete(*, target, actor):
    """Delete the user from Cognito, then end their site sessions and mark the linked Django user inactive.

    The Django user is kept (inactive) so that the admin log and anything it owns survive.
    """
    _cognito().delete_user(target.username)
    _site_user_update(target, active=False)
    _user_log(actor, target, "Deleted from the pool; site sessions ended.", flag=DELETION)


@policy.user_write("sign out")
def user_sign_out_everywhere(*, target, actor):
    """Revoke the user's Cognito tokens (AdminUserGlobalSignOut), then end their sessions on this site."""
    _cognito().admin_global_sign_out(target.username)
    _site_user_update(target, active=None)
    _user_log(actor, target, "Signed out everywhere; site sessions ended.")


@policy.user_write("reset the password of")
def user_password_reset(*, target, actor):
    """Make Cognito send the user a reset code (AdminResetUserPassword); they must set a new password."""
    _cognito().reset_user_password(target.username)
    _user_log(actor, target, "Password reset; a code was sent to the user.")


@sensitive_variables("password")
def user_password_set(*, actor, username, password, permanent, policy=None):
    """Check ``password`` against the pool's policy, then set it in Cognito (AdminSetUserPassword) and log it.

    Bulk runs pass the ``policy`` they read once: DescribeUserPool is capped at
    5 calls a second per pool, far below the bulk pace.
    """
    _check_password(password, policy)
    _password_set(actor=actor, username=username, password=password, permanent=permanent)


@policy.user_write("set the password of")
@sensitive_variables("password")
def _password_set(*, target, actor, password, permanent):
    _cognito().set_user_password(target.username, password, permanent=permanent)
    _user_log(actor, target, "Password set (permanent)." if permanent else "Temporary password set.")


@policy.user_write("change who is in", groups_from=lambda kwargs: [kwargs["group"]])
def user_group_add(*, target, actor, group):
    """Add the user to ``group`` in Cognito; the site follows at their next sign-in or sync."""
    _check_group_name(group)
    _cognito().add_user_to_group(target.username, group)
    _user_log(actor, target, f"Added to group {group}.")


@policy.user_write("change who is in", groups_from=lambda kwargs: [kwargs["group"]])
def user_group_remove(*, target, actor, group):
    """Remove the user from ``group`` in Cognito; the site follows at their next sign-in or sync."""
    _check_group_name(group)
    _cognito().remove_user_from_group(target.username, group)
    _user_log(actor, target, f"Removed from group {group}.")


@policy.user_write("invite again")
def user_invitation_resend(*, target, actor):
    """Resend the invitation with a new temporary password (AdminCreateUser, MessageAction=RESEND).

    Only users who never signed in (FORCE_CHANGE_PASSWORD) are invited again:
    Cognito refuses RESEND for others, and some emulators reset them instead.
    In an email-as-username pool RESEND must name the user by email, so the
    address is checked to belong to this user alone first (one ListUsers).
    """
    if target.status != "FORCE_CHANGE_PASSWORD":
        raise InputRefused("Only users who have not signed in yet can be invited again.")
    name = target.username
    if target.email:
        # The email must name this user and nobody else, or RESEND reaches (and resets) someone else.
        holders = _cognito().list_users_page(filter_expression=f"email = {filter_value(target.email)}", limit=2)
        holders = holders.users
        if [u.username for u in holders] != [target.username]:
            raise InputRefused(f"Cannot invite {target.label} again: another user has the same email address.")
        name = target.email
    _cognito().resend_invitation(name)
    _user_log(actor, target, "Invitation sent again.")


# ------------------------------------------------------------------------------
# Bulk actions: paced under the UserUpdate quota, retried when throttled
# ------------------------------------------------------------------------------

BULK_ACTIONS = {
    "disable": (user_disable, "change", "Disable"),
    "enable": (user_enable, "change", "Enable"),
    "reset_password": (user_password_reset, "change", "Reset password"),
    "set_password": (user_password_set, "change", "Set password"),
    "sign_out": (user_sign_out_everywhere, "change", "Sign out everywhere"),
    "group_add": (user_group_add, "change", "Add to group"),
    "group_remove": (user_group_remove, "change", "Remove from group"),
    "delete": (user_delete, "delete", "Delete"),
}


@dataclass
class BulkResult:
    succeeded: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)


NOT_ATTEMPTED_UNREACHABLE = "Not attempted: Cognito could not be reached."
NOT_ATTEMPTED_TIME = "Not attempted: this run used its time; select these users and run the action again."


@sensitive_variables("params")
def users_bulk_apply(*, actor, usernames, action, params=None, sleep=time.sleep, clock=time.monotonic):
    """Apply ``action`` to each user, one after the other, and report per user.

    Calls are spaced to stay under ``COGNITO_BULK_RATE`` per second (Cognito's
    UserUpdate quota is 25/s, shared by the account and not adjustable). A
    throttled call (TooManyRequests, after botocore's own adaptive retries) is
    retried with exponential backoff up to ``COGNITO_BULK_RETRIES`` times; any
    other failure is recorded for that user and the next user is tried. Each
    user's change is complete (Cognito, then site) before the next begins.

    A run stops starting new calls after ``COGNITO_BULK_TIME_BUDGET`` seconds,
    so it ends well inside a proxy's request timeout; the users it did not
    reach are reported as not attempted. A ``set_password`` run reads the
    pool's password policy once, unless the caller passes the one it read.
    """
    service = BULK_ACTIONS[action][0]
    params = dict(params or {})
    if action == "set_password" and params.get("policy") is None:
        params["policy"] = describe_pool().password_policy
    result = BulkResult()
    if action in {"group_add", "group_remove"}:
        # Refused for the whole selection before any call, not once per user.
        try:
            policy.check(actor=actor, change="change who is in", groups=[params.get("group", "")])
        except NotAllowed as exc:
            result.failed.update(dict.fromkeys(usernames, exc.plain))
            return result
    interval = 1.0 / settings.COGNITO_BULK_RATE
    deadline = clock() + settings.COGNITO_BULK_TIME_BUDGET
    last = None
    for index, username in enumerate(usernames):
        if clock() >= deadline:
            result.failed.update(dict.fromkeys(usernames[index:], NOT_ATTEMPTED_TIME))
            return result
        for attempt in range(settings.COGNITO_BULK_RETRIES + 1):
            if last is not None and (wait := interval - (clock() - last)) > 0:
                sleep(wait)
            last = clock()
            try:
                service(actor=actor, username=username, **params)
            except TooManyRequests as exc:
                backoff = 0.5 * 2**attempt
                if attempt == settings.COGNITO_BULK_RETRIES or clock() + backoff >= deadline:
                    result.failed[username] = exc.plain
                else:
                    sleep(backoff)
                    continue
            except CognitoUnavailable as exc:
                # Every further call would wait out the same timeouts: stop and say so.
                result.failed[username] = exc.plain
                result.failed.update(dict.fromkeys(usernames[index + 1 :], NOT_ATTEMPTED_UNREACHABLE))
                return result
            except CognitoError as exc:
                result.failed[username] = exc.plain
            else:
                result.succeeded.append(username)
            break
    return result


# ------------------------------------------------------------------------------
# Groups
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    group: object
    members: int
    #: True when the group has more members than the list counted (one page each).
    more: bool = False


def groups_list(*, with_members=True):
    """Return the pool's groups, with member counts.

    Counting reads one ListUsersInGroup page (60 members) per group and says
    "60+" beyond that: a full count would cost a call per 60 members of every
    group on every view, against a 30-a-second quota shared by the account and
    not adjustable. The count links to the group's filtered user list.
    """
    cognito = _cognito()
    rows = []
    for group in cognito.list_groups():
        if with_members:
            page = cognito.list_users_in_group_page(group.name)
            rows.append(GroupRow(group=group, members=len(page.users), more=bool(page.next_token)))
        else:
            rows.append(GroupRow(group=group, members=0))
    return rows


def group_get(*, name):
    return _cognito().get_group(name)


def _check_group(name, description, precedence):
    _check_group_name(name)
    if len(description or "") > 2048:
        raise InputRefused("A description has at most 2048 characters.")
    if precedence is not None and precedence < 0:
        raise InputRefused("Precedence is a whole number, 0 or more (lower wins).")


def group_create(*, actor, name, description="", precedence=None):
    """Create the group in Cognito (CreateGroup), then log it; a staff or admin group only by a superuser."""
    _check_group(name, description, precedence)
    policy.check(actor=actor, change="create", groups=[name])
    _cognito().create_group(name, description=description, precedence=precedence)
    _log(actor=actor, model=CognitoGroup, object_id=name, label=name, flag=ADDITION, message="Created.")


def group_update(*, actor, name, description="", precedence=None):
    """Change the group's description and precedence in Cognito (UpdateGroup), then log it.

    MiniStack has no UpdateGroup: the call raises NotAvailable there and nothing changes.
    A staff or admin group is changed by a superuser only (precedence decides
    which group's role a member gets).
    """
    _check_group(name, description, precedence)
    policy.check(actor=actor, change="change", groups=[name])
    _cognito().update_group(name, description=description, precedence=precedence)
    message = f"Changed description and precedence ({precedence if precedence is not None else 'none'})."
    _log(actor=actor, model=CognitoGroup, object_id=name, label=name, flag=CHANGE, message=message)


def group_delete(*, actor, name):
    """Delete the group in Cognito (members leave it), then log it; Django's mirror follows at sign-in or sync.

    Deleting a staff or admin group demotes every member at their next
    sign-in, and deleting any group takes its staff and admin members out of
    it: only a superuser may do either. For anyone else the members are read
    first (every page of ListUsersInGroup, for this group and the privileged ones).
    """
    _check_group_name(name)
    policy.check(actor=actor, change="delete", groups=[name])
    if not policy.acts_as_superuser(actor):
        # Deleting takes every member out of it, staff and admins too.
        policy.check(actor=actor, change=f"delete the {name} group while {{who}} is in it", targets=_members(name))
    _cognito().delete_group(name)
    _log(actor=actor, model=CognitoGroup, object_id=name, label=name, flag=DELETION, message="Deleted.")


def _group_members(cognito, name):
    """Yield every member of ``name``, page by page; none when the group does not exist."""
    token = ""
    while True:
        try:
            page = cognito.list_users_in_group_page(name, token=token)
        except NotFound:
            return
        yield from page.users
        if not (token := page.next_token):
            return


def _privileged_members(cognito):
    """Return {username: the staff and admin groups they are in}."""
    found = {}
    for group in sorted(policy.privileged_groups()):
        for user in _group_members(cognito, group):
            found.setdefault(user.username, set()).add(group)
    return found


def _members(name):
    """Return the members of ``name`` as the policy's targets (their privileged groups and site users)."""
    cognito = _cognito()
    privileged = _privileged_members(cognito)
    members = list(_group_members(cognito, name))
    linked = linked_users(usernames=[u.username for u in members])
    return [
        policy.Target(
            username=u.username,
            sub=u.sub,
            email=u.attributes.get("email", ""),
            status=u.status,
            enabled=u.enabled,
            groups=frozenset(privileged.get(u.username, ())),
            linked=linked.get(u.username),
        )
        for u in members
    ]


# ------------------------------------------------------------------------------
# Sync: the pool onto the linked Django users
# ------------------------------------------------------------------------------


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
    failed: list = field(default_factory=list)


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
    def deactivations(self):
        """Return how many active users the sync would make inactive: gone from the pool, or disabled there."""
        disabled = sum(1 for django_user, user, _ in self.found if django_user.is_active and not user.enabled)
        return len(self.missing) + disabled


def users_sync(*, force=False, progress=None):
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
    cognito = _cognito()
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
        f"Pool {_pool()}: refusing to make {count} of {plan.active} active linked users ({share:.0%}) "
        f"inactive: {why}. Nothing was changed.",
        deactivations=count,
        active=plan.active,
    )


def _sync_pool(cognito):
    """Read the configured pool, or refuse plainly: a pool that is not there must not look like an empty one."""
    pool_id = _pool()
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


# ------------------------------------------------------------------------------
# Local stack only: the emails Cognito would have sent
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalMessage:
    to: str
    subject: str
    body: str
    sent: float


@dataclass(frozen=True)
class LocalMail:
    messages: list
    #: Messages to staff or admins left out: a non-superuser must not read their codes and passwords.
    hidden: int = 0


def _mail_readers_check(cognito):
    """Return a function telling whether a non-superuser may read mail sent to an address.

    Deny by default: only when the address belongs, now, to at least one user
    of the pool and none of them is staff or an admin. An address nobody has
    any more (a corrected typo) may still carry a valid temporary password.
    One ListUsers per distinct address; the local stack's pools are small.
    """
    privileged = _privileged_members(cognito)
    answers = {}

    def may_read(address):
        address = address.strip().lower()
        if address not in answers:
            holders = cognito.list_users_page(filter_expression=f"email = {filter_value(address)}").users
            linked = linked_users(usernames=[u.username for u in holders])
            answers[address] = bool(holders) and not any(
                u.username in privileged or policy.site_user_is_privileged(linked.get(u.username)) for u in holders
            )
        return answers[address]

    return may_read


def local_messages(*, actor, to=""):
    """Return the emails the local stack recorded instead of sending (newest first); none on AWS.

    MiniStack keeps invitation and code emails in its SES recorder at
    ``/_ministack/ses/messages``; Cognito on AWS really sends them. They carry
    temporary passwords and reset codes, which anyone can have sent to an
    admin's address, so a non-superuser sees only messages to addresses that
    belong to ordinary users now (see ``_mail_readers_check``).
    """
    base = settings.COGNITO_ENDPOINT_URL
    if not base:
        return LocalMail(messages=[])
    try:
        response = requests.get(f"{base.rstrip('/')}/_ministack/ses/messages", timeout=settings.COGNITO_TIMEOUT)
        response.raise_for_status()
        payload = response.json()
        accounts = payload.get("messages", {}).values() if isinstance(payload, dict) else []
        recorded = [m for account in accounts for m in account if isinstance(m, dict)]
    except (requests.RequestException, ValueError, AttributeError, TypeError) as exc:
        raise CognitoUnavailable("The local stack's mail recorder could not be read.") from exc
    messages = [
        LocalMessage(
            to=", ".join(str(address) for address in m.get("To", [])),
            subject=str(m.get("Subject", "")),
            body=str(m.get("BodyText", "")),
            sent=m.get("Timestamp", 0) if isinstance(m.get("Timestamp", 0), int | float) else 0,
        )
        for m in recorded
    ]
    if to:
        messages = [m for m in messages if to.lower() in m.to.lower()]
    hidden = 0
    if not policy.acts_as_superuser(actor):
        may_read = _mail_readers_check(_cognito())
        shown = [m for m in messages if m.to and all(may_read(a) for a in m.to.split(",") if a.strip())]
        hidden, messages = len(messages) - len(shown), shown
    return LocalMail(messages=sorted(messages, key=lambda m: m.sent, reverse=True), hidden=hidden)
