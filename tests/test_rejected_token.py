"""A token WeChat rejected is never taken back from the store, however late its delete lands.

The root cause of issue 27's lost calls on Redis Cluster: one caller's compare-and-delete of the
rejected token was still on its way (a script's first run on a cluster node costs NOSCRIPT, a SCRIPT
LOAD on every primary and a second EVALSHA) while another caller that got the same 42001 started
the refresh, read the store first, re-adopted the dead token and failed its replay.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio

import wxtcb
from tests.conftest import until
from tests.redis_server import RedisServer
from wxtcb.redis import RedisTokenStore
from wxtcb.stores import CachedToken
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, INSTANT_RETRY, Emulator

CLASSIC = "cgi-bin/token"


class LateDelete(wxtcb.MemoryTokenStore):
    """A store whose compare-and-delete lands only once released, as over a slow link; it counts
    the reads that happen while a delete is on its way."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.deleting = 0
        self.reads_during_delete = 0

    async def get_token(self, key: str) -> CachedToken | None:
        if self.deleting:
            self.reads_during_delete += 1
        return await super().get_token(key)

    async def delete_token(self, key: str, value: str) -> bool:
        self.deleting += 1
        try:
            await self.release.wait()
            return await super().delete_token(key, value)
        finally:
            self.deleting -= 1


async def test_a_refresh_that_reads_before_the_delete_lands_does_not_reuse_the_rejected_token(
    emulator: Emulator,
) -> None:
    """100 calls rejected with 42001 at once, the delete of the dead token held back until the
    refresh has read the store: every call succeeds on its replay, with one token fetch."""
    store = LateDelete()
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False, store=store)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
        emulator.expire_tokens()
        calls = [asyncio.ensure_future(client.get_callback_config()) for _ in range(100)]
        await until(lambda: store.reads_during_delete > 0 or all(c.done() for c in calls))
        assert store.reads_during_delete > 0, "the refresh never read the store during the delete"
        store.release.set()
        results = await asyncio.gather(*calls, return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert emulator.calls[CLASSIC] == 2


async def test_on_real_redis_a_cold_script_cache_at_expiry_loses_no_call(
    emulator: Emulator, redis_server: RedisServer, redis_client: Any
) -> None:
    """The same race on a real redis-server: the script cache flushed (as on a cluster node that
    never ran the delete script, or a replica just promoted) when 100 calls meet 42001; none fails,
    in three rounds."""
    for _ in range(3):
        await redis_client.flushall()
        connection = redis.asyncio.Redis(unix_socket_path=redis_server.socket)
        provider = wxtcb.AppTokenProvider(
            DEMO_APPID, DEMO_SECRET, stable=False, store=RedisTokenStore(connection)
        )
        try:
            async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
                await asyncio.gather(*(client.get_callback_config() for _ in range(100)))
                await redis_client.script_flush()
                emulator.expire_tokens()
                results = await asyncio.gather(
                    *(client.get_callback_config() for _ in range(100)), return_exceptions=True
                )
        finally:
            await connection.aclose()
        assert [type(r).__name__ for r in results if isinstance(r, BaseException)] == []
