from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from . import policy
from .models import User
from .pooladmin import admin as pooladmin_admin  # noqa: F401  (registers the Cognito users and groups pages)

#: What decides who may do what. Cognito's groups set these at every sign-in; a
#: staff member who could edit them could make themselves a superuser.
AUTHORITY_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")
#: Copies of Cognito's attributes, rewritten at every sign-in, renewal and sync. Read-only for
#: everyone: linking compares emails, so a hand-edited one would be false evidence.
PROFILE_FIELDS = ("first_name", "last_name", "email")


@admin.register(User)
class CognitoUserAdmin(UserAdmin):
    """Django's user admin, showing the Cognito identity; passwords live in Cognito.

    Only superusers may edit the flags, groups and permissions, and only they
    may change or delete a staff or superuser row (accounts.policy).
    """

    list_display = ("email", "first_name", "last_name", "cognito_username", "is_staff", "is_superuser", "last_login")
    search_fields = ("email", "first_name", "last_name", "cognito_username", "cognito_sub", "aws_identity_id")
    readonly_fields = (
        "cognito_sub",
        "cognito_username",
        "aws_identity_id",
        *PROFILE_FIELDS,
        "last_login",
        "date_joined",
    )
    fieldsets = (
        ("Cognito", {"fields": ("cognito_sub", "cognito_username")}),
        (
            "AWS identity",
            {
                "fields": ("aws_identity_id",),
                "description": (
                    "The identity pool's id for this person (region:uuid), stored at their first GetId. It names "
                    "their folder of the files bucket; it is not the Cognito sub above."
                ),
            },
        ),
        (
            "Personal info",
            {"fields": PROFILE_FIELDS, "description": "From Cognito; change them in the Cognito user admin."},
        ),
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

    def has_add_permission(self, request):
        # Sign-in creates users; one made by hand could hold the username a person's first sign-in needs.
        return policy.acts_as_superuser(request.user) and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        """Write only what the form changed: a full save of a row read earlier would undo a concurrent sign-in."""
        if not change:
            return super().save_model(request, obj, form, change)
        columns = [name for name in form.changed_data if name in {f.name for f in obj._meta.concrete_fields}]
        if columns:
            obj.save(update_fields=columns)

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


# The admin is where staff manage the pool's people, not "Django administration".
admin.site.site_header = "Cognito user administration"
admin.site.site_title = "Cognito user admin"
admin.site.index_title = "Users, groups and sign-in"
# The index also offers the staff pages outside the admin (Link accounts).
admin.site.index_template = "admin/accounts/index.html"

admin.site.unregister(Group)


@admin.register(Group)
class PermissionGroupAdmin(GroupAdmin):
    """Django's groups, which Cognito's groups pick by name: superusers alone add, rename, delete or grant.

    "Change group" would otherwise grant every permission, and renaming a group
    would hand its permissions to whoever is in the Cognito group of the new name.
    """

    def has_add_permission(self, request):
        return policy.acts_as_superuser(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return policy.acts_as_superuser(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return policy.acts_as_superuser(request.user) and super().has_delete_permission(request, obj)
