"""The pages of a social sign-in that meets an existing account: the offer, keeping them apart, connecting."""

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..exceptions import CognitoError, NotAllowed
from . import connect

logger = logging.getLogger(__name__)


@never_cache
@login_required
def connect_offer_page(request):
    """Tell the person an account has this email, and offer the password sign-in that connects the two."""
    pending = connect.pending_link(request)
    if pending is None or pending.federated_pk != request.user.pk:
        return redirect("home")
    sign_in_url = f"{reverse('oidc_authentication_init')}?{urlencode({'next': reverse('connect_finish')})}"
    return render(request, "accounts/connect_offer.html", {"pending": pending, "sign_in_url": sign_in_url})


@login_required
@require_POST
def connect_decline(request):
    """Keep the federated account separate, knowingly."""
    pending = connect.pending_link(request)
    if pending is not None and pending.federated_pk == request.user.pk:
        connect.connect_declined(request=request, user=request.user)
        messages.info(request, f"You are using a separate account for your {pending.label} sign-in.")
    return redirect("home")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def connect_finish(request):
    """After the password sign-in: confirm, then link the provider identity and merge the two site accounts."""
    pending = connect.pending_link(request)
    if pending is None:
        return _problem(
            request,
            title="Nothing to connect",
            message="This offer has expired or was already used. Sign in with your social account again to see it.",
            status=400,
        )
    if pending.federated_pk == request.user.pk:
        return redirect("connect_offer")
    if request.method == "POST":
        try:
            result = connect.account_connect(request=request, pending=pending)
        except NotAllowed:
            return render(request, "accounts/connect_refused.html", {"pending": pending}, status=403)
        except CognitoError as exc:
            logger.warning("Connecting a sign-in failed: %s", type(exc).__name__)
            connect.pending_link_forget(request)
            return _problem(request, title="Could not connect", message=exc.plain, status=400)
        messages.success(request, f"{pending.label} is connected: your {pending.label} sign-ins now open this account.")
        logger.info("Connected %s to %s (%d rows moved)", pending.provider, request.user.cognito_sub, result.moved)
        return redirect("account")
    return render(request, "accounts/connect_finish.html", {"pending": pending})


def _problem(request, *, title, message, status):
    return render(
        request,
        "accounts/sign_in_problem.html",
        {"title": title, "message": message, "retry_url": reverse("sign_in")},
        status=status,
    )
