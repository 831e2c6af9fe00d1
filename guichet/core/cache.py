"""The Redis cache backend: Django's own, keeping one redis-py client per connection pool.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache call. With
redis-py 6 each one fills its table of 160-odd response callbacks: about 190 µs of Python per
call, more than the round trip to Redis itself, and a public page makes several calls (permit
checks, rate limits, cached catalogue pages). A `redis.Redis` only wraps its pool and is safe to
share between threads, so the client is made once per pool and reused (decision 0032).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    # Django's private attributes, which its type stubs do not declare.
    _servers: list[str]
    _pools: dict[int, Any]
    _pool_class: Any
    _pool_options: dict[str, Any]
    _client: Any

    if TYPE_CHECKING:

        def _get_connection_pool_index(self, write: bool) -> int: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:  # the pool Django would make on first use
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients.setdefault(index, self._client(connection_pool=self._pools[index]))
        return client


class RedisCache(DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache`, with clients that are made once."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
