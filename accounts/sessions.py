"""Keep a per-user record of Django sessions, and end them on demand."""

import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from . import renewal, session_tokens
from .models import UserSession

logger = logging.getLogger(__name__)


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


@receiver(user_logged_in)
def _record_session(sender, request, user, **kwargs):
    """Record the new session, with the tokens the backend left in it."""
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    tokens = request.session.pop(session_tokens.PENDING_KEY, None) or {}
    defaults = {"user": user, "user_agent": request.headers.get("User-Agent", "")[:300]}
    if tokens:
        defaults.update(
            refresh_token=tokens["refresh"],
            id_token=tokens["id"],
            access_token=tokens["access"],
            renewed_at=timezone.now(),
            **renewal.schedule_after_success(access_token=session_tokens.decrypt(tokens["access"])),
        )
    UserSession.objects.update_or_create(session_key=request.session.session_key, defaults=defaults)


@receiver(user_logged_out)
def _forget_session(sender, request, user, **kwargs):
    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def current_session(request):
    """Return the UserSession of this request, or None."""
    key = request.session.session_key
    return UserSession.objects.filter(session_key=key).first() if key else None


def user_sessions_end(*, user, keep_session_key=None, only_session_key=None):
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
