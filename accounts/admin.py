from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from . import (
    admin_cognito,  # noqa: F401  (registers the Cognito users and groups pages)
    policy,
)
from .models import User

#: What decides who may do what. Cognito's groups set these at every sign-in; a
#: staff member who could edit them could make themselves a superuser.
AUTHORITY_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class CognitoUserAdmin(UserAdmin):
    """Django's user admin, showing the Cognito identity; passwords live in Cognito.

    Only superusers may edit the flags, groups and permissions, and only they
    may change or delete a staff or superuser row (accounts.policy).
    """

    list_display = ("email", "first_name", "last_name", "cognito_username", "is_staff", "is_superuser", "last_login")
    search_fields = ("email", "first_name", "last_name", "cognito_username", "cognito_sub")
    readonly_fields = ("cognito_sub", "cognito_username", "last_login", "date_joined")
    fieldsets = (
        ("Cognito", {"fields": ("cognito_sub", "cognito_username")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Permissions",
            {
                "fields": AUTHORITY_FIELDS,
                "description": (
                    "Cognito decides these: groups and the staff and superuser flags are set from cognito:groups at "
                    "every sign-in, and Active follows whether the Cognito user exists and is enabled (disable "
                    "someone in the Cognito user admin). Only superusers can edit them here."
                ),
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if policy.acts_as_superuser(request.user):
            return fields
        return (*fields, *AUTHORITY_FIELDS)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._may_touch(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._may_touch(request, obj))

    def get_actions(self, request):
        # The bulk "delete selected" would skip the per-row check above.
        actions = super().get_actions(request)
        if not policy.acts_as_superuser(request.user):
            actions.pop("delete_selected", None)
        return actions

    @staticmethod
    def _may_touch(request, obj):
        return policy.acts_as_superuser(request.user) or not policy.site_user_is_privileged(obj)


admin.site.unregister(Group)


@admin.register(Group)
class PermissionGroupAdmin(GroupAdmin):
    """Django's groups; only superusers grant permissions, or "change group" would grant every permission."""

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if policy.acts_as_superuser(request.user) else (*fields, "permissions")
