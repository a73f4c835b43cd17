"""Rotated refresh tokens survive a store that refuses the write, and hosts whose clocks disagree.

Real sockets against the emulator, a real redis-server; the only stand-ins are store wrappers at the
boundary a user owns (a `TokenStore` that refuses writes or holds one back on demand).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

import wxtcb
import wxtcb.events
from tests.conftest import assert_no_secret, demo_component, log_texts, until
from tests.redis_server import RedisServer
from wxtcb.redis import RedisTokenStore
from wxtcb.stores import CachedToken, Credential, MemoryTokenStore
from wxtcb.testing import (
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_COMPONENT_SECRET,
    DEMO_REFRESH_TOKEN,
    DEMO_TICKET,
    INSTANT_RETRY,
    Emulator,
    Fault,
)

AUTHORIZER = "cgi-bin/component/api_authorizer_token"
RKEY = f"refresh:{DEMO_COMPONENT_APPID}:{DEMO_AUTHORIZER_APPID}"
SKEW = 120.0


class RefusingStore:
    """A real store whose compare-and-set writes fail while ``refusals`` is positive (Redis full)."""

    def __init__(self, inner: wxtcb.TokenStore, refusals: float = 0) -> None:
        self.inner, self.refusals, self.refused = inner, refusals, 0

    def _refuse(self) -> None:
        if self.refusals > 0:
            self.refusals -= 1
            self.refused += 1
            raise wxtcb.CredentialStoreError("injected: the store refused the write")

    async def get_token(self, key: str) -> CachedToken | None:
        return await self.inner.get_token(key)

    async def put_token(self, key: str, token: CachedToken) -> CachedToken:
        return await self.inner.put_token(key, token)

    async def delete_token(self, key: str, value: str) -> bool:
        return await self.inner.delete_token(key, value)

    async def acquire_lease(self, key: str, owner: str, ttl: float) -> bool:
        return await self.inner.acquire_lease(key, owner, ttl)

    async def release_lease(self, key: str, owner: str) -> bool:
        return await self.inner.release_lease(key, owner)

    async def get_credential(self, key: str) -> Credential | None:
        return await self.inner.get_credential(key)

    async def put_credential(self, key: str, credential: Credential) -> Credential:
        return await self.inner.put_credential(key, credential)

    async def replace_credential(self, key: str, expected: str, new: Credential) -> Credential:
        self._refuse()
        return await self.inner.replace_credential(key, expected, new)

    async def clear_cache(self) -> None:
        await self.inner.clear_cache()


class Host:
    """One process of a platform: its own providers, clock, hook and events, on a shared store."""

    def __init__(
        self, emulator: Emulator, store: wxtcb.TokenStore, clock: Callable[[], float] = time.time
    ) -> None:
        self.emulator = emulator
        self.store = store
        #: What the store must still hold when the hook runs (None: not checked).
        self.stored_at_hook: str | None = None
        self.hooked: list[str] = []
        self.events: list[wxtcb.events.Event] = []
        component = wxtcb.ComponentTokenProvider(
            DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, ticket=DEMO_TICKET, store=store, clock=clock
        )
        self.merchant = component.authorizer(
            DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN, on_refresh_token=self.hook
        )
        self.client = wxtcb.Client(
            self.merchant, base_url=emulator.url, retry=INSTANT_RETRY, on_event=self.events.append
        )

    async def hook(self, appid: str, new: str) -> None:
        assert appid == DEMO_AUTHORIZER_APPID
        if self.stored_at_hook is not None:
            assert await stored(self.store) == self.stored_at_hook
        self.hooked.append(new)

    def rotations(self) -> int:
        return sum(type(e).__name__ == "RefreshTokenRotated" for e in self.events)

    async def call(self) -> None:
        assert await self.client.get_callback_config() == wxtcb.CallbackConfig()


async def stored(store: wxtcb.TokenStore) -> str:
    credential = await store.get_credential(RKEY)
    assert credential is not None
    return credential.value


async def test_a_store_write_that_fails_once_is_tried_again(new_store: Callable[[], Any]) -> None:
    """The write of a rotated refresh token is retried: one refusal costs nothing (memory and Redis)."""
    async with Emulator(rotate_refresh_tokens=True, grace=0) as emulator:
        inner = await new_store()
        store = RefusingStore(inner, refusals=1)
        host = Host(emulator, store)
        async with host.client:
            await host.call()
        newest = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
        assert store.refused == 1
        assert await stored(inner) == newest
        assert host.hooked == [newest]
        assert host.rotations() == 1


async def test_a_refused_rotation_reaches_the_hook_then_raises_and_heals(
    new_store: Callable[[], Any], wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """The store refuses every try: the hook gets the new token first, the error says what happened
    without the token, and the next call writes it and goes on, although WeChat killed the old one
    (memory and Redis)."""
    async with Emulator(rotate_refresh_tokens=True, grace=0) as emulator:
        inner = await new_store()
        store = RefusingStore(inner, refusals=float("inf"))
        host = Host(emulator, store)
        host.stored_at_hook = DEMO_REFRESH_TOKEN  # the hook runs while the store lacks the new one
        async with host.client:
            with pytest.raises(wxtcb.CredentialStoreError) as info:
                await host.call()
            raised_after = list(host.hooked)
            rotated = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
            assert rotated != DEMO_REFRESH_TOKEN
            assert raised_after == [rotated], "the hook had it before the error was raised"
            message = str(info.value)
            assert "rotated" in message
            assert "did not take" in message
            assert "handed to on_refresh_token" in message
            assert_no_secret(
                [message, repr(info.value), *log_texts(wxtcb_logs)], [rotated, DEMO_REFRESH_TOKEN]
            )
            assert host.rotations() == 0, "nothing was stored, so nothing is announced as stored"
            assert await stored(inner) == DEMO_REFRESH_TOKEN

            store.refusals = 0  # the store recovers
            host.stored_at_hook = None
            await host.call()
        newest = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
        assert await stored(inner) == newest
        assert host.hooked == [rotated, newest]


@pytest.mark.parametrize("hook", ["raises", "none"])
async def test_the_error_says_whether_the_hook_has_the_token(
    hook: str, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """When the store refuses the rotated token, the error says if the hook raised or is missing."""

    async def broken(appid: str, new: str) -> None:
        raise RuntimeError(f"the application's database is down too, lost {new}")

    async with Emulator(rotate_refresh_tokens=True, grace=0) as emulator:
        store = RefusingStore(MemoryTokenStore(), refusals=float("inf"))
        merchant = demo_component(store=store).authorizer(
            DEMO_AUTHORIZER_APPID,
            refresh_token=DEMO_REFRESH_TOKEN,
            on_refresh_token=broken if hook == "raises" else None,
        )
        async with wxtcb.Client(merchant, base_url=emulator.url, retry=INSTANT_RETRY) as client:
            with pytest.raises(wxtcb.CredentialStoreError) as info:
                await client.get_callback_config()
        rotated = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
    expected = "on_refresh_token raised too" if hook == "raises" else "no on_refresh_token hook is set"
    assert expected in str(info.value)
    assert_no_secret(
        [str(info.value), repr(info.value), *log_texts(wxtcb_logs)], [rotated, DEMO_REFRESH_TOKEN]
    )


async def test_redis_out_of_memory_mid_refresh_keeps_the_rotated_token(
    redis_server: RedisServer, redis_client: Any
) -> None:
    """Redis fills up while WeChat rotates the refresh token: the hook gets it, the call fails typed,
    and once Redis takes writes again the next call stores it and goes on."""
    store = RedisTokenStore(redis_client)
    async with Emulator(rotate_refresh_tokens=True, grace=0) as emulator:
        host = Host(emulator, store)
        gate = asyncio.Event()
        emulator.fault(AUTHORIZER, Fault.gate(gate))  # in flight until Redis is full
        try:
            async with host.client:
                call = asyncio.create_task(host.call())
                await until(lambda: emulator.calls[AUTHORIZER] == 1)
                await redis_client.config_set("maxmemory", "1")  # noeviction: every write is refused
                gate.set()
                with pytest.raises(wxtcb.CredentialStoreError) as info:
                    await call
                assert "OOM" in repr(info.value.__cause__)
                rotated = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
                assert host.hooked == [rotated]
                assert await stored(store) == DEMO_REFRESH_TOKEN
                await redis_client.config_set("maxmemory", "0")
                await host.call()
        finally:
            await redis_client.config_set("maxmemory", "0")
        newest = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
        assert await stored(store) == newest
        assert host.hooked == [rotated, newest]


class HeldWrite(MemoryTokenStore):
    """A real MemoryTokenStore whose compare-and-set waits until the test lets it through."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = False
        self.go = asyncio.Event()

    async def replace_credential(self, key: str, expected: str, new: Credential) -> Credential:
        self.waiting = True
        await self.go.wait()
        return await super().replace_credential(key, expected, new)


async def test_a_caller_cancelled_during_the_write_does_not_drop_the_rotated_token() -> None:
    """The write of a rotated refresh token and the hook finish even when the caller is cancelled."""
    store = HeldWrite()
    async with Emulator(rotate_refresh_tokens=True, grace=0) as emulator:
        host = Host(emulator, store)
        async with host.client:
            call = asyncio.create_task(host.call())
            await until(lambda: store.waiting)
            refresh = host.merchant._inflight
            assert refresh is not None
            refresh.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            store.go.set()
            rotated = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
            await until(lambda: host.hooked == [rotated])
            assert await stored(store) == rotated
            await host.call()  # and the chain goes on from the stored token
        assert await stored(store) == emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)


async def test_two_hosts_with_clocks_120_s_apart_keep_the_live_refresh_token(
    new_store: Callable[[], Any],
) -> None:
    """Hosts whose clocks differ by 120 s take turns refreshing one merchant: each rotation replaces
    the token it used, whoever's clock is ahead; the hook and the event fire only for what is stored,
    and WeChat never sees a dead refresh token (memory and Redis)."""
    async with Emulator(rotate_refresh_tokens=True, grace=0) as emulator:
        store = await new_store()
        ahead = Host(emulator, store, clock=lambda: time.time() + SKEW)
        behind = Host(emulator, store)
        async with ahead.client, behind.client:
            await ahead.call()
            first = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
            assert await stored(store) == first

            await store.clear_cache()
            await behind.call()  # its clock is 120 s behind the stamp of the stored token
            second = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
            assert second != first
            assert await stored(store) == second

            emulator.expire_tokens()
            await store.clear_cache()
            await ahead.call()  # refreshes with the stored token: a dead one would be 61023
            third = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
            assert await stored(store) == third
        assert ahead.hooked == [first, third]
        assert behind.hooked == [second]
        assert (ahead.rotations(), behind.rotations()) == (2, 1)


async def test_a_rotation_that_loses_the_race_keeps_the_stored_token_and_tells_the_hook(
    new_store: Callable[[], Any],
) -> None:
    """While a refresh is in flight the application records a refresh token from a new authorization:
    the rotation does not overwrite it and is not announced as stored, but its token still reaches
    the hook, and the call succeeds (memory and Redis)."""
    async with Emulator(rotate_refresh_tokens=True, grace=300) as emulator:
        store = await new_store()
        host = Host(emulator, store)
        gate = asyncio.Event()
        emulator.fault(AUTHORIZER, Fault.gate(gate))  # in flight until the new token is recorded
        async with host.client:
            call = asyncio.create_task(host.call())
            await until(lambda: emulator.calls[AUTHORIZER] == 1)
            other = demo_component(store=store).authorizer(DEMO_AUTHORIZER_APPID)
            assert await other.set_refresh_token("rt-from-a-new-authorization") is True
            gate.set()
            await call
        rotated = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
        assert await stored(store) == "rt-from-a-new-authorization"
        assert host.hooked == [rotated]
        assert host.rotations() == 0
