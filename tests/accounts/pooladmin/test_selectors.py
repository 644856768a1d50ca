"""accounts.pooladmin.selectors against the real local stack: search, pages, a user's detail, groups."""

import pytest

from accounts.exceptions import InputRefused
from accounts.pooladmin import selectors
from accounts.pooladmin.services import groups as group_services
from tests.factories import pool_user_create, unique_email

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("ada@ex", "auto", 'email ^= "ada@ex"'),
        ("+4420", "auto", 'phone_number ^= "+4420"'),
        ("0b1c2d3e-aa", "auto", 'username ^= "0b1c2d3e-aa"'),
        ("Ada", "auto", 'given_name ^= "Ada"'),
        ("O'Br", "family_name", 'family_name ^= "O\'Br"'),
        ('say "hi"', "name", 'name ^= "say \\"hi\\""'),
        ("  ", "auto", ""),
    ],
)
def test_search_becomes_one_prefix_filter(text, field, expected):
    assert selectors.search_filter(text=text, field=field) == expected


def test_search_refuses_what_cognito_would(cognito_calls):
    with pytest.raises(InputRefused):
        selectors.search_filter(text="a" * 201)
    with pytest.raises(InputRefused):
        selectors.users_page(query=selectors.UserQuery(search="bad\x00"))
    with pytest.raises(InputRefused):
        selectors.users_page(query=selectors.UserQuery(search="x" * 201, group="staff"))
    assert cognito_calls == []


def test_pages_of_60_with_one_call_each(cognito, provisioned, boto, cognito_calls):
    prefix = unique_email("paging").split("@")[0]
    for n in range(65):
        pool_user_create(boto, provisioned.pool_id, email=f"{prefix}-{n:02d}@example.com")
    query = selectors.UserQuery(search=prefix, field="email")
    cognito_calls.clear()

    first = selectors.users_page(query=query)
    second = selectors.users_page(query=query, token=first.next_token)

    assert (len(first.users), len(second.users)) == (60, 5)
    assert second.next_token == ""
    assert cognito_calls == ["ListUsers", "ListUsers"]
    assert len({u.username for u in first.users + second.users}) == 65
    assert len(list(selectors.users_iter(query=query))) == 65


def test_status_enabled_and_group_filters(cognito, provisioned, boto, cognito_calls):
    username, email = pool_user_create(boto, provisioned.pool_id, groups=["staff"])
    boto.admin_disable_user(UserPoolId=provisioned.pool_id, Username=username)

    disabled = selectors.users_page(query=selectors.UserQuery(enabled="no"))
    in_staff = selectors.users_page(query=selectors.UserQuery(group="staff"))
    staff_and_disabled = selectors.users_page(query=selectors.UserQuery(group="staff", enabled="no"))
    confirmed_named = selectors.users_page(query=selectors.UserQuery(search=email, status="FORCE_CHANGE_PASSWORD"))

    assert username in {u.username for u in disabled.users}
    assert all(not u.enabled for u in disabled.users)
    assert {"staff@example.com", email} <= {u.attributes["email"] for u in in_staff.users}
    assert [u.username for u in staff_and_disabled.users] == [username]
    assert confirmed_named.users == []  # the user is CONFIRMED
    assert cognito_calls == ["ListUsers", "ListUsersInGroup", "ListUsersInGroup", "ListUsers"]


def test_user_detail_says_sign_in_events_are_not_available(cognito, provisioned):
    detail = selectors.user_detail(username="admin@example.com")
    assert detail.groups == ["admins"]
    assert detail.events == []
    assert "not available here" in detail.events_unavailable


def test_the_groups_list_counts_one_page_per_group(cognito, provisioned, boto, superuser_actor, cognito_calls):
    """Past 60 members a group reads "60+", so the list costs one call per group however large they are."""
    name = unique_email("big").split("@")[0]
    group_services.group_create(actor=superuser_actor, name=name)
    for _ in range(61):
        pool_user_create(boto, provisioned.pool_id, groups=[name])
    cognito_calls.clear()
    rows = {row.group.name: row for row in selectors.groups_list()}
    assert (rows[name].members, rows[name].more) == (60, True)
    assert cognito_calls.count("ListUsersInGroup") == len(rows)
    group_services.group_delete(actor=superuser_actor, name=name)
