"""The examples run against the emulator and do what they say."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import load_module
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, Emulator

EXAMPLES = Path(__file__).parent.parent / "examples"


def load(name: str) -> ModuleType:
    """Import one example as a module."""
    return load_module(EXAMPLES / f"{name}.py")


async def test_fleet_reports_failures_without_stopping(capsys: pytest.CaptureFixture[str]) -> None:
    """200 merchants at a bound of 50: 198 read, the 2 revoked ones reported with 61023."""
    ok, failed = await load("fleet").main(200)
    assert (ok, failed) == (198, 2)
    out = capsys.readouterr().out
    assert out.count("RefreshTokenInvalidError (61023)") == 2
    assert "component tokens fetched: 1" in out


async def test_aiohttp_app_opens_one_client_and_closes_it(emulator: Emulator) -> None:
    """The aiohttp example serves through one client made at startup and closed at cleanup."""
    example = load("aiohttp_app")
    app = example.create_app(DEMO_APPID, DEMO_SECRET, emulator.url)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/push-config"
    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            async with session.get(url) as response:
                assert response.status == 200
                assert await response.json() == {"cloud_run_push": False, "path": None}
    client = app[example.CLIENT]
    await runner.cleanup()
    assert emulator.calls["cgi-bin/stable_token"] == 1
    with pytest.raises(RuntimeError, match="closed"):
        await client.get_callback_config()


def test_fastapi_app_uses_its_lifespan_client() -> None:
    """The FastAPI example opens the client in its lifespan and answers through it."""
    from fastapi.testclient import TestClient

    from tests.test_cli import ThreadedEmulator

    with ThreadedEmulator() as emulator:
        app = load("fastapi_app").create_app(DEMO_APPID, DEMO_SECRET, emulator.url)
        with TestClient(app) as http:
            for _ in range(3):
                assert http.get("/push-config").json() == {"cloud_run_push": False}
            client = app.state.wxtcb
        assert emulator.calls["cgi-bin/stable_token"] == 1
    assert client._state.name == "CLOSED"


async def test_worker_shares_one_client_across_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    """100 jobs on 8 consumer tasks through one client: all done, one token fetch."""
    results = await load("worker").main(100)
    assert results == [True] * 100
    assert "100 jobs done with 1 token fetch" in capsys.readouterr().out


async def test_platform_service_onboards_serves_events_and_runs_its_fleet_job(emulator: Emulator) -> None:
    """Onboarding redirects to WeChat's page, the callback completes the authorization, the event
    URL handles another merchant's authorization, and the nightly job reads both."""
    from urllib.parse import parse_qs, urlsplit

    import wxtcb
    from tests.conftest import demo_component, until
    from wxtcb.push import PushCrypto
    from wxtcb.testing import DEMO_COMPONENT_APPID, DEMO_ENCODING_AES_KEY, DEMO_PUSH_TOKEN

    example = load("platform_service")
    crypto = PushCrypto(
        token=DEMO_PUSH_TOKEN, encoding_aes_key=DEMO_ENCODING_AES_KEY, appid=DEMO_COMPONENT_APPID
    )
    async with wxtcb.Platform(demo_component(), base_url=emulator.url) as platform:
        app = example.create_app(platform, crypto, "https://platform.example")
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{base}/onboard", allow_redirects=False) as response:
                    assert response.status == 302
                    assert response.headers["Location"].startswith(
                        "https://mp.weixin.qq.com/cgi-bin/componentloginpage?"
                    )
                    query = parse_qs(urlsplit(response.headers["Location"]).query)
                    assert query["redirect_uri"] == ["https://platform.example/authorized"]
                code = await emulator.authorize("wxmerchantweb0001", func_info=(18, 49))
                async with session.get(f"{base}/authorized", params={"auth_code": code}) as response:
                    assert await response.json() == {"merchant": "wxmerchantweb0001", "ready": True}
                code = await emulator.authorize(
                    "wxmerchantevt0001", func_info=(49,), event_url=f"{base}/wechat/component"
                )
            await until(lambda: emulator.calls["cgi-bin/component/api_query_auth"] == 2)
            await app[example.EVENTS].aclose()  # the exchange pushed to the event URL has landed
            emulator.configs["wxmerchantweb0001"] = {
                "container_config": {
                    "enable": True,
                    "qbase_env": "e",
                    "qbase_container_path": "/p",
                    "text_mode": 1,
                }
            }
            report = await example.nightly(platform)
        finally:
            await runner.cleanup()
    assert report["wxmerchantweb0001"] is True
    assert report["wxmerchantevt0001"] is False
