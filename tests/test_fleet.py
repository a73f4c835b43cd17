"""Many processes, one token: RedisTokenStore with leases, against the emulator and a real redis-server."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio

import wxtcb
from tests.conftest import demo_component, until
from tests.redis_server import RedisServer
from wxtcb.redis import RedisTokenStore
from wxtcb.testing import (
    DEMO_APPID,
    DEMO_AUTHORIZER_APPID,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    INSTANT_RETRY,
    Emulator,
    Fault,
)

CLASSIC = "cgi-bin/token"
ROOT = Path(__file__).parent.parent
WORKERS = 4
CALLS = 200


async def send(proc: asyncio.subprocess.Process, line: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line.encode() + b"\n")
    await proc.stdin.drain()


async def receive(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert line, "worker died"
    return json.loads(line)  # type: ignore[no-any-return]


@pytest.mark.slow
async def test_four_processes_fetch_one_token_cold_and_one_after_expiry(
    emulator: Emulator, redis_server: RedisServer, redis_client: Any
) -> None:
    """4 processes x 200 concurrent calls on classic tokens: one fetch cold, one after expiry, no 40001."""
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.fleet_worker",
            emulator.url,
            redis_server.socket,
            str(CALLS),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(WORKERS)
    ]
    try:
        assert [await receive(p) for p in procs] == [{"ready": True}] * WORKERS
        for p in procs:
            await send(p, "go")
        cold = [await receive(p) for p in procs]
        assert cold == [{"ok": CALLS, "errors": []}] * WORKERS
        assert emulator.calls[CLASSIC] == 1

        emulator.expire_tokens()
        for p in procs:
            await send(p, "go")
        after = [await receive(p) for p in procs]
        assert after == [{"ok": CALLS, "errors": []}] * WORKERS
        assert emulator.calls[CLASSIC] == 2
    finally:
        for p in procs:
            if p.stdin is not None:
                p.stdin.close()
        for p in procs:
            await asyncio.wait_for(p.wait(), 30)
    assert all(p.returncode == 0 for p in procs)


def provider(store: wxtcb.TokenStore) -> wxtcb.AppTokenProvider:
    return wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False, store=store)


async def test_lease_of_a_dead_process_expires_and_the_next_one_refreshes(
    emulator: Emulator, redis_client: Any
) -> None:
    """A process that took the lease and died blocks the refresh only until the lease's TTL."""
    store = RedisTokenStore(redis_client)
    p = provider(store)
    assert await store.acquire_lease(p.cache_key, "a-process-that-died", 0.3)
    async with wxtcb.Client(p, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
    assert emulator.calls[CLASSIC] == 1
    assert await redis_client.get(f"wxtcb:lease:{p.cache_key}") is None, "the new owner released its lease"


async def test_slow_fetch_does_not_let_a_second_owner_in(emulator: Emulator, redis_client: Any) -> None:
    """While one process fetches slowly, another waits on the lease and reads the result: one fetch."""
    emulator.fault(CLASSIC, Fault.latency(0.5))
    first, second = provider(RedisTokenStore(redis_client)), provider(RedisTokenStore(redis_client))
    async with (
        wxtcb.Client(first, base_url=emulator.url, retry=INSTANT_RETRY, timeout=5) as a,
        wxtcb.Client(second, base_url=emulator.url, retry=INSTANT_RETRY, timeout=5) as b,
    ):
        slow = asyncio.create_task(a.get_callback_config())
        await until(lambda: emulator.calls[CLASSIC] > 0)
        await b.get_callback_config()
        await slow
    assert emulator.calls[CLASSIC] == 1
    lease_ttl = await redis_client.pttl(f"wxtcb:lease:{first.cache_key}")
    assert lease_ttl == -2, "released"


async def test_lease_outlives_the_fetch_timeout(emulator: Emulator, redis_client: Any) -> None:
    """The lease's TTL is longer than the longest fetch (retry budget plus one attempt)."""
    store = RedisTokenStore(redis_client)
    p = provider(store)
    emulator.fault(CLASSIC, Fault.hang())  # the fetch is still running when the lease is read
    policy = wxtcb.RetryPolicy(attempts=3, timeout=7.0, wait_initial=0, wait_max=0, wait_jitter=0)
    async with wxtcb.Client(p, base_url=emulator.url, retry=policy, timeout=2.0) as client:
        task = asyncio.create_task(client.get_callback_config())
        await until(lambda: emulator.calls[CLASSIC] > 0)
        ttl_ms = await redis_client.pttl(f"wxtcb:lease:{p.cache_key}")
    # Closing the client ended the hung fetch.
    with pytest.raises(wxtcb.TransportError):
        await task
    assert ttl_ms > (7.0 + 2.0) * 1000


async def test_rotated_refresh_token_is_kept_in_redis(redis_client: Any) -> None:
    """A rotated refresh token lands in Redis's durable space, and a new process starts from it."""
    async with Emulator(rotate_refresh_tokens=True, grace=0) as emulator:
        store = RedisTokenStore(redis_client)
        component = demo_component(store=store)
        merchant = component.authorizer(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
        async with wxtcb.Client(merchant, base_url=emulator.url, retry=INSTANT_RETRY) as client:
            await client.get_callback_config()
        rotated = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
        assert rotated != DEMO_REFRESH_TOKEN
        await store.clear_cache()
        emulator.expire_tokens()
        # A fresh process, configured with the stale seed, must use the stored, rotated token.
        restarted = demo_component(
            store=RedisTokenStore(redis_client),
        )
        again = restarted.authorizer(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
        async with wxtcb.Client(again, base_url=emulator.url, retry=INSTANT_RETRY) as client:
            await client.get_callback_config()
        assert emulator.calls["cgi-bin/component/api_authorizer_token"] == 2


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, to stop and restart."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def own_client(own_redis: RedisServer) -> AsyncIterator[Any]:
    client = redis.asyncio.Redis(unix_socket_path=own_redis.socket)
    yield client
    await client.aclose()


async def test_redis_outage_is_a_typed_error_and_recovers(
    emulator: Emulator, own_redis: RedisServer, own_client: Any
) -> None:
    """Redis down: a valid local token still serves; a needed refresh fails typed (no private fetch); then recovery."""
    p = provider(RedisTokenStore(own_client))
    async with wxtcb.Client(p, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
        own_redis.stop()
        await client.get_callback_config()  # the process's own copy of the token needs no store
        emulator.expire_tokens()
        with pytest.raises(wxtcb.CredentialStoreError) as info:
            await client.get_callback_config()
        assert isinstance(info.value, wxtcb.WxTcbError)
        assert emulator.calls[CLASSIC] == 1, "no fetch while the store was down"
        own_redis.start()
        await client.get_callback_config()
    assert emulator.calls[CLASSIC] == 2
