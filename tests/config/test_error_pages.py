"""The site's own error pages, as production (DEBUG off) serves them."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.template.loader import render_to_string
from django.test import Client
from django.urls import include, path, reverse


def _forbidden(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("hostile input")


def _broken(request):
    raise RuntimeError("the database is down")


urlpatterns = [
    path("forbidden/", _forbidden),
    path("bad/", _bad),
    path("broken/", _broken),
    path("", include("accounts.urls")),
]


@pytest.fixture
def client_debug_off(client, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status", "title"),
    [
        ("/no-such-page/", 404, "Page not found"),
        ("/forbidden/", 403, "Not allowed"),
        ("/bad/", 400, "Bad request"),
        ("/broken/", 500, "Something went wrong"),
    ],
)
def test_error_pages_are_the_sites_own_with_a_way_home(client_debug_off, url, status, title):
    response = client_debug_off.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert f'<h1 data-testid="error-title">{title}</h1>' in html
    assert 'href="/" data-testid="home-link"' in html
    assert 'class="topbar"' in html  # the site's look
    assert "the database is down" not in html


def test_the_500_page_needs_no_context_and_no_database():
    """Django renders it with an empty context; no django_db mark, so pytest-django fails any query."""
    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "{%" not in html


@pytest.mark.django_db
def test_a_refused_form_gets_the_sites_page_saying_what_to_do(settings):
    """A form posted without its CSRF token (an old tab, cookies cleared) meets the site's page, not Django's."""
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("sign_out"))
    assert response.status_code == 403
    html = response.content.decode()
    assert '<h1 data-testid="error-title">This form has expired</h1>' in html
    assert "reload the page" in html
    assert 'class="topbar"' in html
    assert "CSRF" not in html  # Django's jargon stays out of the page
