"""The known XML attacks, at every entry point that reads untrusted XML.

Every such entry point goes through `wxtcb.safexml.parse_untrusted`; these tests drive each one
end to end (a push's envelope and its decrypted message, a cloud-run bot in XML mode, COS's error
answers through a real client) and check that nothing was expanded, stored or handled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import wxtcb
from tests.conftest import demo_component
from wxtcb import cloudrun
from wxtcb.errors import InvalidSignatureError
from wxtcb.push import PushCrypto, parse_push, record_ticket_push
from wxtcb.safexml import UnsafeXMLError, parse_untrusted
from wxtcb.storage import parse_cos_error
from wxtcb.testing import (
    DEMO_COMPONENT_APPID,
    DEMO_ENCODING_AES_KEY,
    DEMO_PUSH_TOKEN,
    INSTANT_RETRY,
    Emulator,
    Fault,
)
from wxtcb.webhooks import AuthorizationEvents, ticket_handler

ENV = "prod-1a2b3c"

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<{root}>{fields}<{key}>&lol3;</{key}></{root}>"
)
EXTERNAL_ENTITY = (
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><{root}>{fields}<{key}>&e;</{key}></{root}>'
)
INTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY e "expanded">]><{root}>{fields}<{key}>&e;</{key}></{root}>'
EXTERNAL_DTD = '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd"><{root}>{fields}<{key}>x</{key}></{root}>'
ATTACKS = {
    "billion laughs": BILLION_LAUGHS,
    "external entity": EXTERNAL_ENTITY,
    "internal entity": INTERNAL_ENTITY,
    "external DTD": EXTERNAL_DTD,
}


def attack(
    name: str, *, root: str = "xml", key: str = "Content", fields: str = "", utf16: bool = False
) -> bytes:
    """The attack *name* built around one element *key* (after *fields*), in UTF-8 or UTF-16."""
    text = ATTACKS[name].format(root=root, key=key, fields=fields)
    if utf16:
        return ('<?xml version="1.0" encoding="UTF-16"?>' + text.split("?>", 1)[-1]).encode("utf-16")
    return text.encode()


CASES = [(name, utf16) for name in ATTACKS for utf16 in (False, True)]
IDS = [f"{name}{' in UTF-16' if utf16 else ''}" for name, utf16 in CASES]


def crypto() -> PushCrypto:
    """The demo platform's push crypto, as the emulator encrypts with."""
    return PushCrypto(
        token=DEMO_PUSH_TOKEN, encoding_aes_key=DEMO_ENCODING_AES_KEY, appid=DEMO_COMPONENT_APPID
    )


@pytest.mark.parametrize(("name", "utf16"), CASES, ids=IDS)
def test_the_one_parser_refuses_each_attack(name: str, utf16: bool) -> None:
    """parse_untrusted raises UnsafeXMLError for each attack, in UTF-8 and in UTF-16."""
    with pytest.raises(UnsafeXMLError):
        parse_untrusted(attack(name, utf16=utf16))


def test_the_one_parser_bounds_size_and_depth() -> None:
    """Too large, too deep, not UTF-8 or not XML: refused; a plain push parses."""
    with pytest.raises(UnsafeXMLError):
        parse_untrusted(b"<xml>" + b"a" * 100 + b"</xml>", max_size=50)
    with pytest.raises(UnsafeXMLError):
        parse_untrusted(b"<a>" * 100 + b"</a>" * 100)
    with pytest.raises(UnsafeXMLError):
        parse_untrusted(b"<xml>\xff</xml>")
    with pytest.raises(UnsafeXMLError):
        parse_untrusted(b"hello")
    assert parse_untrusted(b"<xml><Content>hi</Content></xml>").findtext("Content") == "hi"


def test_import_wxtcb_does_not_load_defusedxml() -> None:
    """defusedxml loads on the first XML parsed, not with `import wxtcb` (a cold start pays nothing)."""
    import subprocess
    import sys

    code = "import sys, wxtcb, wxtcb.cloudrun, wxtcb.storage, wxtcb.push; print('defusedxml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- pushes: the envelope and the decrypted message -----------------------------------------


async def stored_ticket(component: wxtcb.ComponentTokenProvider) -> str | None:
    """The ticket in the component's store."""
    stored = await component.store.get_credential(component.ticket_key)
    return None if stored is None else stored.value


def _ticket_fields() -> str:
    return (
        f"<AppId>{DEMO_COMPONENT_APPID}</AppId><CreateTime>1700000000</CreateTime>"
        "<InfoType>component_verify_ticket</InfoType>"
    )


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_dtd_in_the_decrypted_push_is_refused_and_stores_nothing(name: str, emulator: Emulator) -> None:
    """A correctly signed push whose decrypted message holds a DTD: 403, the ticket unchanged, no hook."""
    inner = attack(name, key="ComponentVerifyTicket", fields=_ticket_fields()).decode()
    body, params = crypto().encrypt(inner)
    other: list[object] = []

    async def on_other(fields: dict[str, str]) -> None:
        other.append(fields)

    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY) as platform:
        events = AuthorizationEvents(platform, crypto(), on_other=on_other)
        before = await stored_ticket(platform.component)
        assert await events.feed(params, body) == (403, "invalid push")
        await events.aclose()
        assert await stored_ticket(platform.component) == before
    assert other == []
    assert sum(emulator.calls.values()) == 0


@pytest.mark.parametrize(("name", "utf16"), CASES, ids=IDS)
async def test_dtd_in_the_push_envelope_is_refused(name: str, utf16: bool, emulator: Emulator) -> None:
    """An envelope carrying an attack (UTF-16 included): 403 before any decryption or storing."""
    body = attack(name, key="Encrypt", fields=f"<AppId>{DEMO_COMPONENT_APPID}</AppId>", utf16=utf16)
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY) as platform:
        events = AuthorizationEvents(platform, crypto())
        before = await stored_ticket(platform.component)
        status, _ = await events.feed({"msg_signature": "x", "timestamp": "0", "nonce": "n"}, body)
        assert status == 403
        assert await stored_ticket(platform.component) == before


async def test_record_ticket_push_refuses_a_dtd_inside() -> None:
    """record_ticket_push: a signed push with an entity-built ticket raises and stores nothing."""
    component = demo_component()
    inner = attack("internal entity", key="ComponentVerifyTicket", fields=_ticket_fields()).decode()
    body, params = crypto().encrypt(inner)
    with pytest.raises(InvalidSignatureError):
        await record_ticket_push(
            component,
            crypto(),
            body,
            msg_signature=params["msg_signature"],
            timestamp=params["timestamp"],
            nonce=params["nonce"],
        )
    assert await stored_ticket(component) is None, "nothing was stored"
    with pytest.raises(InvalidSignatureError):
        parse_push(inner)


async def test_ticket_handler_answers_403_to_a_dtd_inside() -> None:
    """webhooks.ticket_handler over a real socket: a DTD in the decrypted push is 403, nothing stored."""
    component = demo_component()
    seen: list[object] = []

    async def on_event(fields: dict[str, str]) -> None:
        seen.append(fields)

    app = web.Application()
    app.router.add_post("/push", ticket_handler(component, crypto(), on_event=on_event))
    fields = _ticket_fields().replace("component_verify_ticket", "other_event")
    inner_text = attack("billion laughs", key="Note", fields=fields).decode()
    body, params = crypto().encrypt(inner_text)
    async with (
        TestServer(app, host="127.0.0.1") as server,
        aiohttp.ClientSession() as session,
        session.post(server.make_url("/push"), params=params, data=body) as answer,
    ):
        assert (answer.status, await answer.text()) == (403, "invalid push")
    assert seen == []
    assert await stored_ticket(component) is None, "nothing was stored"


# --- cloud-run bots in XML mode -------------------------------------------------------------


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[cloudrun.Bot]:
    """A bot whose text handler records what it was given."""
    async with wxtcb.Client(wxtcb.OpenApiProvider(), base_url=emulator.url, retry=INSTANT_RETRY) as client:
        bot = cloudrun.Bot(client)
        bot.handled = []  # type: ignore[attr-defined]

        @bot.fallback
        async def record(message: cloudrun.Message) -> None:
            bot.handled.append(message)  # type: ignore[attr-defined]

        async with bot:
            yield bot


@pytest.mark.parametrize(("name", "utf16"), CASES, ids=IDS)
async def test_bot_refuses_each_attack_in_xml_mode(name: str, utf16: bool, bot: cloudrun.Bot) -> None:
    """Bot.feed: each attack is 400, no handler runs, the answer carries nothing expanded."""
    fields = "<ToUserName>gh_1</ToUserName><MsgType>text</MsgType><MsgId>1</MsgId>"
    status, answer = await bot.feed({}, attack(name, fields=fields, utf16=utf16))
    assert status == 400
    for expanded in (b"lol", b"expanded", b"root:"):
        assert expanded not in answer
    assert bot.handled == []  # type: ignore[attr-defined]


async def test_bot_still_reads_plain_xml(bot: cloudrun.Bot) -> None:
    """The same bot handles a plain XML push: the refusals above are not a parser that reads nothing."""
    body = b"<xml><MsgType>text</MsgType><Content>hi</Content><MsgId>2</MsgId></xml>"
    assert await bot.feed({}, body) == (200, b"success")
    assert [m.raw["Content"] for m in bot.handled] == ["hi"]  # type: ignore[attr-defined]


# --- COS's error answers --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "utf16"), CASES, ids=IDS)
def test_parse_cos_error_reads_an_attack_as_the_status_alone(name: str, utf16: bool) -> None:
    """parse_cos_error: an attack in COS's error XML gives the status alone, nothing expanded."""
    error = parse_cos_error(400, attack(name, root="Error", key="Code", utf16=utf16))
    assert (error.code, error.request_id, error.status) == ("", "", 400)
    assert "lol" not in str(error)
    assert "expanded" not in str(error)


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_storage_upload_reads_an_attack_from_cos_as_the_status_alone(
    name: str, emulator: Emulator, client: wxtcb.Client
) -> None:
    """client.storage.upload against a COS answering an attack: StorageError with the status alone."""
    path = "attack.bin"
    emulator.fault(
        f"_cos/7465-{ENV}-1250000000/{path}", Fault.raw(attack(name, root="Error", key="Code"), status=400)
    )
    with pytest.raises(wxtcb.StorageError) as caught:
        await client.storage.upload(ENV, path, b"abc")
    assert (caught.value.code, caught.value.status) == ("", 400)
    assert "lol" not in str(caught.value)
    assert "expanded" not in str(caught.value)


def test_the_size_bound_counts_utf8_bytes_and_a_bom_is_xml() -> None:
    """Text is bounded by its UTF-8 size, as bytes are (a CJK character is three bytes), and a
    UTF-8 byte-order mark before the XML is accepted, in text and in bytes."""
    cjk = "<xml><Content>" + "测" * 30 + "</Content></xml>"
    assert len(cjk) <= 80 < len(cjk.encode())
    with pytest.raises(UnsafeXMLError, match="over 80 bytes"):
        parse_untrusted(cjk, max_size=80)
    assert parse_untrusted(cjk, max_size=200).find("Content") is not None
    for bom in ("\ufeff<xml><a>1</a></xml>", "\ufeff<xml><a>1</a></xml>".encode()):
        assert parse_untrusted(bom).findtext("a") == "1"
