"""Counting attempts in the cache (local memory embedded, Redis at scale)."""

from __future__ import annotations

from django.core.cache import cache
from django.utils.functional import Promise

from guichet.core.errors import RateLimited


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
