"""Keep tokens and secrets out of Django's error reports.

``@sensitive_variables`` only covers the functions it decorates; a token can
sit in any frame of a traceback (mozilla-django-oidc's ``authenticate`` holds
the token response, for one). This filter also hides any variable whose name
says it holds a secret and any value that carries a JWT.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

SECRET_NAMES = re.compile(r"token|secret|password|verifier|credential|payload|answer|key", re.IGNORECASE)
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+")


class CognitoExceptionReporterFilter(SafeExceptionReporterFilter):
    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleansed_substitute if self._holds_secret(name, value) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    @staticmethod
    def _holds_secret(name, value):
        if SECRET_NAMES.search(name):
            return True
        try:
            return bool(JWT.search(repr(value)))
        except Exception:
            return True
