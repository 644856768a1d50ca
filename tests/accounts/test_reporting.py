"""Error reports never show a token, even from frames nobody decorated."""

import sys

import pytest
from django.middleware.csrf import CsrfViewMiddleware, _get_new_csrf_string, _mask_cipher_secret
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from tests import fakes


def _report_for(**frame_locals):
    def failing(**kwargs):
        locals().update(kwargs)
        unlabelled = kwargs["value"]
        raise RuntimeError("boom")

    try:
        failing(**frame_locals)
    except RuntimeError:
        request = RequestFactory().get("/oidc/callback/")
        return ExceptionReporter(request, *sys.exc_info()).get_traceback_html()  # the one with local variables
    raise AssertionError("the function did not fail")


def test_a_jwt_in_any_variable_is_hidden():
    token = fakes.SigningKey().sign(fakes.id_claims())
    report = _report_for(value=token)
    assert token not in report
    assert token.split(".")[1] not in report
    assert "********" in report


def test_variables_named_like_secrets_are_hidden():
    report = _report_for(value="plain", refresh_token="opaque-refresh-123", client_secret="s3cr3t-value")
    assert "opaque-refresh-123" not in report
    assert "s3cr3t-value" not in report
    assert "RuntimeError" in report
    assert "plain" in report  # other variables are still shown


def _report_for_request(request):
    """Return the technical 500 page for a view that fails on ``request``; only the request is in its frames."""

    def view(request):
        raise RuntimeError("boom")

    try:
        view(request)
    except RuntimeError:
        return ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    raise AssertionError("the view did not fail")


@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG on", "DEBUG off"])
def test_the_500_page_hides_posted_secrets_and_the_csrf_and_session_cookies(settings, debug):
    """Django's filter steps aside when DEBUG is on; ours never does, and hides secret-named fields unmarked."""
    settings.DEBUG = debug
    csrf_secret = _get_new_csrf_string()
    masked = _mask_cipher_secret(csrf_secret)
    posted = {
        "password": "Hunter2-Passw0rd!",
        "temporary_password": "Temp-Passw0rd!77",
        "code": "834201",
        "new_token": "opaque-posted-9f3c",
        "csrfmiddlewaretoken": masked,
        "email": "pat@example.com",
    }
    request = RequestFactory().post("/admin/accounts/cognitouser/add/", posted)
    request.COOKIES[settings.CSRF_COOKIE_NAME] = csrf_secret
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "sessionkey0123456789abcdef"
    CsrfViewMiddleware(lambda request: None).process_request(request)  # puts the secret in META, as for real

    report = _report_for_request(request)

    secrets = [*(posted[name] for name in posted if name != "email"), csrf_secret, "sessionkey0123456789abcdef"]
    assert [secret for secret in secrets if secret in report] == []
    assert "pat@example.com" in report  # the rest of the request is still shown
    assert "RuntimeError" in report
