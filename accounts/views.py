"""The site's own pages: home, and the account page with its sessions."""

import json
import logging

import jwt
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import claims as site_claims
from .federation import providers
from .models import UserSession
from .sessions import encryption, records
from .signin.views import SIGN_IN_PROVIDER_KEY, cognito_logout_url, sign_out

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html")


@never_cache
@login_required
def account(request):
    record = records.current_session(request)
    id_token = encryption.decrypt(record.id_token) if record else ""
    access_token = encryption.decrypt(record.access_token) if record else ""
    claims = _claims(id_token)
    provider = providers.sign_in_provider(claims, request.session.get(SIGN_IN_PROVIDER_KEY, ""))
    return render(
        request,
        "accounts/account.html",
        {
            "session_record": record,
            "sessions": request.user.site_sessions.filter(expires_at__gt=timezone.now()),
            "id_token_claims": _decoded_payload(id_token),
            "access_token_claims": _decoded_payload(access_token),
            # Verified when the session got it (sign-in or renewal), like the payloads shown below.
            "plan": site_claims.plan_name(_claims(access_token)),
            "sign_in_provider": providers.provider_label(provider),
            "linked_providers": [providers.provider_label(name) for name in providers.linked_providers(claims)],
            "relay_email": providers.is_relay_email(request.user.email),
        },
    )


@login_required
@require_POST
def sign_out_everywhere(request):
    """Sign the user out of Cognito everywhere (GlobalSignOut), then end every session here."""
    logout_url = cognito_logout_url(request)
    if not records.user_global_sign_out(request=request):
        messages.warning(
            request,
            "Cognito could not be told to sign you out everywhere; you are signed out of this site on every device.",
        )
    return redirect(logout_url)


@login_required
@require_POST
def session_end(request, pk):
    """End one of the user's own sessions on this site, revoking its refresh token."""
    record = get_object_or_404(UserSession, pk=pk, user=request.user)
    if record.session_key == request.session.session_key:
        return sign_out(request)
    records.session_revoke(record=record)
    records.user_sessions_end(user=request.user, only_session_key=record.session_key)
    messages.success(request, "That session has ended.")
    return redirect("account")


def _claims(token):
    """Return a token's claims without checking its signature (it was verified at sign-in)."""
    try:
        return jwt.decode(token, options={"verify_signature": False}) if token else {}
    except jwt.InvalidTokenError:
        return {}


def _decoded_payload(token):
    """Return a token's payload as pretty JSON, without its signature.

    The token was verified at sign-in; this only shows what it says, which is
    what the Cognito docs mean by decoding a token from Base64.
    """
    claims = _claims(token)
    return json.dumps(claims, indent=2, sort_keys=True) if claims else ""
