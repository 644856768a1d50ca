"""accounts.pooladmin.sync and the sync_cognito_users command, against the real local stack."""

import uuid
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from accounts.pooladmin import sync
from tests.factories import linked_user_create, pool_user_create, unique_email
from tests.flows import free_port

pytestmark = pytest.mark.django_db


def test_sync_brings_linked_users_up_to_date(cognito, provisioned, boto):
    username, email = pool_user_create(boto, provisioned.pool_id, given_name="Fresh", groups=["staff"])
    stale = linked_user_create(username, "old@example.com", first_name="Stale")
    boto.admin_disable_user(UserPoolId=provisioned.pool_id, Username=username)
    gone = linked_user_create("11111111-2222-3333-4444-555555555555", "gone@example.com")
    progress = []

    result = sync.users_sync(progress=lambda seen, total: progress.append((seen, total)))

    stale.refresh_from_db()
    gone.refresh_from_db()
    assert (stale.email, stale.first_name, stale.is_active, stale.is_staff) == (email, "Fresh", False, True)
    assert list(stale.groups.values_list("name", flat=True)) == ["staff"]
    assert gone.is_active is False
    assert (result.linked, result.updated, result.missing) == (1, 1, 1)
    assert result.seen >= 4
    assert progress[-1][0] == result.seen


def test_sync_reports_counts_with_a_progress_bar(cognito, provisioned, boto, cognito_calls):
    username, email = pool_user_create(boto, provisioned.pool_id, family_name="Synced", groups=["members"])
    django_user = linked_user_create(username, "stale@example.com")
    out = StringIO()

    call_command("sync_cognito_users", stdout=out)

    django_user.refresh_from_db()
    assert (django_user.email, django_user.last_name) == (email, "Synced")
    assert list(django_user.groups.values_list("name", flat=True)) == ["members"]
    output = out.getvalue()
    assert "[##############################]" in output
    assert "1 linked to Django users, 1 updated, 0 no longer in the pool" in output
    # One pool read, then pages: never a call per user.
    assert cognito_calls[:2] == ["DescribeUserPool", "ListGroups"]
    assert set(cognito_calls[2:]) == {"ListUsersInGroup", "ListUsers"}


def test_sync_with_the_pool_unreachable_fails_plainly(cognito, settings):
    """The endpoint is a closed port: a real connection failure."""
    settings.COGNITO_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"
    settings.COGNITO_TIMEOUT = 0.5
    with pytest.raises(CommandError, match="Cognito could not be reached"):
        call_command("sync_cognito_users", stdout=StringIO())


def test_sync_against_a_pool_that_does_not_exist_changes_nobody(cognito, provisioned, boto, settings, cognito_calls):
    """A mistyped pool id must fail plainly before anything is read or written, superusers untouched."""
    users = [linked_user_create(*pool_user_create(boto, provisioned.pool_id)) for _ in range(2)]
    admin_username, admin_email = pool_user_create(boto, provisioned.pool_id, groups=["admins"])
    users.append(linked_user_create(admin_username, admin_email, is_staff=True, is_superuser=True))
    settings.COGNITO_USER_POOL_ID = "us-east-1_doesnotexist"
    out = StringIO()

    with pytest.raises(CommandError, match="us-east-1_doesnotexist") as caught:
        call_command("sync_cognito_users", stdout=out)

    assert "does not exist" in str(caught.value)
    for user in users:
        user.refresh_from_db()
        assert user.is_active is True
    assert users[-1].is_superuser is True
    assert "no longer in the pool" not in out.getvalue()
    assert cognito_calls == ["DescribeUserPool"]


@pytest.fixture
def empty_pool(boto, cognito, settings):
    """A second, real pool in the local stack with nobody in it; the site is pointed at it."""
    pool_id = boto.create_user_pool(PoolName=f"empty-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    settings.COGNITO_USER_POOL_ID = pool_id
    yield pool_id
    boto.delete_user_pool(UserPoolId=pool_id)


def _gone_users(count, **fields):
    """Linked, active Django users whose Cognito users are in no pool."""
    return [linked_user_create(str(uuid.uuid4()), unique_email("gone"), **fields) for _ in range(count)]


@pytest.mark.parametrize("count", [1, 6])
def test_sync_against_an_empty_pool_is_refused_without_force(empty_pool, count):
    """A pool that holds none of the site's users is the wrong pool, however small the site (1) or large (6)."""
    users = _gone_users(count - 1) + _gone_users(1, is_staff=True, is_superuser=True)
    out = StringIO()

    with pytest.raises(CommandError, match="--force") as caught:
        call_command("sync_cognito_users", stdout=out)

    assert f"{count} of {count} active linked users (100%)" in str(caught.value)
    assert get_user_model().objects.filter(pk__in=[u.pk for u in users], is_active=True).count() == count


def test_sync_against_an_empty_pool_with_force_deactivates(empty_pool):
    users = _gone_users(6)
    out = StringIO()

    call_command("sync_cognito_users", "--force", stdout=out)

    assert get_user_model().objects.filter(pk__in=[u.pk for u in users], is_active=True).count() == 0
    assert "0 linked to Django users, 0 updated, 6 no longer in the pool" in out.getvalue()


@pytest.mark.parametrize(
    ("missing", "disabled", "refused"),
    [(5, 0, False), (6, 0, True), (3, 3, True)],
    ids=["5-gone-of-6-may-go", "6-gone-of-7-refused", "3-gone-3-disabled-of-7-refused"],
)
def test_sync_refuses_more_than_five_and_ten_percent_made_inactive(
    cognito, provisioned, boto, missing, disabled, refused
):
    """One user stays in the pool; the rest are gone from it, or disabled in Cognito while active here."""
    present = linked_user_create(*pool_user_create(boto, provisioned.pool_id))
    gone = _gone_users(missing)
    for _ in range(disabled):
        username, email = pool_user_create(boto, provisioned.pool_id)
        boto.admin_disable_user(UserPoolId=provisioned.pool_id, Username=username)
        gone.append(linked_user_create(username, email))
    out = StringIO()

    try:
        if refused:
            with pytest.raises(CommandError, match=f"{len(gone)} of {len(gone) + 1} active linked users"):
                call_command("sync_cognito_users", stdout=out)
        else:
            call_command("sync_cognito_users", stdout=out)
    finally:
        # Disabled users would crowd the shared pool's "disabled" filter for other tests.
        for user in gone[missing:]:
            boto.admin_delete_user(UserPoolId=provisioned.pool_id, Username=user.cognito_username)

    still_active = get_user_model().objects.filter(pk__in=[u.pk for u in gone], is_active=True).count()
    assert still_active == (len(gone) if refused else 0)
    present.refresh_from_db()
    assert present.is_active is True


def test_one_users_failure_is_reported_and_the_others_are_synced(cognito, provisioned, boto, monkeypatch):
    """Faked at ``_sync_one``: the local stack cannot make one user's database row fail to save."""
    pairs = [pool_user_create(boto, provisioned.pool_id, family_name="Fresh") for _ in range(3)]
    users = [linked_user_create(username, "stale@example.com") for username, _ in pairs]
    broken = users[1]
    real_sync_one = sync._sync_one

    def sync_one(django_user, cognito_user, groups):
        if django_user.pk == broken.pk:
            raise DatabaseError("value too long for type character varying(254)")
        return real_sync_one(django_user, cognito_user, groups)

    monkeypatch.setattr(sync, "_sync_one", sync_one)
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="1 linked user could not be synced"):
        call_command("sync_cognito_users", stdout=out, stderr=err)

    for user, (_, email) in zip(users, pairs, strict=True):
        user.refresh_from_db()
        assert (user.email, user.last_name) == (("stale@example.com", "") if user == broken else (email, "Fresh"))
    assert "3 linked to Django users, 2 updated" in out.getvalue()
    assert f"user {broken.pk} (sub {broken.cognito_sub}): DatabaseError" in err.getvalue()


def test_a_failed_deactivation_leaves_that_user_as_they_were(empty_pool, monkeypatch):
    """Faked at ``user_sessions_end``: the local stack cannot make one user's session rows fail to delete.

    The user's own write (is_active) is rolled back with it, in its savepoint; the others are made inactive.
    """
    users = _gone_users(3)
    broken = users[0]
    real_sessions_end = sync.user_sessions_end

    def sessions_end(*, user, **kwargs):
        if user.pk == broken.pk:
            raise DatabaseError("database is locked")
        return real_sessions_end(user=user, **kwargs)

    monkeypatch.setattr(sync, "user_sessions_end", sessions_end)
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="1 linked user could not be synced"):
        call_command("sync_cognito_users", "--force", stdout=out, stderr=err)

    assert [u.pk for u in get_user_model().objects.filter(pk__in=[u.pk for u in users], is_active=True)] == [broken.pk]
    assert "2 no longer in the pool (made inactive)" in out.getvalue()
    assert f"user {broken.pk} (sub {broken.cognito_sub}): DatabaseError: database is locked" in err.getvalue()
