"""The sync_cognito_users command against the real local stack."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import free_port
from tests.factories import linked_user_create, pool_user_create

pytestmark = pytest.mark.django_db


def test_sync_reports_counts_with_a_progress_bar(cognito, provisioned, boto):
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
