"""Testing a bot end to end with the emulator (docs/cloudrun.md)."""

from aiohttp import web

import wxtcb
from wxtcb import cloudrun
from wxtcb.testing import Emulator


async def test_bot_echoes(wxtcb_emulator: Emulator) -> None:
    wxtcb_emulator.enable_open_api()  # the emulator relays tokenless calls, as cloud-run does
    async with wxtcb.Client(wxtcb.OpenApiProvider(), base_url=wxtcb_emulator.url) as client:
        bot = cloudrun.Bot(client)

        @bot.on_text
        async def echo(message: cloudrun.TextMessage) -> None:
            await message.reply_text(message.content)

        app = web.Application()
        app.router.add_post("/push", bot.handler)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()  # a free port
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/push"

        answer = await wxtcb_emulator.push_message(
            url, {"MsgType": "text", "Content": "hi"}, xml=True, resend=1
        )
        await runner.cleanup()
        await bot.aclose()

    assert answer.status == 200
    assert [m["text"] for m in wxtcb_emulator.sent_messages] == [
        {"content": "hi"}
    ]  # once, despite the resend
