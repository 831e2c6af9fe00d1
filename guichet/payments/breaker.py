"""A circuit breaker per provider and network: a gateway that keeps failing is not offered.

Counted in the shared cache (Redis at scale), so every web process and worker sees the same
state. A success closes it; it opens after BREAKER_FAILURES failures in a row and closes by
itself BREAKER_OPEN_SECONDS after the last failure.
"""

from __future__ import annotations

from django.core.cache import cache

from guichet.core import ratelimit
from guichet.payments.conf import payments_setting


def _key(provider: str, network: str) -> str:
    return f"payments:breaker:{provider}:{network or '-'}"


def record(provider: str, network: str, *, ok: bool) -> None:
    """Count one exchange with the gateway."""
    if ok:
        cache.delete(_key(provider, network))
    else:
        ratelimit.count(_key(provider, network), window_seconds=int(payments_setting("BREAKER_OPEN_SECONDS")))


def is_open(provider: str, network: str) -> bool:
    """Whether the gateway failed so often lately that the network is not offered."""
    return ratelimit.exceeded(_key(provider, network), int(payments_setting("BREAKER_FAILURES")))
