"""The client's lifecycle: one session, borrowed or owned, and no use after close."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

import wxtcb
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, INSTANT_RETRY, Emulator


def _provider() -> wxtcb.AppTokenProvider:
    return wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)


async def test_borrowed_session_is_used_and_never_closed(emulator: Emulator) -> None:
    """A session passed in carries the requests and is still open after the client closes."""
    traces: list[str] = []
    trace = aiohttp.TraceConfig()

    async def on_start(session: object, ctx: object, params: aiohttp.TraceRequestStartParams) -> None:
        traces.append(params.url.path)

    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        async with wxtcb.Client(_provider(), base_url=emulator.url, session=session) as client:
            await client.get_callback_config()
        assert not session.closed
        assert traces == ["/cgi-bin/stable_token", "/tcb/getcallbackconfig"]


async def test_owned_session_is_reused_and_closed(emulator: Emulator) -> None:
    """The client's own session serves every call and is closed with the client."""
    client = wxtcb.Client(_provider(), base_url=emulator.url)
    async with client:
        await client.get_callback_config()
        session = client._pipeline.transport._session  # type: ignore[attr-defined]
        await client.get_callback_config()
        assert client._pipeline.transport._session is session  # type: ignore[attr-defined]
    assert session is not None
    assert session.closed


async def test_closed_client_refuses_use(emulator: Emulator) -> None:
    """Using a closed client is a programming error: RuntimeError, not a WxTcbError."""
    client = wxtcb.Client(_provider(), base_url=emulator.url)
    async with client:
        pass
    with pytest.raises(RuntimeError, match="closed") as info:
        await client.get_callback_config()
    assert not isinstance(info.value, wxtcb.WxTcbError)
    with pytest.raises(RuntimeError):
        async with client:
            pass
    await client.aclose()  # closing twice is harmless
    assert sum(emulator.calls.values()) == 0


async def test_client_works_without_the_context_manager(emulator: Emulator) -> None:
    """Open on first use, close with aclose()."""
    client = wxtcb.Client(_provider(), base_url=emulator.url, retry=INSTANT_RETRY)
    try:
        assert await client.get_callback_config() == wxtcb.CallbackConfig()
    finally:
        await client.aclose()


def test_timeout_must_be_positive() -> None:
    """A zero timeout would fail every call; it is refused up front."""
    with pytest.raises(ValueError, match="timeout"):
        wxtcb.Client(_provider(), timeout=0)


async def test_method_objects_can_be_sent_directly(emulator: Emulator, client: wxtcb.Client) -> None:
    """client(method) is the general form every endpoint method uses."""
    from wxtcb.message_push import GetCallbackConfig

    assert await client(GetCallbackConfig()) == await client.get_callback_config()


@pytest.mark.parametrize(
    "make",
    [
        lambda: wxtcb.AppTokenProvider("", "s"),
        lambda: wxtcb.AppTokenProvider("wx1", ""),
        lambda: wxtcb.StaticTokenProvider(""),
        lambda: wxtcb.ComponentTokenProvider("wxc", ""),
    ],
)
def test_providers_refuse_empty_credentials(make: object) -> None:
    """Empty credentials are refused when the provider is made, not on first use."""
    with pytest.raises(ValueError):  # noqa: PT011
        make()  # type: ignore[operator]


async def test_a_fetch_outliving_its_client_opens_no_new_session(emulator: Emulator) -> None:
    """A token fetch still running when its client closes ends with a TransportError and leaks nothing."""
    from tests.conftest import until
    from wxtcb.testing import Fault

    emulator.fault("cgi-bin/stable_token", Fault.hang())  # still running when the client closes
    provider = _provider()
    client = wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY)
    call = asyncio.create_task(client.get_callback_config())
    await until(lambda: emulator.calls["cgi-bin/stable_token"] == 1)
    call.cancel()  # the caller goes away; the shared fetch goes on
    inflight = provider._inflight
    assert inflight is not None
    await client.aclose()
    done, _ = await asyncio.wait({inflight}, timeout=60)
    assert done == {inflight}
    assert isinstance(inflight.exception(), wxtcb.TransportError)
    with pytest.raises(asyncio.CancelledError):
        await call
