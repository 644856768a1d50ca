"""What the API answers, as DRF serializers (which also describe it in the OpenAPI document)."""

from rest_framework import serializers

from ..models import User, UserSession


class CallerSerializer(serializers.Serializer):
    """Who is calling: a person (``user``) or a machine client (``client``)."""

    kind = serializers.ChoiceField(choices=["user", "client"])
    sub = serializers.CharField()
    username = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    groups = serializers.ListField(child=serializers.CharField())
    scopes = serializers.ListField(child=serializers.CharField())
    client_id = serializers.CharField(allow_blank=True)
    site_user = serializers.BooleanField(help_text="Whether the caller has signed in to the site.")
    permissions = serializers.ListField(child=serializers.CharField(), help_text="Django permissions of a site user.")


class PlanSerializer(serializers.Serializer):
    plan = serializers.CharField(help_text="The access token's plan claim (the user's custom:plan).")


class SessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = UserSession
        fields = ["id", "user_agent", "created", "last_seen", "expires_at", "current"]

    def get_current(self, record) -> bool:
        return record.session_key == self.context.get("session_key")


class SiteUserSerializer(serializers.ModelSerializer):
    sub = serializers.CharField(source="cognito_sub")
    groups = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = User
        fields = ["sub", "cognito_username", "email", "first_name", "last_name", "is_active", "groups", "date_joined"]


class EmailQuerySerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
