"""The small, typed values the seam returns instead of boto3's dicts."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UserPool:
    """A user pool; what DescribeUserPool says of it, when it was read with ``describe_pool``."""

    id: str
    name: str
    domain: str = ""
    #: DescribeUserPool's ``EstimatedNumberOfUsers``: a count Cognito updates now and then, not a live one.
    estimated_users: int = 0
    password_policy: "PasswordPolicy" = None
    #: The attribute schema, a tuple of PoolAttribute.
    attributes: tuple = ()
    #: AdminCreateUserConfig.AllowAdminCreateUserOnly: only admins create users (sign-up is by invitation).
    admin_create_user_only: bool = False


@dataclass(frozen=True)
class ResourceServer:
    """A resource server of the pool: the API its custom scopes are named after."""

    identifier: str
    name: str
    #: The scope names without the identifier, e.g. ("users.read",).
    scopes: tuple = ()


@dataclass(frozen=True)
class AppClient:
    id: str
    name: str
    secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class PoolGroup:
    name: str
    description: str = ""
    precedence: int | None = None
    created: object = None
    modified: object = None
    #: The IAM role the identity pool may give members (cognito:roles in their ID token).
    role_arn: str = ""


@dataclass(frozen=True)
class IdentityProvider:
    name: str
    type: str


@dataclass(frozen=True)
class PoolUser:
    """A user of the pool as the admin API returns it (not the site's Django user, nor the table-less admin model)."""

    username: str
    sub: str
    attributes: dict
    enabled: bool
    status: str
    created: object = None
    modified: object = None
    preferred_mfa: str = ""
    mfa_methods: tuple = ()


@dataclass(frozen=True)
class UsersPage:
    """One page of ListUsers or ListUsersInGroup; ``next_token`` is empty on the last page."""

    users: list
    next_token: str = ""


@dataclass(frozen=True)
class PasswordPolicy:
    minimum_length: int = 8
    require_uppercase: bool = False
    require_lowercase: bool = False
    require_numbers: bool = False
    require_symbols: bool = False


def password_policy_words(policy: "PasswordPolicy | None") -> str:
    """Return the pool's password policy as one plain sentence, for a form to show before anyone types.

    "At least 12 characters, with an uppercase letter, a lowercase letter, a number and a symbol."
    """
    policy = policy or PasswordPolicy()
    needs = [
        words
        for required, words in (
            (policy.require_uppercase, "an uppercase letter"),
            (policy.require_lowercase, "a lowercase letter"),
            (policy.require_numbers, "a number"),
            (policy.require_symbols, "a symbol"),
        )
        if required
    ]
    sentence = f"At least {policy.minimum_length} characters"
    if needs:
        listed = needs[0] if len(needs) == 1 else f"{', '.join(needs[:-1])} and {needs[-1]}"
        sentence += f", with {listed}"
    return sentence + "."


@dataclass(frozen=True)
class PoolAttribute:
    name: str
    mutable: bool = True
    required: bool = False


@dataclass(frozen=True)
class AuthEvent:
    created: object
    event_type: str
    response: str
    risk: str = ""
    ip_address: str = ""
    city: str = ""


# -- identity pools, IAM, STS and S3 (accounts.cognito.identity, accounts.cognito.storage) ---------------


@dataclass(frozen=True)
class AwsCredentials:
    """Temporary AWS credentials for one identity; the secret parts never show in a repr."""

    access_key_id: str
    secret_key: str = field(repr=False)
    session_token: str = field(repr=False)
    #: When AWS stops accepting them (an aware datetime).
    expiration: object = None
    #: The identity pool's identity id (``region:uuid``), not the user pool's ``sub``.
    identity_id: str = ""


@dataclass(frozen=True)
class OpenIdToken:
    """An OpenID token the identity pool issued for an identity (basic and developer flows)."""

    identity_id: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class IdentityPoolProvider:
    provider_name: str
    client_id: str
    server_side_token_check: bool = False


@dataclass(frozen=True)
class IdentityPool:
    id: str
    name: str
    allow_unauthenticated: bool = False
    allow_classic_flow: bool = False
    developer_provider_name: str = ""
    providers: tuple = ()


@dataclass(frozen=True)
class IdentityPoolRoles:
    roles: dict
    role_mappings: dict


@dataclass(frozen=True)
class Role:
    name: str
    arn: str
    trust_policy: dict


@dataclass(frozen=True)
class CallerIdentity:
    """What STS GetCallerIdentity says of a set of credentials."""

    arn: str
    account: str
    user_id: str


@dataclass(frozen=True)
class StoredFile:
    """One object of a person's folder: ``name`` is the part after the folder's prefix."""

    key: str
    name: str
    size: int
    modified: object = None


@dataclass(frozen=True)
class FileBody:
    name: str
    content_type: str
    size: int
    body: bytes = field(repr=False)


@dataclass(frozen=True)
class SignUpResult:
    """What SignUp answers: the new user's ``sub``, and whether Cognito confirmed them already (a trigger may)."""

    user_sub: str
    confirmed: bool = False


@dataclass(frozen=True)
class CodeDelivery:
    """Where Cognito says it sent a code: a masked address ("n***@e***"), and how (EMAIL, SMS)."""

    destination: str = ""
    medium: str = ""
