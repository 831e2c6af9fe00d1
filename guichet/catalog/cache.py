"""What every visitor sees of the catalogue, kept in the shared cache until the catalogue changes.

A stamp (a random token in the cache) names the catalogue's current state. Saving a
service or a version replaces it once the transaction commits, so every web process
draws the catalogue again on its next request; fragments stored under an older stamp
are simply never read again. A lost cache (restart, eviction) only costs a redraw.
Fragments hold what is the same for everyone: never a CSRF token, never personal data.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")
logger = logging.getLogger(__name__)

STAMP_KEY = "guichet:catalogue:stamp"
# Bounds what a change made outside the models (a raw UPDATE, an administration renamed)
# can leave stale.
CACHED_SECONDS = 10 * 60


def catalogue_changed() -> None:
    """Every fragment drawn so far is out of date (call after the change is committed)."""
    try:
        cache.set(STAMP_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # A change must never fail for the cache's sake; the fragments' lifetime bounds the rest.
        logger.error("cache unavailable: the catalogue stamp was not renewed", exc_info=True)


def for_catalogue(name: str, compute: Callable[[], T]) -> T:
    """What `compute` gives for the current catalogue, computed again only after a change.

    One cache round trip when the value is there (the stamp and the value are read
    together): the cached path never queries the database. `compute` must return what is
    the same for every visitor, and something the cache can store (strings, numbers, dicts).
    """
    key = f"guichet:catalogue:{name}"
    try:
        found = cache.get_many([STAMP_KEY, key])
        stamp = found.get(STAMP_KEY)
        kept = found.get(key)
        if stamp is not None and isinstance(kept, tuple) and len(kept) == 2 and kept[0] == stamp:
            return kept[1]
        if stamp is None:
            # First request after the cache was emptied: any token will do, as long as all agree.
            cache.add(STAMP_KEY, uuid.uuid4().hex, timeout=None)
            stamp = cache.get(STAMP_KEY)
    except Exception:
        # The cache is a shortcut: with Redis down the pages are drawn each time, not refused.
        logger.warning("cache unavailable: catalogue %s drawn without it", name, exc_info=True)
        return compute()
    value = compute()
    try:
        cache.set(key, (stamp, value), timeout=CACHED_SECONDS)
    except Exception:
        logger.warning("cache unavailable: catalogue %s not kept", name, exc_info=True)
    return value
