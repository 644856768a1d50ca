"""Which callers may use a view: its required scopes (any of, like API Gateway) and, for people, groups."""

from django.conf import settings
from rest_framework.permissions import BasePermission

from .errors import InsufficientScope
from .principals import BearerToken

#: ``required_groups = STAFF_GROUPS`` means the groups of ``COGNITO_STAFF_GROUPS``, read at request time.
STAFF_GROUPS = "staff groups"


def full_scope(name):
    """Return ``{COGNITO_API_IDENTIFIER}/{name}``: custom scopes are named after their resource server."""
    return f"{settings.COGNITO_API_IDENTIFIER}/{name}"


def _groups(view):
    groups = getattr(view, "required_groups", ())
    return tuple(settings.COGNITO_STAFF_GROUPS) if groups == STAFF_GROUPS else tuple(groups)


class HasScopes(BasePermission):
    """Allow an authenticated caller whose token carries one of ``view.required_scopes``.

    ``view.required_groups`` (any of) applies to people only: a user token must
    carry one of them in ``cognito:groups``, a browser session's user must be in
    one of the Django groups mirrored from them. Machine clients have no groups;
    the scope alone admits them. A browser session has no scopes: signing in to
    the site grants what the site's own client asks for.
    """

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers NotAuthenticated: 401 with the Bearer challenge
        token = request.auth if isinstance(request.auth, BearerToken) else None
        needed = [full_scope(name) for name in getattr(view, "required_scopes", ())]
        if token is not None and needed and not token.scopes.intersection(needed):
            raise InsufficientScope(scope=" ".join(needed))
        groups = _groups(view)
        if groups:
            if token is not None and token.kind == "client":
                return True
            have = set(token.groups) if token is not None else set(request.user.groups.values_list("name", flat=True))
            if not have.intersection(groups):
                raise InsufficientScope(
                    "This endpoint needs a member of one of these groups: " + ", ".join(groups),
                    scope=" ".join(needed),
                )
        return True


#: ``required_plans = PAID_PLANS`` means the plans of ``COGNITO_PAID_PLANS``, read at request time.
PAID_PLANS = "paid plans"


class HasPlan(BasePermission):
    """Allow a person whose access token carries one of ``view.required_plans`` in its plan claim.

    The claim is the PreTokenGeneration trigger's copy of the user's custom:plan
    (triggers/pre_token_generation.py), taken from the verified access token
    only. A browser session and a machine client carry no such token: refused.
    """

    def has_permission(self, request, view):
        plans = getattr(view, "required_plans", ())
        plans = tuple(settings.COGNITO_PAID_PLANS) if plans == PAID_PLANS else tuple(plans)
        if not plans:
            return True
        token = request.auth if isinstance(request.auth, BearerToken) else None
        if token is None or token.kind != "user" or token.plan not in plans:
            raise InsufficientScope("This endpoint needs an access token with one of these plans: " + ", ".join(plans))
        return True
