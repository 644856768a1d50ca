"""The staff page that links a federated sign-in to the same person's email/password account."""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from . import federation
from .exceptions import CognitoError
from .linking import LinkingUnavailable, federated_user_link

logger = logging.getLogger(__name__)


def link_candidates():
    """Return (federated user, native user) pairs that share an email address."""
    users = list(get_user_model().objects.exclude(email="").order_by("email", "pk"))
    natives = {}
    for user in users:
        if not federation.sign_in_provider({"cognito:username": user.cognito_username}):
            natives.setdefault(user.email.lower(), user)
    return [
        (user, natives[user.email.lower()])
        for user in users
        if federation.sign_in_provider({"cognito:username": user.cognito_username}) and user.email.lower() in natives
    ]


@permission_required("accounts.change_user", raise_exception=True)
@require_http_methods(["GET", "POST"])
def link_accounts(request):
    """List federated users that share an email with a native user; POST links one pair."""
    status = 200
    unavailable = False
    if request.method == "POST":
        User = get_user_model()
        federated = get_object_or_404(User, pk=request.POST.get("federated"))
        native = get_object_or_404(User, pk=request.POST.get("native"))
        try:
            result = federated_user_link(federated=federated, native=native)
        except LinkingUnavailable:
            unavailable, status = True, 503
        except CognitoError as exc:
            messages.error(request, f"Could not link {federated} to {native}: {exc}")
            status = 400
        else:
            label = federation.provider_label(result.provider)
            messages.success(request, f"Linked: {label} sign-ins now land in {result.user}'s account.")
            return redirect("link_accounts")
    return render(
        request,
        "accounts/link_accounts.html",
        {"candidates": link_candidates(), "unavailable": unavailable},
        status=status,
    )
