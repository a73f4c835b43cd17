"""Cloud-run bots: pushes handled per second by ``bot.handler`` against a bare aiohttp handler that
only parses the body, JSON and XML, as ratios (both served in this process, alternating rounds)."""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
import xml.etree.ElementTree as ET
from typing import Any

import aiohttp
from aiohttp import web

import wxtcb
from wxtcb import cloudrun

_IDS = itertools.count(1)


def _body(xml: bool) -> bytes:
    fields = {
        "ToUserName": "gh_bench",
        "FromUserName": "oBENCH",
        "CreateTime": 1700000000,
        "MsgType": "text",
        "Content": "this is a test",
        "MsgId": next(_IDS),  # unique: the bot's dedupe must not short-cut it
    }
    return cloudrun.encode(fields, xml=xml)


async def _bare(request: web.Request) -> web.Response:
    body = await request.read()
    if body.lstrip()[:1] == b"<":
        ET.fromstring(body)
    else:
        json.loads(body)
    return web.Response(text="success")


async def _rate(session: aiohttp.ClientSession, url: str, xml: bool, pushes: int, concurrency: int) -> float:
    remaining = pushes

    async def lane() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            async with session.post(url, data=_body(xml)) as response:
                await response.read()
                assert response.status == 200

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return pushes / (time.perf_counter() - started)


async def bench(quick: bool) -> dict[str, Any]:
    """Pushes per second, bot and bare, for JSON and XML; ratio = bot / bare."""
    pushes, rounds, concurrency = (300, 1, 20) if quick else (5000, 5, 50)
    async with wxtcb.Client(wxtcb.OpenApiProvider(), base_url="http://127.0.0.1:9") as client:
        bot = cloudrun.Bot(client)

        @bot.on_text
        async def noop(message: cloudrun.TextMessage) -> None:
            return None

        app = web.Application()
        app.router.add_post("/bot", bot.handler)
        app.router.add_post("/bare", _bare)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        out: dict[str, Any] = {"pushes": pushes, "concurrency": concurrency}
        try:
            async with aiohttp.ClientSession() as session:
                for fmt, xml in (("json", False), ("xml", True)):
                    bare, handled = [], []
                    for _ in range(rounds):  # alternate, so drift hits both alike
                        bare.append(await _rate(session, base + "/bare", xml, pushes, concurrency))
                        handled.append(await _rate(session, base + "/bot", xml, pushes, concurrency))
                    b, h = statistics.median(bare), statistics.median(handled)
                    out[fmt] = {"bare_per_s": b, "bot_per_s": h, "ratio": h / b}
        finally:
            await runner.cleanup()
            await bot.aclose()
    return out


def describe(report: dict[str, Any]) -> str:
    """One line per format for the harness's table."""
    return "\n".join(
        f"cloud-run bot ({fmt}): {r['bot_per_s']:.0f} pushes/s against a bare parse-only handler's"
        f" {r['bare_per_s']:.0f}/s (ratio {r['ratio']:.2f})"
        for fmt, r in ((f, report[f]) for f in ("json", "xml"))
    )
