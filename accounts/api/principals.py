"""Who calls the API: a site user, a person the site has never seen, or a machine client.

Only a site user is a Django user; the API never creates one. The other two
are stateless, built from the verified token on each request.
"""

from dataclasses import dataclass, field

from django.conf import settings

from .. import claims as site_claims


@dataclass(frozen=True)
class BearerToken:
    """The verified claims of an access token, as ``request.auth``."""

    claims: dict = field(repr=False)

    @property
    def kind(self) -> str:
        """Return ``client`` for a client-credentials token (no ``username``, ``sub`` is the client), else ``user``."""
        if "username" not in self.claims and self.claims.get("sub") == self.claims.get("client_id"):
            return "client"
        return "user"

    @property
    def sub(self) -> str:
        return self.claims["sub"]

    @property
    def client_id(self) -> str:
        return self.claims.get("client_id", "")

    @property
    def username(self) -> str:
        value = self.claims.get("username", "")
        return value if isinstance(value, str) else ""

    @property
    def scopes(self) -> frozenset:
        scope = self.claims.get("scope", "")
        return frozenset(scope.split()) if isinstance(scope, str) else frozenset()

    @property
    def plan(self) -> str:
        """Return the verified token's plan claim, type- and size-checked ("" when it has none)."""
        return site_claims.plan_name(self.claims)

    @property
    def groups(self) -> tuple:
        groups = self.claims.get("cognito:groups", [])
        if not isinstance(groups, list):
            return ()
        return tuple(g for g in groups if isinstance(g, str))


class StatelessPrincipal:
    """An authenticated caller with no Django user row: no permissions, never staff."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None
    email = ""

    def __init__(self, token: BearerToken):
        self.token = token
        self.cognito_sub = token.sub
        self.username = token.username or token.sub

    def get_all_permissions(self, obj=None):
        return set()

    def has_perm(self, perm, obj=None):
        return False

    def __str__(self):
        return self.username


class TokenUser(StatelessPrincipal):
    """A person signed in to Cognito who has never signed in to the site: their groups come from the token."""

    kind = "user"

    @property
    def is_staff(self):
        return any(group in settings.COGNITO_STAFF_GROUPS for group in self.token.groups)


class ClientPrincipal(StatelessPrincipal):
    """A machine client calling with a client-credentials token."""

    kind = "client"
