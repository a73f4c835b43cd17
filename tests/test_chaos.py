"""Chaos soak: many calls while the emulator misbehaves in every way WeChat does.

The default soak is small (a few seconds), part of the normal suite; the long one is marked
``slow`` and runs in ``nox -s slow``. Both check guarantees, not speed: every call ends in a result
or a `WxTcbError`; each call stays within the retry policy and refresh-and-replay (at most
``2 * attempts`` requests); token fetches stay within what rejections can explain; afterwards
nothing is left running or open (warnings are errors in this suite, and asyncio debug mode is on).
Per-attempt timeouts are generous, and nothing asserts how many calls succeed: a busy machine may
turn any attempt into a `RequestTimeout`, which is one more `TransportError` the soak accepts.
"""

from __future__ import annotations

import asyncio
import gc
import random
from collections import defaultdict

import aiohttp
import pytest

import wxtcb
import wxtcb.events
from tests.conftest import until
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, Emulator, Fault

GET = "tcb/getcallbackconfig"
TOKEN = "cgi-bin/token"
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

#: What a call may end in under this chaos (isinstance: `RequestTimeout` is a `TransportError`).
EXPECTED = (
    wxtcb.BusyError,
    wxtcb.TokenRejectedError,
    wxtcb.QuotaError,
    wxtcb.TransportError,
    wxtcb.DecodeError,
)


async def test_soak_under_chaos(emulator: Emulator) -> None:
    """400 calls, 100 at a time, a third of requests faulted and tokens rotated underneath: all accounted for."""
    await soak(emulator, calls=400, concurrency=100)


@pytest.mark.slow
async def test_long_soak_under_chaos(emulator: Emulator) -> None:
    """3000 calls, 300 at a time, under the same chaos: the same guarantees hold at scale."""
    await soak(emulator, calls=3000, concurrency=300)


async def soak(emulator: Emulator, *, calls: int, concurrency: int) -> None:
    """Run *calls* calls through the chaos and check every guarantee that does not depend on speed."""
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = 10.0  # debug mode's slow-callback log is noise under load
    emulator.chaos(GET, CHAOS, probability=0.33, seed=20261128)
    emulator.chaos(TOKEN, [Fault.error(-1), Fault.http(502)], probability=0.1, seed=7)

    # Events of the business API are emitted in the caller's task: attribute them to the call.
    by_task: defaultdict[asyncio.Future[object] | None, list[wxtcb.events.Event]] = defaultdict(list)
    events: list[wxtcb.events.Event] = []

    def on_event(event: wxtcb.events.Event) -> None:
        events.append(event)
        by_task[asyncio.current_task()].append(event)

    # Generous timeouts: a timeout is not what this soak tests, and load must not decide it.
    policy = wxtcb.RetryPolicy(
        attempts=ATTEMPTS, timeout=600, wait_initial=0.001, wait_max=0.01, wait_jitter=0.005
    )
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False)
    client = wxtcb.Client(provider, base_url=emulator.url, retry=policy, timeout=120.0, on_event=on_event)
    rng = random.Random(1)
    rotations = 0
    outcomes: dict[int, object] = {}

    async with client:
        semaphore = asyncio.Semaphore(concurrency)

        async def call(i: int) -> None:
            nonlocal rotations
            async with semaphore:
                if rng.random() < 0.002:  # another party rotated the token: 40001 for the old one
                    emulator.revoke_tokens()
                    rotations += 1
                try:
                    outcomes[i] = await client.get_callback_config()
                except wxtcb.WxTcbError as exc:
                    outcomes[i] = exc

        tasks = [asyncio.ensure_future(call(i)) for i in range(calls)]
        await asyncio.gather(*tasks)
        session = client._pipeline.transport._session  # type: ignore[attr-defined]

    # Every call ended in a model or a typed error, never a bare aiohttp/asyncio/cattrs/KeyError.
    assert len(outcomes) == calls
    strays = [o for o in outcomes.values() if not isinstance(o, wxtcb.CallbackConfig | wxtcb.WxTcbError)]
    assert strays == []
    errors = [o for o in outcomes.values() if isinstance(o, wxtcb.WxTcbError)]
    assert [e for e in errors if not isinstance(e, EXPECTED)] == []
    # 45009 is never retried: each injected one ends exactly one call, and nothing else does.
    assert sum(isinstance(e, wxtcb.QuotaError) for e in errors) == emulator.injected["errcode:45009"]

    # Each call stays within the retry policy and refresh-and-replay.
    for i, outcome in outcomes.items():
        own = by_task[tasks[i]]
        requests = [e for e in own if isinstance(e, wxtcb.events.RequestFinished) and e.api == GET]
        replays = sum(isinstance(e, wxtcb.events.TokenReplayed) for e in own)
        retries = sum(isinstance(e, wxtcb.events.RetryScheduled) for e in own)
        assert len(requests) <= 2 * ATTEMPTS, (i, own)
        assert all(1 <= r.attempt <= ATTEMPTS for r in requests), (i, own)
        assert replays <= 1, (i, own)
        assert retries <= 2 * (ATTEMPTS - 1), (i, own)
        assert sum(r.attempt == 1 for r in requests) == (1 + replays if requests else 0), (i, own)
        if isinstance(outcome, wxtcb.CallbackConfig):
            # A result comes from the call's last request, which succeeded.
            assert requests, (i, own)
            assert requests[-1].error is None, (i, own)
        elif requests and requests[-1].error is not None:
            # An error is the last request's error (or a failed token fetch after it).
            assert (
                requests[-1].error == type(outcome).__name__
                or outcome.request is None
                or (TOKEN in str(outcome.request))
            ), (i, outcome, own)

    # Requests to the business API: each reached the emulator at most once (a few die on a
    # dropped keep-alive connection before reaching its handler).
    attempts = sum(isinstance(e, wxtcb.events.RequestFinished) and e.api == GET for e in events)
    assert emulator.calls[GET] <= attempts <= calls * 2 * ATTEMPTS

    # Token fetches: one cold, then one per rejection (injected, or a rotation underneath) at most,
    # each within the retry policy.
    fetched = sum(isinstance(e, wxtcb.events.TokenFetched) and e.error is None for e in events)
    injected_rejections = emulator.injected["errcode:42001"] + emulator.injected["errcode:40001"]
    assert fetched <= 1 + rotations + injected_rejections
    token_requests = [e for e in events if isinstance(e, wxtcb.events.RequestFinished) and e.api == TOKEN]
    assert all(1 <= r.attempt <= ATTEMPTS for r in token_requests)
    assert (
        emulator.calls[TOKEN] <= len(token_requests) <= ATTEMPTS * sum(r.attempt == 1 for r in token_requests)
    )
    if any(isinstance(o, wxtcb.CallbackConfig) for o in outcomes.values()):
        assert fetched >= 1

    # Nothing left behind: no task, no open session, no unclosed-resource warning (warnings are errors).
    assert session is not None
    assert session.closed
    gc.collect()
    # The emulator's own handlers of dropped connections finish their cancellation first.
    await until(lambda: all(_server_side(t) for t in _others()), limit=60)
    assert [t for t in _others() if not _server_side(t)] == []
    await until(lambda: not _others(), limit=60)


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
