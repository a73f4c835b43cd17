"""Log records and event hooks: they fire with the documented fields, and carry no secret."""

from __future__ import annotations

import logging

import pytest

import wxtcb
import wxtcb.events
from tests.conftest import STATIC_SECRETS, assert_no_secret, demo_component, log_texts
from wxtcb.testing import (
    DEMO_APPID,
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    INSTANT_RETRY,
    Emulator,
    Fault,
)

GET = "tcb/getcallbackconfig"


async def test_events_and_log_records_for_a_day_in_the_life(
    emulator: Emulator, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """Request, retry, token fetch, replay and rotation each emit an event and a structured log record."""
    emulator.rotate_refresh_tokens = True
    events: list[wxtcb.events.Event] = []
    component = demo_component()
    merchant = component.authorizer(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    async with wxtcb.Client(
        merchant, base_url=emulator.url, retry=INSTANT_RETRY, on_event=events.append
    ) as client:
        emulator.fault(GET, Fault.error(-1))
        await client.get_callback_config()
        emulator.revoke_tokens()
        await client.get_callback_config()

    kinds = {type(e).__name__ for e in events}
    assert kinds == {
        "RequestFinished",
        "RetryScheduled",
        "TokenFetched",
        "TokenReplayed",
        "RefreshTokenRotated",
    }
    first = next(e for e in events if isinstance(e, wxtcb.events.RequestFinished) and e.api == GET)
    assert (first.attempt, first.errcode, first.error) == (1, -1, "BusyError")
    assert first.elapsed >= 0
    retry = next(e for e in events if isinstance(e, wxtcb.events.RetryScheduled))
    assert (retry.api, retry.attempt, retry.errcode) == (GET, 2, -1)
    fetched = [e for e in events if isinstance(e, wxtcb.events.TokenFetched)]
    assert {(e.kind, e.appid) for e in fetched} == {
        ("component", DEMO_COMPONENT_APPID),
        ("authorizer", DEMO_AUTHORIZER_APPID),
    }
    assert all(e.expires_in == 7200 for e in fetched if e.error is None)
    replays = [(e.api, e.kind, e.errcode) for e in events if isinstance(e, wxtcb.events.TokenReplayed)]
    assert replays == [
        (
            "cgi-bin/component/api_authorizer_token",
            "component",
            40001,
        ),  # the component token, inside the refresh
        (GET, "authorizer", 40001),  # then the call itself
    ]

    records = [r for r in wxtcb_logs.records if r.name == "wxtcb"]
    by_event = {getattr(r, "wxtcb_event", None) for r in records}
    assert by_event >= kinds
    request_record = next(r for r in records if getattr(r, "wxtcb_event", None) == "RequestFinished")
    assert request_record.levelno == logging.DEBUG
    assert {"wxtcb_api", "wxtcb_attempt", "wxtcb_elapsed", "wxtcb_errcode"} <= set(vars(request_record))
    rotation = next(r for r in records if getattr(r, "wxtcb_event", None) == "RefreshTokenRotated")
    assert rotation.levelno == logging.INFO  # nothing is wrong: the new token is stored

    secrets = [*emulator.issued_tokens(), *STATIC_SECRETS, emulator.refresh_token_of(DEMO_AUTHORIZER_APPID)]
    assert_no_secret([*log_texts(wxtcb_logs), *map(repr, events)], secrets)


async def test_a_broken_hook_does_not_break_calls(
    emulator: Emulator, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """A hook that raises is logged and ignored."""

    def broken(event: wxtcb.events.Event) -> None:
        raise ValueError("metrics backend down")

    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY, on_event=broken) as client:
        assert await client.get_callback_config() == wxtcb.CallbackConfig()
    assert any("on_event hook raised" in r.getMessage() for r in wxtcb_logs.records)


async def test_quiet_by_default(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    """At WARNING (the usual default) a healthy call logs nothing."""
    caplog.set_level(logging.WARNING, logger="wxtcb")
    async with wxtcb.Client(wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET), base_url=emulator.url) as client:
        await client.get_callback_config()
    assert [r for r in caplog.records if r.name == "wxtcb"] == []


def test_an_async_on_event_is_refused() -> None:
    """on_event is called, never awaited: an async one would lose every event, so it is refused."""

    async def hook(event: object) -> None:
        return None

    with pytest.raises(TypeError, match="on_event"):
        wxtcb.Client(wxtcb.StaticTokenProvider("t"), base_url="http://127.0.0.1:1", on_event=hook)
