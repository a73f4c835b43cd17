"""Bad input to every public entry point that takes it: `InvalidRequestError`, and not one request.

One row per entry point. Each row runs against a platform, a merchant's client, an own app's
client and a bot, all on the emulator; the emulator counts every request it gets (token
endpoints included), and the count must stay at zero.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import wxtcb
from tests.conftest import demo_component
from wxtcb import cloudrun
from wxtcb.errors import InvalidRequestError
from wxtcb.message_push import GetCallbackConfig
from wxtcb.push import PushCrypto
from wxtcb.testing import (
    DEMO_APPID,
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_ENCODING_AES_KEY,
    DEMO_PUSH_TOKEN,
    DEMO_SECRET,
    INSTANT_RETRY,
    Emulator,
)
from wxtcb.webhooks import AuthorizationEvents

ENV = "env-1"
FILE_ID = "cloud://env-1.bucket/a.png"


@dataclass
class Parts:
    """What a row may call: a platform, a merchant's client, an own app's client, a bot, a tmp dir."""

    platform: wxtcb.Platform
    merchant: wxtcb.Client
    client: wxtcb.Client
    bot: cloudrun.Bot
    tmp: Path


async def _drain(iterator: AsyncIterator[bytes]) -> None:
    async for _ in iterator:
        pass


async def _bot_reply(parts: Parts, reply: Callable[[cloudrun.TextMessage], Awaitable[None]]) -> None:
    """Feed the bot a text push whose handler replies with bad input; raise what the reply raised."""
    raised: list[BaseException] = []

    @parts.bot.on_text
    async def handle(message: cloudrun.TextMessage) -> None:
        try:
            await reply(message)
        except BaseException as exc:
            raised.append(exc)

    status, _ = await parts.bot.feed({}, b'{"MsgType":"text","Content":"x","MsgId":7,"FromUserName":"o1"}')
    assert status == 200
    assert raised, "the reply raised nothing"
    raise raised[0]


async def _sync(build: Callable[[], object]) -> None:
    build()


ROWS: dict[str, Callable[[Parts], Awaitable[object]]] = {
    # --- wxtcb.Platform
    "platform.authorization_url empty redirect_uri": lambda p: p.platform.authorization_url(""),
    "platform.authorization_url javascript: URI": lambda p: p.platform.authorization_url(
        "javascript:alert(1)"
    ),
    "platform.authorization_url relative URI": lambda p: p.platform.authorization_url("/back"),
    "platform.authorization_url auth_type=7": lambda p: p.platform.authorization_url(
        "https://example.com/back", auth_type=7
    ),
    "platform.authorization_url empty biz_appid": lambda p: p.platform.authorization_url(
        "https://example.com/back", biz_appid=" "
    ),
    "platform.authorization_url mobile not a bool": lambda p: p.platform.authorization_url(
        "https://example.com/back",
        mobile="yes",  # type: ignore[arg-type]
    ),
    "platform.query_auth empty code": lambda p: p.platform.query_auth(""),
    "platform.forget empty appid": lambda p: p.platform.forget(""),
    "platform(method) wrong token kind": lambda p: p.platform(GetCallbackConfig()),
    # --- platform.authorization
    "authorization.create_preauthcode empty appid": lambda p: p.platform.authorization.create_preauthcode(""),
    "authorization.query_auth empty code": lambda p: p.platform.authorization.query_auth(
        DEMO_COMPONENT_APPID, ""
    ),
    "authorization.get_authorizer_list count=0": lambda p: p.platform.authorization.get_authorizer_list(
        DEMO_COMPONENT_APPID, count=0
    ),
    "authorization.get_authorizer_info empty appid": lambda p: p.platform.authorization.get_authorizer_info(
        DEMO_COMPONENT_APPID, ""
    ),
    # --- platform.batch
    "batch.create_env bad alias": lambda p: p.platform.batch.create_env("9shop"),
    "batch.wait_env_ready negative timeout": lambda p: p.platform.batch.wait_env_ready(ENV, timeout=-1),
    "batch.share_env no target": lambda p: p.platform.batch.share_env([]),
    "batch.share_env not a ShareTarget": lambda p: p.platform.batch.share_env(["x"]),  # type: ignore[list-item]
    "batch.get_env_ids bad source_type": lambda p: p.platform.batch.get_env_ids(
        [DEMO_AUTHORIZER_APPID],
        source_type="run",  # type: ignore[arg-type]
    ),
    "batch.upload_functions empty envs": lambda p: p.platform.batch.upload_functions("f", [], b"zip"),
    "batch.database.query empty statement": lambda p: p.platform.batch.database.query(ENV, ""),
    "batch.database.collections.create empty name": lambda p: p.platform.batch.database.collections.create(
        ENV, ""
    ),
    "batch.storage.upload bad path": lambda p: p.platform.batch.storage.upload(ENV, "", b"x"),
    "batch.storage.download bad timeout": lambda p: p.platform.batch.storage.download(
        ENV, FILE_ID, timeout=-1
    ),
    "batch.storage.delete one string": lambda p: p.platform.batch.storage.delete(ENV, FILE_ID),
    "batch.static.upload bad timeout": lambda p: p.platform.batch.static.upload(
        ENV,
        "index.html",
        b"<html>",
        timeout="soon",  # type: ignore[arg-type]
    ),
    "batch.static.upload bad filename": lambda p: p.platform.batch.static.upload(ENV, "", b"<html>"),
    "batch.cloudrun.create_env bad alias": lambda p: p.platform.batch.cloudrun.create_env(alias="9"),
    # --- a merchant's client and an own app's client
    "merchant.storage.upload data not bytes": lambda p: p.merchant.storage.upload(
        ENV,
        "a.png",
        123,  # type: ignore[arg-type]
    ),
    "client.storage.upload bad timeout": lambda p: p.client.storage.upload(ENV, "a.png", b"x", timeout=0),
    "client.storage.upload missing file": lambda p: p.client.storage.upload(ENV, "a.png", p.tmp / "missing"),
    "client.storage.download empty file id": lambda p: p.client.storage.download(ENV, ""),
    "client.storage.download negative max_size": lambda p: p.client.storage.download(
        ENV, FILE_ID, max_size=-1
    ),
    "client.storage.download_to missing directory": lambda p: p.client.storage.download_to(
        ENV, FILE_ID, p.tmp / "no" / "such" / "file"
    ),
    "client.storage.iter_download bad timeout": lambda p: _drain(
        p.client.storage.iter_download(ENV, FILE_ID, timeout=float("nan"))
    ),
    "client.storage.download_urls bad max_age": lambda p: p.client.storage.download_urls(
        ENV, [FILE_ID], max_age=0
    ),
    "client.storage.delete empty env": lambda p: p.client.storage.delete("", [FILE_ID]),
    "client.functions.invoke empty env": lambda p: p.client.functions.invoke("", "login"),
    "client.database.query wrong statement": lambda p: p.client.database.query(
        ENV, wxtcb.db.collection("todos").count()
    ),
    "client(method) component method": lambda p: p.client(
        wxtcb.batch.DescribeEnvs()  # a component-token method on an app's client
    ),
    # --- cloud-run
    "client.customer_service.send no content": lambda p: p.client.customer_service.send(touser="o1"),
    "message.reply_text not a string": lambda p: _bot_reply(
        p,
        lambda m: m.reply_text(None),  # type: ignore[arg-type]
    ),
    "message.reply two contents": lambda p: _bot_reply(
        p, lambda m: m.reply(text=cloudrun.CustomText("a"), image=cloudrun.CustomImage("m"))
    ),
    "cloudrun.Bot negative deadline": lambda p: _sync(lambda: cloudrun.Bot(p.client, deadline=-1)),
    # --- webhooks and push
    "PushCrypto short key": lambda p: _sync(
        lambda: PushCrypto(token=DEMO_PUSH_TOKEN, encoding_aes_key="short", appid=DEMO_COMPONENT_APPID)
    ),
    "AuthorizationEvents negative max_age": lambda p: _sync(
        lambda: AuthorizationEvents(
            p.platform,
            PushCrypto(
                token=DEMO_PUSH_TOKEN, encoding_aes_key=DEMO_ENCODING_AES_KEY, appid=DEMO_COMPONENT_APPID
            ),
            max_age=-1,
        )
    ),
    "AuthorizationEvents foreign crypto": lambda p: _sync(
        lambda: AuthorizationEvents(
            p.platform,
            PushCrypto(token=DEMO_PUSH_TOKEN, encoding_aes_key=DEMO_ENCODING_AES_KEY, appid="wxother"),
        )
    ),
}


@pytest.fixture
async def parts(emulator: Emulator, tmp_path: Path) -> AsyncIterator[Parts]:
    """A platform with a merchant, an own app's client and a bot, all on the emulator."""
    async with (
        wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY, timeout=2.0) as platform,
        wxtcb.Client(
            wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET), base_url=emulator.url, retry=INSTANT_RETRY
        ) as client,
        cloudrun.Bot(client) as bot,
    ):
        yield Parts(platform, platform.merchant(DEMO_AUTHORIZER_APPID), client, bot, tmp_path)


@pytest.mark.parametrize("row", list(ROWS))
async def test_bad_input_is_refused_before_any_request(row: str, parts: Parts, emulator: Emulator) -> None:
    """Each public entry point refuses its bad input with InvalidRequestError and the emulator
    (which counts every request, token fetches included) receives nothing."""
    emulator.calls.clear()
    with pytest.raises(InvalidRequestError):
        await ROWS[row](parts)
    assert sum(emulator.calls.values()) == 0, dict(emulator.calls)


async def test_the_table_sees_requests(parts: Parts, emulator: Emulator) -> None:
    """The count the table relies on moves: a good authorization link costs a token and a code."""
    emulator.calls.clear()
    url = await parts.platform.authorization_url("https://example.com/back")
    assert url.startswith("https://mp.weixin.qq.com/")
    assert emulator.calls["cgi-bin/component/api_create_preauthcode"] == 1
    assert sum(emulator.calls.values()) >= 2  # the component token, then the pre-auth code
