"""Third-party platforms: component and authorizer tokens, and credentials that are never lost."""

from __future__ import annotations

import asyncio

import pytest

import wxtcb
from tests.conftest import demo_component
from wxtcb.stores import CachedToken, Credential, MemoryTokenStore
from wxtcb.testing import (
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_REFRESH_TOKEN,
    INSTANT_RETRY,
    Emulator,
    Fault,
)

GET = "tcb/getcallbackconfig"
COMPONENT = "cgi-bin/component/api_component_token"
AUTHORIZER = "cgi-bin/component/api_authorizer_token"


def client(emulator: Emulator, provider: wxtcb.TokenProvider, **kw: object) -> wxtcb.Client:
    return wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY, **kw)  # type: ignore[arg-type]


async def test_many_concurrent_calls_make_one_fetch_of_each(emulator: Emulator) -> None:
    """200 cold calls for one merchant: one component fetch, one authorizer fetch."""
    provider = demo_component().authorizer(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    async with client(emulator, provider) as c:
        await asyncio.gather(*(c.get_callback_config() for _ in range(200)))
    assert (emulator.calls[COMPONENT], emulator.calls[AUTHORIZER], emulator.calls[GET]) == (1, 1, 200)


async def test_many_merchants_share_one_component_fetch(emulator: Emulator) -> None:
    """50 merchants, 4 calls each, at once: one component token, one authorizer token per merchant."""
    comp = demo_component()
    appids = [f"wxmerchant{i:04d}" for i in range(50)]
    for appid in appids:
        emulator.add_authorizer(DEMO_COMPONENT_APPID, appid, f"rt-{appid}")
    clients = [client(emulator, comp.authorizer(a, refresh_token=f"rt-{a}")) for a in appids]
    try:
        await asyncio.gather(*(c.get_callback_config() for c in clients for _ in range(4)))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    assert emulator.calls[COMPONENT] == 1
    assert emulator.calls[AUTHORIZER] == 50
    assert emulator.calls[GET] == 200


async def test_expiry_of_both_refreshes_both_once(emulator: Emulator) -> None:
    """After both tokens expire, 100 concurrent calls refresh each exactly once."""
    provider = demo_component().authorizer(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    async with client(emulator, provider) as c:
        await c.get_callback_config()
        emulator.expire_tokens()
        await asyncio.gather(*(c.get_callback_config() for _ in range(100)))
    assert emulator.calls[COMPONENT] == 2
    assert emulator.calls[AUTHORIZER] == 1 + 2  # the refresh meets 42001 on the component token, replays once
    assert emulator.calls[GET] == 1 + 100 * 2


async def test_rejected_component_token_is_refreshed_once_inside_the_authorizer_refresh(
    emulator: Emulator,
) -> None:
    """A component token rejected while refreshing an authorizer token is refreshed once and replayed."""
    provider = demo_component().authorizer(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    async with client(emulator, provider) as c:
        await c.get_callback_config()
        emulator.revoke_tokens()
        await c.get_callback_config()
    assert (emulator.calls[COMPONENT], emulator.calls[AUTHORIZER], emulator.calls[GET]) == (2, 3, 3)


class OrderedStore(MemoryTokenStore):
    """A real MemoryTokenStore that also writes down the order of its writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    async def put_token(self, key: str, token: CachedToken) -> CachedToken:
        self.writes.append(f"token {key}")
        return await super().put_token(key, token)

    async def put_credential(self, key: str, credential: Credential) -> Credential:
        self.writes.append(f"credential {key}")
        return await super().put_credential(key, credential)

    async def replace_credential(self, key: str, expected: str, new: Credential) -> Credential:
        self.writes.append(f"credential {key}")
        return await super().replace_credential(key, expected, new)


async def test_rotated_refresh_token_is_stored_before_use_and_reaches_the_hook() -> None:
    """A new refresh token is written before the access token, survives the next refresh and reaches the hook."""
    store = OrderedStore()
    seen: list[tuple[str, str]] = []

    async def hook(appid: str, new: str) -> None:
        stored = await store.get_credential(f"refresh:{DEMO_COMPONENT_APPID}:{appid}")
        assert stored is not None
        assert stored.value == new, "stored before the application hears of it"
        seen.append((appid, new))

    async with Emulator(rotate_refresh_tokens=True, grace=0) as emulator:
        comp = demo_component(store=store)
        provider = comp.authorizer(
            DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN, on_refresh_token=hook
        )
        async with client(emulator, provider) as c:
            await c.get_callback_config()
            first = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
            assert seen == [(DEMO_AUTHORIZER_APPID, first)]
            rkey = f"refresh:{DEMO_COMPONENT_APPID}:{DEMO_AUTHORIZER_APPID}"
            akey = f"token:authorizer:{DEMO_COMPONENT_APPID}:{DEMO_AUTHORIZER_APPID}"
            assert store.writes.index(f"credential {rkey}", 1) < store.writes.index(f"token {akey}")
            # With grace=0 the old refresh token is dead: the next refresh works only with the stored one.
            emulator.expire_tokens()
            await c.get_callback_config()
            second = emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)
        assert second != first
        assert seen == [(DEMO_AUTHORIZER_APPID, first), (DEMO_AUTHORIZER_APPID, second)]
        stored = await store.get_credential(rkey)
        assert stored is not None
        assert stored.value == second


async def test_a_failing_hook_loses_nothing(emulator: Emulator) -> None:
    """The hook raising is logged; the rotated refresh token is still stored and the call succeeds."""
    emulator.rotate_refresh_tokens = True

    async def broken(appid: str, new: str) -> None:
        raise RuntimeError("the application's database is down")

    comp = demo_component()
    provider = comp.authorizer(
        DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN, on_refresh_token=broken
    )
    async with client(emulator, provider) as c:
        await c.get_callback_config()
    assert await provider.refresh_token() == emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)


async def test_seed_refresh_token_never_replaces_a_stored_one(emulator: Emulator) -> None:
    """A stale refresh token from configuration does not overwrite the newer one in the store."""
    store = MemoryTokenStore()
    comp = demo_component(store=store)
    await comp.authorizer(DEMO_AUTHORIZER_APPID).set_refresh_token("rt-newer")
    provider = comp.authorizer(DEMO_AUTHORIZER_APPID, refresh_token="rt-stale-from-config")
    assert await provider.refresh_token() == "rt-newer"


async def test_61023_is_typed_and_not_retried(emulator: Emulator) -> None:
    """An unknown refresh token raises RefreshTokenInvalidError saying what to do; one request."""
    provider = demo_component().authorizer(DEMO_AUTHORIZER_APPID, refresh_token="rt-unknown")
    async with client(emulator, provider) as c:
        with pytest.raises(wxtcb.RefreshTokenInvalidError) as info:
            await c.get_callback_config()
    assert "authorize again" in str(info.value)
    assert emulator.calls[AUTHORIZER] == 1
    assert emulator.calls[GET] == 0


@pytest.mark.parametrize("errcode", [61005, 61006])
async def test_bad_ticket_is_typed_and_not_retried(emulator: Emulator, errcode: int) -> None:
    """61005/61006 raise TicketInvalidError saying to wait for the next push; one request."""
    emulator.fault(COMPONENT, Fault.error(errcode), times=5)
    provider = demo_component().authorizer(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    async with client(emulator, provider) as c:
        with pytest.raises(wxtcb.TicketInvalidError) as info:
            await c.get_callback_config()
    assert "push" in str(info.value)
    assert emulator.calls[COMPONENT] == 1


async def test_expired_ticket_from_the_emulator(emulator: Emulator) -> None:
    """A ticket past its 12 hours is refused with 61005."""
    ticket = emulator.issue_ticket()
    emulator.advance(13 * 3600)
    provider = demo_component(ticket=ticket).authorizer(
        DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN
    )
    async with client(emulator, provider) as c:
        with pytest.raises(wxtcb.TicketInvalidError) as info:
            await c.get_callback_config()
    assert info.value.errcode == 61005


async def test_no_ticket_yet_sends_nothing(emulator: Emulator) -> None:
    """Without a ticket the component token cannot be had: TicketMissingError, no request."""
    provider = demo_component(ticket=None).authorizer(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    async with client(emulator, provider) as c:
        with pytest.raises(wxtcb.TicketMissingError, match="set_ticket"):
            await c.get_callback_config()
    assert sum(emulator.calls.values()) == 0


async def test_newer_ticket_wins_over_a_late_push() -> None:
    """A push that arrives late (older CreateTime) never replaces the newer ticket."""
    comp = demo_component(ticket=None)
    assert await comp.set_ticket("ticket-new", create_time=2000) is True
    assert await comp.set_ticket("ticket-old", create_time=1000) is False
    assert await comp.ticket() == "ticket-new"
    assert await comp.set_ticket("ticket-newer", create_time=3000) is True
    assert await comp.ticket() == "ticket-newer"


async def test_clearing_the_cache_keeps_durable_credentials() -> None:
    """clear_cache drops tokens only; tickets and refresh tokens stay."""
    store = MemoryTokenStore()
    comp = demo_component(store=store, ticket=None)
    await comp.set_ticket("t1")
    await comp.authorizer("wxm").set_refresh_token("rt1")
    await store.put_token("token:x", CachedToken("v", 2e9, 1.0))
    await store.clear_cache()
    assert await store.get_token("token:x") is None
    assert await comp.ticket() == "t1"
    assert await comp.authorizer("wxm").refresh_token() == "rt1"


async def test_missing_refresh_token_is_a_clear_error(emulator: Emulator) -> None:
    """An authorizer with no refresh token anywhere fails before any request."""
    provider = demo_component().authorizer("wxnobody")
    async with client(emulator, provider) as c:
        with pytest.raises(wxtcb.InvalidRequestError, match="refresh_token"):
            await c.get_callback_config()
    assert emulator.calls[AUTHORIZER] == 0


async def test_a_refresh_token_put_back_ends_the_hold_after_61023(emulator: Emulator) -> None:
    """After 61023 fetches are held, but a refresh token put back (the hook's copy, through another
    instance) is tried at once, without waiting for the hold to end."""
    store = MemoryTokenStore()
    provider = demo_component(store=store).authorizer(DEMO_AUTHORIZER_APPID, refresh_token="rt-dead")
    async with client(emulator, provider) as c:
        for _ in range(3):
            with pytest.raises(wxtcb.RefreshTokenInvalidError):
                await c.get_callback_config()
        assert emulator.calls[AUTHORIZER] == 1, "held: WeChat is not asked again"
        restored = demo_component(store=store).authorizer(DEMO_AUTHORIZER_APPID)
        assert await restored.set_refresh_token(DEMO_REFRESH_TOKEN) is True
        assert await c.get_callback_config() == wxtcb.CallbackConfig()
    assert emulator.calls[AUTHORIZER] == 2
