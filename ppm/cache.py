"""The Redis cache backend of production (settings: CACHE_URL=redis://…): Django's, with one
`redis.Redis` client per connection pool kept and reused. Django's backend builds a new client for each
operation, which costs as much as the round trip itself (0.18 ms each, measured); a page reads the cache
several times (session, throttle, the header's facts). A client holds no connection of its own: it takes
one from the pool for each command (thread-safe, and the pool reopens its connections after a fork)."""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django private, not in stubs
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
