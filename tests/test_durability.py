"""Durable credentials under faults: a refresh killed at any await point, or a store failing at any
step, never loses the newest refresh token for good and never replaces it with an older one."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import pytest
import redis.asyncio

import wxtcb
from tests.conftest import demo_component, until
from tests.redis_server import RedisServer
from wxtcb.redis import RedisTokenStore
from wxtcb.stores import CachedToken, Credential, MemoryTokenStore
from wxtcb.testing import (
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    INSTANT_RETRY,
    Emulator,
    Fault,
)

AUTHORIZER = "cgi-bin/component/api_authorizer_token"
RKEY = f"refresh:{DEMO_COMPONENT_APPID}:{DEMO_AUTHORIZER_APPID}"


class FaultyStore:
    """A real store that raises at its n-th operation (each operation is one await point)."""

    def __init__(
        self, inner: wxtcb.TokenStore, fail_at: int | None, error: Callable[[], BaseException]
    ) -> None:
        self.inner, self.fail_at, self.error, self.ops = inner, fail_at, error, 0

    def _tick(self) -> None:
        self.ops += 1
        if self.ops == self.fail_at:
            raise self.error()

    async def get_token(self, key: str) -> CachedToken | None:
        self._tick()
        return await self.inner.get_token(key)

    async def put_token(self, key: str, token: CachedToken) -> CachedToken:
        self._tick()
        return await self.inner.put_token(key, token)

    async def delete_token(self, key: str, value: str) -> bool:
        self._tick()
        return await self.inner.delete_token(key, value)

    async def acquire_lease(self, key: str, owner: str, ttl: float) -> bool:
        self._tick()
        return await self.inner.acquire_lease(key, owner, ttl)

    async def release_lease(self, key: str, owner: str) -> bool:
        self._tick()
        return await self.inner.release_lease(key, owner)

    async def get_credential(self, key: str) -> Credential | None:
        self._tick()
        return await self.inner.get_credential(key)

    async def put_credential(self, key: str, credential: Credential) -> Credential:
        self._tick()
        return await self.inner.put_credential(key, credential)

    async def replace_credential(self, key: str, expected: str, new: Credential) -> Credential:
        self._tick()
        return await self.inner.replace_credential(key, expected, new)

    async def clear_cache(self) -> None:
        self._tick()
        await self.inner.clear_cache()


async def fetch(emulator: Emulator, store: Any, seed: str | None) -> object:
    component = demo_component(store=store)
    merchant = component.authorizer(DEMO_AUTHORIZER_APPID, refresh_token=seed)
    async with wxtcb.Client(merchant, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        return await client.get_callback_config()


async def lapse_leases(store: wxtcb.TokenStore) -> None:
    """Let a lease whose release failed run out its TTL (as it would, seconds later)."""
    if isinstance(store, MemoryTokenStore):
        store._leases.clear()
    elif isinstance(store, RedisTokenStore):
        async for key in store._redis.scan_iter(match=f"{store.prefix}:lease:*"):
            await store._redis.delete(key)


async def assert_recovers(emulator: Emulator, inner: wxtcb.TokenStore, before: str) -> None:
    """The store holds the old or the newest refresh token, and a clean refresh then succeeds and stores the newest."""
    await lapse_leases(inner)
    stored = await inner.get_credential(RKEY)
    assert stored is not None, "the refresh token was lost"
    newest = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
    assert stored.value in (before, newest)
    await inner.clear_cache()
    await fetch(emulator, inner, seed=None)
    after = await inner.get_credential(RKEY)
    assert after is not None
    assert after.value == emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
    assert after.updated_at >= stored.updated_at, "never replaced by an older one"


@pytest.mark.parametrize(
    "error",
    [lambda: wxtcb.CredentialStoreError("injected"), asyncio.CancelledError],
    ids=["store-fails", "cancelled"],
)
async def test_a_fault_at_every_store_step_loses_nothing(
    new_store: Callable[[], Any], error: Callable[[], BaseException]
) -> None:
    """For every operation of a rotating refresh, a failure or a cancellation there leaves a recoverable store."""
    async with Emulator(rotate_refresh_tokens=True, grace=300) as emulator:
        counter = FaultyStore(await new_store(), None, error)
        await fetch(emulator, counter, seed=emulator.refresh_token_of(DEMO_AUTHORIZER_APPID))
        steps = counter.ops
        assert steps >= 10
        for n in range(1, steps + 1):
            inner = await new_store()
            before = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
            await inner.put_credential(RKEY, Credential(before, 1.0))
            faulty = FaultyStore(inner, n, error)
            with contextlib.suppress(wxtcb.CredentialStoreError, asyncio.CancelledError):
                await fetch(emulator, faulty, seed=None)
            await assert_recovers(emulator, inner, before)


async def test_a_refresh_killed_mid_request_loses_nothing(new_store: Callable[[], Any]) -> None:
    """Cancelling the refresh while its request is in flight leaves the store recoverable.

    (A rotation WeChat completed but wxtcb never stored is covered by the store-step test: a failure
    at the put_credential step is exactly that, and the old token's grace period recovers it.)
    """
    async with Emulator(rotate_refresh_tokens=True, grace=300) as emulator:
        inner = await new_store()
        before = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
        await inner.put_credential(RKEY, Credential(before, 1.0))
        component = demo_component(store=inner)
        merchant = component.authorizer(DEMO_AUTHORIZER_APPID)
        emulator.fault(AUTHORIZER, Fault.hang())  # surely in flight when it is cancelled
        async with wxtcb.Client(merchant, base_url=emulator.url, retry=INSTANT_RETRY) as client:
            call = asyncio.create_task(client.get_callback_config())
            await until(lambda: emulator.calls[AUTHORIZER] == 1)
            refresh = merchant._inflight
            assert refresh is not None
            refresh.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
        await assert_recovers(emulator, inner, before)


async def test_a_stalled_lease_owner_cannot_overwrite_the_newer_token(
    redis_server: RedisServer, emulator: Emulator
) -> None:
    """An owner that stalls past its lease and writes late keeps neither the lease nor the last word."""
    connection = redis.asyncio.Redis(unix_socket_path=redis_server.socket)
    await connection.flushall()
    store = RedisTokenStore(connection)
    provider = wxtcb.AppTokenProvider(
        "wxdemo0000000001", "demo-app-secret-0000000000000001", stable=False, store=store
    )
    key = provider.cache_key
    assert await store.acquire_lease(key, "stalled", 0.2)
    stalled_issued = 1.0  # it fetched long ago...
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()  # ...the lease lapsed, and this process refreshed
    newer = await store.get_token(key)
    assert newer is not None
    # The stalled owner wakes up: its late write and its release change nothing.
    kept = await store.put_token(
        key, CachedToken("stale-token", expires_at=newer.expires_at, issued_at=stalled_issued)
    )
    assert kept == newer
    assert await store.release_lease(key, "stalled") is False
    assert await store.get_token(key) == newer
    await connection.aclose()


async def test_redis_stopped_during_a_refresh_fails_typed_then_recovers(
    tmp_path: Any, emulator: Emulator
) -> None:
    """Redis dies while a token is being fetched: the call fails with CredentialStoreError; after a restart, calls work."""
    server = RedisServer(tmp_path)
    server.start()
    connection = redis.asyncio.Redis(unix_socket_path=server.socket)
    try:
        provider = wxtcb.AppTokenProvider(
            "wxdemo0000000001",
            "demo-app-secret-0000000000000001",
            stable=False,
            store=RedisTokenStore(connection),
        )
        gate = asyncio.Event()
        emulator.fault("cgi-bin/token", Fault.gate(gate))  # the fetch is in flight until Redis stops
        async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
            call = asyncio.create_task(client.get_callback_config())
            await until(lambda: emulator.calls["cgi-bin/token"] == 1)
            server.stop()
            gate.set()
            with pytest.raises(wxtcb.CredentialStoreError):
                await call
            server.start()
            assert await client.get_callback_config() == wxtcb.CallbackConfig()
    finally:
        await connection.aclose()
        server.stop()


def _stopped(pid: int) -> bool:
    """Whether process *pid* is stopped (SIGSTOP), read from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "T"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process state from /proc")
async def test_a_stalled_redis_ends_in_credential_store_error_within_the_store_timeout(
    tmp_path: Any, emulator: Emulator
) -> None:
    """A redis-server stopped with SIGSTOP (a stall, not an outage: the socket still accepts) fails
    store operations and cold calls with CredentialStoreError while it is still stopped, although
    the redis client has no socket timeout; once it resumes, the same store works."""
    server = RedisServer(tmp_path)
    server.start()
    assert server.process is not None
    pid = server.process.pid
    connection = redis.asyncio.Redis(unix_socket_path=server.socket)  # no socket timeout at all
    store = RedisTokenStore(connection, timeout=0.5)
    await store.put_credential(RKEY, Credential("rt-stored", 1.0))
    provider = demo_component(store=store).authorizer(DEMO_AUTHORIZER_APPID)
    try:
        os.kill(pid, signal.SIGSTOP)
        await until(lambda: _stopped(pid))
        # The outer bound only keeps a broken store from hanging the suite: the stall lasts until
        # the finally block, so ending inside it at all is the store's own bound at work.
        async with asyncio.timeout(60):
            with pytest.raises(wxtcb.CredentialStoreError, match="no answer within"):
                await store.get_credential(RKEY)
            with pytest.raises(wxtcb.CredentialStoreError, match="no answer within"):
                await store.replace_credential(RKEY, "rt-stored", Credential("rt-new", 2.0))
            async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
                with pytest.raises(wxtcb.CredentialStoreError):
                    await client.get_callback_config()
        assert _stopped(pid), "every call above ended while Redis was still stopped"
        assert emulator.calls[AUTHORIZER] == 0
    finally:
        os.kill(pid, signal.SIGCONT)
    try:
        # A write that timed out may land when Redis wakes up: it is conditional, so either value
        # is a valid outcome; what matters is that the store answers again.
        assert (await store.get_credential(RKEY)) in (
            Credential("rt-stored", 1.0),
            Credential("rt-new", 2.0),
        )
    finally:
        await connection.aclose()
        server.stop()
