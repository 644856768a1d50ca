"""triggers/pre_sign_up.py with AWS's PreSignUp events."""

import pytest

from tests.triggers import events
from triggers import pre_sign_up as trigger

ALLOWED = ("example.com", "example.org")


def test_an_allowed_domain_passes_unchanged():
    event = events.pre_sign_up(email="Ada@Example.COM")
    assert trigger.pre_sign_up(event, allowed_domains=ALLOWED) == events.pre_sign_up(email="Ada@Example.COM")


def test_another_domain_is_refused_with_a_sentence():
    with pytest.raises(trigger.SignUpRefused) as refused:
        trigger.pre_sign_up(events.pre_sign_up(email="eve@elsewhere.net"), allowed_domains=ALLOWED)
    message = str(refused.value)
    assert (
        message == "Sign-up is open to email addresses at example.com, example.org only. Please use an address there."
    )
    assert message[0].isupper()
    assert message.endswith(".")


def test_a_look_alike_subdomain_is_refused():
    with pytest.raises(trigger.SignUpRefused):
        trigger.pre_sign_up(events.pre_sign_up(email="eve@example.com.evil.net"), allowed_domains=ALLOWED)


def test_without_a_list_everyone_may_sign_up():
    event = events.pre_sign_up(email="eve@elsewhere.net")
    assert trigger.pre_sign_up(event, allowed_domains=()) is event


def test_an_external_provider_sign_up_is_left_to_the_site():
    event = events.pre_sign_up_external(email="eve@elsewhere.net")
    assert trigger.pre_sign_up(event, allowed_domains=ALLOWED) is event


def test_an_admin_created_user_is_checked_too():
    with pytest.raises(trigger.SignUpRefused):
        trigger.pre_sign_up(
            events.pre_sign_up(email="eve@elsewhere.net", trigger_source="PreSignUp_AdminCreateUser"),
            allowed_domains=ALLOWED,
        )


@pytest.mark.parametrize(
    "broken",
    [
        lambda e: e["request"]["userAttributes"].pop("email"),
        lambda e: e["request"].pop("userAttributes"),
        lambda e: e.pop("request"),
        lambda e: e["request"]["userAttributes"].update(email=None),
        lambda e: e["request"]["userAttributes"].update(email="no-at-sign"),
    ],
    ids=["no email", "no attributes", "no request", "null email", "not an address"],
)
def test_an_email_that_cannot_be_checked_is_refused_while_a_list_is_declared(broken):
    event = events.pre_sign_up()
    broken(event)
    with pytest.raises(trigger.SignUpRefused):
        trigger.pre_sign_up(event, allowed_domains=ALLOWED)


def test_the_handler_reads_the_domains_from_the_environment(monkeypatch):
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", " Example.com, @example.org ,")
    assert trigger.allowed_domains_from(" Example.com, @example.org ,") == ALLOWED
    with pytest.raises(trigger.SignUpRefused):
        trigger.handler(events.pre_sign_up(email="eve@elsewhere.net"), None)
    monkeypatch.delenv("ALLOWED_EMAIL_DOMAINS")
    assert trigger.handler(events.pre_sign_up(email="eve@elsewhere.net"), None)["userName"]
