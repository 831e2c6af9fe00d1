"""The Redis cache backend keeps one redis-py client per pool, against a real Redis on loopback."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from guichet.core.cache import RedisCache

REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture
def backend() -> Iterator[RedisCache]:
    # Its own key prefix, never FLUSHDB: the SQLite and PostgreSQL runs use this Redis side by side.
    prefix = f"guichet-cache-test-{os.getpid()}"
    cache = RedisCache(REDIS, {"KEY_PREFIX": prefix})
    yield cache
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    cache.close()


def test_it_reuses_one_client(backend: RedisCache) -> None:
    first = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is first
    assert first.connection_pool is backend._cache._get_connection_pool(write=False)


def test_it_reads_writes_and_counts_as_django_s_own(backend: RedisCache) -> None:
    assert backend.get("missing") is None
    backend.set("k", {"a": [1, 2]}, 30)
    assert backend.get("k") == {"a": [1, 2]}
    assert backend.add("k", "other") is False
    assert backend.get_many(["k", "missing"]) == {"k": {"a": [1, 2]}}
    backend.set("n", 1)
    assert backend.incr("n", 4) == 5
    backend.delete_many(["k", "n"])
    assert backend.get("k") is None


def test_threads_share_the_client_safely(backend: RedisCache) -> None:
    failures: list[BaseException] = []

    def work(number: int) -> None:
        try:
            for i in range(50):
                backend.set(f"t{number}:{i}", i, 30)
                assert backend.get(f"t{number}:{i}") == i
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_the_site_uses_it_when_a_redis_url_is_given() -> None:
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {**os.environ, "CACHE_URL": REDIS, "DJANGO_SETTINGS_MODULE": "guichet.settings"}
    out = subprocess.run(  # noqa: S603  (this interpreter, fixed arguments)
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert out.stdout.strip() == "guichet.core.cache.RedisCache"
