"""The Local inbox (devstack): the local stack's recorded mail, through the admin's reader and its rule."""

import pytest
from django.urls import reverse

from tests.factories import unique_email

pytestmark = pytest.mark.django_db


def test_the_inbox_shows_a_sign_up_code_and_the_banner_links_it(client, cognito):
    email = unique_email("inbox")
    client.post(
        reverse("sign_up"), {"email": email, "given_name": "I", "family_name": "N", "password": "Inbox-Passw0rd!"}
    )
    page = client.get(reverse("local_inbox"), {"to": email}).content.decode()
    assert email in page
    assert "Your verification code is" in page
    assert 'data-testid="local-inbox-link"' in client.get(reverse("home")).content.decode()


def test_mail_to_staff_and_admins_is_never_on_the_public_inbox(client, cognito):
    client.post(reverse("forgot_password"), {"email": "admin@example.com"})
    page = client.get(reverse("local_inbox"), {"to": "admin@example.com"}).content.decode()
    assert "Your verification code is" not in page
    assert "to staff or admins not shown" in page


def test_on_aws_there_is_no_banner(client, settings, cognito):
    settings.COGNITO_ENDPOINT_URL = ""
    assert 'data-testid="local-banner"' not in client.get(reverse("home")).content.decode()
