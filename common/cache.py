"""Django's Redis cache, except that Redis being unreachable is a cache miss, logged, not a server error.

Everything recsite keeps in the cache can be recomputed or skipped: ready reasons (read from the
database again), rate-limit counts (requests pass uncounted), the refresh request flag (the periodic
sweep refreshes instead), the item-vector version. So when Redis stops, pages and the API keep
answering and ratings keep being stored; `ping()` is what the health check asks.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _tolerant(default):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                logger.warning("cache unreachable (%s): %s answered as a miss", exc.__class__.__name__, method.__name__)
                return default(*args, **kwargs) if callable(default) else default

        return wrapper

    return decorate


class TolerantRedisCache(RedisCache):
    get = _tolerant(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _tolerant({})(RedisCache.get_many)
    set = _tolerant(None)(RedisCache.set)
    set_many = _tolerant(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    add = _tolerant(False)(RedisCache.add)
    delete = _tolerant(False)(RedisCache.delete)
    touch = _tolerant(False)(RedisCache.touch)
    has_key = _tolerant(False)(RedisCache.has_key)
    incr = _tolerant(None)(RedisCache.incr)  # counters (rate limits, quotas): None, uncounted

    def ping(self) -> None:
        """Raises when Redis does not answer (the health check)."""
        self._cache.get_client(write=True).ping()
