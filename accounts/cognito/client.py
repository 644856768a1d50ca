"""The one boto3 seam: every call to Cognito's user-pool API goes through here.

The client has timeouts and botocore's adaptive retry mode; vendor errors
become accounts.exceptions errors; each operation returns small dataclasses.
"""

import base64
import copy
import hashlib
import hmac
import logging
from functools import lru_cache

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ReadTimeoutError
from botocore.parsers import ResponseParserError
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from ..exceptions import CodeMismatch, CognitoError, CognitoUnavailable, NotAvailable, errors_by_code
from .types import (
    AppClient,
    AuthEvent,
    CodeDelivery,
    IdentityProvider,
    PasswordPolicy,
    PoolAttribute,
    PoolGroup,
    PoolUser,
    ResourceServer,
    SignUpResult,
    UserPool,
    UsersPage,
)

logger = logging.getLogger(__name__)


#: Cognito's error codes -> the project's exception, built from the classes' own ``codes`` (accounts.exceptions).
_ERRORS_BY_CODE = errors_by_code()


def _client_config():
    return Config(
        connect_timeout=settings.COGNITO_TIMEOUT,
        read_timeout=settings.COGNITO_TIMEOUT,
        retries={"mode": "adaptive", "max_attempts": 4},
    )


@lru_cache(maxsize=8)
def _boto_client(region, endpoint_url, timeout):
    return aws_client("cognito-idp", region=region, endpoint_url=endpoint_url, config=_client_config())


def aws_client(service, *, region, endpoint_url, config):
    """Return a boto3 client of the site's own for ``service``: the one place the seam's clients are built.

    On the local stack (``endpoint_url``) with its own fixed keys, so that real
    AWS credentials in the environment are never sent to it; on AWS with boto3's
    usual credential chain.
    """
    kwargs = {"region_name": region, "config": config}
    if endpoint_url:
        kwargs.update(
            endpoint_url=endpoint_url,
            aws_access_key_id=settings.COGNITO_LOCAL_ACCESS_KEY_ID,
            aws_secret_access_key=settings.COGNITO_LOCAL_SECRET_ACCESS_KEY,
        )
    return boto3.client(service, **kwargs)


#: What a boto3 call can raise that the seam translates: AWS's refusals, botocore's own failures, and an
#: answer it cannot parse (not a BotoCoreError: a proxy's error page, a cut-off body).
BOTO_ERRORS = (ClientError, BotoCoreError, ResponseParserError)


def _translate(exc, operation):
    """Return the project's exception for a botocore error."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", "")
        cls = _ERRORS_BY_CODE.get(code, CognitoError)
        return cls(f"{operation}: {message or code}", code=code)
    if isinstance(exc, (ConnectionError, ReadTimeoutError)):
        return CognitoUnavailable(f"{operation}: Cognito could not be reached ({type(exc).__name__})")
    if isinstance(exc, ResponseParserError):
        # Not a BotoCoreError: an answer that is not Cognito's (a proxy's error page, a cut-off body).
        return CognitoUnavailable(f"{operation}: Cognito's answer could not be read")
    return CognitoError(f"{operation}: {type(exc).__name__}")


def _user(raw):
    """Return a PoolUser from AdminGetUser's, ListUsers' or AdminCreateUser's shape of a user."""
    attributes = {a["Name"]: a["Value"] for a in raw.get("UserAttributes", raw.get("Attributes", []))}
    return PoolUser(
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


def _resource_server(raw):
    return ResourceServer(
        identifier=raw["Identifier"],
        name=raw.get("Name", ""),
        scopes=tuple(scope["ScopeName"] for scope in raw.get("Scopes", [])),
    )


def _resource_server_spec(identifier, name, scopes):
    return {
        "Identifier": identifier,
        "Name": name,
        "Scopes": [{"ScopeName": scope, "ScopeDescription": text} for scope, text in scopes.items()],
    }


def _accepted(value, shape):
    """Return ``value`` with only the members ``shape`` (a botocore input shape) accepts, empty ones left out."""
    if shape.type_name == "structure" and isinstance(value, dict):
        kept = {}
        for name, member in shape.members.items():
            if name in value and value[name] not in (None, {}, ""):
                kept[name] = _accepted(value[name], member)
        return kept
    if shape.type_name == "list" and isinstance(value, list):
        return [_accepted(item, shape.member) for item in value]
    return value


def _group(raw):
    return PoolGroup(
        name=raw["GroupName"],
        role_arn=raw.get("RoleArn", "") or "",
        description=raw.get("Description", "") or "",
        precedence=raw.get("Precedence"),
        created=raw.get("CreationDate"),
        modified=raw.get("LastModifiedDate"),
    )


class CognitoClient:
    """Typed wrappers around the user-pool API calls the site makes."""

    def __init__(self, *, region=None, endpoint_url=None, pool_id=None):
        """Build the client, bound to ``pool_id`` (default: the site's pool, COGNITO_USER_POOL_ID)."""
        region = region or settings.COGNITO_REGION
        endpoint_url = settings.COGNITO_ENDPOINT_URL if endpoint_url is None else endpoint_url
        self.is_local = bool(endpoint_url)
        #: The local stack's URL, or "" on AWS (provisioning builds its Lambda client on the same endpoint).
        self.endpoint_url = endpoint_url or ""
        self.region = region
        self.pool_id = settings.COGNITO_USER_POOL_ID if pool_id is None else pool_id
        self._client = _boto_client(region, endpoint_url, settings.COGNITO_TIMEOUT)

    def for_pool(self, pool_id: str) -> "CognitoClient":
        """Return a client of the same endpoint bound to another pool (provisioning binds to the pool it made)."""
        bound = copy.copy(self)
        bound.pool_id = pool_id
        return bound

    @sensitive_variables("kwargs")
    def _call(self, operation, **kwargs):
        try:
            return getattr(self._client, operation)(**kwargs)
        except BOTO_ERRORS as exc:
            raise _translate(exc, operation) from exc

    def _paginate(self, operation, key, **kwargs):
        try:
            for page in self._client.get_paginator(operation).paginate(**kwargs):
                yield from page.get(key, [])
        except BOTO_ERRORS as exc:
            raise _translate(exc, operation) from exc

    # -- pools -----------------------------------------------------------------

    def find_user_pools(self, name: str) -> list[UserPool]:
        return [
            UserPool(id=p["Id"], name=p["Name"])
            for p in self._paginate("list_user_pools", "UserPools", MaxResults=60)
            if p["Name"] == name
        ]

    def create_user_pool(self, **spec) -> UserPool:
        pool = self._call("create_user_pool", **spec)["UserPool"]
        return UserPool(id=pool["Id"], name=pool["Name"], domain=pool.get("Domain", ""))

    def update_user_pool(self, **spec) -> None:
        # UpdateUserPool resets every setting it is not given, so callers pass the
        # whole declared configuration, not a delta.
        spec.pop("PoolName", None)
        spec.pop("UsernameAttributes", None)  # immutable after creation
        spec.pop("UsernameConfiguration", None)  # likewise
        spec.pop("Schema", None)  # attributes can only be added, with AddCustomAttributes
        self._call("update_user_pool", UserPoolId=self.pool_id, **spec)

    def describe_pool(self) -> UserPool:
        """Return the bound pool with its domain, estimated size, password policy and schema (one DescribeUserPool).

        Read once per need and passed along: the call is capped at 5 a second per pool.
        """
        pool = self._call("describe_user_pool", UserPoolId=self.pool_id)["UserPool"]
        policy = pool.get("Policies", {}).get("PasswordPolicy", {})
        return UserPool(
            id=pool["Id"],
            name=pool["Name"],
            domain=pool.get("Domain", "") or "",
            estimated_users=pool.get("EstimatedNumberOfUsers", 0) or 0,
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
            admin_create_user_only=bool(pool.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly", False)),
        )

    def pool_arn(self) -> str:
        """Return the bound pool's ARN (DescribeUserPool), the SourceArn of its triggers' invoke permission."""
        return self._call("describe_user_pool", UserPoolId=self.pool_id)["UserPool"].get("Arn", "")

    def pool_lambda_config(self) -> dict:
        """Return the bound pool's LambdaConfig as DescribeUserPool answers it ({} without triggers)."""
        return dict(self._call("describe_user_pool", UserPoolId=self.pool_id)["UserPool"].get("LambdaConfig") or {})

    def update_pool_lambda_config(self, lambda_config: dict) -> None:
        """Set the bound pool's triggers, sending every other setting back as DescribeUserPool answered it.

        UpdateUserPool resets what it is not given, so this reads the pool first
        and keeps only what UpdateUserPool accepts (by botocore's model of it).
        """
        pool = self._call("describe_user_pool", UserPoolId=self.pool_id)["UserPool"]
        shape = self._client.meta.service_model.operation_model("UpdateUserPool").input_shape
        params = _accepted(pool, shape)
        params.pop("UserPoolId", None)
        params.pop("PoolName", None)  # DescribeUserPool calls it Name; leaving it out keeps it
        # Deprecated in favour of PasswordPolicy.TemporaryPasswordValidityDays; AWS refuses both at once.
        params.get("AdminCreateUserConfig", {}).pop("UnusedAccountValidityDays", None)
        if params.get("VerificationMessageTemplate"):
            # The older single settings mirror the template; sending both can conflict.
            for older in ("EmailVerificationMessage", "EmailVerificationSubject", "SmsVerificationMessage"):
                params.pop(older, None)
        params["LambdaConfig"] = lambda_config
        self._call("update_user_pool", UserPoolId=self.pool_id, **params)

    def add_custom_attributes(self, attributes: list[dict]) -> None:
        """Add custom attributes (AddCustomAttributes' shape, names without ``custom:``); they cannot be removed."""
        self._call("add_custom_attributes", UserPoolId=self.pool_id, CustomAttributes=attributes)

    def create_user_pool_domain(self, prefix: str) -> None:
        self._call("create_user_pool_domain", UserPoolId=self.pool_id, Domain=prefix)

    # -- app clients -----------------------------------------------------------

    def find_app_clients(self, name: str) -> list[AppClient]:
        return [
            AppClient(id=c["ClientId"], name=c["ClientName"])
            for c in self._paginate("list_user_pool_clients", "UserPoolClients", UserPoolId=self.pool_id, MaxResults=60)
            if c["ClientName"] == name
        ]

    def create_app_client(self, **spec) -> AppClient:
        client = self._call("create_user_pool_client", UserPoolId=self.pool_id, **spec)["UserPoolClient"]
        return AppClient(id=client["ClientId"], name=client["ClientName"], secret=client.get("ClientSecret", ""))

    def update_app_client(self, client_id: str, **spec) -> None:
        # Like UpdateUserPool, UpdateUserPoolClient resets what it is not given.
        spec.pop("GenerateSecret", None)
        client = self._call("update_user_pool_client", UserPoolId=self.pool_id, ClientId=client_id, **spec)
        client = client["UserPoolClient"]
        return AppClient(id=client["ClientId"], name=client["ClientName"], secret=client.get("ClientSecret", ""))

    def describe_app_client(self, client_id: str) -> AppClient:
        client = self._call("describe_user_pool_client", UserPoolId=self.pool_id, ClientId=client_id)["UserPoolClient"]
        return AppClient(id=client["ClientId"], name=client["ClientName"], secret=client.get("ClientSecret", ""))

    # -- resource servers --------------------------------------------------------

    def list_resource_servers(self):
        return [
            _resource_server(r)
            for r in self._paginate("list_resource_servers", "ResourceServers", UserPoolId=self.pool_id, MaxResults=50)
        ]

    def create_resource_server(self, identifier, *, name, scopes):
        """Create a resource server; ``scopes`` maps each scope name to its description."""
        raw = self._call(
            "create_resource_server", UserPoolId=self.pool_id, **_resource_server_spec(identifier, name, scopes)
        )
        return _resource_server(raw["ResourceServer"])

    def update_resource_server(self, identifier, *, name, scopes):
        """Replace a resource server's name and scopes (UpdateResourceServer resets what it is not given)."""
        raw = self._call(
            "update_resource_server", UserPoolId=self.pool_id, **_resource_server_spec(identifier, name, scopes)
        )
        return _resource_server(raw["ResourceServer"])

    # -- groups ----------------------------------------------------------------

    def list_groups(self) -> list[PoolGroup]:
        return [_group(g) for g in self._paginate("list_groups", "Groups", UserPoolId=self.pool_id)]

    def create_group(
        self, name: str, *, description: str = "", precedence: int | None = None, role_arn: str | None = None
    ) -> None:
        kwargs = {"UserPoolId": self.pool_id, "GroupName": name, "Description": description}
        if precedence is not None:
            kwargs["Precedence"] = precedence
        if role_arn:
            # The identity pool's role mapping reads it from cognito:roles / cognito:preferred_role.
            kwargs["RoleArn"] = role_arn
        self._call("create_group", **kwargs)

    def update_group(
        self, name: str, *, description: str = "", precedence: int | None = None, role_arn: str | None = None
    ) -> None:
        kwargs = {"UserPoolId": self.pool_id, "GroupName": name, "Description": description}
        if precedence is not None:
            kwargs["Precedence"] = precedence
        if role_arn:
            # The identity pool's role mapping reads it from cognito:roles / cognito:preferred_role.
            kwargs["RoleArn"] = role_arn
        self._call("update_group", **kwargs)

    # -- identity providers ----------------------------------------------------

    def list_identity_providers(self) -> list[IdentityProvider]:
        return [
            IdentityProvider(name=p["ProviderName"], type=p["ProviderType"])
            for p in self._paginate("list_identity_providers", "Providers", UserPoolId=self.pool_id, MaxResults=60)
        ]

    @sensitive_variables("details")
    def create_identity_provider(
        self, name: str, *, type: str, details: dict, attribute_mapping: dict, idp_identifiers=None
    ) -> None:
        """Create a provider; ``idp_identifiers`` (SAML and OIDC only) are what ``idp_identifier`` may name it by."""
        extra = {"IdpIdentifiers": list(idp_identifiers)} if idp_identifiers is not None else {}
        self._call(
            "create_identity_provider",
            UserPoolId=self.pool_id,
            ProviderName=name,
            ProviderType=type,
            ProviderDetails=details,
            AttributeMapping=attribute_mapping,
            **extra,
        )

    @sensitive_variables("details")
    def update_identity_provider(
        self, name: str, *, details: dict, attribute_mapping: dict, idp_identifiers=None
    ) -> None:
        extra = {"IdpIdentifiers": list(idp_identifiers)} if idp_identifiers is not None else {}
        self._call(
            "update_identity_provider",
            UserPoolId=self.pool_id,
            ProviderName=name,
            ProviderDetails=details,
            AttributeMapping=attribute_mapping,
            **extra,
        )

    def identity_provider_by_identifier(self, identifier: str) -> IdentityProvider:
        """Return the provider whose IdpIdentifiers include ``identifier``; NotFound if none does.

        The same registry Cognito reads for ``idp_identifier`` at /oauth2/authorize.
        https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetIdentityProviderByIdentifier.html
        """
        raw = self._call("get_identity_provider_by_identifier", UserPoolId=self.pool_id, IdpIdentifier=identifier)
        provider = raw.get("IdentityProvider") or {}
        if not isinstance(provider.get("ProviderName"), str) or not isinstance(provider.get("ProviderType"), str):
            raise CognitoError("get_identity_provider_by_identifier: Cognito answered without a provider name")
        return IdentityProvider(name=provider["ProviderName"], type=provider["ProviderType"])

    def link_provider_for_user(self, *, username: str, provider: str, provider_user_id: str) -> None:
        """Attach the federated identity ``provider``/``provider_user_id`` to the native user ``username``.

        https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminLinkProviderForUser.html
        """
        self._call(
            "admin_link_provider_for_user",
            UserPoolId=self.pool_id,
            DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": username},
            # Cognito_Subject matches the provider's user id, whatever the provider calls it.
            SourceUser={
                "ProviderName": provider,
                "ProviderAttributeName": "Cognito_Subject",
                "ProviderAttributeValue": provider_user_id,
            },
        )

    # -- users -----------------------------------------------------------------

    def get_user(self, username: str) -> PoolUser:
        return _user(self._call("admin_get_user", UserPoolId=self.pool_id, Username=username))

    def create_user(self, username: str, *, attributes: dict, suppress_invitation: bool = False) -> None:
        kwargs = {
            "UserPoolId": self.pool_id,
            "Username": username,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
        }
        if suppress_invitation:
            kwargs["MessageAction"] = "SUPPRESS"
        self._call("admin_create_user", **kwargs)

    def update_user_attributes(self, username: str, attributes: dict) -> None:
        self._call(
            "admin_update_user_attributes",
            UserPoolId=self.pool_id,
            Username=username,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )

    @sensitive_variables("password")
    def set_user_password(self, username: str, password: str, *, permanent: bool) -> None:
        self._call(
            "admin_set_user_password",
            UserPoolId=self.pool_id,
            Username=username,
            Password=password,
            Permanent=permanent,
        )

    def add_user_to_group(self, username: str, group: str) -> None:
        self._call("admin_add_user_to_group", UserPoolId=self.pool_id, Username=username, GroupName=group)

    @sensitive_variables("access_token")
    def token_user_check(self, access_token: str) -> None:
        """Ask Cognito whether an access token still stands (GetUser); raise NotAuthorized when it was revoked.

        GetUser accepts only tokens with the ``aws.cognito.signin.user.admin`` scope.
        https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetUser.html
        """
        self._call("get_user", AccessToken=access_token)

    @sensitive_variables("access_token")
    def global_sign_out(self, access_token: str) -> None:
        """Invalidate every refresh token of the access token's user (GlobalSignOut)."""
        self._call("global_sign_out", AccessToken=access_token)

    def remove_user_from_group(self, username: str, group: str) -> None:
        self._call("admin_remove_user_from_group", UserPoolId=self.pool_id, Username=username, GroupName=group)

    def list_groups_for_user(self, username: str) -> list[str]:
        return [
            g["GroupName"]
            for g in self._paginate("admin_list_groups_for_user", "Groups", UserPoolId=self.pool_id, Username=username)
        ]

    # -- user administration ---------------------------------------------------
    # One method per Admin* call; the services in accounts/pooladmin/services/ decide when.

    def list_users_page(self, *, filter_expression: str = "", token: str = "", limit: int = 60) -> UsersPage:
        # Cognito rejects Limit > 60 but emulators do not: never ask for more.
        kwargs = {"UserPoolId": self.pool_id, "Limit": min(limit, 60)}
        if filter_expression:
            kwargs["Filter"] = filter_expression
        if token:
            kwargs["PaginationToken"] = token
        page = self._call("list_users", **kwargs)
        return UsersPage(users=[_user(u) for u in page.get("Users", [])], next_token=page.get("PaginationToken", ""))

    def list_users_in_group_page(self, group: str, *, token: str = "", limit: int = 60) -> UsersPage:
        kwargs = {"UserPoolId": self.pool_id, "GroupName": group, "Limit": min(limit, 60)}
        if token:
            kwargs["NextToken"] = token
        page = self._call("list_users_in_group", **kwargs)
        return UsersPage(users=[_user(u) for u in page.get("Users", [])], next_token=page.get("NextToken", ""))

    @sensitive_variables("kwargs", "temporary_password")
    def invite_user(self, username: str, *, attributes: dict, temporary_password: str | None = None) -> PoolUser:
        """Create a user and let Cognito send the invitation (with ``temporary_password``, or one it makes up)."""
        kwargs = {
            "UserPoolId": self.pool_id,
            "Username": username,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
            "DesiredDeliveryMediums": ["EMAIL"],
        }
        if temporary_password:
            kwargs["TemporaryPassword"] = temporary_password
        return _user(self._call("admin_create_user", **kwargs)["User"])

    def resend_invitation(self, username: str) -> None:
        self._call(
            "admin_create_user",
            UserPoolId=self.pool_id,
            Username=username,
            MessageAction="RESEND",
            DesiredDeliveryMediums=["EMAIL"],
        )

    def disable_user(self, username: str) -> None:
        self._call("admin_disable_user", UserPoolId=self.pool_id, Username=username)

    def enable_user(self, username: str) -> None:
        self._call("admin_enable_user", UserPoolId=self.pool_id, Username=username)

    def delete_user(self, username: str) -> None:
        self._call("admin_delete_user", UserPoolId=self.pool_id, Username=username)

    def reset_user_password(self, username: str) -> None:
        self._call("admin_reset_user_password", UserPoolId=self.pool_id, Username=username)

    def admin_global_sign_out(self, username: str) -> None:
        """Invalidate every refresh token of ``username`` (AdminUserGlobalSignOut)."""
        self._call("admin_user_global_sign_out", UserPoolId=self.pool_id, Username=username)

    def list_user_auth_events(self, username: str, *, limit: int = 10) -> list[AuthEvent]:
        events = self._call("admin_list_user_auth_events", UserPoolId=self.pool_id, Username=username, MaxResults=limit)
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

    # -- the signed-in person's own account (user-level calls with their access token) --
    # The access token carries the aws.cognito.signin.user.admin scope; Cognito acts on
    # the user it names, so none of these takes a username. accounts/selfservice/ decides when.
    # https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html

    @sensitive_variables("access_token")
    def own_user(self, access_token: str) -> PoolUser:
        """Return the token's user as Cognito has it now (GetUser), with their MFA settings."""
        return _user(self._call("get_user", AccessToken=access_token))

    @sensitive_variables("access_token")
    def own_attributes_update(self, access_token: str, attributes: dict) -> tuple[str, ...]:
        """Change the token's user's attributes (UpdateUserAttributes); return where codes were sent, masked.

        A changed email is held back until verified when the pool says
        ``AttributesRequireVerificationBeforeUpdate``; Cognito then emails a code
        and the destinations come back here ("n***@e***").
        """
        answer = self._call(
            "update_user_attributes",
            AccessToken=access_token,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )
        return tuple(str(d.get("Destination", "")) for d in answer.get("CodeDeliveryDetailsList") or ())

    @sensitive_variables("access_token")
    def own_attributes_delete(self, access_token: str, names: list[str]) -> None:
        """Remove attributes of the token's user (DeleteUserAttributes): Cognito's way to clear a value."""
        self._call("delete_user_attributes", AccessToken=access_token, UserAttributeNames=list(names))

    @sensitive_variables("access_token", "code")
    def own_attribute_verify(self, access_token: str, attribute: str, code: str) -> None:
        """Confirm a changed attribute with the code Cognito sent (VerifyUserAttribute)."""
        self._call("verify_user_attribute", AccessToken=access_token, AttributeName=attribute, Code=code)

    @sensitive_variables("access_token", "previous", "proposed")
    def own_password_change(self, access_token: str, *, previous: str, proposed: str) -> None:
        """Change the token's user's password (ChangePassword); NotAuthorized when ``previous`` is wrong."""
        self._call("change_password", AccessToken=access_token, PreviousPassword=previous, ProposedPassword=proposed)

    @sensitive_variables("access_token", "answer")
    def software_token_associate(self, access_token: str) -> str:
        """Start TOTP set-up (AssociateSoftwareToken); return the shared secret (base32) for the person's app."""
        answer = self._call("associate_software_token", AccessToken=access_token)
        secret = answer.get("SecretCode", "")
        if not isinstance(secret, str) or not 16 <= len(secret) <= 128:
            raise CognitoError("AssociateSoftwareToken: Cognito sent no usable secret")
        return secret

    @sensitive_variables("access_token", "code")
    def software_token_verify(self, access_token: str, code: str, *, device_name: str = "") -> None:
        """Confirm TOTP set-up with a code from the person's app (VerifySoftwareToken); CodeMismatch when wrong."""
        kwargs = {"AccessToken": access_token, "UserCode": code}
        if device_name:
            kwargs["FriendlyDeviceName"] = device_name
        answer = self._call("verify_software_token", **kwargs)
        if answer.get("Status") != "SUCCESS":
            raise CodeMismatch("VerifySoftwareToken: the code was not accepted", code="CodeMismatchException")

    @sensitive_variables("access_token")
    def own_totp_preference_set(self, access_token: str, *, enabled: bool) -> None:
        """Turn TOTP MFA on (and preferred) or off for the token's user (SetUserMFAPreference)."""
        self._call(
            "set_user_mfa_preference",
            AccessToken=access_token,
            SoftwareTokenMfaSettings={"Enabled": enabled, "PreferredMfa": enabled},
        )

    @sensitive_variables("access_token")
    def own_user_delete(self, access_token: str) -> None:
        """Delete the token's user from the pool (DeleteUser); their tokens stop working."""
        self._call("delete_user", AccessToken=access_token)

    @sensitive_variables("password", "secret")
    def password_check(self, username: str, password: str, code: str = "", *, require_mfa: bool = False) -> None:
        """Prove that a person holds their password (and their authenticator, when Cognito asks) without signing in.

        InitiateAuth (USER_PASSWORD_AUTH, with the client's SECRET_HASH); when it
        answers the SOFTWARE_TOKEN_MFA challenge, RespondToAuthChallenge passes it
        with ``code``. The tokens Cognito issues are dropped unread. NotAuthorized
        for a wrong password, CodeMismatch for a wrong or missing code; with
        ``require_mfa``, NotAvailable when Cognito asks for no code.
        https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
        """
        client_id, secret = settings.COGNITO_CLIENT_ID, settings.COGNITO_CLIENT_SECRET

        def secret_hash(name):
            digest = hmac.new(secret.encode(), (name + client_id).encode(), hashlib.sha256).digest()
            return base64.b64encode(digest).decode()

        answer = self._call(
            "initiate_auth",
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password, "SECRET_HASH": secret_hash(username)},
        )
        challenge = answer.get("ChallengeName")
        if challenge is None and not require_mfa:
            return
        if challenge != "SOFTWARE_TOKEN_MFA":
            raise NotAvailable("InitiateAuth: Cognito did not ask for an authenticator code", code="NoMfaChallenge")
        if not code:
            raise CodeMismatch("Type the code from your authenticator app too.", code="CodeNeeded")
        self._call(
            "respond_to_auth_challenge",
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=answer.get("Session", ""),
            ChallengeResponses={
                "USERNAME": username,
                "SOFTWARE_TOKEN_MFA_CODE": code,
                "SECRET_HASH": secret_hash(username),
            },
        )

    def password_check_with_totp(self, username: str, password: str, code: str) -> None:
        """Prove the password and a fresh authenticator code (see :meth:`password_check`); a code is required."""
        self.password_check(username, password, code, require_mfa=True)

    def disable_provider_for_user(self, *, provider: str, provider_user_id: str) -> None:
        """Detach a linked provider identity from the user it was linked to (AdminDisableProviderForUser)."""
        self._call(
            "admin_disable_provider_for_user",
            UserPoolId=self.pool_id,
            User={
                "ProviderName": provider,
                "ProviderAttributeName": "Cognito_Subject",
                "ProviderAttributeValue": provider_user_id,
            },
        )

    def mfa_config_set(self, *, mode: str, software_token: bool) -> None:
        """Set the pool's MFA mode (OFF, OPTIONAL, ON) and whether authenticator apps work (SetUserPoolMfaConfig)."""
        self._call(
            "set_user_pool_mfa_config",
            UserPoolId=self.pool_id,
            MfaConfiguration=mode,
            SoftwareTokenMfaConfiguration={"Enabled": software_token},
        )

    def mfa_config(self) -> tuple[str, bool]:
        """Return the pool's MFA mode and whether authenticator apps are enabled (GetUserPoolMfaConfig)."""
        answer = self._call("get_user_pool_mfa_config", UserPoolId=self.pool_id)
        return answer.get("MfaConfiguration", "OFF"), bool(
            answer.get("SoftwareTokenMfaConfiguration", {}).get("Enabled")
        )

    def get_group(self, name: str) -> PoolGroup:
        return _group(self._call("get_group", UserPoolId=self.pool_id, GroupName=name)["Group"])

    def delete_group(self, name: str) -> None:
        self._call("delete_group", UserPoolId=self.pool_id, GroupName=name)

    # -- sign-up and recovery ----------------------------------------------------
    # The app client's public calls: no AWS credentials are needed, only the client id and,
    # for a client with a secret, SECRET_HASH. Their answers never say whether a user exists
    # when the client has PreventUserExistenceErrors (provisioning sets it).
    # https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html

    @sensitive_variables("password", "kwargs")
    def sign_up(self, email: str, *, password: str, attributes: dict) -> SignUpResult:
        """Register ``email`` with ``password`` (SignUp); Cognito emails a confirmation code.

        https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html
        """
        answer = self._call(
            "sign_up",
            **self._app_client(email),
            Password=password,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )
        return SignUpResult(user_sub=str(answer.get("UserSub", "")), confirmed=bool(answer.get("UserConfirmed")))

    @sensitive_variables("code", "kwargs")
    def confirm_sign_up(self, email: str, *, code: str) -> None:
        """Confirm a sign-up with the emailed code (ConfirmSignUp); CodeMismatch or ExpiredCode when it is wrong."""
        self._call("confirm_sign_up", **self._app_client(email), ConfirmationCode=code)

    def resend_confirmation_code(self, email: str) -> CodeDelivery:
        """Send the sign-up code again (ResendConfirmationCode)."""
        return _delivery(self._call("resend_confirmation_code", **self._app_client(email)))

    def forgot_password(self, email: str) -> CodeDelivery:
        """Email a password-reset code (ForgotPassword)."""
        return _delivery(self._call("forgot_password", **self._app_client(email)))

    @sensitive_variables("code", "password", "kwargs")
    def confirm_forgot_password(self, email: str, *, code: str, password: str) -> None:
        """Set a new password with the emailed reset code (ConfirmForgotPassword)."""
        self._call("confirm_forgot_password", **self._app_client(email), ConfirmationCode=code, Password=password)

    @sensitive_variables("secret")
    def _app_client(self, username: str) -> dict:
        """Return ClientId, Username and, for a client with a secret, its SECRET_HASH for ``username``.

        SECRET_HASH is Base64(HMAC-SHA256(client secret, username + client id)).
        https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
        """
        client_id, secret = settings.COGNITO_CLIENT_ID, settings.COGNITO_CLIENT_SECRET
        kwargs = {"ClientId": client_id, "Username": username}
        if secret:
            digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
            kwargs["SecretHash"] = base64.b64encode(digest).decode()
        return kwargs


def _delivery(answer) -> CodeDelivery:
    details = answer.get("CodeDeliveryDetails") or {}
    return CodeDelivery(destination=str(details.get("Destination", "")), medium=str(details.get("DeliveryMedium", "")))
