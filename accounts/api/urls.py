"""The API under /api/v1/ (included by accounts/urls.py)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from . import schema, views

# Imported for its side effect: it registers the bearer security schemes with drf-spectacular.
_ = schema

urlpatterns = [
    path("me", views.MeView.as_view(), name="api_me"),
    path("me/plan", views.MyPlanView.as_view(), name="api_my_plan"),
    path("me/sessions", views.MySessionsView.as_view(), name="api_my_sessions"),
    path("me/sessions/<int:pk>", views.MySessionView.as_view(), name="api_my_session"),
    path("users", views.UserListView.as_view(), name="api_users"),
    path("users/<str:sub>", views.UserDetailView.as_view(), name="api_user"),
    # The description of the API is public, as API Gateway's exported ones are.
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="api_schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", authentication_classes=[], permission_classes=[AllowAny]
        ),
        name="api_docs",
    ),
]
