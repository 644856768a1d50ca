"""accounts.pooladmin.services.groups against the real local stack; UpdateGroup on AWS faked where said."""

import pytest
from botocore.stub import Stubber
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from accounts.exceptions import GroupExists, InputRefused, NotAvailable
from accounts.pooladmin import selectors
from accounts.pooladmin.services import groups as group_services
from accounts.pooladmin.services import users as user_services
from tests.factories import pool_user_create, unique_email

pytestmark = pytest.mark.django_db


def test_groups_create_count_and_delete(cognito, provisioned, boto, actor):
    name = unique_email("grp").split("@")[0]
    group_services.group_create(actor=actor, name=name, description="Temporary", precedence=50)
    _username, _ = pool_user_create(boto, provisioned.pool_id, groups=[name])
    rows = {row.group.name: row for row in selectors.groups_list()}
    assert (rows[name].members, rows[name].more) == (1, False)
    assert rows[name].group.precedence == 50

    group_services.group_delete(actor=actor, name=name)
    assert name not in {row.group.name for row in selectors.groups_list(with_members=False)}
    assert [e.action_flag for e in LogEntry.objects.filter(object_id=name).order_by("pk")] == [ADDITION, DELETION]


def test_group_update_is_not_available_on_the_local_stack(cognito, provisioned, actor):
    """MiniStack has no UpdateGroup: nothing changes and nothing is logged."""
    with pytest.raises(NotAvailable):
        group_services.group_update(actor=actor, name="members", description="Changed", precedence=5)
    assert selectors.group_get(name="members").description == "Signed-in members of the site."
    assert not LogEntry.objects.exists()


def test_group_update_on_aws(cognito, provisioned, actor):
    """Faked with botocore's Stubber: the AWS path of UpdateGroup, which the local stack lacks."""
    with Stubber(cognito._client) as stub:
        stub.add_response(
            "update_group",
            {},
            {"UserPoolId": provisioned.pool_id, "GroupName": "members", "Description": "Changed", "Precedence": 5},
        )
        group_services.group_update(actor=actor, name="members", description="Changed", precedence=5)
        stub.assert_no_pending_responses()
    assert LogEntry.objects.get(object_id="members").action_flag == CHANGE


def test_group_input_is_checked_first(cognito, provisioned, actor, cognito_calls):
    for kwargs in ({"name": "two words"}, {"name": "ok", "precedence": -1}, {"name": "ok", "description": "x" * 2049}):
        with pytest.raises(InputRefused):
            group_services.group_create(actor=actor, **kwargs)
    assert cognito_calls == []


def test_a_group_that_exists_is_refused_in_plain_words(cognito, provisioned, superuser_actor):
    with pytest.raises(GroupExists) as caught:
        group_services.group_create(actor=superuser_actor, name="members")
    assert caught.value.plain == "A group with that name already exists."
    assert not LogEntry.objects.exists()


def test_cognitos_provider_groups_are_shown_but_never_offered_changed_or_deleted(
    admin_client, cognito, provisioned, boto, superuser_actor, cognito_calls
):
    """``{pool}_Google`` holds the users who sign in with Google; Cognito alone manages who is in it."""
    google = f"{provisioned.pool_id}_Google"
    if google not in {g["GroupName"] for g in boto.list_groups(UserPoolId=provisioned.pool_id)["Groups"]}:
        boto.create_group(UserPoolId=provisioned.pool_id, GroupName=google)  # as Cognito does at a first Google sign-in
    username, _ = pool_user_create(boto, provisioned.pool_id)

    listing = admin_client.get("/admin/accounts/cognitogroup/").content.decode()
    offered = {
        value
        for value, _ in admin_client.get("/admin/accounts/cognitouser/add/").context["form"].fields["groups"].choices
    }
    cognito_calls.clear()
    refusals = []
    for attempt in (
        lambda: group_services.group_delete(actor=superuser_actor, name=google),
        lambda: group_services.group_update(actor=superuser_actor, name=google, description="x"),
        lambda: user_services.user_group_add(actor=superuser_actor, username=username, group=google),
        lambda: user_services.user_create(actor=superuser_actor, email=unique_email(), groups=[google]),
    ):
        with pytest.raises(InputRefused, match=r"Cognito manages the .* group itself") as caught:
            attempt()
        refusals.append(caught.value)

    assert 'data-testid="provider-group"' in listing
    assert google not in offered
    assert len(refusals) == 4
    assert not {"DeleteGroup", "UpdateGroup", "AdminAddUserToGroup", "AdminCreateUser"} & set(cognito_calls)
    assert google in {g["GroupName"] for g in boto.list_groups(UserPoolId=provisioned.pool_id)["Groups"]}
