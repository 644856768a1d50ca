"""Keep tokens, passwords and secrets out of Django's error reports, with DEBUG on or off.

``@sensitive_variables`` only covers the functions it decorates; a token can
sit in any frame of a traceback (mozilla-django-oidc's ``authenticate`` holds
the token response, for one). This filter hides every frame variable whose
name says it holds a secret, secret-named keys inside dicts (as Django does
for settings), and any value that carries a JWT. It hides POST fields whose
name says they hold a secret, marked or not, and the CSRF and session cookies.

Django's own filter steps aside when DEBUG is on ("your site is not safe
anyway"); this one never does: a development server's 500 page is seen by
whoever reaches it and pasted into tickets.
https://docs.djangoproject.com/en/stable/howto/error-reporting/#custom-error-reports
"""

import re

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter

JWT = re.compile(r"eyJ[\w-]+\.[\w-]+")


class CognitoExceptionReporterFilter(SafeExceptionReporterFilter):
    # Django's list plus the names mozilla-django-oidc and this project give token-bearing values;
    # COOKIE (not only HTTP_COOKIE) covers META["CSRF_COOKIE"], where CsrfViewMiddleware puts the secret.
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE|VERIFIER|CREDENTIAL|PAYLOAD|ANSWER", flags=re.IGNORECASE
    )
    # POST fields hidden whether or not the view marked them: passwords (password,
    # temporary_password), one-time and reset codes, tokens (csrfmiddlewaretoken too).
    secret_parameters = re.compile(
        "PASS|PWD|SECRET|TOKEN|CODE|OTP|KEY|ANSWER|SIGNATURE|CREDENTIAL|VERIFIER", flags=re.IGNORECASE
    )

    def is_active(self, request):
        """Filter always, DEBUG or not."""
        return True

    def get_post_parameters(self, request):
        """Hide secret-looking POST fields too; Django's report calls this for request.POST."""
        return self._hide_secret_fields(super().get_post_parameters(request))

    def get_cleansed_multivaluedict(self, request, multivaluedict):
        """Hide secret-looking fields of any QueryDict Django's report shows."""
        return self._hide_secret_fields(super().get_cleansed_multivaluedict(request, multivaluedict))

    def get_safe_cookies(self, request):
        """Hide the CSRF cookie as well as the session cookie; Django's report calls this for request.COOKIES."""
        cookies = super().get_safe_cookies(request)
        # Whatever CSRF_COOKIE_NAME is set to; Django hides only the session cookie by its setting.
        if settings.CSRF_COOKIE_NAME in cookies:
            cookies[settings.CSRF_COOKIE_NAME] = self.cleansed_substitute
        return cookies

    def _hide_secret_fields(self, fields):
        secret = [name for name in fields if isinstance(name, str) and self.secret_parameters.search(name)]
        if not secret:
            return fields
        fields = fields.copy()
        for name in secret:
            fields[name] = self.cleansed_substitute
        return fields

    def get_traceback_frame_variables(self, request, tb_frame):
        """Hide secret-named and JWT-carrying variables of every frame; Django's report calls this per frame."""
        cleansed = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            value = self.cleanse_setting(name, value)
            cleansed.append((name, self.cleansed_substitute if self._carries_jwt(value) else value))
        return cleansed

    @staticmethod
    def _carries_jwt(value):
        try:
            return bool(JWT.search(repr(value)))
        except Exception:  # a broken __repr__ must not break the error report
            return True
