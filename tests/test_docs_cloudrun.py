"""The cloud-run docs' examples run against the emulator."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from aiohttp import web

import wxtcb
from tests.conftest import load_module
from wxtcb.testing import DEMO_APPID, DEMO_OPENID, DEMO_SECRET, INSTANT_RETRY, Emulator

DOCS = Path(__file__).parent.parent / "docs"


def load(name: str) -> ModuleType:
    """Import one docs example as a module."""
    return load_module(DOCS / "examples" / f"{name}.py")


def test_page_is_in_the_nav_and_the_reference() -> None:
    """docs/cloudrun.md is in mkdocs.yml's nav, and the reference documents wxtcb.cloudrun."""
    assert "cloudrun.md" in (DOCS.parent / "mkdocs.yml").read_text()
    assert "::: wxtcb.cloudrun" in (DOCS / "reference" / "cloudrun.md").read_text()


async def test_route_pushes_then_run_the_bot(emulator: Emulator) -> None:
    """The docs' bot: the route is set, the check is answered, text is echoed, entering is greeted, images answered passively."""
    example = load("cloudrun_bot")
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as admin:
        await example.route_pushes(admin, "prod-env")
        config = await admin.get_callback_config()
    assert config.container_config == wxtcb.ContainerConfig(
        True, "prod-env", "/wechat/push", wxtcb.TextMode.JSON
    )

    emulator.enable_open_api(DEMO_APPID)
    async with wxtcb.Client(wxtcb.OpenApiProvider(), base_url=emulator.url, retry=INSTANT_RETRY) as client:
        app = example.make_app(example.make_bot(client))
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/wechat/push"
        try:
            check = await emulator.push_message(url, {"action": "CheckContainerPath"})
            await emulator.push_message(url, {"MsgType": "text", "Content": "hi"})
            await emulator.push_message(url, {"MsgType": "event", "Event": "user_enter_tempsession"})
            image = await emulator.push_message(url, {"MsgType": "image", "MediaId": "M1"}, xml=True)
        finally:
            await runner.cleanup()
    assert (check.status, check.text) == (200, "success")
    assert [m["text"]["content"] for m in emulator.sent_messages] == ["hi", "Hello!"]
    assert emulator.typing_commands == [{"touser": DEMO_OPENID, "command": "Typing", "appid": DEMO_APPID}]
    assert "<MediaId><![CDATA[M1]]></MediaId>" in image.text


async def test_testing_example(emulator: Emulator) -> None:
    """The docs' test of a bot passes as written."""
    await load("cloudrun_testing").test_bot_echoes(emulator)
