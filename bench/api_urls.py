"""The site's URLs plus two bench-only ones: ``GET /api/v1/me`` with authentication switched off, and counters."""

from django.http import JsonResponse
from django.urls import path

from accounts.api.principals import BearerToken, ClientPrincipal
from accounts.api.views import MeView
from config.urls import urlpatterns as site_urlpatterns

#: Set by bench/api.py in the server process: the claims the open view pretends to have verified, and counters.
STATE = {"claims": None, "signature_checks": 0}


class OpenMeView(MeView):
    """``MeView`` with authentication switched off: the caller is set, not verified; everything else is the same."""

    authentication_classes = []

    def perform_authentication(self, request):
        token = BearerToken(STATE["claims"])
        request.user = ClientPrincipal(token)
        request.auth = token


def stats(request):
    return JsonResponse({"signature_checks": STATE["signature_checks"]})


urlpatterns = [
    path("bench/me-open", OpenMeView.as_view()),
    path("bench/stats", stats),
    *site_urlpatterns,
]
