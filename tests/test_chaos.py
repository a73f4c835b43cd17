"""Chaos soak: thousands of calls while the emulator misbehaves in every way WeChat does.

Bounded (a few seconds), part of the normal suite. Every call ends in a result or a typed
WxTcbError; retries and refreshes stay within the policy; afterwards nothing is left running or
open (warnings are errors in this suite, and asyncio debug mode is on).
"""

from __future__ import annotations

import asyncio
import gc
import random

import aiohttp

import wxtcb
from tests.conftest import until
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, Emulator, Fault

GET = "tcb/getcallbackconfig"
CALLS = 3000
CONCURRENCY = 300
ATTEMPTS = 4

CHAOS = [
    Fault.error(-1),
    Fault.error(-1000),
    Fault.error(42001),
    Fault.error(40001),
    Fault.error(45009),
    Fault.http(502),
    Fault.malformed(),
    Fault.reset(),
    Fault.latency(0.02),
]


async def test_soak_under_chaos(emulator: Emulator) -> None:
    """3000 calls, 300 at a time, a third of requests faulted and tokens rotated underneath: all accounted for."""
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = 1.0  # debug mode's slow-callback log is noise under load
    emulator.chaos(GET, CHAOS, probability=0.33, seed=20261128)
    emulator.chaos("cgi-bin/token", [Fault.error(-1), Fault.http(502)], probability=0.1, seed=7)
    events: list[wxtcb.Event] = []
    policy = wxtcb.RetryPolicy(
        attempts=ATTEMPTS, timeout=20, wait_initial=0.001, wait_max=0.01, wait_jitter=0.005
    )
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False)
    rotations = 0
    outcomes: list[object] = []
    client = wxtcb.Client(provider, base_url=emulator.url, retry=policy, timeout=2.0, on_event=events.append)
    rng = random.Random(1)

    async def call() -> None:
        try:
            outcomes.append(await client.get_callback_config())
        except wxtcb.WxTcbError as exc:
            outcomes.append(exc)

    async with client:
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def bounded(i: int) -> None:
            nonlocal rotations
            async with semaphore:
                if rng.random() < 0.002:  # another party rotated the token: 40001 for the old one
                    emulator.revoke_tokens()
                    rotations += 1
                await call()

        await asyncio.gather(*(bounded(i) for i in range(CALLS)))
        session = client._pipeline.transport._session  # type: ignore[attr-defined]

    # Every call ended in a model or a typed error, never a bare aiohttp/asyncio/cattrs/KeyError.
    assert len(outcomes) == CALLS
    strays = [o for o in outcomes if not isinstance(o, wxtcb.CallbackConfig | wxtcb.WxTcbError)]
    assert strays == []
    errors = [o for o in outcomes if isinstance(o, wxtcb.WxTcbError)]
    assert len(errors) < CALLS / 2, "most calls succeed through retries and replays"
    assert {type(e) for e in errors} <= {
        wxtcb.BusyError,
        wxtcb.TokenRejectedError,
        wxtcb.QuotaError,
        wxtcb.TransportError,
        wxtcb.DecodeError,
    }

    # Retries and refreshes stay within the policy.
    attempts = sum(isinstance(e, wxtcb.RequestFinished) and e.api == GET for e in events)
    # A few attempts die on a dropped keep-alive connection before reaching the emulator's handler.
    assert emulator.calls[GET] <= attempts <= CALLS * 2 * ATTEMPTS
    replays = sum(isinstance(e, wxtcb.TokenReplayed) for e in events)
    assert replays <= CALLS
    fetched = sum(isinstance(e, wxtcb.TokenFetched) and e.error is None for e in events)
    injected_rejections = emulator.injected["errcode:42001"] + emulator.injected["errcode:40001"]
    assert 1 <= fetched <= 1 + rotations + injected_rejections

    # Nothing left behind: no task, no open session, no unclosed-resource warning (warnings are errors).
    assert session is not None
    assert session.closed
    gc.collect()
    # The emulator's own handlers of dropped connections finish their cancellation first.
    await until(lambda: all(_server_side(t) is False for t in _others()) or not _others(), limit=10)
    assert [t for t in _others() if not _server_side(t)] == []
    await until(lambda: not _others(), limit=10)


def _others() -> set[asyncio.Task[object]]:
    return asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]


def _server_side(task: asyncio.Task[object]) -> bool:
    return "web_protocol" in repr(task) or "RequestHandler" in repr(task)


async def test_no_connection_leaks_across_many_clients(emulator: Emulator) -> None:
    """Opening and closing many clients on a borrowed session leaks neither tasks nor connections."""
    async with aiohttp.ClientSession() as session:
        for _ in range(50):
            async with wxtcb.Client(
                wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET), base_url=emulator.url, session=session
            ) as c:
                await c.get_callback_config()
        connector = session.connector
        assert connector is not None
        assert len(connector._acquired) == 0  # every connection went back to the pool
    assert [t for t in _others() if not _server_side(t)] == []
