"""Error reports never show a token, even from frames nobody decorated."""

import sys

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
