"""Temporary AWS credentials for a signed-in person, through the identity pool, on demand.

Nothing here runs on every request: a page that needs credentials asks for
them. The first time ever, GetId gives the person's identity id (stored on the
user); then GetCredentialsForIdentity (enhanced flow) or GetOpenIdToken and
STS AssumeRoleWithWebIdentity (basic flow) give credentials for an hour, which
the session keeps encrypted and uses for at most COGNITO_CREDENTIALS_CACHE_SECONDS.
https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flow.html
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from ..cognito.identity import DEVELOPER_LOGIN_KEY, IdentityClient, checked_identity_id, user_pool_login_key
from ..cognito.types import AwsCredentials
from ..exceptions import CredentialsError, IdentityPoolMissing, TokenRefused
from ..models import SessionCredentials, User
from ..sessions import encryption as token_encryption
from ..sessions.records import current_session
from . import encryption

logger = logging.getLogger(__name__)

ENHANCED, BASIC, DEVELOPER = "enhanced", "basic", "developer"
#: Never use credentials closer than this to their expiry, whatever the cache setting says.
EXPIRY_MARGIN = timedelta(minutes=5)
#: How long a developer-authenticated OpenID token lives (GetOpenIdTokenForDeveloperIdentity's TokenDuration).
DEVELOPER_TOKEN_SECONDS = 15 * 60


@dataclass(frozen=True)
class SessionAws:
    """The session's AWS credentials and what the account page says about them."""

    credentials: AwsCredentials = field(repr=False)
    identity_id: str
    flow: str
    fresh_until: datetime
    role_arn: str = ""
    #: Whether this call asked AWS (False: from the session's cache).
    fetched: bool = False


def identity_pool_id() -> str:
    """Return the configured identity pool id, or raise IdentityPoolMissing."""
    if not settings.COGNITO_IDENTITY_POOL_ID:
        raise IdentityPoolMissing("COGNITO_IDENTITY_POOL_ID is empty")
    return settings.COGNITO_IDENTITY_POOL_ID


@sensitive_variables("id_token")
def _logins(id_token):
    return {user_pool_login_key(region=settings.COGNITO_REGION, user_pool_id=settings.COGNITO_USER_POOL_ID): id_token}


@sensitive_variables("id_token")
def identity_id_ensure(*, user: User, id_token: str, identity: IdentityClient | None = None) -> str:
    """Return the person's identity id, asking the identity pool (GetId) only the first time ever.

    The identity pool is written first (GetId creates the identity on its first
    call and returns the same id ever after); the user row second, only if it
    has no identity id yet. If that write fails, the next call asks again and
    gets the same id.
    """
    if user.aws_identity_id:
        return user.aws_identity_id
    identity = identity or IdentityClient()
    identity_id = identity.get_id(identity_pool_id=identity_pool_id(), logins=_logins(id_token))
    try:
        # A savepoint: a refused write must not spoil the request's transaction.
        with transaction.atomic():
            User.objects.filter(pk=user.pk, aws_identity_id__isnull=True).update(aws_identity_id=identity_id)
    except IntegrityError as exc:
        logger.error("The identity pool gave user %s an identity id another site user has", user.cognito_sub)
        raise CredentialsError("this AWS identity already belongs to another account on this site") from exc
    user.refresh_from_db(fields=["aws_identity_id"])
    if user.aws_identity_id != identity_id:
        logger.warning(
            "User %s already had identity id %s, not %s", user.cognito_sub, user.aws_identity_id, identity_id
        )
    logger.info("Stored the identity id of user %s", user.cognito_sub)
    return user.aws_identity_id


@sensitive_variables("id_token", "token")
def credentials_fetch(
    *, user: User, id_token: str, identity: IdentityClient | None = None
) -> tuple[str, AwsCredentials]:
    """Return (flow, new credentials) for ``user`` from their current ID token; nothing is stored but the identity id.

    Enhanced flow: GetId (first time only), GetCredentialsForIdentity. Basic
    flow (COGNITO_CREDENTIALS_FLOW=basic): GetId (first time only),
    GetOpenIdToken, then STS AssumeRoleWithWebIdentity on
    COGNITO_AUTHENTICATED_ROLE_ARN, whose trust policy decides.
    """
    if not id_token:
        raise TokenRefused("this session has no ID token")
    identity = identity or IdentityClient()
    identity_id = identity_id_ensure(user=user, id_token=id_token, identity=identity)
    logins = _logins(id_token)
    if settings.COGNITO_CREDENTIALS_FLOW == BASIC:
        role_arn = settings.COGNITO_AUTHENTICATED_ROLE_ARN
        if not role_arn:
            raise IdentityPoolMissing("the basic flow needs COGNITO_AUTHENTICATED_ROLE_ARN")
        token = identity.get_open_id_token(identity_id=identity_id, logins=logins)
        credentials = identity.assume_role_with_web_identity(
            role_arn=role_arn, token=token.token, identity_id=token.identity_id
        )
        return BASIC, credentials
    return ENHANCED, identity.get_credentials_for_identity(identity_id=identity_id, logins=logins)


def _fresh_until(credentials, now):
    """Return until when the site uses ``credentials``: the cache limit, and never near their expiry."""
    limit = now + timedelta(seconds=settings.COGNITO_CREDENTIALS_CACHE_SECONDS)
    if credentials.expiration is not None:
        limit = min(limit, credentials.expiration - EXPIRY_MARGIN)
    return limit


@sensitive_variables("values")
def _from_cache(row):
    values = encryption.decrypt(row.secret)
    try:
        credentials = AwsCredentials(
            access_key_id=values["access_key_id"],
            secret_key=values["secret_key"],
            session_token=values["session_token"],
            expiration=row.expires_at,
            identity_id=row.identity_id,
        )
    except KeyError:
        return None
    return SessionAws(
        credentials=credentials,
        identity_id=row.identity_id,
        flow=row.flow,
        fresh_until=row.fresh_until,
        role_arn=row.role_arn,
    )


def session_credentials(*, request: HttpRequest, identity: IdentityClient | None = None) -> SessionAws:
    """Return the session's AWS credentials: the cached ones while fresh, else new ones from the current ID token.

    Only the database is written (the session's encrypted cache row, replaced
    whole). A refused token drops the cache, so nothing stale outlives it.
    """
    record = current_session(request)
    if record is None:
        raise TokenRefused("this browser's session has no record")
    now = timezone.now()
    row = SessionCredentials.objects.filter(session=record).first()
    if row is not None and row.fresh_until > now:
        cached = _from_cache(row)
        if cached is not None:
            return cached
    id_token = token_encryption.decrypt(record.id_token)
    try:
        flow, credentials = credentials_fetch(user=request.user, id_token=id_token, identity=identity)
    except TokenRefused:
        credentials_forget(request=request)
        raise
    fresh_until = _fresh_until(credentials, now)
    secret = encryption.encrypt(
        {
            "access_key_id": credentials.access_key_id,
            "secret_key": credentials.secret_key,
            "session_token": credentials.session_token,
        }
    )
    SessionCredentials.objects.update_or_create(
        session=record,
        defaults={
            "identity_id": credentials.identity_id,
            "flow": flow,
            "secret": secret,
            "expires_at": credentials.expiration,
            "fresh_until": fresh_until,
            "fetched_at": now,
            "role_arn": "",
        },
    )
    logger.info("Fetched AWS credentials (%s flow) for user %s", flow, request.user.cognito_sub)
    return SessionAws(
        credentials=credentials, identity_id=credentials.identity_id, flow=flow, fresh_until=fresh_until, fetched=True
    )


def session_role(*, request: HttpRequest, aws: SessionAws, identity: IdentityClient | None = None) -> str:
    """Return the role ``aws`` stands for, asking STS (GetCallerIdentity) once per set of credentials.

    Only the database is written, and only the role of the session's cache row.
    """
    if aws.role_arn:
        return aws.role_arn
    identity = identity or IdentityClient()
    arn = identity.caller_identity(aws.credentials).arn
    record = current_session(request)
    if record is not None:
        SessionCredentials.objects.filter(session=record, identity_id=aws.identity_id).update(role_arn=arn)
    return arn


def credentials_forget(*, request: HttpRequest) -> None:
    """Drop the session's cached credentials (the next page that needs some fetches new ones)."""
    record = current_session(request)
    if record is not None:
        SessionCredentials.objects.filter(session=record).delete()


def cached_summary(*, request: HttpRequest) -> SessionCredentials | None:
    """Return the session's cache row, without its secrets and without asking AWS (for the account page)."""
    record = current_session(request) if request.user.is_authenticated else None
    if record is None:
        return None
    return SessionCredentials.objects.filter(session=record).defer("secret").first()


@sensitive_variables("token")
def developer_credentials(*, user: User, identity: IdentityClient | None = None) -> AwsCredentials:
    """Return credentials for a developer-authenticated identity of ``user``, vouched for by the site.

    The site, with its own AWS credentials, calls GetOpenIdTokenForDeveloperIdentity
    under COGNITO_DEVELOPER_PROVIDER_NAME with the Django user's id, then
    exchanges the token (GetCredentialsForIdentity with the
    ``cognito-identity.amazonaws.com`` login). The identity pool is written
    first; the identity id is stored on the user only if they have no
    Cognito sign-in (a person who signs in keeps their user-pool identity).
    """
    provider = settings.COGNITO_DEVELOPER_PROVIDER_NAME
    if not provider:
        raise IdentityPoolMissing("COGNITO_DEVELOPER_PROVIDER_NAME is empty")
    identity = identity or IdentityClient()
    token = identity.get_open_id_token_for_developer_identity(
        identity_pool_id=identity_pool_id(),
        developer_provider_name=provider,
        user_identifier=f"django-user-{user.pk}",
        duration_seconds=DEVELOPER_TOKEN_SECONDS,
    )
    credentials = identity.get_credentials_for_identity(
        identity_id=token.identity_id, logins={DEVELOPER_LOGIN_KEY: token.token}
    )
    if not user.cognito_sub and not user.aws_identity_id:
        identity_id = checked_identity_id(token.identity_id)
        User.objects.filter(pk=user.pk, aws_identity_id__isnull=True).update(aws_identity_id=identity_id)
        user.refresh_from_db(fields=["aws_identity_id"])
    return credentials
