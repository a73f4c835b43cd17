"""Retries: only transient failures, within attempts and a time budget, raised as themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import wxtcb
import wxtcb.events
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, INSTANT_RETRY, Emulator, Fault

GET = "tcb/getcallbackconfig"


@pytest.fixture
async def make_client(emulator: Emulator) -> AsyncIterator[object]:
    """A factory of clients with a given policy and timeout, closed after the test."""
    clients: list[wxtcb.Client] = []

    def make(retry: wxtcb.RetryPolicy = INSTANT_RETRY, timeout: float = 2.0, **kw: object) -> wxtcb.Client:
        c = wxtcb.Client(
            wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET),
            base_url=emulator.url,
            retry=retry,
            timeout=timeout,
            **kw,
        )  # type: ignore[arg-type]
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.aclose()


# fault, class raised when it never clears
TRANSIENT = [
    (Fault.error(-1), wxtcb.BusyError),
    (Fault.error(-1000), wxtcb.BusyError),
    (Fault.http(502), wxtcb.TransportError),
    (Fault.http(503, b"Service Unavailable"), wxtcb.TransportError),
    (Fault.malformed(), wxtcb.TransportError),
    (Fault.reset(), wxtcb.TransportError),
]


@pytest.mark.parametrize(
    ("fault", "raised"),
    TRANSIENT,
    ids=lambda v: getattr(v, "kind", None) and f"{v.kind}-{v.errcode or v.status}",
)
async def test_transient_failures_are_retried_then_raised_as_themselves(
    emulator: Emulator, make_client: object, fault: Fault, raised: type[Exception]
) -> None:
    """A transient failure that never clears uses every attempt, then raises itself (never RetryError)."""
    emulator.fault(GET, fault, times=10)
    client = make_client(wxtcb.RetryPolicy(attempts=3, wait_initial=0, wait_max=0, wait_jitter=0))  # type: ignore[operator]
    with pytest.raises(raised) as info:
        await client.get_callback_config()
    assert type(info.value) is raised
    assert emulator.calls[GET] == 3


@pytest.mark.parametrize(
    "fault", [f for f, _ in TRANSIENT], ids=lambda f: f"{f.kind}-{f.errcode or f.status}"
)
async def test_transient_failures_that_clear_return_the_result(
    emulator: Emulator, client: wxtcb.Client, fault: Fault
) -> None:
    """Two failures, then WeChat recovers: the caller gets the answer."""
    emulator.fault(GET, fault, times=2)
    assert await client.get_callback_config() == wxtcb.CallbackConfig()
    assert emulator.calls[GET] == 3


@pytest.mark.parametrize(
    "fault",
    [Fault.error(45009), Fault.error(40101), Fault.http(404, b"not found"), Fault.http(412, b"")],
    ids=["quota", "missing-parameter", "http-404", "http-412"],
)
async def test_permanent_failures_are_not_retried(
    emulator: Emulator, client: wxtcb.Client, fault: Fault
) -> None:
    """Quota, our own bad requests and 4xx statuses fail on the first attempt."""
    emulator.fault(GET, fault, times=10)
    with pytest.raises(wxtcb.WxTcbError):
        await client.get_callback_config()
    assert emulator.calls[GET] == 1


async def test_a_hang_times_out(emulator: Emulator, make_client: object) -> None:
    """A server that never answers gives RequestTimeout (a TransportError), attempt after attempt."""
    emulator.fault(GET, Fault.hang(), times=2)
    events: list[wxtcb.events.Event] = []
    client = make_client(
        wxtcb.RetryPolicy(attempts=2, wait_initial=0, wait_max=0, wait_jitter=0),
        timeout=0.2,
        on_event=events.append,
    )  # type: ignore[operator]
    with pytest.raises(wxtcb.RequestTimeout) as info:
        await client.get_callback_config()
    assert isinstance(info.value, wxtcb.TransportError)
    # Counted by the client, not the emulator: on a busy machine an attempt may time out before
    # its request reaches the emulator's handler.
    attempts = [
        (e.attempt, e.error) for e in events if isinstance(e, wxtcb.events.RequestFinished) and e.api == GET
    ]
    assert attempts == [(1, "RequestTimeout"), (2, "RequestTimeout")]
    assert emulator.calls[GET] <= 2


async def test_the_time_budget_stops_retries_before_the_attempts_run_out(
    emulator: Emulator, make_client: object
) -> None:
    """With waits of 0.1 s and a 0.25 s budget, far fewer than 50 attempts are made."""
    emulator.fault(GET, Fault.error(-1), times=100)
    policy = wxtcb.RetryPolicy(attempts=50, timeout=0.25, wait_initial=0.1, wait_max=0.1, wait_jitter=0)
    client = make_client(policy)  # type: ignore[operator]
    with pytest.raises(wxtcb.BusyError):
        await client.get_callback_config()
    assert 1 <= emulator.calls[GET] <= 4  # (3 on an idle machine; fewer if attempts are slow)


async def test_one_attempt_means_no_retry(emulator: Emulator, make_client: object) -> None:
    """RetryPolicy(attempts=1) turns retries off."""
    emulator.fault(GET, Fault.error(-1), times=5)
    client = make_client(wxtcb.RetryPolicy(attempts=1))  # type: ignore[operator]
    with pytest.raises(wxtcb.BusyError):
        await client.get_callback_config()
    assert emulator.calls[GET] == 1


async def test_retries_and_replay_do_not_multiply(emulator: Emulator, make_client: object) -> None:
    """A busy answer, then a rejected token, then busy again: at most attempts per send, one replay."""
    client = make_client()  # type: ignore[operator]
    await client.get_callback_config()
    emulator.expire_tokens()  # so the refresh really yields a new token
    emulator.fault(GET, Fault.error(-1), Fault.error(42001), Fault.error(-1), Fault.error(-1))
    assert await client.get_callback_config() == wxtcb.CallbackConfig()
    assert emulator.calls[GET] == 1 + 5
    assert emulator.calls["cgi-bin/stable_token"] == 2


async def test_retry_events_reach_the_hook(emulator: Emulator, make_client: object) -> None:
    """Each retry is announced with the next attempt's number, the wait and the errcode."""
    events: list[wxtcb.events.Event] = []
    emulator.fault(GET, Fault.error(-1), Fault.error(-1000))
    client = make_client(on_event=events.append)  # type: ignore[operator]
    await client.get_callback_config()
    retries = [e for e in events if isinstance(e, wxtcb.events.RetryScheduled)]
    assert [(e.api, e.attempt, e.errcode) for e in retries] == [(GET, 2, -1), (GET, 3, -1000)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attempts": 0},
        {"timeout": -1},
        {"wait_initial": -0.1},
        {"wait_max": -1},
        {"wait_jitter": -1},
    ],
)
def test_retry_policy_refuses_nonsense(kwargs: dict[str, float]) -> None:
    """A policy that cannot work is refused when it is made."""
    with pytest.raises(ValueError):  # noqa: PT011
        wxtcb.RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_production_defaults() -> None:
    """The defaults are the production ones: 5 attempts within 30 s, capped backoff with jitter."""
    assert wxtcb.RetryPolicy() == wxtcb.RetryPolicy(
        attempts=5, timeout=30.0, wait_initial=0.1, wait_max=5.0, wait_jitter=1.0
    )
