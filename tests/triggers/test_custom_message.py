"""triggers/custom_message.py with AWS's CustomMessage events, one per source.

The local stack fires only invitations (tests/triggers/test_local_stack.py).
"""

import pytest

from tests.triggers import events
from triggers import custom_message as trigger

SITE = {"site_name": "Example Site", "site_url": "https://site.example.com"}


@pytest.mark.parametrize("source", events.MESSAGE_SOURCES)
def test_every_source_names_the_site_and_links_to_it_and_keeps_the_code(source):
    response = trigger.custom_message(events.custom_message(source), **SITE)["response"]
    assert "Example Site" in response["emailSubject"]
    assert "Example Site" in response["emailMessage"]
    assert "https://site.example.com" in response["emailMessage"]
    assert "{####}" in response["emailMessage"]
    assert "{####}" in response["smsMessage"]
    assert len(response["emailSubject"]) <= 140


def test_an_invitation_keeps_the_username_placeholder_cognito_requires():
    response = trigger.custom_message(events.custom_message("CustomMessage_AdminCreateUser"), **SITE)["response"]
    assert "{username}" in response["emailMessage"]
    assert response["emailSubject"] == "Your invitation to Example Site"


def test_the_placeholders_come_from_the_event():
    event = events.custom_message("CustomMessage_ForgotPassword")
    event["request"]["codeParameter"] = "{CODE}"
    assert "{CODE}" in trigger.custom_message(event, **SITE)["response"]["emailMessage"]


def test_an_unknown_source_is_left_to_cognito():
    event = events.custom_message("CustomMessage_SomethingNew")
    assert trigger.custom_message(event, **SITE) is event


@pytest.mark.parametrize(
    ("source", "missing"),
    [
        ("CustomMessage_SignUp", "codeParameter"),
        ("CustomMessage_AdminCreateUser", "usernameParameter"),
        ("CustomMessage_AdminCreateUser", "codeParameter"),
    ],
)
def test_without_a_placeholder_cognito_sends_its_own_message(source, missing):
    """A message lacking the code (or an invitation's user name) is refused by Cognito: send none instead."""
    event = events.custom_message(source)
    del event["request"][missing]
    assert trigger.custom_message(event, **SITE) is event


def test_without_a_request_or_a_site_name_nothing_changes():
    event = events.custom_message()
    del event["request"]
    assert trigger.custom_message(event, **SITE) is event
    event = events.custom_message()
    assert trigger.custom_message(event, site_name="", site_url="") is event


def test_the_handler_reads_the_site_from_the_environment(monkeypatch):
    monkeypatch.setenv("SITE_NAME", "Env Site")
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:8000")
    message = trigger.handler(events.custom_message("CustomMessage_SignUp"), None)["response"]["emailMessage"]
    assert "Env Site" in message
    assert "http://127.0.0.1:8000" in message
