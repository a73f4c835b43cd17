"""What one ``client.get_callback_config()`` costs, against hand-written aiohttp doing the same work.

The emulator process is seeded (its ``configs`` control route) with the official
``getcallbackconfig`` sample plus fields wxtcb does not know, and answers it as WeChat does:
``text/plain``, the key with a trailing space (``"qbase_container_path "``), unknown fields on every
object. The contenders:

* raw: an aiohttp POST with a token fetched once, ``read``, ``json.loads``, the errcode checked,
  and the same result as a dict (``answer["data"]``);
* wxtcb: ``client.get_callback_config()``, which structures that answer into frozen models;
* wechatpy (only when it is importable; it is not a dependency): ``WeChatClient.post`` of the
  same endpoint, sync, each lane in a thread, as its users run it.

Three more views of the same call, on request:

* ``--profile``: a cProfile run of wxtcb's calls, its own microseconds sorted into parts (token
  lookup, method object and request build, send, parse, check, decode, events, coroutine layers);
* ``--instructions``: CPU instructions per call, counted by valgrind (cachegrind, no cache
  simulation) in a child process running N and N + ``DELTA`` calls, so startup and warm-up cancel
  out. Instruction counts hold still where timings on a shared machine do not.

``python -m benchmarks.callcost URL CONTENDER CONCURRENCY CALLS`` is that child.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import cProfile
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

import wxtcb
from wxtcb import testing

ROOT = Path(__file__).parent.parent
OFFICIAL = json.loads((ROOT / "tests" / "samples" / "getcallbackconfig.json").read_text())


def bench_config() -> dict[str, Any]:
    """The official sample's ``data`` (with its spaced key) plus fields wxtcb does not know."""
    data: dict[str, Any] = copy.deepcopy(OFFICIAL["data"])
    assert "qbase_container_path " in data["container_config"]  # the official sample's stray space
    data["function_config"]["update_time"] = 1714550400
    for i, callback in enumerate(data["function_config"]["callbacks"]):
        callback["rule_id"] = f"r-{i}"
    data["container_config"]["service_name"] = "echo"
    data["ext_info"] = {"version": 3}
    return data


async def seed(session: aiohttp.ClientSession, url: str) -> None:
    """Make the emulator's demo app answer `bench_config` to ``tcb/getcallbackconfig``."""
    async with session.post(
        f"{url}/_emulator/configs", json={"appid": testing.DEMO_APPID, "config": bench_config()}
    ) as r:
        assert r.status == 200, await r.text()


async def fetch_token(session: aiohttp.ClientSession, url: str) -> str:
    async with session.post(
        f"{url}/cgi-bin/stable_token",
        json={"grant_type": "client_credential", "appid": testing.DEMO_APPID, "secret": testing.DEMO_SECRET},
    ) as r:
        return str(json.loads(await r.read())["access_token"])


def raw_call(session: aiohttp.ClientSession, url: str, token: str) -> Callable[[], Awaitable[object]]:
    """The hand-written floor: POST, read, json.loads, errcode checked, the config as a dict."""
    target = f"{url}/tcb/getcallbackconfig"
    params = {"access_token": token}
    headers = {"Content-Type": "application/json"}

    async def raw() -> object:
        async with session.post(target, params=params, data=b"{}", headers=headers) as response:
            answer = json.loads(await response.read())
        if answer.get("errcode", 0) != 0:
            raise RuntimeError(f"errcode {answer['errcode']}")
        return answer["data"]

    return raw


def wechatpy_call(url: str, token: str, threads: int) -> Callable[[], Awaitable[object]] | None:
    """wechatpy's ``WeChatClient.post`` of the same endpoint in a thread pool; None if not installed."""
    try:
        from wechatpy import WeChatClient  # type: ignore[import-not-found]
    except ImportError:
        return None
    client = WeChatClient(testing.DEMO_APPID, testing.DEMO_SECRET, access_token=token)
    target = f"{url}/tcb/getcallbackconfig"
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads)

    def call() -> object:
        return client.post(target, data={})["data"]

    async def threaded() -> object:
        return await asyncio.get_running_loop().run_in_executor(pool, call)

    return threaded


# --- where wxtcb's own microseconds go ------------------------------------------------------------

#: (part, module path fragment, function names); the first match wins. Functions not listed fall
#: into "asyncio + aiohttp" (the floor's own work: raw code pays it too) or "other wxtcb".
PARTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("token lookup", "wxtcb/tokens/", ("token", "token_nowait")),
    (
        "method object + request build",
        "wxtcb/",
        ("build_request", "_layout", "__init__", "_url", "request_for"),
    ),
    ("send (wxtcb's lines)", "wxtcb/transport.py", ("send", "_read")),
    ("parse (json.loads included)", "wxtcb/protocol.py", ("parse",)),
    ("check", "wxtcb/protocol.py", ("check",)),
    ("decode", "wxtcb/", ("decode", "structure")),
    ("events", "wxtcb/events.py", ("request", "active", "emit")),
    (
        "coroutine layers",
        "wxtcb/",
        ("__call__", "call", "fetch", "_send", "_result", "run", "attempt", "_attempt", "__get__"),
    ),
]


def _part(filename: str, func: str) -> str | None:
    path = filename.replace(os.sep, "/")
    for part, where, names in PARTS:
        if where in path and func in names:
            return part
    return None


async def profile(url: str, calls: int) -> dict[str, Any]:
    """cProfile over *calls* sequential wxtcb calls: microseconds per call by part.

    A listed wxtcb function counts with everything it calls (json.loads inside parse, attrs
    ``__init__`` inside decode), except that send counts its own lines only: what it awaits in
    aiohttp, the raw contender awaits too. Under the profiler every figure is inflated; the
    shares are what to read.
    """
    provider = wxtcb.AppTokenProvider(testing.DEMO_APPID, testing.DEMO_SECRET)
    async with wxtcb.Client(provider, base_url=url) as client:
        for _ in range(50):
            await client.get_callback_config()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            await client.get_callback_config()
        profiler.disable()
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    parts: dict[str, float] = {}
    total = sum(entry[2] for entry in stats.values())
    # Cumulative time of the outermost listed function of each part, so a part is not counted
    # twice where its functions call each other (decode → structure).
    for (filename, _, func), (_, _, tottime, cumtime, callers) in stats.items():
        part = _part(filename, func)
        if part is None:
            continue
        spent = tottime if part in ("send (wxtcb's lines)", "coroutine layers") else cumtime
        inner = any(_part(c[0], c[2]) == part for c in callers)
        if not inner or part in ("send (wxtcb's lines)", "coroutine layers"):
            parts[part] = parts.get(part, 0.0) + spent
    own = sum(parts.values())
    # Every part is reported: 0 where none of its functions ran (events nobody listens to).
    per_call = {part: parts.get(part, 0.0) / calls * 1e6 for part, _, _ in PARTS}
    per_call["asyncio + aiohttp + the rest"] = max(total - own, 0.0) / calls * 1e6
    return {"calls": calls, "us_per_call": per_call, "total_us_per_call": total / calls * 1e6}


def describe_profile(report: dict[str, Any]) -> str:
    lines = [f"profile of {report['calls']} wxtcb calls (cProfile, µs per call, inflated by the profiler):"]
    total = report["total_us_per_call"]
    for part, us in sorted(report["us_per_call"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {part:<32} {us:>8.1f} µs  {us / total:>6.1%}")
    return "\n".join(lines)


# --- instructions per call (valgrind) ------------------------------------------------------------

#: Calls between the short and the long run of each contender.
DELTA = 1000
_SHORT = 200


def valgrind() -> str | None:
    return shutil.which("valgrind")


def _instructions(url: str, contender: str, concurrency: int, calls: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=cachegrind",
                "--cache-sim=no",
                f"--cachegrind-out-file={tmp}/out",
                sys.executable,
                "-m",
                "benchmarks.callcost",
                url,
                contender,
                str(concurrency),
                str(calls),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind run failed: {done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


async def instructions(url: str, levels: list[int], delta: int = DELTA) -> dict[str, Any]:
    """Instructions per call for raw and wxtcb at each concurrency, or why they were not counted."""
    if valgrind() is None:
        return {"skipped": "valgrind is not installed (perf's instruction counter is not used)"}
    loop = asyncio.get_running_loop()
    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for level in levels:
            row: dict[str, Any] = {"concurrency": level}
            for contender in ("raw", "wxtcb", "wxtcb-nodecode", "wxtcb-reuse"):
                short, long = await asyncio.gather(
                    loop.run_in_executor(pool, _instructions, url, contender, level, _SHORT),
                    loop.run_in_executor(pool, _instructions, url, contender, level, _SHORT + delta),
                )
                row[contender] = (long - short) / delta
            row["ratio"] = row["wxtcb"] / row["raw"]
            row["reuse_ratio"] = row["wxtcb-reuse"] / row["raw"]
            row["decode"] = row["wxtcb"] - row["wxtcb-nodecode"]
            rows.append(row)
    return {"delta_calls": delta, "rows": rows}


def describe_instructions(report: dict[str, Any]) -> str:
    if "skipped" in report:
        return f"instructions: skipped ({report['skipped']})"
    lines = [f"instructions per call (valgrind, difference of runs {report['delta_calls']} calls apart):"]
    for row in report["rows"]:
        lines.append(
            f"  c{row['concurrency']:<4} raw {row['raw']:>9.0f}  wxtcb {row['wxtcb']:>9.0f}"
            f"  ratio {row['ratio']:.3f}   reuse_unchanged {row['wxtcb-reuse']:>9.0f}"
            f"  ratio {row['reuse_ratio']:.3f}   of wxtcb's: the decode {row['decode']:>7.0f},"
            f" the rest {row['wxtcb-nodecode']:>9.0f} ({row['wxtcb-nodecode'] / row['raw']:.3f} of raw)"
        )
    return "\n".join(lines)


def _skip_decode() -> None:
    """A diagnostic, not a contender: wxtcb's call with the model decode of the sample left out
    (the answer's ``data`` returned as a dict, as raw does), so that the instructions the decode
    costs, and those of everything else, can be told apart."""
    from wxtcb import pipeline
    from wxtcb.message_push import GetCallbackConfig

    module = vars(pipeline)  # the name the pipeline calls, replaced in this child process only
    decode = module["decode"]

    def as_dict(data: Any, method: Any, request: Any) -> Any:
        return data.get("data") if type(method) is GetCallbackConfig else decode(data, method, request)

    module["decode"] = as_dict


async def _child(url: str, contender: str, concurrency: int, calls: int) -> None:
    """Warm up, then *calls* calls of *contender* at *concurrency* (the process valgrind counts)."""
    async with aiohttp.ClientSession() as session:
        provider = wxtcb.AppTokenProvider(testing.DEMO_APPID, testing.DEMO_SECRET)
        reuse = contender == "wxtcb-reuse"
        if contender == "wxtcb-nodecode":
            _skip_decode()
        if contender == "wxtcb-otel":
            # The extra installed and switched on, no tracer or meter provider configured: the
            # OpenTelemetry API's no-op path, what an application pays before it sets up an SDK.
            from wxtcb import otel

            otel.instrument()
        if contender == "wxtcb-otel-sdk":
            # With the SDK's providers (spans recorded and metrics aggregated; nothing exported).
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.trace import TracerProvider

            from wxtcb import otel

            otel.instrument(tracer_provider=TracerProvider(), meter_provider=MeterProvider())
        async with wxtcb.Client(provider, base_url=url, reuse_unchanged=reuse) as client:
            call: Callable[[], Awaitable[object]]
            if contender == "raw":
                call = raw_call(session, url, await fetch_token(session, url))
            else:
                call = client.get_callback_config
            remaining = 50 + calls

            async def lane() -> None:
                nonlocal remaining
                while remaining > 0:
                    remaining -= 1
                    await call()

            await asyncio.gather(*(lane() for _ in range(concurrency)))


if __name__ == "__main__":
    asyncio.run(_child(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
