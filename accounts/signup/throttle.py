"""Count sign-up and recovery requests per client address and per email, in Django's cache.

The cache is the shared one when ``DJANGO_CACHE_URL`` is set (every worker sees
the same counts), this process's memory otherwise. Each count is a fixed window
of ``COGNITO_SIGNUP_THROTTLE_SECONDS``; addresses and emails are hashed into the
key, so the cache holds neither.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches

from ..exceptions import Throttled

logger = logging.getLogger(__name__)


def _key(action: str, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"signup:throttle:{action}:{kind}:{digest}"


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one request under ``key``; return whether it is within ``limit`` for the window."""
    cache = caches["default"]
    if cache.add(key, 1, window):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, window)
        count = 1
    return count <= limit


def throttle_check(*, request, action: str, email: str = "") -> None:
    """Count this request of ``action`` for its client address and, if given, ``email``; raise Throttled over either.

    Both counts are taken, so that a burst from one address across many
    emails, and many addresses aiming at one inbox, are both held back.
    """
    window = settings.COGNITO_SIGNUP_THROTTLE_SECONDS
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    within = _hit(_key(action, "address", address), settings.COGNITO_SIGNUP_THROTTLE_PER_ADDRESS, window)
    if email:
        within = _hit(_key(action, "email", email), settings.COGNITO_SIGNUP_THROTTLE_PER_EMAIL, window) and within
    if not within:
        logger.warning("Throttled %s from one address or for one email", action)
        raise Throttled(f"too many {action} requests")
