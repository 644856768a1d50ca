"""The one boto3 seam: every call to Cognito's user-pool API goes through here.

The client has timeouts and botocore's adaptive retry mode; vendor errors
become accounts.exceptions errors; each operation returns small dataclasses.
"""

import logging
from dataclasses import dataclass, field
from functools import lru_cache

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ReadTimeoutError
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from ..exceptions import (
    CognitoError,
    CognitoUnavailable,
    InvalidParameter,
    InvalidPassword,
    LimitExceeded,
    NotAvailable,
    NotFound,
    TooManyRequests,
    UnsupportedState,
    UsernameExists,
)

logger = logging.getLogger(__name__)


_ERRORS_BY_CODE = {
    "UnknownOperationException": NotAvailable,
    "UsernameExistsException": UsernameExists,
    "UserNotFoundException": NotFound,
    "ResourceNotFoundException": NotFound,
    "TooManyRequestsException": TooManyRequests,
    "InternalErrorException": CognitoUnavailable,
    "InvalidParameterException": InvalidParameter,
    "InvalidPasswordException": InvalidPassword,
    "LimitExceededException": LimitExceeded,
    "UnsupportedUserStateException": UnsupportedState,
    "UserPoolAddOnNotEnabledException": NotAvailable,
    # MiniStack's answer to a call it does not implement (UpdateGroup, for one).
    "InvalidAction": NotAvailable,
}


@dataclass(frozen=True)
class UserPool:
    id: str
    name: str
    domain: str = ""
    #: DescribeUserPool's ``EstimatedNumberOfUsers``: a count Cognito updates now and then, not a live one.
    estimated_users: int = 0


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


@dataclass(frozen=True)
class IdentityProvider:
    name: str
    type: str


@dataclass(frozen=True)
class CognitoUser:
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


@dataclass(frozen=True)
class PoolAttribute:
    name: str
    mutable: bool = True
    required: bool = False


@dataclass(frozen=True)
class PoolSettings:
    """What the admin needs to know of a pool: its password policy and attribute schema."""

    password_policy: PasswordPolicy
    attributes: tuple


@dataclass(frozen=True)
class AuthEvent:
    created: object
    event_type: str
    response: str
    risk: str = ""
    ip_address: str = ""
    city: str = ""


def _client_config():
    return Config(
        connect_timeout=settings.COGNITO_TIMEOUT,
        read_timeout=settings.COGNITO_TIMEOUT,
        retries={"mode": "adaptive", "max_attempts": 4},
    )


@lru_cache(maxsize=8)
def _boto_client(region, endpoint_url, timeout):
    kwargs = {"region_name": region, "config": _client_config()}
    if endpoint_url:
        # The local stack gets its own fixed keys so that real AWS credentials
        # in the environment are never sent to it.
        kwargs.update(
            endpoint_url=endpoint_url,
            aws_access_key_id=settings.COGNITO_LOCAL_ACCESS_KEY_ID,
            aws_secret_access_key=settings.COGNITO_LOCAL_SECRET_ACCESS_KEY,
        )
    return boto3.client("cognito-idp", **kwargs)


def _translate(exc, operation):
    """Return the project's exception for a botocore error."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", "")
        cls = _ERRORS_BY_CODE.get(code, CognitoError)
        return cls(f"{operation}: {message or code}", code=code)
    if isinstance(exc, (ConnectionError, ReadTimeoutError)):
        return CognitoUnavailable(f"{operation}: Cognito could not be reached ({type(exc).__name__})")
    return CognitoError(f"{operation}: {type(exc).__name__}")


def _user(raw):
    """Return a CognitoUser from AdminGetUser's, ListUsers' or AdminCreateUser's shape of a user."""
    attributes = {a["Name"]: a["Value"] for a in raw.get("UserAttributes", raw.get("Attributes", []))}
    return CognitoUser(
        username=raw["Username"],
        sub=attributes.get("sub", ""),
        attributes=attributes,
        enabled=raw.get("Enabled", True),
        status=raw.get("UserStatus", ""),
        created=raw.get("UserCreateDate"),
        modified=raw.get("UserLastModifiedDate"),
        # Cognito omits these when unset; MiniStack sends "" and []: treat both alike.
        preferred_mfa=raw.get("PreferredMfaSetting") or "",
        mfa_methods=tuple(raw.get("UserMFASettingList") or ()),
    )


def _group(raw):
    return PoolGroup(
        name=raw["GroupName"],
        description=raw.get("Description", "") or "",
        precedence=raw.get("Precedence"),
        created=raw.get("CreationDate"),
        modified=raw.get("LastModifiedDate"),
    )


class CognitoClient:
    """Typed wrappers around the user-pool API calls the site makes."""

    def __init__(self, *, region=None, endpoint_url=None):
        region = region or settings.COGNITO_REGION
        endpoint_url = settings.COGNITO_ENDPOINT_URL if endpoint_url is None else endpoint_url
        self.is_local = bool(endpoint_url)
        self._client = _boto_client(region, endpoint_url, settings.COGNITO_TIMEOUT)

    @sensitive_variables("kwargs")
    def _call(self, operation, **kwargs):
        try:
            return getattr(self._client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, operation) from exc

    def _paginate(self, operation, key, **kwargs):
        try:
            for page in self._client.get_paginator(operation).paginate(**kwargs):
                yield from page.get(key, [])
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, operation) from exc

    # -- pools -----------------------------------------------------------------

    def find_user_pools(self, name):
        return [
            UserPool(id=p["Id"], name=p["Name"])
            for p in self._paginate("list_user_pools", "UserPools", MaxResults=60)
            if p["Name"] == name
        ]

    def create_user_pool(self, **spec):
        pool = self._call("create_user_pool", **spec)["UserPool"]
        return UserPool(id=pool["Id"], name=pool["Name"], domain=pool.get("Domain", ""))

    def update_user_pool(self, pool_id, **spec):
        # UpdateUserPool resets every setting it is not given, so callers pass the
        # whole declared configuration, not a delta.
        spec.pop("PoolName", None)
        spec.pop("UsernameAttributes", None)  # immutable after creation
        spec.pop("UsernameConfiguration", None)  # likewise
        spec.pop("Schema", None)  # attributes can only be added, with AddCustomAttributes
        self._call("update_user_pool", UserPoolId=pool_id, **spec)

    def describe_user_pool(self, pool_id):
        pool = self._call("describe_user_pool", UserPoolId=pool_id)["UserPool"]
        return UserPool(
            id=pool["Id"],
            name=pool["Name"],
            domain=pool.get("Domain", "") or "",
            estimated_users=pool.get("EstimatedNumberOfUsers", 0) or 0,
        )

    def create_user_pool_domain(self, pool_id, prefix):
        self._call("create_user_pool_domain", UserPoolId=pool_id, Domain=prefix)

    # -- app clients -----------------------------------------------------------

    def find_app_clients(self, pool_id, name):
        return [
            AppClient(id=c["ClientId"], name=c["ClientName"])
            for c in self._paginate("list_user_pool_clients", "UserPoolClients", UserPoolId=pool_id, MaxResults=60)
            if c["ClientName"] == name
        ]

    def create_app_client(self, pool_id, **spec):
        client = self._call("create_user_pool_client", UserPoolId=pool_id, **spec)["UserPoolClient"]
        return AppClient(id=client["ClientId"], name=client["ClientName"], secret=client.get("ClientSecret", ""))

    def update_app_client(self, pool_id, client_id, **spec):
        # Like UpdateUserPool, UpdateUserPoolClient resets what it is not given.
        spec.pop("GenerateSecret", None)
        client = self._call("update_user_pool_client", UserPoolId=pool_id, ClientId=client_id, **spec)
        client = client["UserPoolClient"]
        return AppClient(id=client["ClientId"], name=client["ClientName"], secret=client.get("ClientSecret", ""))

    def describe_app_client(self, pool_id, client_id):
        client = self._call("describe_user_pool_client", UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
        return AppClient(id=client["ClientId"], name=client["ClientName"], secret=client.get("ClientSecret", ""))

    # -- groups ----------------------------------------------------------------

    def list_groups(self, pool_id):
        return [_group(g) for g in self._paginate("list_groups", "Groups", UserPoolId=pool_id)]

    def create_group(self, pool_id, name, *, description="", precedence=None):
        kwargs = {"UserPoolId": pool_id, "GroupName": name, "Description": description}
        if precedence is not None:
            kwargs["Precedence"] = precedence
        self._call("create_group", **kwargs)

    def update_group(self, pool_id, name, *, description="", precedence=None):
        kwargs = {"UserPoolId": pool_id, "GroupName": name, "Description": description}
        if precedence is not None:
            kwargs["Precedence"] = precedence
        self._call("update_group", **kwargs)

    # -- identity providers ----------------------------------------------------

    def list_identity_providers(self, pool_id):
        return [
            IdentityProvider(name=p["ProviderName"], type=p["ProviderType"])
            for p in self._paginate("list_identity_providers", "Providers", UserPoolId=pool_id, MaxResults=60)
        ]

    @sensitive_variables("details")
    def create_identity_provider(self, pool_id, name, *, type, details, attribute_mapping):
        self._call(
            "create_identity_provider",
            UserPoolId=pool_id,
            ProviderName=name,
            ProviderType=type,
            ProviderDetails=details,
            AttributeMapping=attribute_mapping,
        )

    @sensitive_variables("details")
    def update_identity_provider(self, pool_id, name, *, details, attribute_mapping):
        self._call(
            "update_identity_provider",
            UserPoolId=pool_id,
            ProviderName=name,
            ProviderDetails=details,
            AttributeMapping=attribute_mapping,
        )

    def link_provider_for_user(self, pool_id, *, username, provider, provider_user_id):
        """Attach the federated identity ``provider``/``provider_user_id`` to the native user ``username``.

        https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminLinkProviderForUser.html
        """
        self._call(
            "admin_link_provider_for_user",
            UserPoolId=pool_id,
            DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": username},
            # Cognito_Subject matches the provider's user id, whatever the provider calls it.
            SourceUser={
                "ProviderName": provider,
                "ProviderAttributeName": "Cognito_Subject",
                "ProviderAttributeValue": provider_user_id,
            },
        )

    # -- users -----------------------------------------------------------------

    def get_user(self, pool_id, username):
        return _user(self._call("admin_get_user", UserPoolId=pool_id, Username=username))

    def create_user(self, pool_id, username, *, attributes, suppress_invitation=False):
        kwargs = {
            "UserPoolId": pool_id,
            "Username": username,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
        }
        if suppress_invitation:
            kwargs["MessageAction"] = "SUPPRESS"
        self._call("admin_create_user", **kwargs)

    def update_user_attributes(self, pool_id, username, attributes):
        self._call(
            "admin_update_user_attributes",
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )

    @sensitive_variables("password")
    def set_user_password(self, pool_id, username, password, *, permanent):
        self._call(
            "admin_set_user_password", UserPoolId=pool_id, Username=username, Password=password, Permanent=permanent
        )

    def add_user_to_group(self, pool_id, username, group):
        self._call("admin_add_user_to_group", UserPoolId=pool_id, Username=username, GroupName=group)

    @sensitive_variables("access_token")
    def global_sign_out(self, access_token):
        """Invalidate every refresh token of the access token's user (GlobalSignOut)."""
        self._call("global_sign_out", AccessToken=access_token)

    def remove_user_from_group(self, pool_id, username, group):
        self._call("admin_remove_user_from_group", UserPoolId=pool_id, Username=username, GroupName=group)

    def list_groups_for_user(self, pool_id, username):
        return [
            g["GroupName"]
            for g in self._paginate("admin_list_groups_for_user", "Groups", UserPoolId=pool_id, Username=username)
        ]

    # -- user administration ---------------------------------------------------
    # One method per Admin* call; services in accounts/services.py decide when.

    def pool_settings(self, pool_id):
        pool = self._call("describe_user_pool", UserPoolId=pool_id)["UserPool"]
        policy = pool.get("Policies", {}).get("PasswordPolicy", {})
        return PoolSettings(
            password_policy=PasswordPolicy(
                minimum_length=policy.get("MinimumLength", 8),
                require_uppercase=policy.get("RequireUppercase", False),
                require_lowercase=policy.get("RequireLowercase", False),
                require_numbers=policy.get("RequireNumbers", False),
                require_symbols=policy.get("RequireSymbols", False),
            ),
            attributes=tuple(
                PoolAttribute(name=a["Name"], mutable=a.get("Mutable", True), required=a.get("Required", False))
                for a in pool.get("SchemaAttributes", [])
            ),
        )

    def list_users_page(self, pool_id, *, filter_expression="", token="", limit=60):
        # Cognito rejects Limit > 60 but emulators do not: never ask for more.
        kwargs = {"UserPoolId": pool_id, "Limit": min(limit, 60)}
        if filter_expression:
            kwargs["Filter"] = filter_expression
        if token:
            kwargs["PaginationToken"] = token
        page = self._call("list_users", **kwargs)
        return UsersPage(users=[_user(u) for u in page.get("Users", [])], next_token=page.get("PaginationToken", ""))

    def list_users_in_group_page(self, pool_id, group, *, token="", limit=60):
        kwargs = {"UserPoolId": pool_id, "GroupName": group, "Limit": min(limit, 60)}
        if token:
            kwargs["NextToken"] = token
        page = self._call("list_users_in_group", **kwargs)
        return UsersPage(users=[_user(u) for u in page.get("Users", [])], next_token=page.get("NextToken", ""))

    @sensitive_variables("kwargs", "temporary_password")
    def invite_user(self, pool_id, username, *, attributes, temporary_password=None):
        """Create a user and let Cognito send the invitation (with ``temporary_password``, or one it makes up)."""
        kwargs = {
            "UserPoolId": pool_id,
            "Username": username,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
            "DesiredDeliveryMediums": ["EMAIL"],
        }
        if temporary_password:
            kwargs["TemporaryPassword"] = temporary_password
        return _user(self._call("admin_create_user", **kwargs)["User"])

    def resend_invitation(self, pool_id, username):
        self._call(
            "admin_create_user",
            UserPoolId=pool_id,
            Username=username,
            MessageAction="RESEND",
            DesiredDeliveryMediums=["EMAIL"],
        )

    def disable_user(self, pool_id, username):
        self._call("admin_disable_user", UserPoolId=pool_id, Username=username)

    def enable_user(self, pool_id, username):
        self._call("admin_enable_user", UserPoolId=pool_id, Username=username)

    def delete_user(self, pool_id, username):
        self._call("admin_delete_user", UserPoolId=pool_id, Username=username)

    def reset_user_password(self, pool_id, username):
        self._call("admin_reset_user_password", UserPoolId=pool_id, Username=username)

    def admin_global_sign_out(self, pool_id, username):
        """Invalidate every refresh token of ``username`` (AdminUserGlobalSignOut)."""
        self._call("admin_user_global_sign_out", UserPoolId=pool_id, Username=username)

    def list_user_auth_events(self, pool_id, username, *, limit=10):
        events = self._call("admin_list_user_auth_events", UserPoolId=pool_id, Username=username, MaxResults=limit)
        return [
            AuthEvent(
                created=e.get("CreationDate"),
                event_type=e.get("EventType", ""),
                response=e.get("EventResponse", ""),
                risk=e.get("EventRisk", {}).get("RiskLevel", ""),
                ip_address=e.get("EventContextData", {}).get("IpAddress", ""),
                city=e.get("EventContextData", {}).get("City", ""),
            )
            for e in events.get("AuthEvents", [])
        ]

    def get_group(self, pool_id, name):
        return _group(self._call("get_group", UserPoolId=pool_id, GroupName=name)["Group"])

    def delete_group(self, pool_id, name):
        self._call("delete_group", UserPoolId=pool_id, GroupName=name)
