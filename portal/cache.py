"""A Redis cache that a Redis outage does not turn into errors (docs/operations.md, "Sessions and caches").

Everything the portal caches can be recomputed or read from the database: sessions fall back to their
database rows (`cached_db`), the unread counts to a COUNT, the objection rate limit to no limit. So
while Redis is unreachable a read is a miss and a write is skipped, with one warning a minute in the
log, and pages keep rendering; short socket timeouts keep a hung Redis from hanging the pages."""
import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
WARN_EVERY = 60


class ResilientRedisCache(RedisCache):
    _warned_at = 0.0

    def _unavailable(self, operation, error, result=None):
        now = time.monotonic()
        if now - ResilientRedisCache._warned_at >= WARN_EVERY:
            ResilientRedisCache._warned_at = now
            log.warning("Redis unavailable (cache %s skipped): %s", operation, error)
        return result

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            return self._unavailable("get", error, default)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            return self._unavailable("get_many", error, {})

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            return self._unavailable("has_key", error, False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            return self._unavailable("add", error, False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except RedisError as error:
            return self._unavailable("set", error)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            return self._unavailable("set_many", error, list(data))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            return self._unavailable("touch", error, False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            return self._unavailable("delete", error, False)

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError as error:
            return self._unavailable("delete_many", error)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            self._unavailable("incr", error)
            raise ValueError(f"Key {key!r} not found (Redis unavailable).") from error

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            return self._unavailable("clear", error, False)
