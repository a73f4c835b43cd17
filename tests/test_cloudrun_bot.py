"""Cloud-run bots: the check request, every message type in both formats, resends, the deadline,
the source check, hostile bodies, passive and active replies, against the emulator over real sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import wxtcb
from tests.conftest import log_texts
from wxtcb import cloudrun
from wxtcb.testing import DEMO_APPID, DEMO_OPENID, DEMO_ORIGINAL_ID, INSTANT_RETRY, Emulator
from wxtcb.testing.cloudrun import post_push

SECRET_WORDS = "the-secret-words-of-the-user"


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[wxtcb.Client]:
    """A client through the emulator's open-API relay (no token), as in cloud-run."""
    emulator.enable_open_api(DEMO_APPID)
    async with wxtcb.Client(wxtcb.OpenApiProvider(), base_url=emulator.url, retry=INSTANT_RETRY) as c:
        yield c


@pytest.fixture
async def bot(client: wxtcb.Client) -> AsyncIterator[cloudrun.Bot]:
    """A bot on the client, closed after the test."""
    async with cloudrun.Bot(client) as b:
        yield b


async def serve(bot: cloudrun.Bot) -> tuple[str, web.AppRunner]:
    """Serve *bot* on a free loopback port; returns its push URL and the runner."""
    app = web.Application()
    app.router.add_post("/wechat/push", bot.handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return f"http://127.0.0.1:{runner.addresses[0][1]}/wechat/push", runner


@pytest.fixture
async def url(bot: cloudrun.Bot) -> AsyncIterator[str]:
    """The bot's URL."""
    address, runner = await serve(bot)
    yield address
    await runner.cleanup()


@pytest.mark.parametrize(
    ("body", "xml"),
    [
        (b'{"action": "CheckContainerPath"}', False),
        (b"<xml>\n  <action>CheckContainerPath</action>\n</xml>", True),
    ],
)
async def test_check_request_answers_success(url: str, body: bytes, xml: bool) -> None:
    """WeChat's check when the route is saved is answered 200 'success', in JSON mode and in XML mode."""
    answer = await post_push(url, body, xml=xml)
    assert (answer.status, answer.text) == (200, "success")


CASES: list[tuple[dict[str, Any], type[cloudrun.Message], dict[str, Any]]] = [
    ({"MsgType": "text", "Content": "this is a test"}, cloudrun.TextMessage, {"content": "this is a test"}),
    (
        {"MsgType": "image", "PicUrl": "http://pic", "MediaId": "m1"},
        cloudrun.ImageMessage,
        {"pic_url": "http://pic", "media_id": "m1"},
    ),
    (
        {"MsgType": "voice", "MediaId": "m2", "Format": "amr", "Recognition": "hello"},
        cloudrun.VoiceMessage,
        {"media_id": "m2", "format": "amr", "recognition": "hello"},
    ),
    (
        {"MsgType": "video", "MediaId": "m3", "ThumbMediaId": "t3"},
        cloudrun.VideoMessage,
        {"media_id": "m3", "thumb_media_id": "t3"},
    ),
    (
        {"MsgType": "shortvideo", "MediaId": "m4", "ThumbMediaId": "t4"},
        cloudrun.ShortVideoMessage,
        {"media_id": "m4"},
    ),
    (
        {
            "MsgType": "location",
            "Location_X": 23.134521,
            "Location_Y": 113.358803,
            "Scale": 20,
            "Label": "here",
        },
        cloudrun.LocationMessage,
        {"location_x": 23.134521, "location_y": 113.358803, "scale": 20, "label": "here"},
    ),
    (
        {"MsgType": "link", "Title": "t", "Description": "d", "Url": "http://u"},
        cloudrun.LinkMessage,
        {"title": "t", "description": "d", "url": "http://u"},
    ),
    (
        {
            "MsgType": "miniprogrampage",
            "Title": "card",
            "AppId": "wxapp",
            "PagePath": "pages/a",
            "ThumbUrl": "http://thumb",
            "ThumbMediaId": "tm",
        },
        cloudrun.MiniProgramPageMessage,
        {
            "title": "card",
            "app_id": "wxapp",
            "page_path": "pages/a",
            "thumb_url": "http://thumb",
            "thumb_media_id": "tm",
        },
    ),
    (
        {"MsgType": "event", "Event": "user_enter_tempsession", "SessionFrom": "from-button"},
        cloudrun.EnterSessionEvent,
        {"event": "user_enter_tempsession", "session_from": "from-button"},
    ),
    (
        {"MsgType": "event", "Event": "subscribe"},
        cloudrun.SubscribeEvent,
        {"event": "subscribe", "event_key": ""},
    ),
    ({"MsgType": "event", "Event": "unsubscribe"}, cloudrun.SubscribeEvent, {"event": "unsubscribe"}),
    (
        {"MsgType": "event", "Event": "SCAN", "EventKey": "123", "Ticket": "TICKET"},
        cloudrun.ScanEvent,
        {"event_key": "123", "ticket": "TICKET"},
    ),
    (
        {"MsgType": "event", "Event": "LOCATION", "Latitude": 23.1, "Longitude": 113.3, "Precision": 119.3},
        cloudrun.LocationEvent,
        {"latitude": 23.1, "longitude": 113.3, "precision": 119.3},
    ),
    (
        {"MsgType": "event", "Event": "CLICK", "EventKey": "menu-1"},
        cloudrun.MenuEvent,
        {"event_key": "menu-1"},
    ),
]


@pytest.mark.parametrize("xml", [False, True], ids=["json", "xml"])
@pytest.mark.parametrize(
    ("fields", "cls", "expected"), CASES, ids=[c[0].get("Event", c[0]["MsgType"]) for c in CASES]
)
async def test_each_type_arrives_typed(
    emulator: Emulator,
    bot: cloudrun.Bot,
    url: str,
    xml: bool,
    fields: dict[str, Any],
    cls: type[cloudrun.Message],
    expected: dict[str, Any],
) -> None:
    """Each message and event type reaches its handler as its typed model, with snake_case fields, in JSON and XML."""
    got: list[cloudrun.Message] = []

    @bot.fallback
    async def take(message: cloudrun.Message) -> None:
        got.append(message)

    answer = await emulator.push_message(url, fields, xml=xml)
    assert (answer.status, answer.text) == (200, "success")
    (message,) = got
    assert type(message) is cls
    assert (message.to_user_name, message.from_user_name) == (DEMO_ORIGINAL_ID, DEMO_OPENID)
    assert message.create_time > 0
    for name, value in expected.items():
        assert getattr(message, name) == value, name
    if fields["MsgType"] != "event":
        assert isinstance(message.msg_id, int)  # type: ignore[attr-defined]


@pytest.mark.parametrize("xml", [False, True], ids=["json", "xml"])
async def test_unknown_type_is_delivered_raw(
    emulator: Emulator, bot: cloudrun.Bot, url: str, xml: bool
) -> None:
    """A message type wxtcb does not know reaches the fallback as a RawMessage with its wire fields."""
    got: list[cloudrun.Message] = []

    @bot.fallback
    async def take(message: cloudrun.Message) -> None:
        got.append(message)

    answer = await emulator.push_message(url, {"MsgType": "hologram", "Beam": "on"}, xml=xml)
    assert answer.status == 200
    (message,) = got
    assert type(message) is cloudrun.RawMessage
    assert message.msg_type == "hologram"
    assert message.raw["Beam"] == "on"


async def test_routing_one_handler_per_push(emulator: Emulator, bot: cloudrun.Bot, url: str) -> None:
    """on_text, on_event, on_message and the fallback each take their pushes, one handler per push."""
    seen: list[str] = []

    @bot.on_text
    async def text(message: cloudrun.TextMessage) -> None:
        seen.append("text")

    @bot.on_event("subscribe")
    async def subscribed(event: cloudrun.Event) -> None:
        seen.append("subscribe")

    @bot.on_message("event")
    async def other_event(event: cloudrun.Event) -> None:
        seen.append("event")

    @bot.on_message("image")
    async def image(message: cloudrun.ImageMessage) -> None:
        seen.append("image")

    @bot.fallback
    async def rest(message: cloudrun.Message) -> None:
        seen.append("fallback")

    for fields in (
        {"MsgType": "text", "Content": "a"},
        {"MsgType": "event", "Event": "subscribe"},
        {"MsgType": "event", "Event": "CLICK", "EventKey": "k"},
        {"MsgType": "image", "MediaId": "m"},
        {"MsgType": "voice", "MediaId": "v"},
    ):
        await emulator.push_message(url, fields)
    assert seen == ["text", "subscribe", "event", "image", "fallback"]


@pytest.mark.parametrize("xml", [False, True], ids=["json", "xml"])
async def test_resend_is_handled_once_in_memory(
    emulator: Emulator, bot: cloudrun.Bot, url: str, xml: bool
) -> None:
    """A push resent three times (same MsgId) runs its handler once; every copy is acknowledged."""
    calls: list[str] = []

    @bot.on_text
    async def count(message: cloudrun.TextMessage) -> None:
        calls.append(message.content)

    answer = await emulator.push_message(url, {"MsgType": "text", "Content": "once"}, xml=xml, resend=3)
    assert [a.status for a in (answer, *answer.resends)] == [200, 200, 200, 200]
    assert calls == ["once"]


async def test_event_resend_is_handled_once(emulator: Emulator, bot: cloudrun.Bot, url: str) -> None:
    """Events have no MsgId: sender + time + event identify a resend."""
    calls: list[str] = []

    @bot.on_event("user_enter_tempsession")
    async def hello(event: cloudrun.Event) -> None:
        calls.append(event.event)

    fields = {"MsgType": "event", "Event": "user_enter_tempsession", "CreateTime": 1700000000}
    await emulator.push_message(url, fields, resend=2)
    await emulator.push_message(url, {**fields, "CreateTime": 1700000001})
    assert calls == ["user_enter_tempsession", "user_enter_tempsession"]


async def test_resend_is_handled_once_across_replicas_with_redis(
    emulator: Emulator, client: wxtcb.Client, redis_client: Any
) -> None:
    """Two replicas sharing a RedisDedupe (real redis-server): a push and its resend to the other replica run once."""
    calls: list[str] = []

    async def count(message: cloudrun.TextMessage) -> None:
        calls.append(message.content)

    replicas = [cloudrun.Bot(client, dedupe=cloudrun.RedisDedupe(redis_client)) for _ in range(2)]
    served = [await serve(b) for b in replicas]
    for b in replicas:
        b.on_text(count)
    try:
        fields = {"MsgType": "text", "Content": "shared", "MsgId": 987654321}
        first = await emulator.push_message(served[0][0], fields)
        again = await emulator.push_message(served[1][0], fields, resend=1)
        assert [first.status, again.status, again.resends[0].status] == [200, 200, 200]
        assert calls == ["shared"]
    finally:
        for b, (_, runner) in zip(replicas, served, strict=True):
            await runner.cleanup()
            await b.aclose()


async def test_slow_handler_is_answered_within_the_deadline(client: wxtcb.Client, emulator: Emulator) -> None:
    """A handler still blocked when the deadline passes: WeChat gets 'success' first, the handler finishes after."""
    release = asyncio.Event()
    order: list[str] = []
    bot = cloudrun.Bot(client, deadline=0.05)

    @bot.on_text
    async def slow(message: cloudrun.TextMessage) -> None:
        order.append("started")
        await release.wait()
        await message.reply_text("done")
        order.append("finished")

    url, runner = await serve(bot)
    try:
        answer = await emulator.push_message(url, {"MsgType": "text", "Content": "slow"})
        order.append("answered")
        assert (answer.status, answer.text) == (200, "success")
        assert bot.pending == 1
        release.set()
        await bot.aclose()
    finally:
        await runner.cleanup()
    assert order == ["started", "answered", "finished"]
    assert emulator.sent_messages[-1]["text"] == {"content": "done"}


async def test_aclose_cancels_handlers_past_the_drain(client: wxtcb.Client, emulator: Emulator) -> None:
    """A handler that never finishes is cancelled by aclose after the drain; the bot then refuses pushes (503)."""
    bot = cloudrun.Bot(client, deadline=0.01)
    cancelled = asyncio.Event()

    @bot.on_text
    async def forever(message: cloudrun.TextMessage) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    status, _ = await bot.feed({}, b'{"MsgType":"text","Content":"x","MsgId":1}')
    assert status == 200
    await bot.aclose(drain=0.01)
    assert cancelled.is_set()
    assert bot.pending == 0
    status, _ = await bot.feed({}, b'{"MsgType":"text","Content":"x","MsgId":2}')
    assert status == 503


async def test_handler_failure_is_logged_without_content(
    client: wxtcb.Client, emulator: Emulator, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """A failing handler is logged by name and exception class, never the message or the exception text; on_error gets both."""
    errors: list[BaseException] = []

    async def on_error(message: cloudrun.Message, exc: BaseException) -> None:
        errors.append(exc)

    async with cloudrun.Bot(client, on_error=on_error) as bot:

        @bot.on_text
        async def broken(message: cloudrun.TextMessage) -> None:
            raise ValueError(f"cannot handle {message.content}")

        status, body = await bot.feed(
            {}, f'{{"MsgType":"text","Content":"{SECRET_WORDS}","MsgId":5}}'.encode()
        )
    assert (status, body) == (200, b"success")
    assert len(errors) == 1
    texts = log_texts(wxtcb_logs)
    assert any("broken" in t and "ValueError" in t for t in texts)
    assert all(SECRET_WORDS not in t for t in texts)


async def test_missing_source_header_is_refused_when_public(client: wxtcb.Client, emulator: Emulator) -> None:
    """With public access on, a push without x-wx-source gets 403 and no handler runs; WeChat's own push passes."""
    bot = cloudrun.Bot(client, public_access=True)
    calls: list[str] = []

    @bot.on_text
    async def take(message: cloudrun.TextMessage) -> None:
        calls.append(message.content)

    url, runner = await serve(bot)
    try:
        body = b'{"MsgType":"text","Content":"forged","MsgId":1}'
        async with aiohttp.ClientSession() as session, session.post(url, data=body) as r:
            forged = r.status
        bare = await bot.feed(
            {"Content-Type": "application/json"}, b'{"MsgType":"text","Content":"bare","MsgId":2}'
        )
        real = await emulator.push_message(url, {"MsgType": "text", "Content": "real"})
    finally:
        await runner.cleanup()
        await bot.aclose()
    assert (forged, bare[0], real.status) == (403, 403, 200)
    assert calls == ["real"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not a push",
        b"[1, 2]",
        b'{"MsgType": "text", ',
        b"<xml><MsgType>text</xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
        b'<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml/>',
    ],
    ids=["empty", "text", "json-array", "broken-json", "broken-xml", "entity", "external-dtd"],
)
async def test_broken_body_is_refused_with_400(
    url: str, body: bytes, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """A body that is not a JSON object nor safe XML gets 400, and the log does not repeat it."""
    answer = await post_push(url, body)
    assert answer.status == 400
    assert all("aaaa" not in t and "passwd" not in t for t in log_texts(wxtcb_logs))


async def test_oversized_body_is_refused_with_400(
    client: wxtcb.Client, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """A body over max_body is refused with 400 (on its length, and when streamed without one), not logged."""
    bot = cloudrun.Bot(client, max_body=1024)
    url, runner = await serve(bot)
    big = ('{"MsgType":"text","Content":"' + SECRET_WORDS * 100 + '"}').encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield big

    try:
        answer = await post_push(url, big)
        fed = await bot.feed({}, big)
        async with aiohttp.ClientSession() as s, s.post(url, data=chunks()) as r:
            streamed = r.status
    finally:
        await runner.cleanup()
        await bot.aclose()
    assert (answer.status, streamed) == (400, 400)
    assert fed[0] == 400
    assert all(SECRET_WORDS not in t for t in log_texts(wxtcb_logs))


async def test_reply_text_reaches_custom_send(emulator: Emulator, bot: cloudrun.Bot, url: str) -> None:
    """message.reply_text sends custom/send with touser, msgtype and text, through the relay (no token sent)."""

    @bot.on_text
    async def echo(message: cloudrun.TextMessage) -> None:
        await message.typing()
        await message.reply_text(message.content)

    await emulator.push_message(url, {"MsgType": "text", "Content": "echo me"})
    await bot.aclose()
    assert emulator.sent_messages == [
        {"touser": DEMO_OPENID, "msgtype": "text", "text": {"content": "echo me"}, "appid": DEMO_APPID}
    ]
    assert emulator.typing_commands == [{"touser": DEMO_OPENID, "command": "Typing", "appid": DEMO_APPID}]


async def test_other_active_replies(emulator: Emulator, bot: cloudrun.Bot, url: str) -> None:
    """reply_image, reply_link and reply_miniprogram_page send their msgtype and object."""

    @bot.on_text
    async def answer(message: cloudrun.TextMessage) -> None:
        await message.reply_image("MEDIA")
        await message.reply_link("t", "d", "https://u", "https://thumb")
        await message.reply_miniprogram_page("card", "pages/a", "THUMB")

    await emulator.push_message(url, {"MsgType": "text", "Content": "x"})
    await bot.aclose()
    assert [(m["msgtype"], m[m["msgtype"]]) for m in emulator.sent_messages] == [
        ("image", {"media_id": "MEDIA"}),
        ("link", {"title": "t", "description": "d", "url": "https://u", "thumb_url": "https://thumb"}),
        ("miniprogrampage", {"title": "card", "pagepath": "pages/a", "thumb_media_id": "THUMB"}),
    ]


def test_send_needs_exactly_one_content() -> None:
    """A customer-service message with no content, or two, is refused before anything is sent."""
    with pytest.raises(wxtcb.InvalidRequestError, match="exactly one"):
        cloudrun.SendCustomMessage(touser="o")
    with pytest.raises(wxtcb.InvalidRequestError, match="exactly one"):
        cloudrun.SendCustomMessage(touser="o", text=cloudrun.CustomText("a"), image=cloudrun.CustomImage("m"))
    with pytest.raises(wxtcb.InvalidRequestError, match="command"):
        cloudrun.SetTyping("o", "Dancing")


@pytest.mark.parametrize("xml", [False, True], ids=["json", "xml"])
async def test_passive_reply_in_the_push_format(
    emulator: Emulator, bot: cloudrun.Bot, url: str, xml: bool
) -> None:
    """An official account's handler returns a TextReply: the answer is that reply, addressed back, in the push's format."""

    @bot.on_text
    async def passive(message: cloudrun.TextMessage) -> cloudrun.Reply:
        return cloudrun.TextReply("hi " + message.content)

    answer = await emulator.push_message(url, {"MsgType": "text", "Content": "there"}, xml=xml)
    fields, was_xml = cloudrun.parse(answer.body)
    assert was_xml is xml
    assert fields["MsgType"] == "text"
    assert fields["Content"] == "hi there"
    assert (fields["ToUserName"], fields["FromUserName"]) == (DEMO_OPENID, DEMO_ORIGINAL_ID)
    assert answer.content_type == ("application/xml" if xml else "application/json")


async def test_feed_is_framework_neutral(bot: cloudrun.Bot) -> None:
    """feed(headers, body) answers the check and a message without any web framework."""
    assert await bot.feed({}, b'{"action":"CheckContainerPath"}') == (200, b"success")
    got: list[str] = []

    @bot.on_text
    async def take(message: cloudrun.TextMessage) -> None:
        got.append(message.content)

    assert await bot.feed(
        {}, b"<xml><MsgType><![CDATA[text]]></MsgType><Content>x</Content><MsgId>9</MsgId></xml>"
    ) == (
        200,
        b"success",
    )
    assert got == ["x"]


async def test_english_page_to_user_spelling_is_tolerated(bot: cloudrun.Bot) -> None:
    """WeChat's English page writes <ToUser > for ToUserName: both spellings fill to_user_name."""
    got: list[cloudrun.Message] = []

    @bot.fallback
    async def take(message: cloudrun.Message) -> None:
        got.append(message)

    body = b"<xml><ToUser ><![CDATA[gh_x]]></ToUser ><MsgType >text</MsgType ><Content>c</Content><MsgId>3</MsgId></xml>"
    assert (await bot.feed({}, body))[0] == 200
    assert got[0].to_user_name == "gh_x"


async def test_dedupe_store_failure_still_handles_the_push(
    client: wxtcb.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """A dedupe store that fails does not lose the push: it is handled, and a warning names the failure's class."""

    class Broken:
        async def first_seen(self, key: str, window: float) -> bool:
            raise ConnectionError("down")

        async def forget(self, key: str) -> None:
            raise ConnectionError("down")

    caplog.set_level(logging.WARNING, logger="wxtcb")
    got: list[str] = []
    async with cloudrun.Bot(client, dedupe=Broken()) as bot:

        @bot.on_text
        async def take(message: cloudrun.TextMessage) -> None:
            got.append(message.content)

        assert (await bot.feed({}, b'{"MsgType":"text","Content":"kept","MsgId":4}'))[0] == 200
    assert got == ["kept"]
    assert any("ConnectionError" in r.getMessage() for r in caplog.records)
