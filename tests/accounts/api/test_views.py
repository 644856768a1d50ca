"""The endpoints seen by a browser session, and the OpenAPI document and its offline docs page."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from accounts.models import UserSession

from .conftest import API

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def signed_in(fake_api):
    """A browser signed in to the site (a Django session, with its UserSession record), CSRF checks on."""
    user = User.objects.create(username="sub-pat", cognito_sub="sub-pat", email="pat@example.com")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    key = client.session.session_key
    # Signing in recorded the session (accounts.sessions.records); make it last past the test.
    UserSession.objects.update_or_create(user=user, session_key=key, defaults={"expires_at": "2999-01-01T00:00:00Z"})
    other = UserSession.objects.create(user=user, session_key="x" * 32, expires_at="2999-01-01T00:00:00Z")
    return client, user, other


def test_a_browser_session_calls_me_and_lists_its_sessions(signed_in):
    client, _user, other = signed_in
    me = client.get("/api/v1/me").json()
    assert (me["kind"], me["sub"], me["email"], me["site_user"]) == ("user", "sub-pat", "pat@example.com", True)
    sessions = client.get("/api/v1/me/sessions").json()
    assert sorted((s["id"], s["current"]) for s in sessions) == sorted(
        [(other.pk, False), (UserSession.objects.exclude(pk=other.pk).get().pk, True)]
    )


def test_a_browser_session_needs_the_csrf_token_to_end_a_session(signed_in):
    client, _user, other = signed_in
    refused = client.delete(f"/api/v1/me/sessions/{other.pk}")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error_description"]
    assert UserSession.objects.filter(pk=other.pk).exists()
    client.get("/account/")  # sets the CSRF cookie, as the page a browser came from would
    token = client.cookies["csrftoken"].value
    ended = client.delete(f"/api/v1/me/sessions/{other.pk}", HTTP_X_CSRFTOKEN=token)
    assert ended.status_code == 204
    assert not UserSession.objects.filter(pk=other.pk).exists()


def test_someone_elses_session_is_404(signed_in):
    client, _user, _ = signed_in
    stranger = User.objects.create(username="sub-sam", cognito_sub="sub-sam")
    theirs = UserSession.objects.create(user=stranger, session_key="y" * 32)
    client.get("/account/")
    response = client.delete(f"/api/v1/me/sessions/{theirs.pk}", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 404
    assert UserSession.objects.filter(pk=theirs.pk).exists()


def test_users_need_a_staff_group_for_a_browser_session(signed_in):
    client, user, _ = signed_in
    assert client.get("/api/v1/users/sub-pat").status_code == 403
    user.groups.add(Group.objects.create(name="staff"))
    response = client.get("/api/v1/users/sub-pat")
    assert response.status_code == 200
    assert response.json()["groups"] == ["staff"]
    assert client.get("/api/v1/users/nobody").status_code == 404
    assert client.get("/api/v1/users").status_code == 400


def test_the_openapi_document_lists_every_endpoint_with_its_scopes(fake_api):
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = response.json()
    validate_schema(document)  # drf-spectacular's OpenAPI 3 JSON Schema check; raises on an invalid document
    assert set(document["paths"]) == {
        "/api/v1/me",
        "/api/v1/me/plan",
        "/api/v1/me/sessions",
        "/api/v1/me/sessions/{id}",
        "/api/v1/users",
        "/api/v1/users/{sub}",
    }
    schemes = document["components"]["securitySchemes"]
    assert schemes["cognitoAccessToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["cognitoAccessToken"]["description"],
    }
    flow = schemes["cognitoClientCredentials"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"].endswith("/oauth2/token")
    assert set(flow["scopes"]) == {f"{API}/users.read", f"{API}/sessions.read", f"{API}/sessions.write"}
    users = document["paths"]["/api/v1/users/{sub}"]["get"]["security"]
    assert {"cognitoClientCredentials": [f"{API}/users.read"]} in users
    assert {"cognitoAccessToken": []} in document["paths"]["/api/v1/me"]["get"]["security"]
    assert document["paths"]["/api/v1/me/sessions/{id}"]["delete"]
    # The plan endpoint needs no scope, only a person's access token (with a paid plan claim).
    assert document["paths"]["/api/v1/me/plan"]["get"]["security"] == [{"cognitoAccessToken": []}]


def test_the_docs_page_uses_bundled_assets_only(fake_api):
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()
    assert "unpkg" not in page.lower()
    # No inline script (a Content-Security-Policy without 'unsafe-inline' would block it): the set-up is a file.
    assert "<script>" not in page
    script = APIClient().get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
