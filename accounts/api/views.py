"""The API's views: each parses input, calls one service or selector, and picks a response."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ..models import User, UserSession
from ..sessions import records
from .authentication import CognitoBearerAuthentication
from .permissions import PAID_PLANS, STAFF_GROUPS, HasPlan, HasScopes
from .principals import BearerToken, StatelessPrincipal
from .serializers import CallerSerializer, EmailQuerySerializer, PlanSerializer, SessionSerializer, SiteUserSerializer


def _caller(request):
    """Describe the caller from the token, or from the browser session's user."""
    user, token = request.user, request.auth if isinstance(request.auth, BearerToken) else None
    site_user = not isinstance(user, StatelessPrincipal)
    if token is not None:
        groups, scopes = list(token.groups), sorted(token.scopes)
        kind, sub, username, client_id = token.kind, token.sub, token.username, token.client_id
    else:
        groups, scopes = list(user.groups.values_list("name", flat=True)), []
        kind, sub, username, client_id = "user", user.cognito_sub or "", user.cognito_username, ""
    return {
        "kind": kind,
        "sub": sub,
        "username": username,
        "email": user.email if site_user else "",
        "groups": groups,
        "scopes": scopes,
        "client_id": client_id,
        "site_user": site_user,
        "permissions": sorted(user.get_all_permissions()) if site_user else [],
    }


class MeView(GenericAPIView):
    """Who is calling. Any valid access token will do."""

    serializer_class = CallerSerializer

    def get(self, request):
        return Response(CallerSerializer(_caller(request)).data)


class MyPlanView(GenericAPIView):
    """The caller's plan, from the access token's plan claim; only people on a paid plan get an answer."""

    # A bearer token only: the plan is a claim of the access token, which a browser session does not present.
    authentication_classes = [CognitoBearerAuthentication]
    permission_classes = [HasScopes, HasPlan]
    required_plans = PAID_PLANS
    serializer_class = PlanSerializer

    def get(self, request):
        return Response(PlanSerializer({"plan": request.auth.plan}).data)


class MySessionsView(GenericAPIView):
    """The caller's sessions on the site (a person who never signed in to the site has none)."""

    required_scopes = ("sessions.read",)
    serializer_class = SessionSerializer

    @extend_schema(responses=SessionSerializer(many=True))
    def get(self, request):
        if isinstance(request.user, StatelessPrincipal):
            return Response([])
        sessions = UserSession.objects.filter(user=request.user, expires_at__gt=timezone.now())
        context = {"session_key": request.session.session_key if request.auth is None else None}
        return Response(SessionSerializer(sessions, many=True, context=context).data)


class MySessionView(GenericAPIView):
    """End one of the caller's site sessions, revoking its refresh token (as the account page does)."""

    required_scopes = ("sessions.write",)
    serializer_class = SessionSerializer

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        if isinstance(request.user, StatelessPrincipal):
            return Response(status=status.HTTP_404_NOT_FOUND, data={"detail": "No such session."})
        record = get_object_or_404(UserSession, pk=pk, user=request.user)
        records.session_revoke(record=record)
        records.user_sessions_end(user=request.user, only_session_key=record.session_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserDetailView(GenericAPIView):
    """A site user by Cognito ``sub``, for back-end services (a person's token needs a staff group too)."""

    required_scopes = ("users.read",)
    required_groups = STAFF_GROUPS
    serializer_class = SiteUserSerializer

    def get(self, request, sub):
        user = get_object_or_404(User.objects.prefetch_related("groups"), cognito_sub=sub)
        return Response(SiteUserSerializer(user).data)


class UserListView(GenericAPIView):
    """Site users with this email address (federated sign-ins can share one)."""

    required_scopes = ("users.read",)
    required_groups = STAFF_GROUPS
    serializer_class = SiteUserSerializer

    @extend_schema(parameters=[OpenApiParameter("email", str, required=True)], responses=SiteUserSerializer(many=True))
    def get(self, request):
        query = EmailQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        users = User.objects.filter(email__iexact=query.validated_data["email"]).prefetch_related("groups")
        return Response(SiteUserSerializer(users.order_by("pk"), many=True).data)
