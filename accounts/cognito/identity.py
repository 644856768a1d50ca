"""The seam to Cognito identity pools, IAM and STS: typed calls, plain errors.

Like accounts.cognito.client, every client has timeouts and botocore's
adaptive retries, answers are small dataclasses (accounts.cognito.types) and
vendor errors become accounts.exceptions errors. The person's own calls
(GetId, GetCredentialsForIdentity, GetOpenIdToken, AssumeRoleWithWebIdentity)
are unsigned on AWS: they carry the person's token, never the site's keys.
https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flow.html
"""

import json
import logging
import re
import threading
from functools import lru_cache

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError
from botocore.parsers import ResponseParserError
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from ..exceptions import (
    AwsUnavailable,
    ClassicFlowDisabled,
    CognitoError,
    CredentialsError,
    IdentityPoolMissing,
    NotAvailable,
    RoleMissing,
    TokenRefused,
    errors_by_code,
)
from .client import BOTO_ERRORS, aws_client
from .types import (
    AwsCredentials,
    CallerIdentity,
    IdentityPool,
    IdentityPoolProvider,
    IdentityPoolRoles,
    OpenIdToken,
    Role,
)

logger = logging.getLogger(__name__)

_ERRORS_BY_CODE = errors_by_code()
#: Codes the user-pool seam gives other classes, which mean something else here.
_IDENTITY_ERRORS = {
    "NotAuthorizedException": TokenRefused,
    "ResourceNotFoundException": IdentityPoolMissing,
    "InternalErrorException": AwsUnavailable,
    "TooManyRequestsException": AwsUnavailable,
    "Throttling": AwsUnavailable,
    "InvalidAction": NotAvailable,
}
#: An identity id is ``region:uuid`` (at most 55 characters, GetId's documented pattern).
IDENTITY_ID = re.compile(r"^[\w-]+:[0-9a-f-]+$")
_CLIENT_LOCK = threading.Lock()
#: STS role session names allow [\w+=,.@-] only, 2 to 64 characters.
_SESSION_NAME_CHARS = re.compile(r"[^\w+=,.@-]")


def translate(exc, operation, *, service):
    """Return the project's exception for a botocore error from ``service`` (identity, STS, IAM or S3)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        if operation == "GetOpenIdToken" and code == "InvalidParameterException" and "classic" in message.lower():
            # AWS: "Basic (classic) flow is not enabled, please use enhanced flow."
            return ClassicFlowDisabled(f"{operation}: {message}", code=code)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        cls = _IDENTITY_ERRORS.get(code) or _ERRORS_BY_CODE.get(code)
        if cls is None:
            cls = AwsUnavailable if isinstance(status, int) and status >= 500 else CredentialsError
        return cls(f"{operation}: {message or code}", code=code)
    if isinstance(exc, (ConnectionError, ReadTimeoutError)):
        return AwsUnavailable(f"{operation}: {service} could not be reached ({type(exc).__name__})")
    if isinstance(exc, ResponseParserError):
        return AwsUnavailable(f"{operation}: {service}'s answer could not be read")
    return CredentialsError(f"{operation}: {type(exc).__name__}")


def _config():
    return Config(
        connect_timeout=settings.COGNITO_TIMEOUT,
        read_timeout=settings.COGNITO_TIMEOUT,
        retries={"mode": "adaptive", "max_attempts": 3},
    )


@lru_cache(maxsize=16)
def site_client(service, region, endpoint_url, timeout):
    """Return a boto3 client with the site's own credentials (the local stack's fixed keys locally)."""
    return aws_client(service, region=region, endpoint_url=endpoint_url, config=_config())


@sensitive_variables("credentials")
def person_client(service, credentials: AwsCredentials, *, region=None, endpoint_url=None):
    """Return a boto3 client that signs with the person's temporary ``credentials``, never the site's."""
    region = region or settings.COGNITO_REGION
    endpoint_url = settings.COGNITO_ENDPOINT_URL if endpoint_url is None else endpoint_url
    return _person_client(
        service,
        region,
        endpoint_url or None,
        settings.COGNITO_TIMEOUT,
        credentials.access_key_id,
        credentials.secret_key,
        credentials.session_token,
    )


@lru_cache(maxsize=32)
@sensitive_variables("secret_key", "session_token")
def _person_client(service, region, endpoint_url, timeout, access_key_id, secret_key, session_token):
    # Cached by the credentials themselves (in this process only): a warm page builds no client.
    # boto3's default session is not thread-safe: threaded workers build clients one at a time.
    with _CLIENT_LOCK:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_key,
            aws_session_token=session_token,
            config=_config(),
        )


def _credentials(raw, identity_id=""):
    """Return AwsCredentials from GetCredentialsForIdentity's or STS's shape, checking what came back."""
    key = raw.get("AccessKeyId")
    secret = raw.get("SecretKey", raw.get("SecretAccessKey"))
    token = raw.get("SessionToken")
    expiration = raw.get("Expiration")
    if not all(isinstance(v, str) and 0 < len(v) <= 4096 for v in (key, secret, token)) or not hasattr(
        expiration, "tzinfo"
    ):
        raise CredentialsError("AWS answered with credentials the site cannot read")
    return AwsCredentials(
        access_key_id=key, secret_key=secret, session_token=token, expiration=expiration, identity_id=identity_id
    )


def checked_identity_id(value):
    """Return ``value`` if it has the shape of an identity id, else raise CredentialsError."""
    if not isinstance(value, str) or len(value) > 55 or not IDENTITY_ID.match(value):
        raise CredentialsError("the identity pool answered with an identity id the site cannot read")
    return value


def session_name(identity_id):
    """Return an STS role session name for ``identity_id`` (no colons allowed there)."""
    return ("site-" + _SESSION_NAME_CHARS.sub("-", identity_id))[:64]


def user_pool_login_key(*, region, user_pool_id):
    """Return the Logins key for the user pool: ``cognito-idp.{region}.amazonaws.com/{poolId}``."""
    return f"cognito-idp.{region}.amazonaws.com/{user_pool_id}"


#: The Logins key of a developer-authenticated identity's OpenID token.
DEVELOPER_LOGIN_KEY = "cognito-identity.amazonaws.com"


class IdentityClient:
    """Typed wrappers around the identity-pool, IAM and STS calls the site makes."""

    def __init__(self, *, region=None, endpoint_url=None):
        self.region = region or settings.COGNITO_REGION
        endpoint_url = settings.COGNITO_ENDPOINT_URL if endpoint_url is None else endpoint_url
        self.endpoint_url = endpoint_url or None
        self.is_local = bool(endpoint_url)
        self._identity = site_client("cognito-identity", self.region, self.endpoint_url, settings.COGNITO_TIMEOUT)
        self._sts = site_client("sts", self.region, self.endpoint_url, settings.COGNITO_TIMEOUT)
        self._iam = site_client("iam", self.region, self.endpoint_url, settings.COGNITO_TIMEOUT)

    @sensitive_variables("kwargs")
    def _call(self, client, service, operation, **kwargs):
        name = "".join(part.capitalize() for part in operation.split("_"))
        try:
            return getattr(client, operation)(**kwargs)
        except BOTO_ERRORS as exc:
            raise translate(exc, name, service=service) from exc

    def _id(self, operation, **kwargs):
        return self._call(self._identity, "Cognito identity", operation, **kwargs)

    def _iam_call(self, operation, **kwargs):
        return self._call(self._iam, "IAM", operation, **kwargs)

    # -- the person's flows ----------------------------------------------------------

    @sensitive_variables("logins")
    def get_id(self, *, identity_pool_id: str, logins: dict) -> str:
        """Return the person's identity id (GetId; created on the first call, the same ever after)."""
        answer = self._id("get_id", IdentityPoolId=identity_pool_id, Logins=logins)
        return checked_identity_id(answer.get("IdentityId"))

    @sensitive_variables("logins", "answer")
    def get_credentials_for_identity(
        self, *, identity_id: str, logins: dict, custom_role_arn: str = ""
    ) -> AwsCredentials:
        """Return temporary credentials for the identity's role (the enhanced flow's second call)."""
        kwargs = {"IdentityId": identity_id, "Logins": logins}
        if custom_role_arn:
            kwargs["CustomRoleArn"] = custom_role_arn
        answer = self._id("get_credentials_for_identity", **kwargs)
        return _credentials(answer.get("Credentials") or {}, checked_identity_id(answer.get("IdentityId")))

    @sensitive_variables("logins", "answer")
    def get_open_id_token(self, *, identity_id: str, logins: dict) -> OpenIdToken:
        """Return the identity pool's OpenID token for the identity (the basic flow's second call)."""
        answer = self._id("get_open_id_token", IdentityId=identity_id, Logins=logins)
        return self._open_id_token(answer)

    @sensitive_variables("answer")
    def get_open_id_token_for_developer_identity(
        self, *, identity_pool_id: str, developer_provider_name: str, user_identifier: str, duration_seconds: int
    ) -> OpenIdToken:
        """Return an OpenID token for a person the site itself vouches for (signed with the site's AWS keys).

        https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetOpenIdTokenForDeveloperIdentity.html
        """
        answer = self._id(
            "get_open_id_token_for_developer_identity",
            IdentityPoolId=identity_pool_id,
            Logins={developer_provider_name: user_identifier},
            TokenDuration=duration_seconds,
        )
        return self._open_id_token(answer)

    @staticmethod
    def _open_id_token(answer):
        token = answer.get("Token")
        if not isinstance(token, str) or not 0 < len(token) <= 20000:
            raise CredentialsError("the identity pool answered with an OpenID token the site cannot read")
        return OpenIdToken(identity_id=checked_identity_id(answer.get("IdentityId")), token=token)

    @sensitive_variables("token", "answer")
    def assume_role_with_web_identity(self, *, role_arn: str, token: str, identity_id: str) -> AwsCredentials:
        """Exchange an identity pool OpenID token for the role's credentials (STS; the role's trust policy decides)."""
        answer = self._call(
            self._sts,
            "STS",
            "assume_role_with_web_identity",
            RoleArn=role_arn,
            RoleSessionName=session_name(identity_id),
            WebIdentityToken=token,
        )
        return _credentials(answer.get("Credentials") or {}, identity_id)

    @sensitive_variables("credentials")
    def caller_identity(self, credentials: AwsCredentials) -> CallerIdentity:
        """Return who AWS says ``credentials`` are (STS GetCallerIdentity, signed with them)."""
        sts = person_client("sts", credentials, region=self.region, endpoint_url=self.endpoint_url or "")
        answer = self._call(sts, "STS", "get_caller_identity")
        return CallerIdentity(
            arn=str(answer.get("Arn", ""))[:2048],
            account=str(answer.get("Account", ""))[:32],
            user_id=str(answer.get("UserId", ""))[:2048],
        )

    # -- provisioning: identity pools -------------------------------------------------

    def find_identity_pools(self, name: str) -> list[str]:
        """Return the ids of the identity pools named ``name``."""
        found, token = [], None
        while True:
            kwargs = {"MaxResults": 60, **({"NextToken": token} if token else {})}
            page = self._id("list_identity_pools", **kwargs)
            found.extend(p["IdentityPoolId"] for p in page.get("IdentityPools", []) if p["IdentityPoolName"] == name)
            token = page.get("NextToken")
            if not token:
                return found

    def describe_identity_pool(self, identity_pool_id: str) -> IdentityPool:
        raw = self._id("describe_identity_pool", IdentityPoolId=identity_pool_id)
        return _identity_pool(raw)

    def create_identity_pool(self, **spec) -> IdentityPool:
        return _identity_pool(self._id("create_identity_pool", **spec))

    def update_identity_pool(self, identity_pool_id: str, **spec) -> IdentityPool:
        # UpdateIdentityPool resets what it is not given, like the user-pool updates: pass the whole spec.
        return _identity_pool(self._id("update_identity_pool", IdentityPoolId=identity_pool_id, **spec))

    def set_identity_pool_roles(self, identity_pool_id: str, *, roles: dict, role_mappings: dict) -> None:
        self._id("set_identity_pool_roles", IdentityPoolId=identity_pool_id, Roles=roles, RoleMappings=role_mappings)

    def get_identity_pool_roles(self, identity_pool_id: str) -> IdentityPoolRoles:
        raw = self._id("get_identity_pool_roles", IdentityPoolId=identity_pool_id)
        return IdentityPoolRoles(roles=dict(raw.get("Roles", {})), role_mappings=dict(raw.get("RoleMappings", {})))

    # -- provisioning: IAM roles ------------------------------------------------------

    def find_role(self, name: str) -> Role | None:
        try:
            raw = self._iam_call("get_role", RoleName=name)["Role"]
        except RoleMissing:
            return None
        return _role(raw)

    def create_role(self, name: str, *, trust_policy: dict, description: str = "") -> Role:
        raw = self._iam_call(
            "create_role", RoleName=name, AssumeRolePolicyDocument=json.dumps(trust_policy), Description=description
        )["Role"]
        return _role(raw)

    def update_trust_policy(self, name: str, trust_policy: dict) -> None:
        self._iam_call("update_assume_role_policy", RoleName=name, PolicyDocument=json.dumps(trust_policy))

    def put_role_policy(self, role_name: str, policy_name: str, document: dict) -> None:
        self._iam_call(
            "put_role_policy", RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )

    def get_role_policy(self, role_name: str, policy_name: str) -> dict:
        document = self._iam_call("get_role_policy", RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        return _document(document)


def _document(value):
    """Return a policy document as a dict: AWS sends it URL-encoded JSON, boto3 decodes it, MiniStack sends a dict."""
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError) as exc:
        raise CognitoError("IAM answered with a policy document the site cannot read") from exc


def _role(raw):
    return Role(name=raw["RoleName"], arn=raw["Arn"], trust_policy=_document(raw.get("AssumeRolePolicyDocument") or {}))


def _identity_pool(raw):
    return IdentityPool(
        id=raw["IdentityPoolId"],
        name=raw["IdentityPoolName"],
        allow_unauthenticated=bool(raw.get("AllowUnauthenticatedIdentities")),
        allow_classic_flow=bool(raw.get("AllowClassicFlow")),
        developer_provider_name=raw.get("DeveloperProviderName", "") or "",
        providers=tuple(
            IdentityPoolProvider(
                provider_name=p.get("ProviderName", ""),
                client_id=p.get("ClientId", ""),
                server_side_token_check=bool(p.get("ServerSideTokenCheck")),
            )
            for p in raw.get("CognitoIdentityProviders", [])
        ),
    )
