"""Keep a Django session honest: renew its Cognito tokens with the refresh token.

A renewal is one call to the token endpoint (``grant_type=refresh_token``, no
browser redirect). Cognito refuses it with ``invalid_grant`` once the user is
disabled or deleted, signed out everywhere, or the token revoked or expired,
and that ends the session. New tokens are verified like at sign-in and the
user's groups, flags and profile are applied again.
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html
"""

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from ..claims import user_claims_apply
from ..cognito import oauth, tokens
from ..exceptions import CognitoError, CognitoUnavailable, InvalidToken
from ..models import UserSession
from . import encryption

logger = logging.getLogger(__name__)

FRESH = "fresh"  # nothing was due; no call made
RENEWED = "renewed"  # new tokens stored (by this request or a concurrent one)
DEFERRED = "deferred"  # Cognito could not be reached; the session goes on within the grace limit
ENDED = "ended"  # the session must end

# How often a request waiting for another's renewal looks again.
WAIT_STEP_SECONDS = 0.05
# After a failed attempt, wait this long before asking Cognito again.
RETRY_SECONDS = 30


def _expiry(access_claims):
    """Return when the access token expires, from its verified claims; None if ``exp`` is no usable time."""
    exp = access_claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        return None
    try:
        return datetime.fromtimestamp(exp, tz=UTC)
    except (OverflowError, OSError, ValueError):  # past the platform's time_t or year 9999
        return None


def schedule_after_success(*, access_claims: Mapping, now: datetime | None = None) -> dict:
    """Return the access-token expiry and the next check time after fresh, verified tokens arrive."""
    now = now or timezone.now()
    expires = _expiry(access_claims)
    next_check = now + timedelta(seconds=settings.COGNITO_SESSION_CHECK_SECONDS)
    if expires:
        next_check = min(next_check, expires - timedelta(seconds=settings.COGNITO_SESSION_RENEW_MARGIN))
    return {"access_expires_at": expires, "next_check_at": next_check}


def is_due(record: UserSession, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(record.refresh_token) and (record.next_check_at is None or now >= record.next_check_at)


def lease_seconds() -> float:
    """Return how long a renewal may take: the refresh call and a JWKS fetch, each connect plus read."""
    return 4 * settings.COGNITO_TIMEOUT + 5


def session_renew(*, record: UserSession, user, force: bool = False) -> str:
    """Renew ``record``'s tokens if due (or ``force``); return FRESH, RENEWED, DEFERRED or ENDED.

    Only one request renews a session at a time: it takes a lease on the row
    with a conditional UPDATE, which works across processes, then reads the
    row again, since another request may have renewed it since this one read
    it. A request that finds the lease taken waits for the holder and uses its
    result, so the refresh token is spent once and a rotated one is never
    lost. On ENDED the row is deleted before the lease is let go, so waiting
    requests end too. The database is the only side written; Cognito is only read.
    """
    now = timezone.now()
    if not record.refresh_token or (not force and not is_due(record, now)):
        return FRESH
    mine = now + timedelta(seconds=lease_seconds())
    lease = UserSession.objects.filter(pk=record.pk).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    if not lease.update(lease_until=mine):
        return _wait_for_other_renewal(record)
    try:
        try:
            record.refresh_from_db()
        except UserSession.DoesNotExist:
            return ENDED
        if not force and not is_due(record, now):
            return RENEWED  # by a request that held the lease before this one
        result = _renew(record, user, now)
        if result == ENDED:
            UserSession.objects.filter(pk=record.pk).delete()
        return result
    finally:
        # Let go of this request's lease only, never one another request has taken since.
        UserSession.objects.filter(pk=record.pk, lease_until=mine).update(lease_until=None)


def _wait_for_other_renewal(record):
    deadline = time.monotonic() + lease_seconds()
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP_SECONDS)
        try:
            record.refresh_from_db()
        except UserSession.DoesNotExist:
            return ENDED
        if record.lease_until is None or record.lease_until < timezone.now():
            return RENEWED
    return DEFERRED


@sensitive_variables("refresh_token", "answer", "new_refresh")
def _renew(record, user, now):
    refresh_token = encryption.decrypt(record.refresh_token)
    if not refresh_token:
        logger.info("Ending a session of user %s: its refresh token cannot be read", user.cognito_sub)
        return ENDED
    try:
        answer = oauth.tokens_refresh(refresh_token=refresh_token)
        id_claims = tokens.verify_token(answer.get("id_token"), token_use="id")
        access_claims = tokens.verify_token(answer.get("access_token"), token_use="access")
    except CognitoUnavailable as exc:
        return _unreachable(record, user, now, exc)
    except InvalidToken as exc:
        logger.warning("Ending a session of user %s: renewed token rejected: %s", user.cognito_sub, exc)
        return ENDED
    except CognitoError as exc:
        # invalid_grant: disabled, deleted, signed out everywhere, revoked or expired.
        logger.info("Ending a session of user %s: Cognito refused the refresh (%s)", user.cognito_sub, exc.code or exc)
        return ENDED
    if not (id_claims["sub"] == access_claims["sub"] == user.cognito_sub):
        logger.warning("Ending a session of user %s: renewed tokens name another user", user.cognito_sub)
        return ENDED

    if not user_claims_apply(user=user, claims=id_claims):
        logger.info("Ending a session of user %s: the Django user was deleted meanwhile", user.cognito_sub)
        return ENDED
    # Cognito returns a new refresh token only when rotation is on; keep the old one otherwise.
    new_refresh = answer.get("refresh_token")
    record.id_token = encryption.encrypt(answer["id_token"])
    record.access_token = encryption.encrypt(answer["access_token"])
    if new_refresh:
        record.refresh_token = encryption.encrypt(new_refresh)
    record.renewed_at = now
    record.unreachable_since = None
    for field, value in schedule_after_success(access_claims=access_claims, now=now).items():
        setattr(record, field, value)
    fields = ["id_token", "access_token", "refresh_token", "renewed_at", "unreachable_since"]
    if not _write(record, [*fields, "access_expires_at", "next_check_at"]):
        return ENDED
    logger.info("Renewed the tokens of a session of user %s", user.cognito_sub)
    return RENEWED


def _write(record, fields):
    """Write ``fields`` of ``record`` unless the session was ended meanwhile; return whether it still exists."""
    return bool(UserSession.objects.filter(pk=record.pk).update(**{f: getattr(record, f) for f in fields}))


def _unreachable(record, user, now, exc):
    since = record.unreachable_since or now
    if now - since > timedelta(seconds=settings.COGNITO_SESSION_GRACE_SECONDS):
        logger.warning("Ending a session of user %s: Cognito unreachable since %s", user.cognito_sub, since)
        return ENDED
    logger.warning("Could not renew a session of user %s, keeping it for now: %s", user.cognito_sub, exc)
    record.unreachable_since = since
    record.next_check_at = now + timedelta(seconds=min(RETRY_SECONDS, settings.COGNITO_SESSION_CHECK_SECONDS))
    return DEFERRED if _write(record, ["unreachable_since", "next_check_at"]) else ENDED
