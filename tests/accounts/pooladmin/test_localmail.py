"""accounts.pooladmin.localmail: the emails the local stack recorded instead of sending, against the real stack."""

import pytest

from accounts import policy
from accounts.exceptions import CognitoUnavailable
from accounts.pooladmin import localmail
from accounts.pooladmin.services import users as user_services
from tests.factories import unique_email
from tests.flows import free_port

pytestmark = pytest.mark.django_db


def test_on_aws_there_is_no_recorder_to_read(settings, cognito_calls):
    settings.COGNITO_ENDPOINT_URL = ""
    mail = localmail.local_messages(actor=policy.SYSTEM)
    assert (mail.messages, mail.hidden) == ([], 0)
    assert cognito_calls == []


def test_messages_to_one_address_come_newest_first(cognito, superuser_actor):
    email = unique_email("twice")
    user = user_services.user_create(actor=superuser_actor, email=email).user
    user_services.user_invitation_resend(actor=superuser_actor, username=user.username)

    messages = localmail.local_messages(actor=superuser_actor, to=email.upper()).messages

    assert len(messages) == 2
    assert {m.to for m in messages} == {email}
    assert messages[0].sent >= messages[1].sent


def test_a_recorder_that_cannot_be_read_is_unavailable(cognito, settings):
    """The endpoint is a closed port: a real connection failure."""
    settings.COGNITO_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"
    settings.COGNITO_TIMEOUT = 0.5
    with pytest.raises(CognitoUnavailable, match="mail recorder could not be read") as caught:
        localmail.local_messages(actor=policy.SYSTEM)
    assert caught.value.plain.startswith("Cognito could not be reached")
