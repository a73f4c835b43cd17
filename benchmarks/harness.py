"""The benchmark harness.

The emulator runs in a separate process (``wxtcb emulator``), so the client process's CPU time is
the client's own. Contenders alternate round by round in one run, and every figure that matters
is a ratio between them, never an absolute time: these machines are shared and noisy.

* overhead: ``client.get_callback_config()`` against a raw aiohttp POST, ``read``, ``json.loads``
  and the errcode check of the same endpoint with a token fetched once (and wechatpy in threads,
  when it is installed), at concurrency 1, 32 and 100: client CPU per call and throughput. The
  emulator answers the official sample as WeChat sends it (`benchmarks.callcost`); ``--profile``
  adds where wxtcb's own microseconds go, ``--instructions`` instructions per call (valgrind);
* stampede: 1000 concurrent calls cold, and 1000 concurrent calls whose token was just revoked;
  the number of token fetches must be 1 in both;
* fleet: memory per AuthorizerTokenProvider with 10 000 merchants in one process, and the time to
  fetch every merchant's configuration at a concurrency bound of 200;
* decode: structuring the official sample into the models against ``json.loads`` alone;
* start-up: whole processes (`benchmarks.startup`): importing wxtcb, a bot, the CLI, and the time
  to the first decoded answer, each against the aiohttp program that does the same.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib.metadata
import json
import os
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
from benchmarks import callcost, cloudbase, cloudrun, platform_scale, startup
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
    """wxtcb, raw aiohttp (and wechatpy when installed) on the seeded official sample, alternating."""
    results = []
    async with aiohttp.ClientSession() as raw_session:
        await callcost.seed(raw_session, url)
        token = await callcost.fetch_token(raw_session, url)
        raw = callcost.raw_call(raw_session, url, token)
        provider = wxtcb.AppTokenProvider(testing.DEMO_APPID, testing.DEMO_SECRET)
        async with (
            wxtcb.Client(provider, base_url=url) as client,
            # The poller's option, measured on its own: the emulator answers the same bytes every
            # time, so every call after the first reuses the decoded result.
            wxtcb.Client(provider, base_url=url, reuse_unchanged=True) as poller,
        ):
            config = await client.get_callback_config()  # warm: the token is cached, as for raw
            assert await poller.get_callback_config() == config
            answer = await raw()
            assert isinstance(answer, dict)
            assert config.container_config is not None  # the spaced key was read
            assert (
                config.container_config.qbase_container_path
                == answer["container_config"]["qbase_container_path "]
            )
            for level in levels:
                n = max(calls, level * 2)
                contenders: dict[str, Callable[[], Awaitable[object]]] = {
                    "raw": raw,
                    "wxtcb": client.get_callback_config,
                    "wxtcb-reuse": poller.get_callback_config,
                }
                threaded = callcost.wechatpy_call(url, token, level)
                if threaded is not None:
                    contenders["wechatpy"] = threaded
                measured: dict[str, list[dict[str, float]]] = {name: [] for name in contenders}
                for _ in range(rounds):  # alternate, so drift hits all alike
                    for name, call in contenders.items():
                        measured[name].append(await run_round(call, n, level))
                merged = {name: merge(r) for name, r in measured.items()}
                r_raw, r_sdk = merged["raw"], merged["wxtcb"]
                cpu = [
                    s["cpu_ms_per_1000"] / r["cpu_ms_per_1000"]
                    for r, s in zip(measured["raw"], measured["wxtcb"], strict=True)
                ]
                tput = [
                    s["calls_per_s"] / r["calls_per_s"]
                    for r, s in zip(measured["raw"], measured["wxtcb"], strict=True)
                ]
                row: dict[str, Any] = {
                    "concurrency": level,
                    "calls": n,
                    "rounds": rounds,
                    **merged,
                    "cpu_ratio": r_sdk["cpu_ms_per_1000"] / r_raw["cpu_ms_per_1000"],
                    "throughput_ratio": r_sdk["calls_per_s"] / r_raw["calls_per_s"],
                    # Spread: the round-by-round ratios (each round's wxtcb against the raw round before it).
                    "cpu_ratio_rounds": [min(cpu), max(cpu)],
                    "throughput_ratio_rounds": [min(tput), max(tput)],
                }
                reuse = merged["wxtcb-reuse"]
                row["reuse_cpu_ratio"] = reuse["cpu_ms_per_1000"] / r_raw["cpu_ms_per_1000"]
                row["reuse_throughput_ratio"] = reuse["calls_per_s"] / r_raw["calls_per_s"]
                if "wechatpy" in merged:
                    row["throughput_vs_wechatpy"] = r_sdk["calls_per_s"] / merged["wechatpy"]["calls_per_s"]
                    row["raw_throughput_vs_wechatpy"] = (
                        r_raw["calls_per_s"] / merged["wechatpy"]["calls_per_s"]
                    )
                results.append(row)
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


def table(report: dict[str, Any], *, overhead_only: bool = False) -> str:
    lines = [
        "",
        "overhead: wxtcb against raw aiohttp on the official getcallbackconfig sample"
        " (medians of alternating rounds; [min-max] of the round-by-round ratios)",
    ]
    lines.append(
        f"{'conc':>5} {'raw calls/s':>12} {'wxtcb calls/s':>14} {'raw cpu ms/1k':>14} {'wxtcb cpu ms/1k':>16}"
        f" {'CPU ratio':>18} {'throughput ratio':>18} {'raw p50/p99 ms':>16} {'wxtcb p50/p99 ms':>17}"
    )
    for row in report["overhead"]:
        r, s = row["raw"], row["wxtcb"]
        c0, c1 = row["cpu_ratio_rounds"]
        t0, t1 = row["throughput_ratio_rounds"]
        lines.append(
            f"{row['concurrency']:>5} {r['calls_per_s']:>12.0f} {s['calls_per_s']:>14.0f}"
            f" {r['cpu_ms_per_1000']:>14.1f} {s['cpu_ms_per_1000']:>16.1f}"
            f" {row['cpu_ratio']:>6.3f} [{c0:.2f}-{c1:.2f}]"
            f" {row['throughput_ratio']:>6.3f} [{t0:.2f}-{t1:.2f}]"
            f" {r['p50_ms']:>7.2f}/{r['p99_ms']:<8.2f} {s['p50_ms']:>8.2f}/{s['p99_ms']:<8.2f}"
        )
    lines.append(
        "  reuse_unchanged=True (a poller's unchanged answer, not decoded again; not the plain path):"
        + "".join(
            f" c{row['concurrency']} CPU {row['reuse_cpu_ratio']:.3f}"
            f" throughput {row['reuse_throughput_ratio']:.3f};"
            for row in report["overhead"]
        )
    )
    wechatpy = [row for row in report["overhead"] if "wechatpy" in row]
    if wechatpy:
        for row in wechatpy:
            lines.append(
                f"  wechatpy (threads) c{row['concurrency']}: {row['wechatpy']['calls_per_s']:.0f} calls/s;"
                f" wxtcb {row['throughput_vs_wechatpy']:.2f}x its throughput, raw aiohttp"
                f" {row['raw_throughput_vs_wechatpy']:.2f}x"
            )
    else:
        lines.append("  wechatpy: not installed, no contender (pip install wechatpy to add it)")
    if "profile" in report:
        lines.append(callcost.describe_profile(report["profile"]))
    if "instructions" in report:
        lines.append(callcost.describe_instructions(report["instructions"]))
    if overhead_only:
        return "\n".join(lines)
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


async def _startup(url: str, quick: bool) -> dict[str, Any]:
    """The start-up rows, in a thread: they wait on child processes."""
    return await asyncio.to_thread(startup.bench, url, testing.DEMO_APPID, testing.DEMO_SECRET, quick=quick)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: checks the harness, not the figures"
    )
    parser.add_argument("--json", default="benchmarks/results/latest.json", help="where to write the figures")
    parser.add_argument(
        "--profile", action="store_true", help="also: where wxtcb's own microseconds go (cProfile)"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also: CPU instructions per call (valgrind; skipped with a note when it is missing)",
    )
    parser.add_argument(
        "--overhead-only", action="store_true", help="only the overhead section (and what was asked for)"
    )
    parser.add_argument(
        "--startup-only", action="store_true", help="only the start-up section (whole processes)"
    )
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 5, quick 1)")
    parser.add_argument(
        "--calls",
        type=int,
        default=None,
        help="calls per round (default 3000, quick 200); on a noisy machine, more and shorter rounds"
        " give steadier medians",
    )
    parser.add_argument(
        "--platform-scale",
        action="store_true",
        help="only the platform-scale section: memory per merchant, refresh peak, Redis ops per call"
        " and the latency a refresh adds, over simulated time (100 000 merchants, quick 2 000)",
    )
    parser.add_argument("--merchants", type=int, default=None, help="merchants for --platform-scale")
    args = parser.parse_args(argv)
    if args.platform_scale:
        merchants = args.merchants or (500 if args.quick else 100_000)
        async with emulator_process() as url:
            scale = await platform_scale.bench(url, merchants, min(merchants, 1_000))
        print(platform_scale.table(scale))
        print(f"\nfigures written to {write_json(Path(args.json), {'platform_scale': scale})}")
        # The component token: fetched once at the grant and once when it runs out, fleet-wide.
        return 0 if scale["failures"] == 0 and scale["component_fetches"] <= 2 else 1
    calls, rounds = (200, 1) if args.quick else (3000, 5)
    if args.rounds is not None:
        rounds = args.rounds
    if args.calls is not None:
        calls = args.calls
    levels = [1, 32, 100]
    if args.startup_only:
        async with emulator_process() as url:
            figures = {"startup": await _startup(url, args.quick)}
        print(startup.describe(figures["startup"]))
        print(f"\nfigures written to {write_json(Path(args.json), figures)}")
        return 0
    async with emulator_process() as url:
        report: dict[str, Any] = {
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "processor": platform.processor() or platform.machine(),
                "cpus": os.cpu_count(),
                "aiohttp": aiohttp.__version__,
                "attrs": importlib.metadata.version("attrs"),
                "cattrs": importlib.metadata.version("cattrs"),
                "wxtcb": wxtcb.__version__,
            },
            "overhead": await overhead(url, levels, calls, rounds),
        }
        if args.profile:
            report["profile"] = await callcost.profile(url, 200 if args.quick else 3000)
        if args.instructions:
            report["instructions"] = await callcost.instructions(
                url, levels, delta=100 if args.quick else callcost.DELTA
            )
        if args.overhead_only:
            print(table(report, overhead_only=True))
            print(f"\nfigures written to {write_json(Path(args.json), report)}")
            return 0
        report["stampede"] = await stampede(url, 1000)
        report["fleet"] = await fleet(url, 1000 if args.quick else 10_000, 200)
        report["decode"] = decode_bench(0.1 if args.quick else 1.0)
        report["cloudrun"] = await cloudrun.bench(args.quick)
        report["storage"] = await storage_bench(url, quick=args.quick)
        report["cloudbase"] = await cloudbase.run(args.quick)
        report["startup"] = await _startup(url, args.quick)
    print(table(report))
    print(startup.describe(report["startup"]))
    print(cloudbase.table(report["cloudbase"]))
    print(f"\nfigures written to {write_json(Path(args.json), report)}")
    ok = (
        report["stampede"]["cold"]["token_fetches"] == 1
        and report["stampede"]["rejected"]["token_fetches"] == 1
    )
    return 0 if ok else 1
