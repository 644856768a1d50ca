"""The site's own pages: home, and the account page with its sessions."""

import json
import logging

import jwt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import claims as site_claims
from .exceptions import CognitoError
from .federation import providers
from .models import UserSession
from .selfservice import services as selfservice
from .selfservice.devices import device_name
from .sessions import encryption, records
from .signin.views import SIGN_IN_PROVIDER_KEY, cognito_logout_url, sign_out

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html")


@never_cache
@login_required
def account(request):
    """The person's profile: who they are, their security, their sessions, and (collapsed) their tokens' payloads."""
    record = records.current_session(request)
    id_token = encryption.decrypt(record.id_token) if record else ""
    access_token = encryption.decrypt(record.access_token) if record else ""
    claims = _claims(id_token)
    provider = providers.sign_in_provider(claims, request.session.get(SIGN_IN_PROVIDER_KEY, ""))
    sessions = list(request.user.site_sessions.filter(expires_at__gt=timezone.now()).order_by("-last_seen"))
    for item in sessions:
        item.device = device_name(item.user_agent)
    return render(
        request,
        "accounts/account.html",
        {
            "session_record": record,
            "sessions": sessions,
            "id_token_claims": _decoded_payload(id_token),
            "access_token_claims": _decoded_payload(access_token),
            # Verified when the session got it (sign-in or renewal), like the payloads shown below.
            "plan": site_claims.plan_name(_claims(access_token)),
            "sign_in_provider": providers.provider_label(provider),
            "linked_providers": [providers.provider_label(name) for name in providers.linked_providers(claims)],
            "relay_email": providers.is_relay_email(request.user.email),
            "group_words": _group_words(request.user),
            "native": selfservice.is_native(request.user),
            **_security(request),
        },
    )


def _group_words(user):
    """Return (plain words, group name) for each of the user's groups: what the group lets them do here."""
    words = []
    for name in user.groups.values_list("name", flat=True):
        if name in settings.COGNITO_SUPERUSER_GROUPS:
            words.append(("Administrator: full access", name))
        elif name in settings.COGNITO_STAFF_GROUPS:
            words.append(("Staff: may use the admin", name))
        elif name == "members":
            words.append(("Member", name))
        else:
            words.append((name.replace("-", " ").replace("_", " ").capitalize(), name))
    return words


def _security(request):
    """Return the MFA state and connected sign-ins as Cognito has them now (one GetUser), or say it cannot tell."""
    try:
        own = selfservice.own_user_read(request=request)
    except CognitoError as exc:
        logger.warning("The account page could not read the Cognito user: %s", exc.code or type(exc).__name__)
        return {"security_known": False, "mfa_on": False, "connected": []}
    return {
        "security_known": True,
        "mfa_on": "SOFTWARE_TOKEN_MFA" in own.mfa_methods,
        "connected": selfservice.connected_from(own),
    }


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
