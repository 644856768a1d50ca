"""The browser sign-in through Cognito's hosted UI: the choices page, the library's views, sign-out."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from ..cognito.endpoints import cognito_endpoints
from ..exceptions import CognitoError, CognitoUnavailable
from ..federation import connect, providers
from ..sessions import records
from .oidc import oidc_setting

logger = logging.getLogger(__name__)

SIGN_IN_PROVIDER_KEY = "cognito_sign_in_provider"

# What Cognito's error= values mean to the person in front of the browser.
# https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
CALLBACK_ERRORS = {
    "access_denied": "Sign-in was cancelled or access was denied.",
    "invalid_request": "The sign-in request could not be completed.",
    "unauthorized_client": "This site is not allowed to sign you in that way.",
    "invalid_scope": "This site asked for access it is not allowed.",
    "server_error": "The sign-in service had a problem.",
    "temporarily_unavailable": "The sign-in service is busy.",
    "login_required": "You need to sign in again.",
}


def sign_in(request):
    """Offer each configured identity provider and the hosted UI; with none, go straight to the hosted UI."""
    next_url = _safe_next(request, default="")
    query = {"next": next_url} if next_url else {}
    authenticate = reverse("oidc_authentication_init")
    email_url = f"{authenticate}?{urlencode(query)}" if query else authenticate
    offered = providers.configured_providers()
    if not offered:
        return redirect(email_url)
    choices = [(p.label, f"{authenticate}?{urlencode({**query, 'provider': p.name})}") for p in offered]
    return render(request, "accounts/sign_in.html", {"choices": choices, "email_url": email_url})


def _safe_next(request, *, default):
    """Return ``?next=`` if it stays on this site, else ``default``."""
    next_url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return next_url
    return default


@require_POST
def sign_out(request):
    """Revoke the refresh token, end the Django session, then end the hosted-UI session at Cognito's /logout."""
    if not request.user.is_authenticated:
        return redirect("home")
    logout_url = cognito_logout_url(request)
    records.session_sign_out(request=request)
    return redirect(logout_url)


class CognitoAuthenticateView(OIDCAuthenticationRequestView):
    """Send the browser to Cognito's authorize endpoint with state, nonce and PKCE.

    With ``?provider=Google`` (a configured provider), Cognito skips its own
    page and sends the browser straight to that provider.
    """

    get_settings = staticmethod(oidc_setting)

    def get_extra_params(self, request):
        params = dict(super().get_extra_params(request))
        provider = request.GET.get("provider", "")
        if not providers.is_offered(provider):
            request.session.pop(SIGN_IN_PROVIDER_KEY, None)
            return params
        # Remembered so the account page can tell a linked user's sign-in route.
        request.session[SIGN_IN_PROVIDER_KEY] = provider
        return {**params, "identity_provider": provider}


class CognitoCallbackView(OIDCAuthenticationCallbackView):
    """Finish sign-in; every failure becomes a plain page, never a 500."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request):
        error = request.GET.get("error")
        if error:
            logger.info("Cognito returned error=%s to the callback", error[:64])
            # Spend the state so it cannot be replayed. Unlike the library, do not
            # sign anyone out: a cross-site link to this URL must not end a session.
            states = request.session.get("oidc_states", {})
            if states.pop(request.GET.get("state", ""), None) is not None:
                request.session["oidc_states"] = states
            return _sign_in_problem(
                request,
                title="Sign-in did not complete",
                message=CALLBACK_ERRORS.get(error, "The sign-in service reported a problem."),
                status=400,
            )
        try:
            return super().get(request)
        except CognitoUnavailable:
            return _sign_in_problem(
                request,
                title="Sign-in is unavailable right now",
                message="We could not reach the sign-in service. Please try again in a few minutes.",
                status=503,
            )
        except (CognitoError, SuspiciousOperation) as exc:
            # The reason was logged where it was found; the token never is.
            logger.info("Sign-in failed: %s", type(exc).__name__)
            return self.login_failure()

    @property
    def success_url(self):
        url = super().success_url
        # Never send a fresh sign-in back into the sign-in machinery itself.
        return resolve_url(settings.LOGIN_REDIRECT_URL) if url.startswith("/oidc/") else url

    def login_success(self):
        request = self.request
        if request.user.is_authenticated and request.user != self.user:
            # Someone else was signed in in this browser: end their session
            # properly (revoking its refresh token), keeping where to go next.
            next_url = request.session.get("oidc_login_next")
            # An offer to connect a social sign-in survives the password sign-in it asked for.
            pending_link = request.session.get(connect.PENDING_LINK_KEY)
            records.session_sign_out(request=request)
            request.session["oidc_login_next"] = next_url
            if pending_link is not None:
                request.session[connect.PENDING_LINK_KEY] = pending_link
        response = super().login_success()
        if records.signed_in_now(request):
            # The same user signed in again: Django skipped the login, so record the new tokens here.
            records.session_record(request=request, user=self.user)
        if connect.connect_offer(request=request, user=self.user):
            return redirect("connect_offer")
        return response

    def login_failure(self):
        return _sign_in_problem(
            self.request,
            title="Sign-in failed",
            message="We could not sign you in. Please try again.",
            status=400,
        )


def _sign_in_problem(request, *, title, message, status):
    return render(
        request,
        "accounts/sign_in_problem.html",
        {"title": title, "message": message, "retry_url": reverse("sign_in")},
        status=status,
    )


def cognito_logout_url(request):
    """Return Cognito's /logout URL, which ends the hosted-UI session and comes back here.

    ``logout_uri`` must be one of the app client's allowed sign-out URLs.
    https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html
    """
    query = urlencode(
        {
            "client_id": settings.COGNITO_CLIENT_ID,
            "logout_uri": request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL)),
        }
    )
    return f"{cognito_endpoints().logout}?{query}"


def admin_login(request):
    """Stand in for the admin's password form: staff sign in through Cognito.

    A signed-in user without staff access gets a plain refusal instead of a
    loop back through the sign-in flow.
    """
    next_url = _safe_next(request, default=reverse("admin:index"))
    if not request.user.is_authenticated:
        return redirect(f"{reverse('oidc_authentication_init')}?{urlencode({'next': next_url})}")
    if request.user.is_active and request.user.is_staff:
        return redirect(next_url)
    return render(request, "accounts/admin_refused.html", status=403)
