"""``wxtcb push send`` against a bot served in the test, on a free port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

import wxtcb
from wxtcb import cloudrun
from wxtcb.cli import main
from wxtcb.testing import DEMO_OPENID, INSTANT_RETRY, Emulator


@pytest.fixture
async def served(emulator: Emulator) -> AsyncIterator[tuple[str, list[cloudrun.TextMessage]]]:
    """A bot that records text messages and answers passively, served on a free port."""
    got: list[cloudrun.TextMessage] = []
    async with wxtcb.Client(wxtcb.OpenApiProvider(), base_url=emulator.url, retry=INSTANT_RETRY) as client:
        bot = cloudrun.Bot(client)

        @bot.on_text
        async def take(message: cloudrun.TextMessage) -> cloudrun.Reply:
            got.append(message)
            return cloudrun.TextReply("got " + message.content)

        app = web.Application()
        app.router.add_post("/wechat/push", bot.handler)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/wechat/push", got
        await runner.cleanup()
        await bot.aclose()


@pytest.mark.parametrize("xml", [False, True], ids=["json", "xml"])
async def test_push_send_reaches_the_bot(
    served: tuple[str, list[cloudrun.TextMessage]], capsys: pytest.CaptureFixture[str], xml: bool
) -> None:
    """`wxtcb push send --url … --text hi [--xml]` delivers a text push and prints the bot's answer."""
    url, got = served
    argv = ["push", "send", "--url", url, "--text", "hi"] + (["--xml"] if xml else [])
    assert await asyncio.to_thread(main, argv) == 0
    assert [(m.content, m.from_user_name) for m in got] == [("hi", DEMO_OPENID)]
    out = capsys.readouterr()
    assert "got hi" in out.out
    assert "HTTP 200" in out.err
    assert ("<xml>" in out.out) is xml


async def test_push_send_reports_a_refusal(capsys: pytest.CaptureFixture[str]) -> None:
    """A bot answering non-200 makes the command fail with one line naming the status."""

    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=403, text="no")

    app = web.Application()
    app.router.add_post("/p", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/p"
        assert await asyncio.to_thread(main, ["push", "send", "--url", url, "--text", "hi"]) == 1
    finally:
        await runner.cleanup()
    assert "HTTP 403" in capsys.readouterr().err
