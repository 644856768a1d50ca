from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from . import admin_cognito  # noqa: F401  (registers the Cognito users and groups pages)
from .models import User


@admin.register(User)
class CognitoUserAdmin(UserAdmin):
    """Django's user admin, showing the Cognito identity; passwords live in Cognito."""

    list_display = ("email", "first_name", "last_name", "cognito_username", "is_staff", "is_superuser", "last_login")
    search_fields = ("email", "first_name", "last_name", "cognito_username", "cognito_sub")
    readonly_fields = ("cognito_sub", "cognito_username", "last_login", "date_joined")
    fieldsets = (
        ("Cognito", {"fields": ("cognito_sub", "cognito_username")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Permissions",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": "Groups and the staff and superuser flags are set from cognito:groups at every sign-in.",
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
