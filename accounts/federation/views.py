"""The staff page that links a federated sign-in to the same person's email/password account."""

import logging

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ..exceptions import CognitoError, LinkingUnavailable
from . import providers
from .linking import federated_user_link

logger = logging.getLogger(__name__)


def link_candidates():
    """Return (federated user, native user) pairs that share an email address."""
    federated_names = Q()
    for name in [*providers.PROVIDER_LABELS, *providers.saml_providers()]:
        federated_names |= Q(cognito_username__istartswith=f"{name}_")
    users = get_user_model().objects.exclude(email="")
    federated = list(users.filter(federated_names).order_by("email", "pk"))
    natives = {}
    for user in users.exclude(federated_names).filter(email__in={u.email for u in federated}).order_by("pk"):
        natives.setdefault(user.email.lower(), user)
    return [(user, natives[user.email.lower()]) for user in federated if user.email.lower() in natives]


def link_target(user):
    """Return the native user ``user`` (a federated user) could be linked to, or None."""
    return next((native for federated, native in link_candidates() if federated.pk == user.pk), None)


@staff_member_required
@permission_required("accounts.link_cognitouser", raise_exception=True)
@require_http_methods(["GET", "POST"])
def link_accounts(request):
    """List federated users that share an email with a native user; POST links one pair."""
    status = 200
    unavailable = False
    if request.method == "POST":
        try:
            federated_pk, native_pk = int(request.POST["federated"]), int(request.POST["native"])
        except (KeyError, ValueError):
            return HttpResponseBadRequest("Choose a pair of users to link.")
        federated = get_object_or_404(get_user_model(), pk=federated_pk)
        native = get_object_or_404(get_user_model(), pk=native_pk)
        try:
            result = federated_user_link(federated=federated, native=native, actor=request.user)
        except LinkingUnavailable as exc:
            unavailable, status = True, 503
            messages.error(request, str(exc))
        except CognitoError as exc:
            messages.error(request, f"Could not link {federated} to {native}: {exc}")
            status = 400
        else:
            label = providers.provider_label(result.provider)
            messages.success(request, f"Linked: {label} sign-ins now land in {result.user}'s account.")
            return redirect("link_accounts")
    return render(
        request,
        "accounts/link_accounts.html",
        {"candidates": link_candidates(), "unavailable": unavailable},
        status=status,
    )
