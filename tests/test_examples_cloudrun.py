"""The cloud-run echo bot example runs against the emulator and does what it says."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from tests.conftest import load_module
from wxtcb.testing import DEMO_APPID, DEMO_OPENID, Emulator

EXAMPLE = Path(__file__).parent.parent / "examples" / "echo_bot.py"


async def test_echo_bot_echoes_through_the_open_api_relay(emulator: Emulator) -> None:
    """Pushes in JSON and XML (one resent) are echoed once each through custom/send, with typing, and a greeting on entering."""
    emulator.enable_open_api(DEMO_APPID)
    app = load_module(EXAMPLE).create_app(base_url=emulator.url)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/wechat/push"
    try:
        check = await emulator.push_message(url, {"action": "CheckContainerPath"})
        first = await emulator.push_message(url, {"MsgType": "text", "Content": "ni hao"}, resend=2)
        await emulator.push_message(url, {"MsgType": "text", "Content": "xml too"}, xml=True)
        await emulator.push_message(url, {"MsgType": "event", "Event": "user_enter_tempsession"})
    finally:
        await runner.cleanup()  # closes the bot (handlers drained) and then the client
    assert (check.status, check.text) == (200, "success")
    assert [a.status for a in (first, *first.resends)] == [200, 200, 200]
    texts = [m["text"]["content"] for m in emulator.sent_messages]
    assert texts[:2] == ["ni hao", "xml too"]
    assert texts[2].startswith("Hello!")
    assert {m["touser"] for m in emulator.sent_messages} == {DEMO_OPENID}
    assert len(emulator.typing_commands) == 2
