"""The token lifecycle rules, proven against the emulator over real sockets."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import redis.asyncio

import wxtcb
from tests.conftest import until
from tests.redis_server import RedisServer
from wxtcb.redis import RedisTokenStore
from wxtcb.stores import CachedToken, MemoryTokenStore
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, INSTANT_RETRY, Emulator, Fault

GET = "tcb/getcallbackconfig"
STABLE = "cgi-bin/stable_token"
CLASSIC = "cgi-bin/token"


class Clock:
    """A settable clock for a provider, moved in step with the emulator's."""

    def __init__(self, emulator: Emulator) -> None:
        self.now = 1_800_000_000.0
        self.emulator = emulator

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the provider's time and WeChat's together."""
        self.now += seconds
        self.emulator.advance(seconds)


@pytest.mark.parametrize("stable", [True, False], ids=["stable", "classic"])
async def test_hundreds_of_cold_calls_make_one_fetch(emulator: Emulator, stable: bool) -> None:
    """500 concurrent calls on a cold provider cause exactly one token fetch."""
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=stable)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        results = await asyncio.gather(*(client.get_callback_config() for _ in range(500)))
    assert len(results) == 500
    assert emulator.calls[STABLE if stable else CLASSIC] == 1
    assert emulator.calls[GET] == 500


@pytest.mark.parametrize("invalidate", ["revoke", "expire"])
async def test_hundreds_of_rejections_make_one_refresh(emulator: Emulator, invalidate: str) -> None:
    """200 concurrent calls rejected with one token (40001 or 42001) cause one refresh and one replay each."""
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
        getattr(emulator, f"{invalidate}_tokens")()
        results = await asyncio.gather(*(client.get_callback_config() for _ in range(200)))
    assert len(results) == 200
    assert emulator.calls[CLASSIC] == 2
    assert emulator.calls[GET] == 1 + 200 * 2


async def test_stable_token_refreshes_after_expiry(emulator: Emulator, client: wxtcb.Client) -> None:
    """An expired stable token (42001) is refreshed once and the call replayed."""
    await client.get_callback_config()
    emulator.expire_tokens()
    await client.get_callback_config()
    assert emulator.calls[STABLE] == 2
    assert emulator.calls[GET] == 3


async def test_replay_happens_once_and_never_loops(emulator: Emulator) -> None:
    """A call whose every token is rejected is replayed once, then raises: two requests, two fetches."""
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False)
    emulator.fault(GET, Fault.error(40001), times=50)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        with pytest.raises(wxtcb.TokenRejectedError):
            await client.get_callback_config()
    assert emulator.calls[GET] == 2
    assert emulator.calls[CLASSIC] == 2


async def test_same_token_handed_back_is_not_replayed(emulator: Emulator, client: wxtcb.Client) -> None:
    """If the refresh yields the very token that was rejected, replaying is pointless: raise at once."""
    emulator.fault(GET, Fault.error(40014))  # WeChat's stable_token still hands out the same token
    with pytest.raises(wxtcb.TokenRejectedError) as info:
        await client.get_callback_config()
    assert info.value.errcode == 40014
    assert emulator.calls[GET] == 1


async def test_static_token_is_never_refreshed(emulator: Emulator) -> None:
    """A rejected static token raises; wxtcb has no way to refresh it and does not pretend to."""
    async with wxtcb.Client(
        wxtcb.StaticTokenProvider("not-a-real-token"), base_url=emulator.url, retry=INSTANT_RETRY
    ) as c:
        with pytest.raises(wxtcb.TokenRejectedError):
            await c.get_callback_config()
    assert emulator.calls[GET] == 1
    assert emulator.calls[STABLE] == 0


async def test_static_token_works(emulator: Emulator) -> None:
    """A token fetched elsewhere (here: by hand, with plain aiohttp) is used as it is."""
    body = {"grant_type": "client_credential", "appid": DEMO_APPID, "secret": DEMO_SECRET}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.url}/cgi-bin/stable_token", json=body) as r,
    ):
        fetched = json.loads(await r.read())["access_token"]
    async with wxtcb.Client(wxtcb.StaticTokenProvider(fetched), base_url=emulator.url) as client:
        assert await client.get_callback_config() == wxtcb.CallbackConfig()
    assert emulator.calls[STABLE] == 1


async def test_cancelled_caller_leaves_the_others_served(emulator: Emulator) -> None:
    """Cancelling the caller that started a token fetch cancels nothing for the others."""
    gate = asyncio.Event()
    emulator.fault(STABLE, Fault.gate(gate))  # the fetch is in flight until the first caller is gone
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        first = asyncio.create_task(client.get_callback_config())
        await until(lambda: emulator.calls[STABLE] == 1)
        others = [asyncio.create_task(client.get_callback_config()) for _ in range(50)]
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        gate.set()
        results = await asyncio.gather(*others)
    assert len(results) == 50
    assert emulator.calls[STABLE] == 1


async def test_failed_fetch_reaches_every_waiter(emulator: Emulator, client: wxtcb.Client) -> None:
    """One failed fetch wakes every waiter with the same error; nobody fetches again on their own."""
    emulator.fault(STABLE, Fault.error(40125, delay=0.1))
    results = await asyncio.gather(
        *(client.get_callback_config() for _ in range(100)), return_exceptions=True
    )
    assert all(isinstance(r, wxtcb.BadCredentialsError) for r in results)
    assert emulator.calls[STABLE] == 1
    assert emulator.calls[GET] == 0


@pytest.mark.parametrize("store_kind", ["memory", "redis"])
async def test_token_is_refreshed_ahead_inside_the_margin(
    emulator: Emulator, store_kind: str, redis_server: RedisServer
) -> None:
    """Inside the margin callers keep the valid token while one background fetch replaces it (either store)."""
    clock = Clock(emulator)
    store: wxtcb.TokenStore = MemoryTokenStore(clock=clock)
    connection = redis.asyncio.Redis(unix_socket_path=redis_server.socket)
    await connection.flushall()
    if store_kind == "redis":
        store = RedisTokenStore(connection)
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, clock=clock, store=store)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
        first = await provider.store.get_token(provider.cache_key)
        assert first is not None
        clock.advance(7200 - 300 + 1)  # one second into the margin
        emulator.fault(STABLE, Fault.latency(0.2))
        await asyncio.gather(*(client.get_callback_config() for _ in range(20)))
        # The 20 calls were served with the old, still valid token, not held up by the refresh.
        assert emulator.calls[GET] == 21
        await until(lambda: emulator.calls[STABLE] == 2)
        await until(lambda: provider._running_task() is None)
        second = await provider.store.get_token(provider.cache_key)
        assert second is not None
        assert second.value != first.value
        assert second.expires_at == clock.now + 7200
    await connection.aclose()
    assert emulator.calls[STABLE] == 2


async def test_token_past_its_usable_life_is_refetched_before_use(emulator: Emulator) -> None:
    """A token with under 30 s left is not used: the caller waits for the fresh one."""
    clock = Clock(emulator)
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, clock=clock)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
        clock.advance(7200 - 10)
        await client.get_callback_config()
    assert emulator.calls[STABLE] == 2
    assert emulator.calls[GET] == 2


async def test_fresh_token_is_used_without_fetching(emulator: Emulator, client: wxtcb.Client) -> None:
    """Outside the margin the cached token is used as it is."""
    for _ in range(10):
        await client.get_callback_config()
    assert emulator.calls[STABLE] == 1


async def test_providers_sharing_a_store_fetch_once(emulator: Emulator) -> None:
    """Two providers of the same app on one store take turns through the lease: one fetch."""
    store = MemoryTokenStore()
    providers = [wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False, store=store) for _ in range(2)]
    emulator.fault(CLASSIC, Fault.latency(0.1))
    clients = [wxtcb.Client(p, base_url=emulator.url, retry=INSTANT_RETRY) for p in providers]
    async with clients[0] as a, clients[1] as b:
        await asyncio.gather(*(c.get_callback_config() for c in (a, b) for _ in range(50)))
    assert emulator.calls[CLASSIC] == 1


async def test_compare_and_delete_only_drops_the_rejected_token() -> None:
    """Invalidating an old token never drops the newer one another caller stored."""
    store = MemoryTokenStore()
    await store.put_token("k", CachedToken("new", expires_at=2e9, issued_at=2.0))
    assert await store.delete_token("k", "old") is False
    assert (await store.get_token("k")) == CachedToken("new", 2e9, 2.0)
    assert await store.delete_token("k", "new") is True
    assert await store.get_token("k") is None


async def test_an_older_token_never_replaces_a_newer_one() -> None:
    """A slow fetch that finishes last does not overwrite the newer token."""
    store = MemoryTokenStore()
    newer = CachedToken("newer", expires_at=2e9, issued_at=2.0)
    await store.put_token("k", newer)
    kept = await store.put_token("k", CachedToken("older", expires_at=2e9, issued_at=1.0))
    assert kept == newer
    assert await store.get_token("k") == newer


async def test_classic_token_fetch_sends_the_grant_in_the_query(emulator: Emulator) -> None:
    """cgi-bin/token is a GET with grant_type, appid and secret as query parameters."""
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
    assert emulator.calls[CLASSIC] == 1
    assert emulator.calls[STABLE] == 0


async def test_refresh_ahead_does_not_churn_when_the_same_token_comes_back() -> None:
    """stable_token may hand the same token back inside our margin; wxtcb then waits before asking again."""
    async with Emulator(grace=100) as emulator:  # WeChat rotates only in the token's last 100 s
        clock = Clock(emulator)
        provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, clock=clock)
        async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
            await client.get_callback_config()
            clock.advance(7200 - 250)  # inside our 300 s margin, outside WeChat's 100 s
            for _ in range(20):
                await client.get_callback_config()
                await until(lambda: provider._running_task() is None)
        assert emulator.calls[STABLE] == 2


class ReleaseFails(MemoryTokenStore):
    """A real memory store whose lease release fails, as a Redis blip would make it."""

    async def release_lease(self, key: str, owner: str) -> bool:
        raise wxtcb.CredentialStoreError("redis release failed: ConnectionError")


async def test_a_failed_lease_release_does_not_fail_a_successful_refresh(
    emulator: Emulator, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """The token was fetched and stored: the call succeeds; the lease lapses on its own."""
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, store=ReleaseFails())
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        assert await client.get_callback_config() == wxtcb.CallbackConfig()
    assert any("expires by itself" in r.getMessage() for r in wxtcb_logs.records)
