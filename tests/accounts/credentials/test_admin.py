"""The admin's user page shows the AWS identity id beside the Cognito sub, read-only."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_the_user_page_shows_the_identity_id_apart_from_the_sub(client):
    admin = User.objects.create(username="root", is_staff=True, is_superuser=True)
    person = User.objects.create(
        username="sub-1", cognito_sub="sub-1", aws_identity_id="us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    )
    client.force_login(admin)
    page = client.get(reverse("admin:accounts_user_change", args=[person.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "AWS identity id" in text
    assert "us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" in text
    assert 'name="aws_identity_id"' not in text, "the identity id is never edited by hand"
    search = client.get(reverse("admin:accounts_user_changelist"), {"q": "us-east-1:aaaaaaaa"})
    assert "1 result" in search.content.decode()
