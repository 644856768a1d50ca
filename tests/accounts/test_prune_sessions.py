"""prune_sessions: expired sessions and orphaned session records go, live sessions stay signed in."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.cache import SessionStore as CacheStore
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from accounts.models import UserSession
from tests.factories import linked_user_create

pytestmark = pytest.mark.django_db


def _session(expiry=3600):
    store = SessionStore()
    store.set_expiry(expiry)
    store["x"] = 1
    store.save()
    return store.session_key


def test_expired_sessions_and_orphaned_records_go_and_live_ones_stay():
    user = linked_user_create("pat", "pat@example.com")
    live = UserSession.objects.create(user=user, session_key=_session())
    orphan = UserSession.objects.create(user=user, session_key="gone-from-the-session-table")
    expired_key = _session(expiry=-10)
    expired = UserSession.objects.create(user=user, session_key=expired_key)
    anonymous_start = _session(expiry=-10)  # what a sign-in start left, never finished

    call_command("prune_sessions")

    assert list(UserSession.objects.values_list("pk", flat=True)) == [live.pk]
    assert not UserSession.objects.filter(pk__in=[orphan.pk, expired.pk]).exists()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert anonymous_start not in Session.objects.values_list("session_key", flat=True)


def test_a_record_past_its_own_expiry_goes_even_if_the_row_lingers():
    user = linked_user_create("sam", "sam@example.com")
    UserSession.objects.create(user=user, session_key=_session(), expires_at=timezone.now() - timedelta(seconds=1))
    call_command("prune_sessions")
    assert not UserSession.objects.exists()


def test_other_session_stores_are_checked_key_by_key(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    store = CacheStore()
    store["x"] = 1
    store.save()
    user = linked_user_create("kim", "kim@example.com")
    live = UserSession.objects.create(user=user, session_key=store.session_key)
    UserSession.objects.create(user=user, session_key="not-in-the-cache")
    call_command("prune_sessions")
    assert list(UserSession.objects.values_list("pk", flat=True)) == [live.pk]
