"""`RedisTokenStore`: one token for the whole fleet, on ``redis.asyncio`` (``pip install 'wxtcb[redis]'``).

Layout under the prefix (``wxtcb`` by default):

* ``{prefix}:cache:{key}`` cached access tokens, with a TTL that ends when the token expires;
* ``{prefix}:durable:{key}`` durable credentials (component ticket, authorizer refresh tokens),
  without TTL, never touched by `clear_cache`;
* ``{prefix}:lease:{key}`` the refresh lease: a unique owner value with a TTL longer than a fetch.

With ``hash_tags`` (the default on a ``RedisCluster``) the part of a key that names the app or the
merchant is a hash tag: ``{prefix}:cache:token:authorizer:{C:A}``, ``{prefix}:lease:…:{C:A}`` and
``{prefix}:durable:refresh:{C:A}`` share one slot (one node), while different merchants' keys
spread over every slot. No operation here touches more than one key (each script has exactly one
``KEYS[1]``; the "never backwards" stamp lives inside the value, not in a version key), so nothing
can fail with ``CROSSSLOT`` or reach the wrong node; the tags keep one token's traffic on one
node, so a failover of that node is the only one that concerns it.

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
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from wxtcb.errors import CredentialStoreError
from wxtcb.redaction import scrub
from wxtcb.stores import CachedToken, Credential

try:
    from redis.asyncio import Redis, RedisCluster
    from redis.exceptions import ClusterDownError, RedisError, TryAgainError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError("wxtcb.redis needs redis-py: pip install 'wxtcb[redis]'") from exc

__all__ = ["RedisTokenStore", "hash_tagged"]

T = TypeVar("T")
logger = logging.getLogger("wxtcb")

#: Seconds one store operation may take before it fails with `CredentialStoreError`.
DEFAULT_TIMEOUT = 2.0
#: Pauses before an operation is run again after a failover-shaped error (within the same bound).
# A failover (an election, a manual CLUSTER FAILOVER, a Sentinel switch) takes seconds: about 7 s
# of pauses, each operation still ending at the store's timeout whatever comes first.
_AGAIN = (0.05, 0.1, 0.25, 0.5, 1.0, 1.0, 2.0, 2.0)
# The timeouts here are redis-py's (a connect or socket timeout to a node that is going away): the
# store's bound, when it expires, cancels the operation instead and ends the loop.
_PASSING = (
    RedisConnectionError,
    RedisTimeoutError,
    ClusterDownError,
    TryAgainError,
    AttributeError,
    TimeoutError,
)

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

# KEYS[1] lease key; ARGV[1] owner; ARGV[2] TTL ms. Yes if taken now, or already held by ARGV[1].
_ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
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
        redis: A ``redis.asyncio.Redis`` client (``decode_responses`` either way), a
            ``redis.asyncio.RedisCluster``, or a Sentinel primary (``Sentinel.master_for``).
        prefix: The key prefix, so several deployments can share a Redis.
        timeout: The bound of each store operation in seconds, waiting for a connection of the
            pool included; past it the operation raises `CredentialStoreError`. ``None`` leaves
            operations bounded only by the client's own socket timeouts (by default, none).
            To ride out a failover without a failed call, make it longer than the failover.
        hash_tags: Put each app's or merchant's identity in a ``{hash tag}`` so all the keys of one
            token share a slot. None (the default): on for a ``RedisCluster``, off otherwise (the
            layout of earlier releases, so a running fleet keeps its keys; turn it on for a
            cluster behind a proxy, on every process at once).
        durable_replicas: After each write of a durable credential, wait (``WAIT``) until this
            many replicas have it, at most *durable_wait* seconds. 0 (the default): do not wait.
            A write the replicas did not confirm in time is kept and logged (a warning): it is on
            the primary, and lost only if the primary dies before replicating it.
        durable_wait: The most one ``WAIT`` blocks, in seconds (added to *timeout* for that write).

    Durable credentials are only as durable as the Redis holding them: run it with persistence
    (AOF ``appendfsync everysec`` or better) and exclude ``{prefix}:durable:*`` from eviction
    (``maxmemory-policy noeviction`` or ``volatile-*``; durable keys carry no TTL).

    Redis Cluster (``redis.asyncio.RedisCluster``) and a Sentinel-managed primary
    (``Sentinel.master_for``) work as they are. A client that reads from replicas
    (``read_from_replicas``, ``load_balancing_strategy``, ``Sentinel.slave_for``) is refused with
    `ValueError`: replication is asynchronous, and a read that misses a write made a moment ago
    elsewhere makes a process fetch (and, with classic tokens, rotate) a token the fleet already has.

    Attributes:
        timeout: The bound of each store operation in seconds, or None (as given).
        prefix: The key prefix, as given.
        hash_tags: Whether keys carry hash tags (resolved from the argument and the client).
        durable_replicas: How many replicas a durable write waits for (0: none).
        durable_wait: The most one ``WAIT`` blocks, in seconds.
    """

    def __init__(
        self,
        redis: Redis | RedisCluster,
        *,
        prefix: str = "wxtcb",
        timeout: float | None = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
        hash_tags: bool | None = None,
        durable_replicas: int = 0,
        durable_wait: float = 1.0,
    ) -> None:
        if timeout is not None and not timeout > 0:
            raise ValueError("timeout must be a positive number of seconds, or None")
        if not isinstance(durable_replicas, int) or durable_replicas < 0:
            raise ValueError("durable_replicas must be a non-negative integer")
        if not durable_wait > 0:
            raise ValueError("durable_wait must be a positive number of seconds")
        self._cluster = isinstance(redis, RedisCluster)
        _refuse_replica_reads(redis, self._cluster)
        # Any: the two clients share the commands used here, not one static type.
        self._redis: Any = redis
        self.timeout = timeout
        self.hash_tags = self._cluster if hash_tags is None else bool(hash_tags)
        self.durable_replicas = durable_replicas
        self.durable_wait = durable_wait
        # Never ask for more connections than the pool has: redis-py raises rather than queues.
        pool = getattr(redis, "connection_pool", None)  # a RedisCluster has one pool per node
        pool_size = getattr(pool if pool is not None else redis, "max_connections", None) or 50
        self._slots = asyncio.Semaphore(max(1, min(int(pool_size), 2**16)))
        self.prefix = prefix
        self._clock = clock
        self._put = redis.register_script(_PUT_IF_NEWER)
        self._replace = redis.register_script(_REPLACE_IF_VALUE)
        self._delete = redis.register_script(_DELETE_IF_VALUE)
        self._release = redis.register_script(_RELEASE_IF_OWNER)
        self._acquire = redis.register_script(_ACQUIRE)

    def __repr__(self) -> str:
        return f"<RedisTokenStore prefix={self.prefix!r}>"

    def _cache(self, key: str) -> str:
        return f"{self.prefix}:cache:{self._tagged(key)}"

    def _durable(self, key: str) -> str:
        return f"{self.prefix}:durable:{self._tagged(key)}"

    def _lease(self, key: str) -> str:
        return f"{self.prefix}:lease:{self._tagged(key)}"

    def _tagged(self, key: str) -> str:
        return hash_tagged(key) if self.hash_tags else key

    async def _run(self, what: str, op: Callable[[], Awaitable[T]], extra: float = 0.0) -> T:
        """*op* bounded by the store's timeout (plus *extra*: a ``WAIT`` that may block that long)."""
        limit = None if self.timeout is None else self.timeout + extra
        bound = asyncio.timeout(limit)
        try:
            async with bound, self._slots:
                for pause in _AGAIN:
                    try:
                        return await op()
                    except _PASSING as exc:
                        # A failover in progress: the connection died under the command, the
                        # cluster is electing, or redis-py's node map is a step behind. Every
                        # operation here is conditional (or a read), so running it again is safe.
                        logger.debug("redis %s: %s during a failover? trying again", what, type(exc).__name__)
                    await asyncio.sleep(pause)
                return await op()
        except TimeoutError:
            if not bound.expired():
                raise CredentialStoreError(f"redis {what} failed: TimeoutError") from None
            # redis-py drops a connection whose command was cancelled: no late answer is misread.
            raise CredentialStoreError(
                f"redis {what} gave no answer within {limit:g} s (the store's timeout)"
            ) from None
        except RedisError as exc:
            raise CredentialStoreError(
                f"redis {what} failed: {type(exc).__name__}: {scrub(str(exc))}"
            ) from None
        except (OSError, AttributeError) as exc:
            # AttributeError: redis-py's cluster client can trip over a connection torn down by a
            # failover under it; it is a store failure like any other, never a crash of the call.
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
        # A script, not SET NX: a retried acquisition whose first try took the lease still says yes.
        got = await self._run(
            "lease", lambda: self._acquire(keys=[self._lease(key)], args=[owner, max(1, int(ttl * 1000))])
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
        raw = await self._durable_write(
            "put", self._put, self._durable(key), [payload, repr(credential.updated_at), "u", 0]
        )
        return _decode_credential(raw) or credential

    async def replace_credential(self, key: str, expected: str, new: Credential) -> Credential:
        raw = await self._durable_write(
            "replace", self._replace, self._durable(key), [expected, new.value, repr(new.updated_at)]
        )
        return _decode_credential(raw) or new

    async def _durable_write(self, what: str, script: Any, name: str, args: list[Any]) -> Any:
        """Run a durable write; with `durable_replicas`, followed on the same connection by
        ``WAIT`` (it counts the replicas that have this connection's writes, so it must follow
        the script on the connection that ran it)."""
        if not self.durable_replicas:
            return await self._run(what, lambda: script(keys=[name], args=args))
        wait_ms = max(1, int(self.durable_wait * 1000))

        async def write_and_wait() -> tuple[Any, int]:
            if not self._cluster:
                return await _pipelined(self._redis, script, name, args, self.durable_replicas, wait_ms)
            try:
                return await _on_node(self._redis, script, name, args, self.durable_replicas, wait_ms)
            except RedisError:
                # The slot moved (a failover): one keyed read through the cluster client follows
                # the MOVED answer and updates its map; then the write goes to the new primary.
                await self._redis.exists(name)
                return await _on_node(self._redis, script, name, args, self.durable_replicas, wait_ms)

        raw, acked = await self._run(what, write_and_wait, self.durable_wait)
        if int(acked) < self.durable_replicas:
            logger.warning(
                "a durable credential was written to the redis primary, but %d of %d replicas "
                "confirmed it within %g s; a failover before it replicates would lose it",
                int(acked),
                self.durable_replicas,
                self.durable_wait,
            )
        return raw

    async def delete_credential(self, key: str) -> bool:
        deleted = await self._run("delete", lambda: self._redis.delete(self._durable(key)))
        return bool(deleted)

    async def clear_cache(self) -> None:
        """Delete every cached token under the prefix; durable credentials and leases stay.

        Each SCAN and DEL round trip has the store's timeout, not the whole sweep.
        """
        match = f"{self.prefix}:cache:*"
        if self._cluster:
            # SCAN is per node on a cluster: sweep every primary; DEL one key at a time (the
            # keys of one sweep hash to many slots, and a multi-key DEL must not span slots).
            for node in self._redis.get_primaries():
                cursor: Any = 0
                while True:
                    scan = functools.partial(
                        self._redis.scan, cursor, match=match, count=500, target_nodes=node
                    )
                    cursors, names = await self._run("clear", scan)
                    for name in names:
                        await self._run("clear", functools.partial(self._redis.delete, name))
                    cursor = next(iter(cursors.values()), 0) if isinstance(cursors, dict) else cursors
                    if int(cursor) == 0:
                        break
            return
        cursor = 0
        while True:
            scan = functools.partial(self._redis.scan, cursor, match=match, count=500)
            cursor, names = await self._run("clear", scan)
            if names:
                await self._run("clear", functools.partial(self._redis.delete, *names))
            if int(cursor) == 0:
                return


def hash_tagged(key: str) -> str:
    """*key* with the app or merchant it names wrapped in a Redis Cluster hash tag.

    ``token:<kind>:<id>`` becomes ``token:<kind>:{<id>}``, ``refresh:<id>`` ``refresh:{<id>}`` and
    ``ticket:<id>`` ``ticket:{<id>}``: a merchant's cached token, its lease and its refresh token
    share a slot, as do the component token and its ticket. Any other key is its own tag.
    """
    head, _, rest = key.partition(":")
    if head == "token" and rest.count(":") >= 1:
        kind, _, ident = rest.partition(":")
        return f"token:{kind}:{{{ident}}}"
    if head in ("refresh", "ticket") and rest:
        return f"{head}:{{{rest}}}"
    return f"{{{key}}}"


def _refuse_replica_reads(redis: Any, cluster: bool) -> None:
    if cluster and (
        getattr(redis, "read_from_replicas", False) or getattr(redis, "load_balancing_strategy", None)
    ):
        raise ValueError(
            "RedisTokenStore needs a RedisCluster that reads from primaries (no read_from_replicas, "
            "no load_balancing_strategy): a replica may not have the token another process just wrote"
        )
    pool = getattr(redis, "connection_pool", None)
    if getattr(pool, "is_master", True) is False:
        raise ValueError(
            "RedisTokenStore needs the Sentinel primary (Sentinel.master_for), not a replica (slave_for)"
        )


async def _pipelined(
    client: Any, script: Any, name: str, args: list[Any], replicas: int, wait_ms: int
) -> tuple[Any, int]:
    # One pipeline runs on one connection: WAIT then counts the replicas that have the script's write.
    async with client.pipeline(transaction=False) as pipe:
        await script(keys=[name], args=args, client=pipe)
        pipe.execute_command("WAIT", replicas, wait_ms)
        raw, acked = await pipe.execute()
    return raw, int(acked)


async def _on_node(
    cluster: Any, script: Any, name: str, args: list[Any], replicas: int, wait_ms: int
) -> tuple[Any, int]:
    # WAIT takes no key, so a cluster client cannot route it after the write: talk to the primary
    # of the key's slot directly, on one connection, for this rare write (rotations, tickets).
    from redis.asyncio import ConnectionPool

    node = cluster.get_node_from_key(name)
    kwargs = dict(node.connection_kwargs)  # the cluster's own: credentials, TLS, timeouts
    kwargs.update(host=node.host, port=node.port)
    pool = ConnectionPool(connection_class=node.connection_class, **kwargs)
    client = Redis(connection_pool=pool)
    try:
        return await _pipelined(client, script, name, args, replicas, wait_ms)
    finally:
        await client.aclose()
        await pool.disconnect()


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
