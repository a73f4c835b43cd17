"""The benchmark harness.

The emulator runs in a separate process (``wxtcb emulator``), so the client process's CPU time is
the client's own. Contenders alternate round by round in one run, and every figure that matters
is a ratio between them, never an absolute time: these machines are shared and noisy.

* overhead: ``client.get_callback_config()`` against a raw aiohttp POST plus ``json.loads`` of the
  same endpoint with a token fetched once, at concurrency 1, 100 and 1000;
* stampede: 1000 concurrent calls cold, and 1000 concurrent calls whose token was just revoked;
  the number of token fetches must be 1 in both;
* fleet: memory per AuthorizerTokenProvider with 10 000 merchants in one process, and the time to
  fetch every merchant's configuration at a concurrency bound of 200;
* decode: structuring the official sample into the models against ``json.loads`` alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

import wxtcb
from benchmarks import cloudbase, cloudrun
from benchmarks.storage import storage_bench
from wxtcb import testing
from wxtcb.message_push import GetCallbackConfig
from wxtcb.protocol import build_request, check, decode, parse

SAMPLE = (Path(__file__).parent.parent / "tests" / "samples" / "getcallbackconfig.json").read_bytes()


@contextlib.asynccontextmanager
async def emulator_process() -> AsyncIterator[str]:
    """``wxtcb emulator`` in a child process; yields its URL."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wxtcb", "emulator", "--port", "0", stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
    url = line.split()[-1]
    try:
        yield url
    finally:
        proc.terminate()
        await proc.wait()


async def control(session: aiohttp.ClientSession, url: str, action: str, payload: Any = None) -> Any:
    if action == "calls":
        async with session.get(f"{url}/_emulator/calls") as r:
            return await r.json()
    async with session.post(f"{url}/_emulator/{action}", json=payload) as r:
        return await r.json()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_round(call: Callable[[], Awaitable[object]], calls: int, concurrency: int) -> dict[str, float]:
    """*calls* calls, *concurrency* at a time; wall time, client CPU and latencies."""
    latencies: list[float] = []
    remaining = calls

    async def lane() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    gc.collect()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "calls_per_s": calls / wall,
        "cpu_ms_per_1000": cpu / calls * 1e6,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def merge(rounds: list[dict[str, float]]) -> dict[str, float]:
    """The median of each figure over the rounds."""
    return {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}


async def overhead(url: str, levels: list[int], calls: int, rounds: int) -> list[dict[str, Any]]:
    results = []
    async with aiohttp.ClientSession() as raw_session:
        async with raw_session.post(
            f"{url}/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": testing.DEMO_APPID,
                "secret": testing.DEMO_SECRET,
            },
        ) as r:
            token = json.loads(await r.read())["access_token"]
        target = f"{url}/tcb/getcallbackconfig"
        params = {"access_token": token}
        headers = {"Content-Type": "application/json"}

        async def raw() -> object:
            async with raw_session.post(target, params=params, data=b"{}", headers=headers) as response:
                return json.loads(await response.read())

        provider = wxtcb.AppTokenProvider(testing.DEMO_APPID, testing.DEMO_SECRET)
        async with wxtcb.Client(provider, base_url=url) as client:
            await client.get_callback_config()  # warm: the token is cached, as for raw
            await raw()
            for level in levels:
                n = max(calls, level * 2)
                raw_rounds, sdk_rounds = [], []
                for _ in range(rounds):  # alternate, so drift hits both alike
                    raw_rounds.append(await run_round(raw, n, level))
                    sdk_rounds.append(await run_round(client.get_callback_config, n, level))
                r_raw, r_sdk = merge(raw_rounds), merge(sdk_rounds)
                results.append(
                    {
                        "concurrency": level,
                        "calls": n,
                        "raw": r_raw,
                        "wxtcb": r_sdk,
                        "cpu_ratio": r_sdk["cpu_ms_per_1000"] / r_raw["cpu_ms_per_1000"],
                        "throughput_ratio": r_sdk["calls_per_s"] / r_raw["calls_per_s"],
                    }
                )
    return results


async def stampede(url: str, concurrency: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with aiohttp.ClientSession() as session:
        await control(session, url, "reset-calls")
        provider = wxtcb.AppTokenProvider(testing.DEMO_APPID, testing.DEMO_SECRET, stable=False)
        async with wxtcb.Client(provider, base_url=url, retry=testing.INSTANT_RETRY) as client:
            started = time.perf_counter()
            await asyncio.gather(*(client.get_callback_config() for _ in range(concurrency)))
            cold = time.perf_counter() - started
            calls = await control(session, url, "calls")
            out["cold"] = {"token_fetches": calls.get("cgi-bin/token", 0), "seconds": cold}
            await control(session, url, "revoke")
            await control(session, url, "reset-calls")
            started = time.perf_counter()
            await asyncio.gather(*(client.get_callback_config() for _ in range(concurrency)))
            rejected = time.perf_counter() - started
            calls = await control(session, url, "calls")
            out["rejected"] = {
                "token_fetches": calls.get("cgi-bin/token", 0),
                "seconds": rejected,
                "business_requests": calls.get("tcb/getcallbackconfig", 0),
            }
    out["concurrency"] = concurrency
    return out


async def _fetch_fleet(
    url: str, session: aiohttp.ClientSession, providers: list[wxtcb.AuthorizerTokenProvider], bound: int
) -> int:
    semaphore = asyncio.Semaphore(bound)
    failures = 0

    async def one(provider: wxtcb.AuthorizerTokenProvider) -> None:
        nonlocal failures
        async with (
            semaphore,
            wxtcb.Client(provider, base_url=url, session=session, retry=testing.INSTANT_RETRY) as client,
        ):
            try:
                await client.get_callback_config()
            except wxtcb.WxTcbError:
                failures += 1

    await asyncio.gather(*(one(p) for p in providers))
    return failures


def _component() -> wxtcb.ComponentTokenProvider:
    return wxtcb.ComponentTokenProvider(
        testing.DEMO_COMPONENT_APPID, testing.DEMO_COMPONENT_SECRET, ticket=testing.DEMO_TICKET
    )


async def fleet(url: str, merchants: int, bound: int) -> dict[str, Any]:
    appids = [(f"wxbench{i:06d}", f"refresh-{i:06d}") for i in range(merchants)]
    async with aiohttp.ClientSession() as session:
        for start in range(0, merchants, 2000):
            await control(session, url, "authorizers", {"authorizers": appids[start : start + 2000]})

        # Memory: what each merchant costs once it holds its tokens (provider, cached access token,
        # refresh token, store entries), traced over a whole fleet fetched in this process.
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        component = _component()
        providers = [component.authorizer(appid, refresh_token=rt) for appid, rt in appids]
        created = tracemalloc.get_traced_memory()[0]
        await _fetch_fleet(url, session, providers, bound)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del providers, component

        # Time: a fresh fleet (new component, new store) without tracing.
        await control(session, url, "reset-calls")
        gc.collect()
        component = _component()
        providers = [component.authorizer(appid, refresh_token=rt) for appid, rt in appids]
        started = time.perf_counter()
        failures = await _fetch_fleet(url, session, providers, bound)
        elapsed = time.perf_counter() - started
        calls = await control(session, url, "calls")
    return {
        "merchants": merchants,
        "bound": bound,
        "bytes_per_provider_created": (created - before) / merchants,
        "bytes_per_merchant_with_tokens": (held - before) / merchants,
        "seconds_all": elapsed,
        "merchants_per_s": merchants / elapsed,
        "failures": failures,
        "component_fetches": calls.get("cgi-bin/component/api_component_token", 0),
        "authorizer_fetches": calls.get("cgi-bin/component/api_authorizer_token", 0),
    }


def decode_bench(seconds: float) -> dict[str, Any]:
    method = GetCallbackConfig()
    request = build_request(method, "token")

    def loads() -> object:
        return json.loads(SAMPLE)

    def full() -> object:
        data = parse(200, SAMPLE, request)
        check(data, method, request)
        return decode(data, method, request)

    def rate(fn: Callable[[], object]) -> float:
        n, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for _ in range(200):
                fn()
            n += 200
        return n / (time.perf_counter() - started)

    rates: dict[str, list[float]] = {"json": [], "wxtcb": []}
    for _ in range(3):
        rates["json"].append(rate(loads))
        rates["wxtcb"].append(rate(full))
    j, w = statistics.median(rates["json"]), statistics.median(rates["wxtcb"])
    return {"json_loads_per_s": j, "wxtcb_decode_per_s": w, "ratio": j / w}


def table(report: dict[str, Any]) -> str:
    lines = ["", "overhead: wxtcb against raw aiohttp on the same endpoint (medians of alternating rounds)"]
    lines.append(
        f"{'conc':>5} {'raw calls/s':>12} {'wxtcb calls/s':>14} {'raw cpu ms/1k':>14} {'wxtcb cpu ms/1k':>16}"
        f" {'CPU ratio':>10} {'raw p50/p99 ms':>16} {'wxtcb p50/p99 ms':>17}"
    )
    for row in report["overhead"]:
        r, s = row["raw"], row["wxtcb"]
        lines.append(
            f"{row['concurrency']:>5} {r['calls_per_s']:>12.0f} {s['calls_per_s']:>14.0f}"
            f" {r['cpu_ms_per_1000']:>14.1f} {s['cpu_ms_per_1000']:>16.1f} {row['cpu_ratio']:>10.3f}"
            f" {r['p50_ms']:>7.2f}/{r['p99_ms']:<8.2f} {s['p50_ms']:>8.2f}/{s['p99_ms']:<8.2f}"
        )
    st = report["stampede"]
    lines.append("")
    lines.append(
        f"stampede ({st['concurrency']} concurrent): cold {st['cold']['token_fetches']} token fetch in"
        f" {st['cold']['seconds']:.2f} s; rejected token {st['rejected']['token_fetches']} fetch in"
        f" {st['rejected']['seconds']:.2f} s"
    )
    fl = report["fleet"]
    lines.append(
        f"fleet: {fl['merchants']} merchants, {fl['bytes_per_provider_created']:.0f} B per provider created,"
        f" {fl['bytes_per_merchant_with_tokens']:.0f} B per merchant holding its tokens;"
        f" all fetched in {fl['seconds_all']:.2f} s at bound {fl['bound']} ({fl['merchants_per_s']:.0f}/s),"
        f" {fl['component_fetches']} component fetch, {fl['failures']} failures"
    )
    de = report["decode"]
    lines.append(
        f"decode: json.loads {de['json_loads_per_s']:.0f}/s, wxtcb parse+check+decode"
        f" {de['wxtcb_decode_per_s']:.0f}/s (json.loads is {de['ratio']:.2f}x faster)"
    )
    lines.append(cloudrun.describe(report["cloudrun"]))
    return "\n".join(lines)


def write_json(out: Path, report: dict[str, Any]) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return out


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: checks the harness, not the figures"
    )
    parser.add_argument("--json", default="benchmarks/results/latest.json", help="where to write the figures")
    args = parser.parse_args(argv)
    calls, rounds = (200, 1) if args.quick else (3000, 5)
    levels = [1, 100, 1000]
    async with emulator_process() as url:
        report: dict[str, Any] = {
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "processor": platform.processor() or platform.machine(),
                "aiohttp": aiohttp.__version__,
                "wxtcb": wxtcb.__version__,
            },
            "overhead": await overhead(url, levels, calls, rounds),
            "stampede": await stampede(url, 1000),
            "fleet": await fleet(url, 1000 if args.quick else 10_000, 200),
            "decode": decode_bench(0.1 if args.quick else 1.0),
            "cloudrun": await cloudrun.bench(args.quick),
            "storage": await storage_bench(url, quick=args.quick),
            "cloudbase": await cloudbase.run(args.quick),
        }
    print(table(report))
    print(cloudbase.table(report["cloudbase"]))
    print(f"\nfigures written to {write_json(Path(args.json), report)}")
    ok = (
        report["stampede"]["cold"]["token_fetches"] == 1
        and report["stampede"]["rejected"]["token_fetches"] == 1
    )
    return 0 if ok else 1
