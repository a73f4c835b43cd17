"""`RedisTokenStore`: one token for the whole fleet, on ``redis.asyncio`` (``pip install 'wxtcb[redis]'``).

Layout under the prefix (``wxtcb`` by default):

* ``{prefix}:cache:{key}`` cached access tokens, with a TTL that ends when the token expires;
* ``{prefix}:durable:{key}`` durable credentials (component ticket, authorizer refresh tokens),
  without TTL, never touched by `clear_cache`;
* ``{prefix}:lease:{key}`` the refresh lease: a unique owner value with a TTL longer than a fetch.

Every conditional write is one Lua script, so it is atomic on the server: tokens and credentials
are written only if newer than what is stored, invalidation is compare-and-delete, and a lease is
released only by its owner.

A Redis outage raises `CredentialStoreError`. wxtcb does not fall back to a private token: with
classic ``cgi-bin/token`` a process fetching on its own would rotate the token out from under the
rest of the fleet (the 40001 storm this store exists to prevent).
"""

from __future__ import annotations

import asyncio
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

    Durable credentials are only as durable as the Redis holding them: run it with persistence
    (AOF ``appendfsync everysec`` or better) and exclude ``{prefix}:durable:*`` from eviction
    (``maxmemory-policy noeviction`` or ``volatile-*``; durable keys carry no TTL).
    """

    def __init__(
        self, redis: Redis, *, prefix: str = "wxtcb", clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = redis
        # Never ask for more connections than the pool has: redis-py raises rather than queues.
        pool_size = getattr(redis.connection_pool, "max_connections", None) or 50
        self._slots = asyncio.Semaphore(max(1, min(int(pool_size), 2**16)))
        self.prefix = prefix
        self._clock = clock
        self._put = redis.register_script(_PUT_IF_NEWER)
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
        try:
            async with self._slots:
                return await op()
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

    async def clear_cache(self) -> None:
        """Delete every cached token under the prefix; durable credentials and leases stay."""

        async def clear() -> None:
            batch: list[Any] = []
            async for name in self._redis.scan_iter(match=f"{self.prefix}:cache:*", count=500):
                batch.append(name)
                if len(batch) >= 500:
                    await self._redis.delete(*batch)
                    batch.clear()
            if batch:
                await self._redis.delete(*batch)

        await self._run("clear", clear)


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
