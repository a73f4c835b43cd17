"""Encrypted pushes: WeChat's scheme, round-trip, refusal of anything tampered, and ticket recording."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import wxtcb
from tests.conftest import assert_no_secret, demo_component
from wxtcb.push import InvalidSignatureError, PushCrypto, record_ticket_push, ticket_push
from wxtcb.testing import (
    DEMO_COMPONENT_APPID,
    DEMO_ENCODING_AES_KEY,
    DEMO_PUSH_TOKEN,
    Emulator,
)
from wxtcb.webhooks import ticket_handler

MESSAGE = "<xml><AppId><![CDATA[wxcomponentdemo01]]></AppId><InfoType><![CDATA[component_verify_ticket]]></InfoType></xml>"


def crypto(appid: str = DEMO_COMPONENT_APPID) -> PushCrypto:
    return PushCrypto(token=DEMO_PUSH_TOKEN, encoding_aes_key=DEMO_ENCODING_AES_KEY, appid=appid)


def wechat_encrypt(message: bytes, appid: bytes, *, pad_to: int = 32, pad_byte: int | None = None) -> str:
    """WeChat's published scheme, written out independently of wxtcb (with knobs to break it)."""
    key = base64.b64decode(DEMO_ENCODING_AES_KEY + "=")
    plain = os.urandom(16) + struct.pack(">I", len(message)) + message + appid
    pad = pad_to - len(plain) % pad_to
    plain += bytes([pad if pad_byte is None else pad_byte]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def signed(
    encrypted: str, timestamp: str = "1700000000", nonce: str = "nonce1"
) -> tuple[str, dict[str, str]]:
    signature = hashlib.sha1(
        "".join(sorted([DEMO_PUSH_TOKEN, timestamp, nonce, encrypted])).encode()
    ).hexdigest()
    body = f"<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return body, {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}


def test_round_trip() -> None:
    """What encrypt produces, decrypt returns."""
    body, params = crypto().encrypt(MESSAGE)
    assert (
        crypto().decrypt(
            body, msg_signature=params["msg_signature"], timestamp=params["timestamp"], nonce=params["nonce"]
        )
        == MESSAGE
    )


def test_decrypts_a_push_built_by_the_published_scheme() -> None:
    """A push built by an independent implementation of WeChat's scheme decrypts (interoperability)."""
    body, params = signed(wechat_encrypt(MESSAGE.encode(), DEMO_COMPONENT_APPID.encode()))
    assert crypto().decrypt(body, **params) == MESSAGE


def test_unicode_message() -> None:
    """Messages are UTF-8 and their length is counted in bytes."""
    message = "<xml><Content><![CDATA[你好世界]]></Content></xml>"
    body, params = signed(wechat_encrypt(message.encode(), DEMO_COMPONENT_APPID.encode()))
    assert crypto().decrypt(body, **params) == message


def _tampered_signature() -> tuple[str, dict[str, str]]:
    body, params = signed(wechat_encrypt(MESSAGE.encode(), DEMO_COMPONENT_APPID.encode()))
    return body, {**params, "msg_signature": "0" * 40}


def _tampered_timestamp() -> tuple[str, dict[str, str]]:
    body, params = signed(wechat_encrypt(MESSAGE.encode(), DEMO_COMPONENT_APPID.encode()))
    return body, {**params, "timestamp": "1700000001"}


REFUSED = {
    "tampered signature": _tampered_signature,
    "tampered timestamp": _tampered_timestamp,
    "wrong appid": lambda: signed(wechat_encrypt(MESSAGE.encode(), b"wxsomeoneelse")),
    "bad padding value": lambda: signed(
        wechat_encrypt(MESSAGE.encode(), DEMO_COMPONENT_APPID.encode(), pad_byte=0)
    ),
    "padding over 32": lambda: signed(
        wechat_encrypt(MESSAGE.encode(), DEMO_COMPONENT_APPID.encode(), pad_to=48, pad_byte=40)
    ),
    "not base64": lambda: signed("@@not-base64@@"),
    "bad length": lambda: signed(base64.b64encode(b"x" * 17).decode()),
    "not xml": lambda: ("this is not xml", {"msg_signature": "", "timestamp": "", "nonce": ""}),
    "no Encrypt": lambda: ("<xml><A>1</A></xml>", {"msg_signature": "", "timestamp": "", "nonce": ""}),
    "a DTD": lambda: (
        '<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>',
        {"msg_signature": "", "timestamp": "", "nonce": ""},
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused(case: str) -> None:
    """Anything that does not check out raises InvalidSignatureError, a WxTcbError."""
    body, params = REFUSED[case]()
    with pytest.raises(InvalidSignatureError) as info:
        crypto().decrypt(body, **params)
    assert isinstance(info.value, wxtcb.WxTcbError)
    assert_no_secret([str(info.value), repr(crypto())], [DEMO_ENCODING_AES_KEY, DEMO_PUSH_TOKEN])


@pytest.mark.parametrize("key", ["short", "!" * 43, ""])
def test_bad_keys_are_refused_up_front(key: str) -> None:
    """A key that is not a 43-character base64 EncodingAESKey is refused when PushCrypto is made."""
    with pytest.raises(ValueError):  # noqa: PT011
        PushCrypto(token="t", encoding_aes_key=key, appid="wx")


async def test_emulator_push_records_the_ticket(emulator: Emulator) -> None:
    """A ticket push from the emulator is verified, decrypted and recorded."""
    component = demo_component(ticket=None)
    body, params, ticket = emulator.ticket_push()
    push = await record_ticket_push(
        component, crypto(), body, **{k: params[k] for k in ("msg_signature", "timestamp", "nonce")}
    )
    assert push is not None
    assert push.ticket == ticket
    assert await component.ticket() == ticket
    assert ticket not in repr(push)


def test_other_events_are_not_tickets() -> None:
    """An 'authorized' event is no ticket push."""
    assert (
        ticket_push("<xml><InfoType>authorized</InfoType><AuthorizerAppid>wx1</AuthorizerAppid></xml>")
        is None
    )


@pytest.fixture
async def platform(
    emulator: Emulator,
) -> AsyncIterator[tuple[str, wxtcb.ComponentTokenProvider, list[dict[str, str]]]]:
    """A third-party platform's aiohttp app with the ready ticket handler mounted."""
    component = demo_component(ticket=None)
    events: list[dict[str, str]] = []

    async def on_event(fields: dict[str, str]) -> None:
        events.append(fields)

    app = web.Application()
    app.router.add_post("/wechat/component", ticket_handler(component, crypto(), on_event=on_event))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/wechat/component"
    yield url, component, events
    await runner.cleanup()


async def test_handler_answers_success_and_the_ticket_opens_the_token(
    emulator: Emulator, platform: tuple[str, wxtcb.ComponentTokenProvider, list[dict[str, str]]]
) -> None:
    """End to end: WeChat pushes, the handler answers 'success', and the pushed ticket buys a component token."""
    url, component, _ = platform
    assert await emulator.send_ticket_push(url) == "success"
    provider = component.authorizer("wxmerchantdemo001", refresh_token="refreshtoken@@@demo-merchant-0001")
    async with wxtcb.Client(provider, base_url=emulator.url) as client:
        await client.get_callback_config()
    assert emulator.calls["cgi-bin/component/api_component_token"] == 1


async def test_handler_refuses_a_forged_push(
    emulator: Emulator, platform: tuple[str, wxtcb.ComponentTokenProvider, list[dict[str, str]]]
) -> None:
    """A push signed with another token is answered 403 and records nothing."""
    url, component, _ = platform
    assert await emulator.send_ticket_push(url, token="forged-token") == "invalid push"
    with pytest.raises(wxtcb.TicketMissingError):
        await component.ticket()


async def test_handler_hands_other_events_on(
    emulator: Emulator, platform: tuple[str, wxtcb.ComponentTokenProvider, list[dict[str, str]]]
) -> None:
    """An 'unauthorized' event reaches on_event with its fields, and WeChat gets 'success'."""
    import aiohttp

    url, _, events = platform
    xml = "<xml><AppId>wxcomponentdemo01</AppId><InfoType>unauthorized</InfoType><AuthorizerAppid>wx1</AuthorizerAppid></xml>"
    body, params = crypto().encrypt(xml)
    async with aiohttp.ClientSession() as session, session.post(url, params=params, data=body) as response:
        assert await response.text() == "success"
    assert events == [{"AppId": "wxcomponentdemo01", "InfoType": "unauthorized", "AuthorizerAppid": "wx1"}]
