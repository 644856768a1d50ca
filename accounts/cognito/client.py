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
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from ..exceptions import CognitoError, CognitoUnavailable, errors_by_code
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
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, operation) from exc

    def _paginate(self, operation, key, **kwargs):
        try:
            for page in self._client.get_paginator(operation).paginate(**kwargs):
                yield from page.get(key, [])
        except (ClientError, BotoCoreError) as exc:
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
    def create_identity_provider(self, name: str, *, type: str, details: dict, attribute_mapping: dict) -> None:
        self._call(
            "create_identity_provider",
            UserPoolId=self.pool_id,
            ProviderName=name,
            ProviderType=type,
            ProviderDetails=details,
            AttributeMapping=attribute_mapping,
        )

    @sensitive_variables("details")
    def update_identity_provider(self, name: str, *, details: dict, attribute_mapping: dict) -> None:
        self._call(
            "update_identity_provider",
            UserPoolId=self.pool_id,
            ProviderName=name,
            ProviderDetails=details,
            AttributeMapping=attribute_mapping,
        )

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
