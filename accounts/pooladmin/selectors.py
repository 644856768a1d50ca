"""Read the pool for the admin pages: list pages, a user's detail, the pool's policy and schema, groups.

Nothing here writes, to Cognito or to the database. Each list page costs one
call (ListUsers or ListUsersInGroup) however it is searched or filtered.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q

from .. import policy
from ..claims import is_provider_group
from ..cognito.client import CognitoClient
from ..cognito.types import AuthEvent, PoolGroup, PoolUser, UserPool, UsersPage
from ..exceptions import CognitoError, CognitoUnavailable, InputRefused, NotFound

if TYPE_CHECKING:
    from ..models import User

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
UUID_PREFIX = re.compile(r"^[0-9a-f]{8}-", re.IGNORECASE)


# ------------------------------------------------------------------------------
# Users
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
    def from_params(cls, params: Mapping[str, str]) -> UserQuery:
        return cls(
            search=params.get("q", "").strip(),
            field=params.get("field", "auto") if params.get("field") in {"auto", *SEARCH_ATTRIBUTES} else "auto",
            status=params.get("status", "") if params.get("status") in STATUSES else "",
            enabled=params.get("enabled", "") if params.get("enabled") in {"yes", "no"} else "",
            group=params.get("group", "").strip(),
        )

    def as_params(self) -> dict[str, str]:
        params = {"q": self.search, "field": self.field if self.search else "", "status": self.status}
        params.update(enabled=self.enabled, group=self.group)
        return {k: v for k, v in params.items() if v}


def search_filter(*, text: str, field: str = "auto") -> str:
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
    return f"{SEARCH_ATTRIBUTES[search_field(text=text, field=field)]} ^= {filter_value(text)}"


def search_field(*, text: str, field: str = "auto") -> str:
    """Return which attribute a search looks in: ``field``, or for ``auto`` the one the text suggests.

    An email for "@", a phone number for "+", a username for a UUID, a given name otherwise.
    """
    if field != "auto":
        return field
    text = text.strip()
    if "@" in text:
        return "email"
    if text.startswith("+"):
        return "phone"
    if UUID_PREFIX.match(text):
        return "username"
    return "given_name"


#: How the users page says what a search looked in.
SEARCH_WORDS = {
    "email": "email",
    "username": "username",
    "phone": "phone number",
    "given_name": "given name",
    "family_name": "family name",
    "name": "full name",
}


def filter_value(text: str) -> str:
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


def users_page(*, query: UserQuery, token: str = "") -> UsersPage:
    """Return one page of the pool's users for ``query``: exactly one ListUsers or ListUsersInGroup call.

    Cognito filters on one attribute, so the search (or else the status, or else
    enabled) goes to the server and the other filters are applied to the page,
    which may then hold fewer than 60 users while more pages follow.
    """
    filter_expression = _server_filter(query)  # refuses a bad search before any call
    cognito = CognitoClient()
    if query.group:
        page = cognito.list_users_in_group_page(query.group, token=token, limit=PAGE_SIZE)
    else:
        page = cognito.list_users_page(filter_expression=filter_expression, token=token, limit=PAGE_SIZE)
    users = [u for u in page.users if _matches(u, query)]
    return type(page)(users=users, next_token=page.next_token)


def users_iter(*, query: UserQuery) -> Iterator[PoolUser]:
    """Yield every user matching ``query``, one page (one call) at a time."""
    token = ""
    while True:
        page = users_page(query=query, token=token)
        yield from page.users
        if not page.next_token:
            return
        token = page.next_token


def linked_users(*, usernames: list[str]) -> dict[str, User]:
    """Return the site's users signed in as these Cognito usernames, by username: one database query."""
    users = get_user_model().objects.filter(Q(cognito_username__in=usernames) | Q(cognito_sub__in=usernames))
    found = {}
    for user in users:
        found[user.cognito_username or user.cognito_sub] = user
        found.setdefault(user.cognito_sub, user)
    return found


def user_labels(*, usernames: list[str]) -> list[tuple[str, str]]:
    """Return (username, how to name them) for a page: an email where one is known, else the username.

    The email of the site user signed in as them (one database query); for a
    single user not signed in yet, their pool email (one AdminGetUser). In an
    email-as-username pool the username is a UUID, which names nobody.
    """
    linked = linked_users(usernames=usernames)
    labels = {name: linked[name].email if name in linked else "" for name in usernames}
    if len(usernames) == 1 and not labels[usernames[0]]:
        # If this read fails, the run itself will say what is wrong with the user.
        with contextlib.suppress(CognitoError):
            labels[usernames[0]] = CognitoClient().get_user(usernames[0]).attributes.get("email", "")
    return [(name, labels[name] or name) for name in usernames]


@dataclass
class UserDetail:
    user: PoolUser
    groups: list[str]
    linked: User | None = None  # the Django user signed in as this Cognito user
    events: list[AuthEvent] = field(default_factory=list)
    events_unavailable: str = ""


def user_detail(*, username: str) -> UserDetail:
    """Return a user with their groups, linked Django user and recent sign-in events.

    Sign-in events need the pool's threat protection (and a stack that has the
    call); without it ``events_unavailable`` says so instead of failing.
    """
    cognito = CognitoClient()
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


def describe_pool() -> UserPool:
    """Return the pool's password policy and attribute schema (one DescribeUserPool call)."""
    return CognitoClient().describe_pool()


# ------------------------------------------------------------------------------
# Groups
# ------------------------------------------------------------------------------


#: Cognito's user statuses in the words staff read on the admin's pages.
#: https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html
STATUS_WORDS = {
    "CONFIRMED": "Confirmed",
    "FORCE_CHANGE_PASSWORD": "Invited, has not signed in yet",
    "UNCONFIRMED": "Signed up, email not confirmed",
    "RESET_REQUIRED": "Must reset their password",
    "EXTERNAL_PROVIDER": "Signs in with a social or company provider",
}


@dataclass(frozen=True)
class GroupRow:
    group: PoolGroup
    members: int
    #: True when the group has more members than the list counted (one page each).
    more: bool = False

    @property
    def provider(self) -> bool:
        """Cognito's own group of a provider's users: shown, never offered, changed or deleted."""
        return is_provider_group(self.group.name)


def groups_list(*, with_members: bool = True) -> list[GroupRow]:
    """Return the pool's groups, with member counts.

    Counting reads one ListUsersInGroup page (60 members) per group and says
    "60+" beyond that: a full count would cost a call per 60 members of every
    group on every view, against a 30-a-second quota shared by the account and
    not adjustable. The count links to the group's filtered user list.
    """
    cognito = CognitoClient()
    rows = []
    for group in cognito.list_groups():
        if with_members:
            page = cognito.list_users_in_group_page(group.name)
            rows.append(GroupRow(group=group, members=len(page.users), more=bool(page.next_token)))
        else:
            rows.append(GroupRow(group=group, members=0))
    return rows


def group_get(*, name: str) -> PoolGroup:
    return CognitoClient().get_group(name)


def group_members(cognito: CognitoClient, name: str) -> Iterator[PoolUser]:
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


def privileged_members(cognito: CognitoClient) -> dict[str, set[str]]:
    """Return {username: the staff and admin groups they are in}."""
    found = {}
    for group in sorted(policy.privileged_groups()):
        for user in group_members(cognito, group):
            found.setdefault(user.username, set()).add(group)
    return found


def group_member_targets(*, name: str) -> list[policy.Target]:
    """Return the members of ``name`` as the policy's targets (their privileged groups and site users)."""
    cognito = CognitoClient()
    privileged = privileged_members(cognito)
    members = list(group_members(cognito, name))
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


def query_words(*, query: UserQuery) -> str:
    """Say in words which users ``query`` matches, e.g. "whose email starts with “ada”, disabled"."""
    parts = []
    if query.search:
        field = SEARCH_WORDS[search_field(text=query.search, field=query.field)]
        parts.append(f"whose {field} starts with “{query.search}”")
    if query.status:
        parts.append(STATUS_WORDS.get(query.status, query.status).lower())
    if query.enabled:
        parts.append("enabled" if query.enabled == "yes" else "disabled")
    if query.group:
        parts.append(f"in the group {query.group}")
    return ", ".join(parts) if parts else "of the pool"


def pool_estimated_users() -> int | None:
    """Return DescribeUserPool's EstimatedNumberOfUsers, read at most once a minute (None when it cannot be read)."""
    from django.core.cache import cache

    count = cache.get("cognito-estimated-users")
    if count is None:
        try:
            count = describe_pool().estimated_users
        except CognitoError:
            return None
        cache.set("cognito-estimated-users", count, 60)
    return count
