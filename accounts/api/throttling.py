"""Per-client throttling: a machine client, a person (by sub) or an address each get their own count."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from .principals import BearerToken


class ClientRateThrottle(SimpleRateThrottle):
    """Allow ``COGNITO_API_THROTTLE_RATE`` requests per caller; DRF answers 429 with ``Retry-After``."""

    scope = "api-client"

    def __init__(self):
        self.cache = caches[settings.COGNITO_API_CACHE]
        super().__init__()

    def get_rate(self):
        return settings.COGNITO_API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, BearerToken):
            ident = f"{request.auth.kind}:{request.auth.client_id}:{request.auth.sub}"
        elif request.user and request.user.is_authenticated:
            ident = f"session:{request.user.pk}"
        else:
            ident = f"address:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
