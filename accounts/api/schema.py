"""The OpenAPI description of the bearer authentication: an access token, or the client-credentials grant."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from ..cognito.endpoints import cognito_endpoints
from .permissions import full_scope

#: The resource server's scopes and what each lets a caller do (config/cognito.toml declares the same).
SCOPES = {
    "users.read": "Read site users by sub or email (machine clients; people need a staff group too).",
    "sessions.read": "List the caller's own site sessions.",
    "sessions.write": "End one of the caller's own site sessions.",
}


class CognitoBearerScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.CognitoBearerAuthentication"
    name = ["cognitoAccessToken", "cognitoClientCredentials"]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "A Cognito access token (never an ID token) from one of the accepted app clients.",
            },
            {
                "type": "oauth2",
                "description": "Machine clients: the client-credentials grant at the user pool's token endpoint.",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": cognito_endpoints().token,
                        "scopes": {full_scope(name): text for name, text in SCOPES.items()},
                    }
                },
            },
        ]

    def get_security_requirement(self, auto_schema):
        scopes = [full_scope(name) for name in getattr(auto_schema.view, "required_scopes", ())]
        if getattr(auto_schema.view, "required_plans", ()):
            return [{"cognitoAccessToken": scopes}]  # a plan is a person's claim: machine tokens have none
        return [{"cognitoAccessToken": scopes}, {"cognitoClientCredentials": scopes}]


class SessionCSRFScheme(SessionScheme):
    """The signed-in browser session (a cookie), as drf-spectacular describes DRF's own SessionAuthentication."""

    target_class = "accounts.api.authentication.SessionCSRFAuthentication"
