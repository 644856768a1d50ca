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

from .exceptions import CognitoError, CognitoUnavailable

logger = logging.getLogger(__name__)


class UsernameExists(CognitoError):
    code = "UsernameExistsException"


class NotFound(CognitoError):
    """The user, group, client or pool does not exist."""


class NotAvailable(CognitoError):
    """This Cognito (a local stand-in) does not offer the operation."""


_ERRORS_BY_CODE = {
    "InvalidAction": NotAvailable,
    "UnknownOperationException": NotAvailable,
    "UsernameExistsException": UsernameExists,
    "UserNotFoundException": NotFound,
    "ResourceNotFoundException": NotFound,
    "TooManyRequestsException": CognitoUnavailable,
    "InternalErrorException": CognitoUnavailable,
}


@dataclass(frozen=True)
class UserPool:
    id: str
    name: str
    domain: str = ""


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
        spec.pop("Schema", None)  # attributes can only be added, with AddCustomAttributes
        self._call("update_user_pool", UserPoolId=pool_id, **spec)

    def describe_user_pool(self, pool_id):
        pool = self._call("describe_user_pool", UserPoolId=pool_id)["UserPool"]
        return UserPool(id=pool["Id"], name=pool["Name"], domain=pool.get("Domain", "") or "")

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
        return [
            PoolGroup(name=g["GroupName"], description=g.get("Description", ""), precedence=g.get("Precedence"))
            for g in self._paginate("list_groups", "Groups", UserPoolId=pool_id)
        ]

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
        user = self._call("admin_get_user", UserPoolId=pool_id, Username=username)
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        return CognitoUser(
            username=user["Username"],
            sub=attributes.get("sub", ""),
            attributes=attributes,
            enabled=user.get("Enabled", True),
            status=user.get("UserStatus", ""),
        )

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

    def delete_user(self, pool_id, username):
        self._call("admin_delete_user", UserPoolId=pool_id, Username=username)

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
