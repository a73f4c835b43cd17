"""`RedisTokenStore`: one token for the whole fleet, on ``redis.asyncio`` (``pip install 'wxtcb[redis]'``).

Layout under the prefix (``wxtcb`` by default):

* ``{prefix}:cache:{key}`` cached access tokens, with a TTL that ends when the token expires;
* ``{prefix}:durable:{key}`` durable credentials (component ticket, authorizer refresh tokens),
  without TTL, never touched by `clear_cache`;
* ``{prefix}:lease:{key}`` the refresh lease: a unique owner value with a TTL longer than a fetch.

Every conditional write is one Lua script, so it is atomic on the server: tokens and credentials
are written only if newer than what is stored, a rotated refresh token only over the value its
refresh used (compare-and-set), invalidation is compare-and-delete, and a lease is released only by
its owner.

Every operation is bounded (``timeout=``, 2 s by default, waiting for a pool connection included):
a Redis that stalls (stopped, swapping, ``DEBUG SLEEP``, a long script) ends in
`CredentialStoreError` within the bound instead of holding the caller for the whole stall, whatever
socket timeouts the ``redis`` client has. A write that timed out may still be applied when Redis
wakes up; every write here is conditional, so a late one never replaces a newer value.

A Redis outage raises `CredentialStoreError`. wxtcb does not fall back to a private token: with
classic ``cgi-bin/token`` a process fetching on its own would rotate the token out from under the
rest of the fleet (the 40001 storm this store exists to prevent).
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from wxtcb.errors import CredentialStoreError
from wxtcb.redaction import scrub
from wxtcb.stores import CachedToken, Credential

try:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError("wxtcb.redis needs redis-py: pip install 'wxtcb[redis]'") from exc

__all__ = ["RedisTokenStore"]

T = TypeVar("T")

#: Seconds one store operation may take before it fails with `CredentialStoreError`.
DEFAULT_TIMEOUT = 2.0

# KEYS[1] key; ARGV[1] new JSON; ARGV[2] its stamp; ARGV[3] stamp field; ARGV[4] TTL ms (0: none)
_PUT_IF_NEWER = """
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded[ARGV[3]]) ~= nil
     and tonumber(decoded[ARGV[3]]) >= tonumber(ARGV[2]) then
    return current
  end
end
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return ARGV[1]
"""

# KEYS[1] key; ARGV[1] the value the refresh used; ARGV[2] the new value; ARGV[3] its stamp.
# Writes only over ARGV[1] (or nothing); keeps the stamp from going backwards; a key already holding
# ARGV[2] (a retried write) or anything else is left alone and returned.
_REPLACE_IF_VALUE = """
local current = redis.call('GET', KEYS[1])
local stamp = tonumber(ARGV[3])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if not ok or type(decoded) ~= 'table' or decoded['v'] ~= ARGV[1] then
    return current
  end
  local old = tonumber(decoded['u'])
  if old ~= nil and old > stamp then stamp = old end
end
local payload = '{"v":' .. cjson.encode(ARGV[2]) .. ',"u":' .. string.format('%.17g', stamp) .. '}'
redis.call('SET', KEYS[1], payload)
return payload
"""

# KEYS[1] key; ARGV[1] the token value that was rejected
_DELETE_IF_VALUE = """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, decoded = pcall(cjson.decode, current)
if ok and type(decoded) == 'table' and decoded['v'] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""

# KEYS[1] lease key; ARGV[1] owner
_RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""


class RedisTokenStore:
    """A `wxtcb.TokenStore` shared by every process and host that talks to one Redis.

    Args:
        redis: A ``redis.asyncio.Redis`` client (``decode_responses`` either way).
        prefix: The key prefix, so several deployments can share a Redis.
        timeout: The bound of each store operation in seconds, waiting for a connection of the
            pool included; past it the operation raises `CredentialStoreError`. ``None`` leaves
            operations bounded only by the client's own socket timeouts (by default, none).

    Durable credentials are only as durable as the Redis holding them: run it with persistence
    (AOF ``appendfsync everysec`` or better) and exclude ``{prefix}:durable:*`` from eviction
    (``maxmemory-policy noeviction`` or ``volatile-*``; durable keys carry no TTL).

    Attributes:
        timeout: The bound of each store operation in seconds, or None (as given).
        prefix: The key prefix, as given.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "wxtcb",
        timeout: float | None = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if timeout is not None and not timeout > 0:
            raise ValueError("timeout must be a positive number of seconds, or None")
        self._redis = redis
        self.timeout = timeout
        # Never ask for more connections than the pool has: redis-py raises rather than queues.
        pool_size = getattr(redis.connection_pool, "max_connections", None) or 50
        self._slots = asyncio.Semaphore(max(1, min(int(pool_size), 2**16)))
        self.prefix = prefix
        self._clock = clock
        self._put = redis.register_script(_PUT_IF_NEWER)
        self._replace = redis.register_script(_REPLACE_IF_VALUE)
        self._delete = redis.register_script(_DELETE_IF_VALUE)
        self._release = redis.register_script(_RELEASE_IF_OWNER)

    def __repr__(self) -> str:
        return f"<RedisTokenStore prefix={self.prefix!r}>"

    def _cache(self, key: str) -> str:
        return f"{self.prefix}:cache:{key}"

    def _durable(self, key: str) -> str:
        return f"{self.prefix}:durable:{key}"

    def _lease(self, key: str) -> str:
        return f"{self.prefix}:lease:{key}"

    async def _run(self, what: str, op: Callable[[], Awaitable[T]]) -> T:
        bound = asyncio.timeout(self.timeout)
        try:
            async with bound, self._slots:
                return await op()
        except TimeoutError:
            if not bound.expired():
                raise CredentialStoreError(f"redis {what} failed: TimeoutError") from None
            # redis-py drops a connection whose command was cancelled: no late answer is misread.
            raise CredentialStoreError(
                f"redis {what} gave no answer within {self.timeout:g} s (the store's timeout)"
            ) from None
        except RedisError as exc:
            raise CredentialStoreError(
                f"redis {what} failed: {type(exc).__name__}: {scrub(str(exc))}"
            ) from None
        except OSError as exc:
            raise CredentialStoreError(f"redis {what} failed: {type(exc).__name__}") from None

    async def get_token(self, key: str) -> CachedToken | None:
        raw = await self._run("get", lambda: self._redis.get(self._cache(key)))
        token = _decode_token(raw)
        if token is None or token.expires_at <= self._clock():
            return None
        return token

    async def put_token(self, key: str, token: CachedToken) -> CachedToken:
        ttl_ms = int((token.expires_at - self._clock()) * 1000)
        if ttl_ms <= 0:
            return token
        payload = json.dumps({"v": token.value, "e": token.expires_at, "i": token.issued_at})
        raw = await self._run(
            "put",
            lambda: self._put(keys=[self._cache(key)], args=[payload, repr(token.issued_at), "i", ttl_ms]),
        )
        return _decode_token(raw) or token

    async def delete_token(self, key: str, value: str) -> bool:
        deleted = await self._run("delete", lambda: self._delete(keys=[self._cache(key)], args=[value]))
        return bool(deleted)

    async def acquire_lease(self, key: str, owner: str, ttl: float) -> bool:
        got = await self._run(
            "lease", lambda: self._redis.set(self._lease(key), owner, nx=True, px=max(1, int(ttl * 1000)))
        )
        return bool(got)

    async def release_lease(self, key: str, owner: str) -> bool:
        released = await self._run("release", lambda: self._release(keys=[self._lease(key)], args=[owner]))
        return bool(released)

    async def get_credential(self, key: str) -> Credential | None:
        raw = await self._run("get", lambda: self._redis.get(self._durable(key)))
        return _decode_credential(raw)

    async def put_credential(self, key: str, credential: Credential) -> Credential:
        payload = json.dumps({"v": credential.value, "u": credential.updated_at})
        raw = await self._run(
            "put",
            lambda: self._put(keys=[self._durable(key)], args=[payload, repr(credential.updated_at), "u", 0]),
        )
        return _decode_credential(raw) or credential

    async def replace_credential(self, key: str, expected: str, new: Credential) -> Credential:
        raw = await self._run(
            "replace",
            lambda: self._replace(
                keys=[self._durable(key)], args=[expected, new.value, repr(new.updated_at)]
            ),
        )
        return _decode_credential(raw) or new

    async def delete_credential(self, key: str) -> bool:
        deleted = await self._run("delete", lambda: self._redis.delete(self._durable(key)))
        return bool(deleted)

    async def clear_cache(self) -> None:
        """Delete every cached token under the prefix; durable credentials and leases stay.

        Each SCAN and DEL round trip has the store's timeout, not the whole sweep.
        """
        cursor: Any = 0
        while True:
            scan = functools.partial(self._redis.scan, cursor, match=f"{self.prefix}:cache:*", count=500)
            cursor, names = await self._run("clear", scan)
            if names:
                await self._run("clear", functools.partial(self._redis.delete, *names))
            if int(cursor) == 0:
                return


def _text(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        return raw.decode()
    return str(raw)


def _decode_token(raw: object) -> CachedToken | None:
    text = _text(raw)
    if text is None:
        return None
    try:
        data = json.loads(text)
        return CachedToken(str(data["v"]), float(data["e"]), float(data["i"]))
    except (ValueError, KeyError, TypeError):
        return None  # a foreign or corrupt cache entry is a miss; the token is fetched again


def _decode_credential(raw: object) -> Credential | None:
    text = _text(raw)
    if text is None:
        return None
    try:
        data = json.loads(text)
        return Credential(str(data["v"]), float(data["u"]))
    except (ValueError, KeyError, TypeError):
        # Never treat a durable key we cannot read as absent: that would let a seed overwrite it.
        raise CredentialStoreError("a durable credential in redis is not in wxtcb's format") from None
