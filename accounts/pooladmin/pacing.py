"""Pace calls to Cognito across every worker process, through Django's shared cache.

Cognito's quotas (user writes 25/s, ListUsers 30/s) hold for the whole AWS
account, so two job workers must share one budget. Each second of wall-clock
time is a window with ``rate`` slots; a call takes a slot with the cache's
atomic ``incr`` (atomic in Redis and in one process's memory) and, when the
window is full, waits for the next one. With the default per-process memory
cache only one worker process paces correctly: set ``DJANGO_CACHE_URL`` before
running a second.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from django.core.cache import caches

WINDOW_SECONDS = 1.0


def pace_take(
    *,
    kind: str,
    rate: float,
    cache_alias: str = "default",
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> None:
    """Return once this process may make one call of ``kind``, at most ``rate`` a second across all processes."""
    cache = caches[cache_alias]
    slots = max(1, math.floor(rate * WINDOW_SECONDS))
    while True:
        now = clock()
        window = math.floor(now / WINDOW_SECONDS)
        key = f"cognito-pace:{kind}:{window}"
        cache.add(key, 0, timeout=int(WINDOW_SECONDS * 10) + 1)
        try:
            taken = cache.incr(key)
        except ValueError:  # the key expired between add and incr: take the next round
            continue
        if taken <= slots:
            return
        sleep(max(0.0, (window + 1) * WINDOW_SECONDS - now))
