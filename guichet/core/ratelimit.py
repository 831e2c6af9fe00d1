"""Counting attempts in the cache (local memory embedded, Redis at scale)."""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.utils.functional import Promise

from guichet.core.errors import RateLimited

# Past its free attempts, an address waits 2, 4, 8 ... seconds, at most an hour, and the
# count of its misses is forgotten a day after the last one.
MAX_WAIT_SECONDS = 3600
FAILURES_KEPT_SECONDS = 24 * 3600


def count(key: str, *, window_seconds: int) -> int:
    """Add one to the counter `key` (created for `window_seconds`) and return its value."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1


def hit(key: str, limit: int, *, window_seconds: int = 3600, message: str | Promise | None = None) -> None:
    """Count one attempt against `key`; raise RateLimited once more than `limit` fall in the window."""
    if count(key, window_seconds=window_seconds) > limit:
        raise RateLimited(message)


def exceeded(key: str, limit: int) -> bool:
    """Whether `key` already reached `limit`, without counting an attempt."""
    return int(cache.get(key, 0)) >= limit


def reset(key: str) -> None:
    cache.delete(key)


def _now() -> float:
    return time.time()


def wait_seconds(key: str) -> int:
    """How long `key` must still wait after its last miss (0: it may try now)."""
    until = cache.get(f"{key}:until")
    if until is None:
        return 0
    return max(0, math.ceil(float(until) - _now()))


def slow_down(key: str, *, free_attempts: int) -> int:
    """Count one miss for `key`; past `free_attempts`, make it wait twice as long as the last time.

    Nothing is ever refused for good: the wait ends, so a person who mistyped is slowed,
    while guessing a code of 80 bits stays out of reach. Returns the wait, in seconds.
    """
    misses = count(f"{key}:misses", window_seconds=FAILURES_KEPT_SECONDS)
    beyond = misses - free_attempts
    if beyond <= 0:
        return 0
    wait = min(2**beyond, MAX_WAIT_SECONDS)
    cache.set(f"{key}:until", _now() + wait, timeout=wait)
    return wait
