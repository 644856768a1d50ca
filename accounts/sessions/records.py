"""Keep a per-user record of Django sessions with their Cognito tokens; sign sessions out."""

import logging
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from ..cognito import oauth
from ..cognito.client import CognitoClient
from ..exceptions import CognitoError
from ..models import UserSession
from . import encryption, renewal

logger = logging.getLogger(__name__)

#: The session remembers its record's id, because Django may give the session a
#: new key (at login, or after checking it against SECRET_KEY_FALLBACKS).
RECORD_ID_KEY = "cognito_session_record"
#: The request attribute on which a sign-in hands its VerifiedSignIn to session_record.
SIGN_IN_ATTR = "cognito_sign_in"


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """Record the new session; Django's user_logged_in signal calls this (connected in AccountsConfig.ready)."""
    if request is not None and hasattr(request, "session"):
        session_record(request=request, user=user)


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    """Forget the ended session's record; Django's user_logged_out signal calls this."""
    if request is not None and getattr(request, "session", None) is not None:
        record_id = request.session.get(RECORD_ID_KEY)
        if record_id is not None:
            UserSession.objects.filter(pk=record_id).delete()


@dataclass(frozen=True)
class VerifiedSignIn:
    """What a sign-in hands the session record: Cognito's tokens and the claims already verified from them."""

    id_token: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    id_claims: dict = field(repr=False)
    access_claims: dict = field(repr=False)


def sign_in_hand_over(*, request: HttpRequest, sign_in: VerifiedSignIn) -> None:
    """Leave the verified sign-in on the request for session_record.

    On the request, not in the session: logging a different user in empties
    the session, and its key changes at login anyway.
    """
    setattr(request, SIGN_IN_ATTR, sign_in)


def signed_in_now(request: HttpRequest) -> bool:
    """Return whether this request carries a fresh sign-in the session record has not taken yet."""
    return getattr(request, SIGN_IN_ATTR, None) is not None


@sensitive_variables("sign_in")
def session_record(*, request: HttpRequest, user) -> None:
    """Record the request's session for ``user``, with the tokens the sign-in left on the request.

    Called when Django logs the user in, and by the callback when the same
    user signs in again in a session that is already theirs (Django then skips
    the login): the new tokens replace the old, whose refresh token is revoked.
    Only the database is written, then Cognito (the revocation); a failed
    revocation is logged and changes nothing here.
    """
    if request.session.session_key is None:
        request.session.save()
    sign_in = getattr(request, SIGN_IN_ATTR, None)
    if sign_in is not None:
        delattr(request, SIGN_IN_ATTR)
    now = timezone.now()
    defaults = {
        "user": user,
        "user_agent": request.headers.get("User-Agent", "")[:300],
        "expires_at": request.session.get_expiry_date(),
    }
    if sign_in is not None:
        defaults.update(
            refresh_token=encryption.encrypt(sign_in.refresh_token),
            id_token=encryption.encrypt(sign_in.id_token),
            access_token=encryption.encrypt(sign_in.access_token),
            renewed_at=now,
            unreachable_since=None,
            **renewal.schedule_after_success(access_claims=sign_in.access_claims, now=now),
        )
    previous = UserSession.objects.filter(session_key=request.session.session_key).first()
    record, _ = UserSession.objects.update_or_create(session_key=request.session.session_key, defaults=defaults)
    request.session[RECORD_ID_KEY] = record.pk
    if (
        sign_in is not None
        and previous is not None
        and encryption.decrypt(previous.refresh_token) != sign_in.refresh_token
    ):
        session_revoke(record=previous)
    # Records of sessions that expired on their own are pruned as their owner comes back.
    UserSession.objects.filter(user=user, expires_at__lt=now).delete()


def sessions_prune() -> int:
    """Delete the records whose session has expired or is gone from the session store; return how many.

    Run after Django's ``clearsessions``. Only records are deleted: a live
    session keeps its record, so nobody signed in is signed out.
    """
    now = timezone.now()
    store = _session_store()
    records = UserSession.objects.all()
    if issubclass(store, DatabaseSessionStore):
        # One statement for the database store: the keys of the live session rows.
        live = store.get_model_class().objects.filter(expire_date__gt=now).values("session_key")
        gone = records.filter(Q(expires_at__lt=now) | ~Q(session_key__in=live))
    else:
        keys = [key for key in records.values_list("session_key", flat=True).iterator() if not store().exists(key)]
        gone = records.filter(Q(expires_at__lt=now) | Q(session_key__in=keys))
    count, _ = gone.delete()
    if count:
        logger.info("Pruned %d session record(s) whose session had ended", count)
    return count


def current_session(request: HttpRequest) -> UserSession | None:
    """Return the UserSession of this request, or None."""
    record_id, key = request.session.get(RECORD_ID_KEY), request.session.session_key
    record = UserSession.objects.filter(pk=record_id).first() if record_id is not None and key else None
    if record is not None and record.session_key != key:
        # Django gave the session a new key; follow it, so the session can still be ended.
        UserSession.objects.filter(pk=record.pk).update(session_key=key)
        record.session_key = key
    return record


def session_revoke(*, record: UserSession) -> None:
    """Revoke the record's refresh token at Cognito, and with it the tokens issued from it.

    A failure is logged and otherwise ignored: revocation must never keep
    anyone signed in.
    """
    refresh_token = encryption.decrypt(record.refresh_token)
    if not refresh_token:
        return
    try:
        oauth.token_revoke(refresh_token=refresh_token)
    except CognitoError as exc:
        logger.warning("Could not revoke a refresh token of user %s: %s", record.user.cognito_sub, exc)


def session_sign_out(*, request: HttpRequest) -> None:
    """Revoke this session's refresh token, then end the Django session.

    Cognito is called first; its failure does not stop the local sign-out.
    """
    record = current_session(request)
    if record is not None:
        session_revoke(record=record)
    auth.logout(request)


@sensitive_variables("record")
def session_access_token(*, request: HttpRequest) -> str:
    """Return this session's live Cognito access token, renewing it first if it has expired; "" when there is none.

    The user-level calls (GlobalSignOut, the account page's self-service) need a
    live token. Only the database is written, by the renewal.
    """
    record = current_session(request)
    if record is not None and record.access_expires_at and record.access_expires_at <= timezone.now():
        renewal.session_renew(record=record, user=request.user, force=True)
        record = current_session(request)
    return encryption.decrypt(record.access_token) if record else ""


@sensitive_variables("access_token")
def user_global_sign_out(*, request: HttpRequest) -> bool:
    """Sign the request's user out of Cognito everywhere, then end all their sessions here.

    Cognito is called first (GlobalSignOut with the session's access token,
    renewed first if it has expired). Return False when Cognito could not be
    told; every session on this site ends either way.
    """
    user = request.user
    access_token = session_access_token(request=request)
    told_cognito = True
    try:
        if not access_token:
            raise CognitoError("no access token in this session")
        CognitoClient().global_sign_out(access_token)
    except CognitoError as exc:
        logger.warning("GlobalSignOut failed for user %s: %s", user.cognito_sub, exc)
        told_cognito = False
    user_sessions_end(user=user)
    auth.logout(request)
    return told_cognito


def user_sessions_end(*, user, keep_session_key: str | None = None, only_session_key: str | None = None) -> int:
    """End every session of ``user`` on this site (but ``keep_session_key``, or just ``only_session_key``).

    Return how many ended. Only the database is written: the session rows and
    their records go together.
    """
    records = UserSession.objects.filter(user=user)
    if only_session_key:
        records = records.filter(session_key=only_session_key)
    if keep_session_key:
        records = records.exclude(session_key=keep_session_key)
    store = _session_store()
    keys = list(records.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    records.delete()
    if keys:
        logger.info("Ended %d session(s) of user %s", len(keys), user.cognito_sub or user.pk)
    return len(keys)
