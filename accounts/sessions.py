"""Keep a per-user record of Django sessions, and end them on demand."""

import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from .models import UserSession

logger = logging.getLogger(__name__)


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


@receiver(user_logged_in)
def _record_session(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={"user": user, "user_agent": request.headers.get("User-Agent", "")[:300]},
    )


@receiver(user_logged_out)
def _forget_session(sender, request, user, **kwargs):
    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def user_sessions_end(*, user, keep_session_key=None):
    """End every session of ``user`` on this site (but ``keep_session_key``); return how many.

    Only the database is written: the session rows and their records go together.
    """
    records = UserSession.objects.filter(user=user)
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
