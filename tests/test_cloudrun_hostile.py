"""Pushes no WeChat sends, fed to a bot: each is refused with 400 or handled, never a crash, and
nothing a push carries can make the bot hold more than a bounded key per push."""

from __future__ import annotations

import pytest

import wxtcb
from wxtcb import cloudrun
from wxtcb.cloudrun import MemoryDedupe, PushFormatError, parse


def bot() -> cloudrun.Bot:
    """A bot whose client is never used (these pushes get no reply)."""
    return cloudrun.Bot(wxtcb.Client(wxtcb.StaticTokenProvider("t"), base_url="http://127.0.0.1:1"))


@pytest.mark.parametrize(
    "body",
    [
        b"<xml>" + b"<a>" * 5000 + b"x" + b"</a>" * 5000 + b"</xml>",
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "expanded">]><xml><Content>&e;</Content></xml>'.encode(
            "utf-16"
        ),
        b'<!DOCTYPE x [<!ENTITY e "expanded">]><xml><Content>&e;</Content></xml>',
        b"\xff\xfe<\x00x\x00",
        b"[1, 2]",
        b"<xml><unclosed></xml>",
    ],
    ids=["deep", "utf16-dtd", "dtd", "utf16-junk", "json-array", "broken"],
)
async def test_hostile_bodies_are_refused_with_400(body: bytes) -> None:
    """Deep XML, a DTD hidden in UTF-16, junk: 400, never a 500 or an expanded entity."""
    with pytest.raises(PushFormatError):
        parse(body)
    status, _ = await bot().feed({}, body)
    assert status == 400


@pytest.mark.parametrize("create_time", ["²", "1" * 5000, "-", ""])
async def test_odd_numbers_do_not_crash_the_bot(create_time: str) -> None:
    """A CreateTime of a non-ASCII digit or 5000 digits is delivered as it can be, never a crash."""
    seen: list[cloudrun.Message] = []
    b = bot()

    @b.on_message("text")
    async def handle(message: cloudrun.Message) -> None:
        seen.append(message)

    body = (
        "<xml><ToUserName>gh_1</ToUserName><FromUserName>o_1</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType>text</MsgType><Content>hi</Content>"
        "<MsgId>1</MsgId></xml>"
    ).encode()
    status, _ = await b.feed({}, body)
    assert status == 200
    await b.aclose()
    assert len(seen) == 1


async def test_dedupe_keys_are_bounded_whatever_the_msgid() -> None:
    """A 60 KB MsgId becomes a fixed-size dedupe key: a store of many pushes stays small."""
    store = MemoryDedupe()
    b = cloudrun.Bot(
        wxtcb.Client(wxtcb.StaticTokenProvider("t"), base_url="http://127.0.0.1:1"), dedupe=store
    )
    handled: list[str] = []

    @b.on_message("text")
    async def handle(message: cloudrun.Message) -> None:
        handled.append(message.msg_type)  # a MsgId too long for a number: delivered raw

    huge = "9" * 60_000
    body = (
        '{"ToUserName":"gh_1","FromUserName":"o_1","CreateTime":1,"MsgType":"text",'
        f'"Content":"hi","MsgId":"{huge}"}}'
    ).encode()
    assert (await b.feed({}, body))[0] == 200
    assert (await b.feed({}, body))[0] == 200  # the resend is recognised by its bounded key
    await b.aclose()
    assert handled == ["text"]
    message = cloudrun.message_from_fields(parse(body)[0])
    assert len(message.dedupe_key) == 64
