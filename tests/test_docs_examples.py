"""Every code example in the documentation runs here against the emulator."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import wxtcb
import wxtcb.push
from tests.conftest import demo_component, load_module
from tests.redis_server import RedisServer
from wxtcb.testing import (
    DEMO_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_ENCODING_AES_KEY,
    DEMO_PUSH_TOKEN,
    DEMO_SECRET,
    INSTANT_RETRY,
    Emulator,
    Fault,
)

DOCS = Path(__file__).parent.parent / "docs"


def load(name: str) -> ModuleType:
    """Import one example as a module."""
    return load_module(DOCS / "examples" / f"{name}.py")


def test_docs_show_only_tested_code() -> None:
    """Every Python block in the docs is an include of docs/examples/*.py, which the tests below run."""
    for page in DOCS.glob("*.md"):
        text = page.read_text()
        for block in re.findall(r"```python\n(.*?)```", text, re.S):
            assert block.strip().startswith('--8<-- "docs/examples/'), f"{page.name} has an untested example"
    included = {
        m
        for page in DOCS.glob("*.md")
        for m in re.findall(r'--8<-- "docs/examples/(\w+)\.py(?::\w+)?"', page.read_text())
    }
    assert included == {p.stem for p in (DOCS / "examples").glob("*.py")}


async def test_quickstart(emulator: Emulator) -> None:
    """The quickstart sets cloud-run push and reads it back."""
    config = await load("quickstart").main(DEMO_APPID, DEMO_SECRET, base_url=emulator.url)
    assert config.container_config == wxtcb.ContainerConfig(
        True, "prod-env-1a2b3c", "/wechat/push", wxtcb.TextMode.JSON
    )


async def test_polling(emulator: Emulator) -> None:
    """The polling example applies the configuration on the first poll and on each change only,
    and with reuse_unchanged an unchanged answer is the object decoded before."""
    seen: list[wxtcb.CallbackConfig] = []

    def apply(config: wxtcb.CallbackConfig) -> None:
        seen.append(config)
        if len(seen) == 1:  # WeChat's side changes once, after the first poll
            emulator.configs[DEMO_APPID] = {
                "container_config": {
                    "enable": True,
                    "qbase_env": "e",
                    "qbase_container_path": "/p",
                    "text_mode": 1,
                }
            }

    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with wxtcb.Client(provider, base_url=emulator.url, reuse_unchanged=True) as client:
        await load("polling").watch(client, apply, polls=4, interval=0)
    assert emulator.calls["tcb/getcallbackconfig"] == 4
    assert len(seen) == 2
    assert seen[0] == wxtcb.CallbackConfig()
    assert seen[1].container_config is not None
    assert seen[1].container_config.qbase_container_path == "/p"


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            Fault.error(40164, "invalid ip 203.0.113.9, not in whitelist"),
            "add 203.0.113.9 to the API IP whitelist",
        ),
        (Fault.error(45009), "daily quota"),
        (Fault.error(40101), "WeChat said 40101"),
        (Fault.http(404), "no answer from WeChat"),
    ],
)
async def test_errors_example(
    emulator: Emulator, client: wxtcb.Client, caplog: pytest.LogCaptureFixture, fault: Fault, message: str
) -> None:
    """The errors example turns each failure into its log line."""
    emulator.fault("tcb/getcallbackconfig", fault, times=10)
    assert await load("errors").read_config(client) is None
    assert any(message in r.getMessage() for r in caplog.records)


async def test_errors_example_busy(
    emulator: Emulator, client: wxtcb.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """BusyError after every retry."""
    emulator.fault("tcb/getcallbackconfig", Fault.error(-1), times=10)
    assert await load("errors").read_config(client) is None
    assert any("stayed busy" in r.getMessage() for r in caplog.records)


async def test_third_party_example(emulator: Emulator) -> None:
    """A pushed ticket and an authorization reach the platform app; the merchant's config is read."""
    from aiohttp import web

    module = load("third_party")
    crypto = wxtcb.push.PushCrypto(
        token=DEMO_PUSH_TOKEN, encoding_aes_key=DEMO_ENCODING_AES_KEY, appid=DEMO_COMPONENT_APPID
    )
    async with wxtcb.Platform(demo_component(ticket=None), base_url=emulator.url) as platform:
        runner = web.AppRunner(module.platform_app(platform, crypto))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/wechat/component"
        try:
            assert await emulator.send_ticket_push(url) == "success"
            await emulator.authorize("wxdocsmerchant001", event_url=url)
            provider = platform.component.authorizer("wxdocsmerchant001")
            for _ in range(200):  # the exchange may outlive the answer; wait for it to land
                if await provider.store.get_credential(provider.refresh_key) is not None:
                    break
                await asyncio.sleep(0.01)
            config = await module.merchant_config(platform, "wxdocsmerchant001")
            assert config == wxtcb.CallbackConfig()
        finally:
            await runner.cleanup()


async def test_many_processes_example(emulator: Emulator, redis_server: RedisServer) -> None:
    """The Redis worker runs against a real redis-server."""
    await load("many_processes").worker(DEMO_APPID, DEMO_SECRET, redis_server.url, base_url=emulator.url)
    assert emulator.calls["cgi-bin/token"] == 1


async def test_testing_example(emulator: Emulator, client: wxtcb.Client) -> None:
    """The documented user test passes with the plugin's fixtures."""
    await load("testing_example").test_cloud_run_enabled(emulator, client)


async def test_observability_example(emulator: Emulator) -> None:
    """The metrics hook counts requests, retries and token fetches."""
    module = load("observability")
    emulator.fault("tcb/getcallbackconfig", Fault.error(-1))
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    client: Any = module.make_client(provider, emulator.url)
    async with client:
        client._pipeline.retry = INSTANT_RETRY
        await client.get_callback_config()
    assert module.metrics["wechat.retries"] == 1
    assert module.metrics["wechat.token_fetch.stable"] == 1
    assert module.metrics["wechat.tcb/getcallbackconfig.ok"] == 1
    assert module.metrics["wechat.tcb/getcallbackconfig.BusyError"] == 1


async def test_any_endpoint_example(emulator: Emulator, client: wxtcb.Client) -> None:
    """An endpoint declared by the user is sent with the client's token and decoded into its model."""
    example = load("any_endpoint")
    for _ in range(3):
        await client.get_callback_config()
    assert await example.remaining_calls(client) == 100_000 - 3
    assert emulator.calls["cgi-bin/openapi/quota/get"] == 1


def test_guarantees_name_tests_that_exist() -> None:
    """Each test the Guarantees page cites exists, so a promise cannot outlive its proof."""
    import ast

    cited = re.findall(r"`(tests/\w+\.py)::(\w+)`", (DOCS / "guarantees.md").read_text())
    assert len(cited) >= 40
    root = DOCS.parent
    for path, name in cited:
        tree = ast.parse((root / path).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        assert name in names, f"{path}::{name} is cited but does not exist"


def test_readme_example_uses_the_real_api() -> None:
    """The README's example compiles and every wxtcb name it uses exists."""
    readme = (DOCS.parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks
    for block in blocks:
        compile(block, "README.md", "exec")
        for name in re.findall(r"wxtcb\.(\w+)", block):
            assert hasattr(wxtcb, name), name
    assert "wxtcb callback-config get --emulator" in readme
    assert "pip install nox && nox -s tests" in readme


async def test_migrating_examples(emulator: Emulator, redis_server: RedisServer) -> None:
    """Each wxtcb side of the wechatpy comparison runs: setup, a shared store, calls, errors, tests."""
    import redis.asyncio

    module = load("migrating")
    client = await module.make_client(DEMO_APPID, DEMO_SECRET, emulator.url)
    async with client:
        client._pipeline.retry = INSTANT_RETRY
        emulator.add_function("login", lambda event: {"openid": "o-" + event["code"]})
        emulator.seed_collection("prod", "todos", [{"_id": "a", "done": False}, {"_id": "b", "done": True}])
        assert await module.calls(client, "prod") == ({"openid": "o-x"}, 1)
        emulator.fault(
            "tcb/getcallbackconfig", Fault.error(40164, "invalid ip 203.0.113.9, not in whitelist")
        )
        assert await module.read_config(client) == "whitelist 203.0.113.9"
        emulator.fault("tcb/getcallbackconfig", Fault.error(40101))
        assert (await module.read_config(client)).startswith("40101 (rid ")
        assert await module.read_config(client) == wxtcb.CallbackConfig()
        await module.test_a_busy_wechat_is_retried(emulator, client)
    connection = redis.asyncio.Redis.from_url(redis_server.url)
    try:
        provider = module.shared_provider(DEMO_APPID, DEMO_SECRET, connection)
        async with wxtcb.Client(provider, base_url=emulator.url) as shared:
            await shared.get_callback_config()
        assert emulator.calls["cgi-bin/token"] == 1
    finally:
        await connection.aclose()
