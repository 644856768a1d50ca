"""accounts.pooladmin.audit: the one admin-log writer, for the Cognito admin's services and for linking alike."""

import logging

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model

from accounts import policy
from accounts.models import CognitoGroup
from accounts.pooladmin import audit

pytestmark = pytest.mark.django_db


def test_a_staff_members_change_is_an_entry_in_the_objects_history(admin_client, admin_user):
    audit.admin_log(
        actor=admin_user, model=CognitoGroup, object_id="team_a/b", label="team_a/b", flag=CHANGE, message="Renamed."
    )
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.object_repr, entry.action_flag) == (
        admin_user,
        "team_a/b",
        "team_a/b",
        CHANGE,
    )
    assert entry.change_message == "Renamed."
    history = admin_client.get(entry.get_admin_url().replace("/change/", "/history/"))
    assert "Renamed." in history.content.decode()


@pytest.mark.parametrize("actor", [policy.SYSTEM, None])
def test_a_commands_change_is_no_entry_and_logs_no_email(caplog, actor):
    user = get_user_model().objects.create(username="sub-1", cognito_sub="sub-1", email="ada@example.com")
    with caplog.at_level(logging.INFO, logger="accounts.pooladmin.audit"):
        audit.admin_log(
            actor=actor,
            model=get_user_model(),
            object_id=str(user.pk),
            label=user,
            flag=DELETION,
            message=f"Merged {user}.",
        )
    assert not LogEntry.objects.exists()
    assert caplog.messages == [f"user {user.pk} deleted by a command (no admin log entry)"]
    assert "ada@example.com" not in caplog.text
