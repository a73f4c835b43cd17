"""The TokenStore contract, held by MemoryTokenStore and RedisTokenStore (on a real redis-server) alike."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

import wxtcb
from tests.redis_server import RedisServer
from wxtcb.redis import RedisTokenStore
from wxtcb.stores import CachedToken, Credential, MemoryTokenStore


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, redis_server: RedisServer) -> AsyncIterator[wxtcb.TokenStore]:
    """Each store implementation in turn."""
    if request.param == "memory":
        yield MemoryTokenStore()
        return
    import redis.asyncio

    client = redis.asyncio.Redis(unix_socket_path=redis_server.socket)
    await client.flushall()
    yield RedisTokenStore(client, prefix="test")
    await client.aclose()


def token(value: str, issued: float, life: float = 7200) -> CachedToken:
    now = time.time()
    return CachedToken(value, expires_at=now + life, issued_at=now + issued)


async def test_is_a_token_store(store: wxtcb.TokenStore) -> None:
    """Both implement the runtime-checkable protocol."""
    assert isinstance(store, wxtcb.TokenStore)


async def test_put_then_get(store: wxtcb.TokenStore) -> None:
    """A stored token comes back equal."""
    t = token("a", 0)
    assert await store.put_token("k", t) == t
    assert await store.get_token("k") == t
    assert await store.get_token("other") is None


async def test_expired_token_is_a_miss(store: wxtcb.TokenStore) -> None:
    """A token past expires_at is not returned."""
    await store.put_token("k", CachedToken("a", expires_at=time.time() - 1, issued_at=time.time() - 10))
    assert await store.get_token("k") is None


async def test_newer_token_wins_whatever_the_order(store: wxtcb.TokenStore) -> None:
    """Writes never replace a newer token with an older one."""
    newer, older = token("newer", 2), token("older", 1)
    await store.put_token("k", newer)
    assert await store.put_token("k", older) == newer
    assert await store.get_token("k") == newer
    newest = token("newest", 3)
    assert await store.put_token("k", newest) == newest


async def test_compare_and_delete(store: wxtcb.TokenStore) -> None:
    """Only the token that was rejected is deleted."""
    await store.put_token("k", token("current", 0))
    assert await store.delete_token("k", "stale") is False
    assert await store.get_token("k") is not None
    assert await store.delete_token("k", "current") is True
    assert await store.get_token("k") is None
    assert await store.delete_token("k", "current") is False


async def test_lease_is_exclusive_and_released_only_by_its_owner(store: wxtcb.TokenStore) -> None:
    """One owner at a time; a stranger cannot release it; the owner can."""
    assert await store.acquire_lease("k", "owner-1", 30) is True
    assert await store.acquire_lease("k", "owner-2", 30) is False
    assert await store.release_lease("k", "owner-2") is False
    assert await store.acquire_lease("k", "owner-2", 30) is False
    assert await store.release_lease("k", "owner-1") is True
    assert await store.acquire_lease("k", "owner-2", 30) is True


async def test_lease_of_a_dead_owner_expires(store: wxtcb.TokenStore) -> None:
    """An owner that never releases loses the lease after its TTL."""
    assert await store.acquire_lease("k", "dead", 0.1) is True
    assert await store.acquire_lease("k", "next", 30) is False
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while not await store.acquire_lease("k", "next", 30):
        assert loop.time() < deadline
        await asyncio.sleep(0.02)
    assert await store.release_lease("k", "dead") is False


async def test_credentials_newer_wins(store: wxtcb.TokenStore) -> None:
    """A durable credential is never replaced by an older one (or by an equal stamp)."""
    assert await store.put_credential("c", Credential("v2", 2.0)) == Credential("v2", 2.0)
    assert await store.put_credential("c", Credential("v1", 1.0)) == Credential("v2", 2.0)
    assert await store.put_credential("c", Credential("other", 2.0)) == Credential("v2", 2.0)
    assert await store.put_credential("c", Credential("v3", 3.0)) == Credential("v3", 3.0)
    assert await store.get_credential("c") == Credential("v3", 3.0)


async def test_replace_credential_is_compare_and_set(store: wxtcb.TokenStore) -> None:
    """A rotated credential replaces exactly the value its refresh used (or nothing), whatever the
    stamps say; a retried write changes nothing; the stamp kept never goes backwards."""
    assert await store.replace_credential("c", "gone", Credential("v1", 5.0)) == Credential("v1", 5.0)
    # The writer's clock is behind the stored stamp: the value still moves on, the stamp does not go back.
    assert await store.replace_credential("c", "v1", Credential("v2", 1.0)) == Credential("v2", 5.0)
    # Someone else's refresh (or a retry of this one) got there first: nothing changes.
    assert await store.replace_credential("c", "v1", Credential("v3", 9.0)) == Credential("v2", 5.0)
    assert await store.replace_credential("c", "v1", Credential("v2", 9.0)) == Credential("v2", 5.0)
    assert await store.get_credential("c") == Credential("v2", 5.0)
    # A later clock-based write still sees the chain's stamp: an older one loses.
    assert await store.put_credential("c", Credential("stale", 4.0)) == Credential("v2", 5.0)


async def test_replace_credential_round_trips_any_value_and_stamp(store: wxtcb.TokenStore) -> None:
    """Quotes, slashes, non-ASCII and a full-precision epoch stamp survive the atomic write."""
    value = 'refreshtoken@@@a/b\\c"d\u00e9\u4e2d'
    stamp = 1700000000.123456
    assert await store.replace_credential("c", "x", Credential(value, stamp)) == Credential(value, stamp)
    assert await store.get_credential("c") == Credential(value, stamp)


async def test_redis_replace_leaves_an_unreadable_credential_alone(redis_client: Any) -> None:
    """A durable key wxtcb cannot read is neither overwritten nor treated as absent."""
    await redis_client.set("wxtcb:durable:refresh:c:a", b"not json")
    with pytest.raises(wxtcb.CredentialStoreError):
        await RedisTokenStore(redis_client).replace_credential("refresh:c:a", "old", Credential("new", 1.0))
    assert await redis_client.get("wxtcb:durable:refresh:c:a") == b"not json"


async def test_redis_store_timeout_must_be_positive(redis_client: Any) -> None:
    """A zero or negative store timeout is refused when the store is built; None means unbounded."""
    for bad in (0, -1.0):
        with pytest.raises(ValueError, match="timeout"):
            RedisTokenStore(redis_client, timeout=bad)
    assert RedisTokenStore(redis_client, timeout=None).timeout is None
    assert RedisTokenStore(redis_client).timeout == 2.0


async def test_clear_cache_keeps_durable_credentials(store: wxtcb.TokenStore) -> None:
    """The store's own clear-cache drops tokens; tickets and refresh tokens survive."""
    for i in range(20):
        await store.put_token(f"token:{i}", token(f"t{i}", 0))
    await store.put_credential("ticket:c", Credential("ticket", 1.0))
    await store.put_credential("refresh:c:a", Credential("rt", 1.0))
    await store.clear_cache()
    assert all([await store.get_token(f"token:{i}") is None for i in range(20)])
    assert await store.get_credential("ticket:c") == Credential("ticket", 1.0)
    assert await store.get_credential("refresh:c:a") == Credential("rt", 1.0)


async def test_redis_keys_are_separated_and_cached_tokens_expire(redis_client: Any) -> None:
    """Cached tokens carry a TTL ending at expiry; durable keys carry none."""
    store = RedisTokenStore(redis_client, prefix="p")
    await store.put_token("token:x", token("t", 0, life=100))
    await store.put_credential("refresh:c:a", Credential("rt", 1.0))
    ttl = await redis_client.pttl("p:cache:token:x")
    assert 90_000 < ttl <= 100_000
    assert await redis_client.pttl("p:durable:refresh:c:a") == -1


async def test_unreadable_durable_credential_is_an_error_not_a_miss(redis_client: Any) -> None:
    """A durable key wxtcb cannot read raises; treating it as absent would let a seed overwrite it."""
    await redis_client.set("wxtcb:durable:refresh:c:a", b"not json")
    with pytest.raises(wxtcb.CredentialStoreError):
        await RedisTokenStore(redis_client).get_credential("refresh:c:a")
    assert await redis_client.get("wxtcb:durable:refresh:c:a") == b"not json"


async def test_redis_repr_shows_no_connection_details(redis_client: Any) -> None:
    """The store's repr names its prefix only."""
    assert repr(RedisTokenStore(redis_client, prefix="fleet")) == "<RedisTokenStore prefix='fleet'>"
