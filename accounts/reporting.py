"""Keep tokens and secrets out of Django's error reports.

``@sensitive_variables`` only covers the functions it decorates; a token can
sit in any frame of a traceback (mozilla-django-oidc's ``authenticate`` holds
the token response, for one). This filter hides every frame variable whose
name says it holds a secret, secret-named keys inside dicts (as Django does
for settings), and any value that carries a JWT.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

JWT = re.compile(r"eyJ[\w-]+\.[\w-]+")


class CognitoExceptionReporterFilter(SafeExceptionReporterFilter):
    # Django's own list plus the names mozilla-django-oidc and this project give token-bearing values.
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|VERIFIER|CREDENTIAL|PAYLOAD|ANSWER", flags=re.IGNORECASE
    )

    def get_traceback_frame_variables(self, request, tb_frame):
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
