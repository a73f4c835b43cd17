"""Cloud-run providers: OpenApiProvider (no token, relay host, permission errors, x-openapi-seqid) and
CloudbaseTokenProvider (the mounted token file, re-read on change or rejection, clear errors)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from aiohttp import web

import wxtcb
from tests.conftest import assert_no_secret
from wxtcb import cloudrun
from wxtcb.testing import DEMO_APPID, DEMO_OPENID, INSTANT_RETRY, Emulator
from wxtcb.tokens.cloudrun import CLOUDBASE_TOKEN_PATH

SEND = "cgi-bin/message/custom/send"


def test_open_api_client_defaults_to_the_relay_host() -> None:
    """A client built with OpenApiProvider and no base_url talks to http://api.weixin.qq.com; others keep https."""
    assert wxtcb.Client(wxtcb.OpenApiProvider()).base_url == "http://api.weixin.qq.com"
    assert wxtcb.Client(wxtcb.StaticTokenProvider("t" * 20)).base_url == "https://api.weixin.qq.com"
    assert (
        wxtcb.Client(wxtcb.OpenApiProvider(), base_url="http://127.0.0.1:1").base_url == "http://127.0.0.1:1"
    )


async def test_open_api_sends_no_token(emulator: Emulator) -> None:
    """Through the relay the call carries no token at all and reaches custom/send as the app's."""
    emulator.enable_open_api(DEMO_APPID)
    async with wxtcb.Client(wxtcb.OpenApiProvider(), base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.customer_service.send(touser=DEMO_OPENID, text=cloudrun.CustomText("hi"))
        await client.customer_service.typing(DEMO_OPENID, "CancelTyping")
    assert emulator.sent_messages[0]["appid"] == DEMO_APPID
    assert emulator.typing_commands[0]["command"] == "CancelTyping"
    assert emulator.token_count() == 0


@pytest.mark.parametrize(
    "paths", [None, ["tcb/getcallbackconfig"]], ids=["relay-off", "not-in-permission-list"]
)
async def test_open_api_rejection_is_a_configuration_error(
    emulator: Emulator, paths: list[str] | None
) -> None:
    """A token errcode through the relay raises CloudCallPermissionError with the permission-list hint, after one request."""
    if paths is not None:
        emulator.enable_open_api(DEMO_APPID, paths=paths)
    async with wxtcb.Client(wxtcb.OpenApiProvider(), base_url=emulator.url, retry=INSTANT_RETRY) as client:
        with pytest.raises(wxtcb.CloudCallPermissionError) as caught:
            await client.customer_service.send(touser=DEMO_OPENID, text=cloudrun.CustomText("hi"))
    assert caught.value.errcode == 41001
    assert isinstance(caught.value, wxtcb.TokenRejectedError)
    assert "cloud-call permission list" in str(caught.value)
    assert emulator.calls[SEND] == 1


async def test_open_api_rejected_token_codes_never_refresh() -> None:
    """40001 through the relay (a code that refreshes for other providers) is answered once, never replayed."""
    queries: list[dict[str, str]] = []

    async def answer(request: web.Request) -> web.Response:
        queries.append(dict(request.query))
        body = {"errcode": 40001, "errmsg": "invalid credential rid: r-1"}
        return web.Response(text=json.dumps(body), headers={"x-openapi-seqid": "seq-123<script>"})

    app = web.Application()
    app.router.add_post("/" + SEND, answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with wxtcb.Client(wxtcb.OpenApiProvider(), base_url=url, retry=INSTANT_RETRY) as client:
            with pytest.raises(wxtcb.CloudCallPermissionError) as caught:
                await client.customer_service.send(touser=DEMO_OPENID, text=cloudrun.CustomText("hi"))
    finally:
        await runner.cleanup()
    assert queries == [{}]  # one request, no token in it
    assert caught.value.rid == "r-1"
    assert "x-openapi-seqid seq-123script" in str(caught.value)  # kept for support, sanitised
    assert caught.value.request is not None
    assert caught.value.request.seqid == "seq-123script"


def test_cloudbase_provider_defaults_to_the_documented_path() -> None:
    """The default path is where cloud-run mounts the token, and the token goes in cloudbase_access_token=."""
    provider = wxtcb.CloudbaseTokenProvider()
    assert str(provider.path) == CLOUDBASE_TOKEN_PATH == "/.tencentcloudbase/wx/cloudbase_access_token"
    assert provider.token_param == "cloudbase_access_token"
    assert provider.token_kind is wxtcb.TokenKind.ACCESS


async def test_cloudbase_token_is_sent_and_reread_when_the_file_changes(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The file's token is sent as cloudbase_access_token=; a renewed file is read before the next call (no rejection)."""
    path = tmp_path / "cloudbase_access_token"
    first = emulator.issue_cloudbase_token(DEMO_APPID)
    path.write_text(first + "\n")
    provider = wxtcb.CloudbaseTokenProvider(path)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.customer_service.send(touser=DEMO_OPENID, text=cloudrun.CustomText("one"))
        emulator.revoke_tokens()  # cloud-run renewed the token: the old one is gone
        second = emulator.issue_cloudbase_token(DEMO_APPID)
        path.write_text(second)
        os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
        await client.customer_service.send(touser=DEMO_OPENID, text=cloudrun.CustomText("two"))
        assert_no_secret([repr(provider), repr(client)], [first, second])
    assert [m["text"]["content"] for m in emulator.sent_messages] == ["one", "two"]
    assert emulator.calls[SEND] == 2  # the change was seen before sending: nothing was rejected


async def test_cloudbase_token_is_reread_after_a_rejection(emulator: Emulator, tmp_path: Path) -> None:
    """A rejected token makes the provider read the file again even if it looks unchanged; one replay, then success."""
    path = tmp_path / "token"
    path.write_text(emulator.issue_cloudbase_token(DEMO_APPID))
    provider = wxtcb.CloudbaseTokenProvider(path)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.customer_service.send(touser=DEMO_OPENID, text=cloudrun.CustomText("one"))
        stat = path.stat()
        emulator.revoke_tokens()
        path.write_text(emulator.issue_cloudbase_token(DEMO_APPID))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime and size: looks unchanged
        await client.customer_service.send(touser=DEMO_OPENID, text=cloudrun.CustomText("two"))
    assert emulator.calls[SEND] == 3  # one, the rejected two, the replayed two
    assert len(emulator.sent_messages) == 2


async def test_cloudbase_token_rejected_again_raises_without_looping(
    emulator: Emulator, tmp_path: Path
) -> None:
    """When the file still holds the rejected token, the call raises TokenRejectedError after one replay attempt."""
    path = tmp_path / "token"
    path.write_text(emulator.issue_cloudbase_token(DEMO_APPID))
    emulator.revoke_tokens()
    async with wxtcb.Client(
        wxtcb.CloudbaseTokenProvider(path), base_url=emulator.url, retry=INSTANT_RETRY
    ) as c:
        with pytest.raises(wxtcb.TokenRejectedError) as caught:
            await c.customer_service.send(touser=DEMO_OPENID, text=cloudrun.CustomText("x"))
    assert caught.value.errcode == 40001
    assert emulator.calls[SEND] == 1


@pytest.mark.parametrize("content", [None, "", "  \n"], ids=["missing", "empty", "blank"])
async def test_missing_or_empty_token_file_is_a_clear_error(
    emulator: Emulator, tmp_path: Path, content: str | None
) -> None:
    """A missing or empty file raises TokenFileError naming the file, and nothing is sent."""
    path = tmp_path / "token"
    if content is not None:
        path.write_text(content)
    async with wxtcb.Client(
        wxtcb.CloudbaseTokenProvider(path), base_url=emulator.url, retry=INSTANT_RETRY
    ) as c:
        with pytest.raises(wxtcb.TokenFileError, match=str(path)):
            await c.customer_service.send(touser=DEMO_OPENID, text=cloudrun.CustomText("x"))
    assert emulator.calls[SEND] == 0
