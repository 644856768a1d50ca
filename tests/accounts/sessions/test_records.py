"""The per-user record of sessions, against the real local stack."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import UserSession
from accounts.sessions.records import user_sessions_end
from tests.flows import hosted_ui_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def test_each_sign_in_is_recorded_and_sign_out_forgets_it(cognito, demo):
    laptop, phone = Client(HTTP_USER_AGENT="Laptop/1.0"), Client(HTTP_USER_AGENT="Phone/2.0")
    hosted_ui_sign_in(laptop, "member@example.com", demo["password"])
    hosted_ui_sign_in(phone, "member@example.com", demo["password"])
    user = User.objects.get(email="member@example.com")
    assert sorted(user.site_sessions.values_list("user_agent", flat=True)) == ["Laptop/1.0", "Phone/2.0"]
    assert laptop.session.session_key in set(user.site_sessions.values_list("session_key", flat=True))

    laptop.post("/oidc/logout/")
    assert list(user.site_sessions.values_list("user_agent", flat=True)) == ["Phone/2.0"]


def test_ending_a_users_sessions_signs_out_every_browser_but_the_kept_one(cognito, demo):
    browsers = [Client() for _ in range(3)]
    for browser in browsers:
        hosted_ui_sign_in(browser, "member@example.com", demo["password"])
    hosted_ui_sign_in(other := Client(), "staff@example.com", demo["password"])
    user = User.objects.get(email="member@example.com")

    ended = user_sessions_end(user=user, keep_session_key=browsers[0].session.session_key)

    assert ended == 2
    assert browsers[0].get("/account/").status_code == 200
    assert browsers[1].get("/account/").status_code == 302
    assert browsers[2].get("/account/").status_code == 302
    assert other.get("/account/").status_code == 200
    assert UserSession.objects.filter(user=user).count() == 1
