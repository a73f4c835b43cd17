"""Benchmarks of the CloudBase domains, reported as ratios (never asserted times).

* decode: a ``tcb/databasequery`` answer of 100 documents through parse, check and decode
  (JSON strings, EJSON) against its floor, ``json.loads`` of the body and of each document;
* statement: building a 10-clause statement with `wxtcb.db` against an f-string of the same text;
* invoke: client CPU per ``client.functions.invoke`` against raw aiohttp doing the same request
  (token fetched once, ``resp_data`` decoded), the emulator in its own process.

``python -m benchmarks.cloudbase serve`` is that emulator process (an ``echo`` function registered).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp

import wxtcb
from wxtcb import db, testing
from wxtcb.database import DatabaseQuery
from wxtcb.protocol import build_request, check, decode, parse

ENV = "bench-env"


def _rate(fn: Callable[[], object], seconds: float) -> float:
    n, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(50):
            fn()
        n += 50
    return n / (time.perf_counter() - started)


def _compare(floor: Callable[[], object], ours: Callable[[], object], seconds: float) -> dict[str, float]:
    rates: dict[str, list[float]] = {"floor": [], "wxtcb": []}
    for _ in range(3):  # alternate, so drift hits both alike
        rates["floor"].append(_rate(floor, seconds))
        rates["wxtcb"].append(_rate(ours, seconds))
    f, w = statistics.median(rates["floor"]), statistics.median(rates["wxtcb"])
    return {"floor_per_s": f, "wxtcb_per_s": w, "ratio": f / w}


def decode_page(seconds: float) -> dict[str, float]:
    docs = [
        {
            "_id": f"{i:032x}",
            "title": f"todo {i}",
            "done": i % 2 == 0,
            "due": {"$date": "2024-05-01T12:00:00.000Z"},
        }
        for i in range(100)
    ]
    body = json.dumps(
        {
            "errcode": 0,
            "errmsg": "ok",
            "pager": {"Offset": 0, "Limit": 100, "Total": 100},
            "data": [json.dumps(d) for d in docs],
        }
    ).encode()
    method = DatabaseQuery(ENV, db.collection("todos").limit(100).get())
    request = build_request(method, "token", "access_token")

    def floor() -> object:
        return [json.loads(s) for s in json.loads(body)["data"]]

    def ours() -> object:
        data = parse(200, body, request)
        check(data, method, request)
        return decode(data, method, request)

    return _compare(floor, ours, seconds)


def build_statement(seconds: float) -> dict[str, float]:
    _ = db.command
    title, due, tag = "write the report", 1700000000, "work"

    def floor() -> object:
        return (
            f'db.collection("todos").where({{"title":"{title}","done":false,"due":_.lt({due}),'
            f'"tags":_.in(["{tag}"]),"n":_.gte(1)}}).orderBy("due","asc").orderBy("_id","desc")'
            f'.skip(20).limit(10).field({{"title":true}}).get()'
        )

    def ours() -> object:
        return str(
            db.collection("todos")
            .where({"title": title, "done": False, "due": _.lt(due), "tags": _.in_([tag]), "n": _.gte(1)})
            .order_by("due", "asc")
            .order_by("_id", "desc")
            .skip(20)
            .limit(10)
            .field({"title": True})
            .get()
        )

    return _compare(floor, ours, seconds)


async def _round(call: Callable[[], Awaitable[object]], calls: int) -> float:
    """Client CPU milliseconds per 1000 sequential calls."""
    gc.collect()
    cpu = time.process_time()
    for _ in range(calls):
        await call()
    return (time.process_time() - cpu) / calls * 1e6


@contextlib.asynccontextmanager
async def function_emulator() -> AsyncIterator[str]:
    """An emulator with an ``echo`` function in a child process; yields its URL."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.cloudbase", "serve", stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().split()[-1]
    try:
        yield url
    finally:
        proc.terminate()
        await proc.wait()


async def invoke(calls: int, rounds: int) -> dict[str, Any]:
    payload = {"code": "x", "n": 1}
    async with function_emulator() as url, aiohttp.ClientSession() as raw_session:
        async with raw_session.post(
            f"{url}/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": testing.DEMO_APPID,
                "secret": testing.DEMO_SECRET,
            },
        ) as r:
            token = json.loads(await r.read())["access_token"]
        target = f"{url}/tcb/invokecloudfunction"
        params = {"access_token": token, "env": ENV, "name": "echo"}
        headers = {"Content-Type": "application/json"}

        async def raw() -> object:
            body = json.dumps(payload, separators=(",", ":")).encode()
            async with raw_session.post(target, params=params, data=body, headers=headers) as response:
                return json.loads(json.loads(await response.read())["resp_data"])

        provider = wxtcb.AppTokenProvider(testing.DEMO_APPID, testing.DEMO_SECRET)
        async with wxtcb.Client(provider, base_url=url) as client:

            def ours() -> Any:
                return client.functions.invoke(ENV, "echo", payload)

            assert await ours() == await raw() == payload  # warm, and the same answer
            raw_rounds, sdk_rounds = [], []
            for _ in range(rounds):  # alternate, so drift hits both alike
                raw_rounds.append(await _round(raw, calls))
                sdk_rounds.append(await _round(ours, calls))
    r_raw, r_sdk = statistics.median(raw_rounds), statistics.median(sdk_rounds)
    return {"raw_cpu_ms_per_1000": r_raw, "wxtcb_cpu_ms_per_1000": r_sdk, "cpu_ratio": r_sdk / r_raw}


async def run(quick: bool) -> dict[str, Any]:
    """Every CloudBase figure (small sizes with *quick*)."""
    seconds = 0.05 if quick else 0.5
    calls, rounds = (200, 1) if quick else (3000, 5)
    return {
        "decode_page": decode_page(seconds),
        "statement": build_statement(seconds),
        "invoke": await invoke(calls, rounds),
    }


def table(report: dict[str, Any]) -> str:
    d, s, i = report["decode_page"], report["statement"], report["invoke"]
    return "\n".join(
        [
            "",
            f"cloudbase: decoding a page of 100 documents: json.loads floor {d['floor_per_s']:.0f}/s, wxtcb"
            f" {d['wxtcb_per_s']:.0f}/s (floor {d['ratio']:.2f}x faster)",
            f"cloudbase: a 10-clause statement: f-string {s['floor_per_s']:.0f}/s,"
            f" wxtcb.db {s['wxtcb_per_s']:.0f}/s (f-string {s['ratio']:.2f}x faster)",
            f"cloudbase: invoke CPU ms/1k raw {i['raw_cpu_ms_per_1000']:.1f}, wxtcb"
            f" {i['wxtcb_cpu_ms_per_1000']:.1f} (CPU ratio {i['cpu_ratio']:.3f})",
        ]
    )


async def _serve() -> None:
    emulator = testing.Emulator()
    emulator.add_function("echo", lambda event: event)
    url = await emulator.start()
    print(f"listening on {url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve())
    else:
        report = asyncio.run(run(quick="--quick" in sys.argv))
        print(table(report))
