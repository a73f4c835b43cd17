"""Cloud-run bots: receive what the push configuration routes, answer, and reply through the client.

``tcb/setcallbackconfig``'s ``container_config`` routes a mini program's (or official account's)
messages and events to a path of a cloud-run service, as JSON or XML. A `Bot` answers that path::

    from wxtcb import cloudrun

    client = wxtcb.Client(wxtcb.OpenApiProvider())     # cloud-run's open-API service: no token
    bot = cloudrun.Bot(client)

    @bot.on_text
    async def echo(message: cloudrun.TextMessage) -> None:
        await message.reply_text(message.content)      # cgi-bin/message/custom/send

    app.router.add_post("/wechat/push", bot.handler)   # or: status, body = await bot.feed(headers, body)

What WeChat's pages say, and what the bot does about it:

* When the route is saved WeChat sends a check (``{"action": "CheckContainerPath"}`` or
  ``<xml><action>CheckContainerPath</action></xml>``); the bot answers 200 ``success``.
* WeChat waits five seconds for an answer and then resends, three times in all; the bot answers
  within *deadline* (3 s) whatever the handler does: a slower handler goes on in the background
  (at most *max_pending* at once), and a resend is recognised (by ``MsgId``; an event by sender,
  time and event) and answered without running the handler again.
* With public network access switched on, only requests carrying ``x-wx-source`` come from
  WeChat: ``Bot(client, public_access=True)`` refuses the others with 403.
* A body over *max_body* bytes, or one that is neither a JSON object nor XML, is refused with 400.
  XML with a DTD or an entity declaration is refused: the parser never expands entities.
* A mini program answers only actively (``message.reply_text(...)``, `CustomerService`); an
  official account may also answer passively: a handler returns a `Reply` (`TextReply`, …) and
  the bot encodes it in the push's format.

Nothing the users wrote reaches a log line: the bot logs what happened (refused, failed, late),
the handler's name and an exception's class, never a message's content or an exception's text.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import json
import logging
import time
import typing
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, Protocol, TypeVar

import attrs
from aiohttp import web

from wxtcb.converter import structure
from wxtcb.errors import InvalidRequestError, WxTcbError
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, Sender, endpoint
from wxtcb.wire import wire, wire_name

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BODY",
    "Bot",
    "CustomImage",
    "CustomLink",
    "CustomMiniProgramPage",
    "CustomText",
    "CustomerService",
    "DedupeStore",
    "EnterSessionEvent",
    "Event",
    "ImageMessage",
    "ImageReply",
    "LinkMessage",
    "LocationEvent",
    "LocationMessage",
    "MemoryDedupe",
    "MenuEvent",
    "Message",
    "MiniProgramPageMessage",
    "PushFormatError",
    "RawMessage",
    "RedisDedupe",
    "Reply",
    "ScanEvent",
    "SendCustomMessage",
    "SetTyping",
    "ShortVideoMessage",
    "SubscribeEvent",
    "TextMessage",
    "TextReply",
    "VideoMessage",
    "VideoReply",
    "VoiceMessage",
    "VoiceReply",
    "encode",
    "message_from_fields",
    "parse",
]

logger = logging.getLogger("wxtcb")

#: Seconds within which the bot answers a push, whatever its handler does (WeChat waits five).
DEFAULT_DEADLINE = 3.0
#: The largest push body accepted, in bytes (WeChat's pushes are a few hundred bytes).
DEFAULT_MAX_BODY = 64 * 1024

_DOCS = "https://developers.weixin.qq.com/miniprogram/dev/api-backend/open-api/customer-message/"


# --- active replies: cgi-bin/message/custom/send and custom/typing ------------------------------


@attrs.frozen
class CustomText:
    """The ``text`` of a customer-service message.

    Attributes:
        content: ``content``, the text.
    """

    content: str


@attrs.frozen
class CustomImage:
    """The ``image`` of a customer-service message: a media id from the temporary-media upload.

    Attributes:
        media_id: ``media_id``, the image's media id.
    """

    media_id: str


@attrs.frozen
class CustomLink:
    """The ``link`` of a customer-service message (a titled link with a picture).

    Attributes:
        title: ``title``, the link's title.
        description: ``description``, the text under the title.
        url: ``url``, where the link goes.
        thumb_url: ``thumb_url``, the picture's URL.
    """

    title: str
    description: str
    url: str
    thumb_url: str


@attrs.frozen
class CustomMiniProgramPage:
    """The ``miniprogrampage`` card of a customer-service message.

    Attributes:
        title: The card's title.
        pagepath: The page it opens (``pages/index/index?foo=bar``).
        thumb_media_id: The cover: an image media id.
        appid: The mini program (official accounts sending a linked mini program's card); left out
            of the body when None.
    """

    title: str
    pagepath: str
    thumb_media_id: str
    appid: str | None = attrs.field(default=None, metadata=wire(omit_if_default=True))


_CONTENTS: dict[str, type[Any]] = {
    "text": CustomText,
    "image": CustomImage,
    "link": CustomLink,
    "miniprogrampage": CustomMiniProgramPage,
}


_OMIT = wire(omit_if_default=True)


@attrs.frozen(kw_only=True)
class SendCustomMessage(Method[None]):
    """Send a customer-service message (the active reply): exactly one of text, image, link or card.

    ``msgtype`` is derived from the content given. WeChat accepts it within 48 hours of the
    user's last message (official accounts: other windows for menus and scans).

    Attributes:
        touser: ``touser``, the user's openid (a non-empty string).
        text: ``text``, a `CustomText`; left out when None.
        image: ``image``, a `CustomImage`; left out when None.
        link: ``link``, a `CustomLink`; left out when None.
        miniprogrampage: ``miniprogrampage``, a `CustomMiniProgramPage`; left out when None.
        msgtype: ``msgtype``, the name of the one content given (``"text"``, ``"image"``, ``"link"``,
            ``"miniprogrampage"``; not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/message/custom/send", idempotent=False, doc=_DOCS + "customerServiceMessage.send.html"
    )

    touser: str = attrs.field()
    text: CustomText | None = attrs.field(default=None, metadata=_OMIT)
    image: CustomImage | None = attrs.field(default=None, metadata=_OMIT)
    link: CustomLink | None = attrs.field(default=None, metadata=_OMIT)
    miniprogrampage: CustomMiniProgramPage | None = attrs.field(default=None, metadata=_OMIT)
    msgtype: str = attrs.field(init=False)

    @touser.validator
    def _check_touser(self, _: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise InvalidRequestError("touser must be the user's openid")

    def __attrs_post_init__(self) -> None:
        given = [name for name in _CONTENTS if getattr(self, name) is not None]
        if len(given) == 1 and not isinstance(getattr(self, given[0]), _CONTENTS[given[0]]):
            raise InvalidRequestError(f"{given[0]} must be a cloudrun.{_CONTENTS[given[0]].__name__}")
        if len(given) != 1:
            raise InvalidRequestError(
                "a customer-service message has exactly one of text, image, link, miniprogrampage"
            )
        object.__setattr__(self, "msgtype", given[0])


def _check_command(_: object, __: attrs.Attribute[str], value: str) -> None:
    if value not in ("Typing", "CancelTyping"):
        raise InvalidRequestError("command must be 'Typing' or 'CancelTyping'")


@attrs.frozen
class SetTyping(Method[None]):
    """Show (``"Typing"``) or hide (``"CancelTyping"``) the typing indicator in the user's chat.

    Attributes:
        touser: ``touser``, the user's openid.
        command: ``command``, ``"Typing"`` (the default) or ``"CancelTyping"``; nothing else is accepted.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/message/custom/typing", doc=_DOCS + "customerServiceMessage.setTyping.html"
    )

    touser: str
    command: str = attrs.field(default="Typing", validator=_check_command)


class CustomerService(Namespace):
    """``client.customer_service``: customer-service messages, the way a mini program answers."""

    __slots__ = ()

    send = endpoint(SendCustomMessage)
    typing = endpoint(SetTyping)


# --- messages and events ----------------------------------------------------------------------


def _w(name: str) -> dict[str, Any]:
    return wire(name)


@attrs.frozen(kw_only=True)
class Message:
    """A push: a message or an event. Field names follow the wire (``ToUserName`` → ``to_user_name``).

    Attributes:
        to_user_name: The mini program's or official account's original id (``gh_…``).
        from_user_name: The sender's openid.
        create_time: When it was sent (Unix seconds).
        msg_type: ``MsgType`` (``"text"``, ``"image"``, ``"event"``, …).
        raw: Every field as it arrived (strings in XML; JSON values in JSON).
    """

    to_user_name: str = attrs.field(default="", metadata=_w("ToUserName"))
    from_user_name: str = attrs.field(default="", metadata=_w("FromUserName"))
    create_time: int = attrs.field(default=0, metadata=_w("CreateTime"))
    msg_type: str = attrs.field(default="", metadata=_w("MsgType"))
    raw: dict[str, Any] = attrs.field(init=False, factory=dict, repr=False, eq=False)
    _bot: Bot | None = attrs.field(init=False, default=None, repr=False, eq=False)

    @property
    def dedupe_key(self) -> str:
        """What identifies a resend of this push: ``MsgId``, or sender + time + event."""
        msg_id = self.raw.get("MsgId")
        if msg_id not in (None, ""):
            parts = f"{self.to_user_name}:m:{msg_id}"
        else:
            event = self.raw.get("Event", "")
            parts = f"{self.to_user_name}:e:{self.from_user_name}:{self.create_time}:{event}"
        # Hashed: a push may carry a 64 KiB MsgId, and a dedupe store holds many keys.
        return hashlib.sha256(parts.encode()).hexdigest()

    def _client(self) -> Sender:
        if self._bot is None:
            raise RuntimeError(
                "this message did not come through a cloudrun.Bot: it has no client to reply with"
            )
        return self._bot.client

    async def reply(self, **content: Any) -> None:
        """Send the sender a customer-service message: ``text=CustomText(...)``, ``image=…``, …"""
        await self._client()(SendCustomMessage(touser=self.from_user_name, **content))

    async def reply_text(self, content: str) -> None:
        """Answer with a text message (``cgi-bin/message/custom/send``)."""
        await self.reply(text=CustomText(content))

    async def reply_image(self, media_id: str) -> None:
        """Answer with an image (a media id from the temporary-media upload)."""
        await self.reply(image=CustomImage(media_id))

    async def reply_link(self, title: str, description: str, url: str, thumb_url: str) -> None:
        """Answer with a titled link."""
        await self.reply(link=CustomLink(title, description, url, thumb_url))

    async def reply_miniprogram_page(
        self, title: str, pagepath: str, thumb_media_id: str, appid: str | None = None
    ) -> None:
        """Answer with a mini-program card."""
        await self.reply(miniprogrampage=CustomMiniProgramPage(title, pagepath, thumb_media_id, appid))

    async def typing(self, on: bool = True) -> None:
        """Show (or hide) the typing indicator in the sender's chat (``custom/typing``)."""
        await self._client()(SetTyping(self.from_user_name, "Typing" if on else "CancelTyping"))


@attrs.frozen(kw_only=True)
class _UserMessage(Message):
    msg_id: int | None = attrs.field(default=None, metadata=_w("MsgId"))


@attrs.frozen(kw_only=True)
class TextMessage(_UserMessage):
    """``text``: *content* is what the user typed; ``msg_id`` is ``MsgId``.

    Attributes:
        content: ``Content``, what the user typed.
    """

    content: str = attrs.field(default="", metadata=_w("Content"))


@attrs.frozen(kw_only=True)
class ImageMessage(_UserMessage):
    """``image``: a picture (``PicUrl``, ``MediaId``).

    Attributes:
        pic_url: ``PicUrl``, the picture's URL.
        media_id: ``MediaId``, the picture's media id.
    """

    pic_url: str = attrs.field(default="", metadata=_w("PicUrl"))
    media_id: str = attrs.field(default="", metadata=_w("MediaId"))


@attrs.frozen(kw_only=True)
class VoiceMessage(_UserMessage):
    """``voice``: a voice clip (``MediaId``, ``Format``; ``Recognition`` when speech recognition is on).

    Attributes:
        media_id: ``MediaId``, the clip's media id.
        format: ``Format``, the clip's audio format.
        recognition: ``Recognition``, the recognised text when speech recognition is on, else None.
    """

    media_id: str = attrs.field(default="", metadata=_w("MediaId"))
    format: str = attrs.field(default="", metadata=_w("Format"))
    recognition: str | None = attrs.field(default=None, metadata=_w("Recognition"))


@attrs.frozen(kw_only=True)
class VideoMessage(_UserMessage):
    """``video``: a video (``MediaId``, ``ThumbMediaId``).

    Attributes:
        media_id: ``MediaId``, the video's media id.
        thumb_media_id: ``ThumbMediaId``, its thumbnail's media id.
    """

    media_id: str = attrs.field(default="", metadata=_w("MediaId"))
    thumb_media_id: str = attrs.field(default="", metadata=_w("ThumbMediaId"))


@attrs.frozen(kw_only=True)
class ShortVideoMessage(VideoMessage):
    """``shortvideo``: a short video (official accounts)."""


@attrs.frozen(kw_only=True)
class LocationMessage(_UserMessage):
    """``location``: a place (``Location_X`` latitude, ``Location_Y`` longitude, ``Scale``, ``Label``).

    Attributes:
        location_x: ``Location_X``, the latitude.
        location_y: ``Location_Y``, the longitude.
        scale: ``Scale``, the map's scale.
        label: ``Label``, the place's description.
    """

    location_x: float = attrs.field(default=0.0, metadata=_w("Location_X"))
    location_y: float = attrs.field(default=0.0, metadata=_w("Location_Y"))
    scale: int = attrs.field(default=0, metadata=_w("Scale"))
    label: str = attrs.field(default="", metadata=_w("Label"))


@attrs.frozen(kw_only=True)
class LinkMessage(_UserMessage):
    """``link``: a shared link (``Title``, ``Description``, ``Url``).

    Attributes:
        title: ``Title``, the link's title.
        description: ``Description``, its description.
        url: ``Url``, where it goes.
    """

    title: str = attrs.field(default="", metadata=_w("Title"))
    description: str = attrs.field(default="", metadata=_w("Description"))
    url: str = attrs.field(default="", metadata=_w("Url"))


@attrs.frozen(kw_only=True)
class MiniProgramPageMessage(_UserMessage):
    """``miniprogrampage``: a mini-program card.

    Fields ``Title``, ``AppId``, ``PagePath``, ``ThumbUrl`` and ``ThumbMediaId``.

    Attributes:
        title: ``Title``, the card's title.
        app_id: ``AppId``, the mini program's appid.
        page_path: ``PagePath``, the page the card opens.
        thumb_url: ``ThumbUrl``, the cover's URL.
        thumb_media_id: ``ThumbMediaId``, the cover's media id.
    """

    title: str = attrs.field(default="", metadata=_w("Title"))
    app_id: str = attrs.field(default="", metadata=_w("AppId"))
    page_path: str = attrs.field(default="", metadata=_w("PagePath"))
    thumb_url: str = attrs.field(default="", metadata=_w("ThumbUrl"))
    thumb_media_id: str = attrs.field(default="", metadata=_w("ThumbMediaId"))


@attrs.frozen(kw_only=True)
class Event(Message):
    """``event``: *event* is ``Event`` as WeChat sent it; its other fields are in ``raw``.

    Attributes:
        event: ``Event``, the event's name as WeChat sent it.
    """

    event: str = attrs.field(default="", metadata=_w("Event"))


@attrs.frozen(kw_only=True)
class EnterSessionEvent(Event):
    """``user_enter_tempsession``: the user opened the customer-service chat (``SessionFrom``).

    Attributes:
        session_from: ``SessionFrom``, as WeChat sent it.
    """

    session_from: str = attrs.field(default="", metadata=_w("SessionFrom"))


@attrs.frozen(kw_only=True)
class SubscribeEvent(Event):
    """``subscribe`` / ``unsubscribe`` (official accounts); a subscription through a QR code has
    ``EventKey`` (``qrscene_…``) and ``Ticket``.

    Attributes:
        event_key: ``EventKey``, ``qrscene_…`` for a subscription through a QR code, else empty.
        ticket: ``Ticket``, the QR code's ticket for a subscription through one, else empty.
    """

    event_key: str = attrs.field(default="", metadata=_w("EventKey"))
    ticket: str = attrs.field(default="", repr=False, metadata=_w("Ticket"))


@attrs.frozen(kw_only=True)
class ScanEvent(SubscribeEvent):
    """``SCAN``: a subscriber scanned a QR code with a scene (``EventKey``, ``Ticket``)."""


@attrs.frozen(kw_only=True)
class LocationEvent(Event):
    """``LOCATION``: the reported position (``Latitude``, ``Longitude``, ``Precision``).

    Attributes:
        latitude: ``Latitude``, the reported latitude.
        longitude: ``Longitude``, the reported longitude.
        precision: ``Precision``, the reported precision.
    """

    latitude: float = attrs.field(default=0.0, metadata=_w("Latitude"))
    longitude: float = attrs.field(default=0.0, metadata=_w("Longitude"))
    precision: float = attrs.field(default=0.0, metadata=_w("Precision"))


@attrs.frozen(kw_only=True)
class MenuEvent(Event):
    """``CLICK`` / ``VIEW``: a menu item (``EventKey``: its key, or the URL for ``VIEW``).

    Attributes:
        event_key: ``EventKey``, the menu item's key, or the URL for ``VIEW``.
    """

    event_key: str = attrs.field(default="", metadata=_w("EventKey"))


@attrs.frozen(kw_only=True)
class RawMessage(Message):
    """A push of a type wxtcb does not model (or whose fields did not fit): read ``raw``."""


_MESSAGES: dict[str, type[Message]] = {
    "text": TextMessage,
    "image": ImageMessage,
    "voice": VoiceMessage,
    "video": VideoMessage,
    "shortvideo": ShortVideoMessage,
    "location": LocationMessage,
    "link": LinkMessage,
    "miniprogrampage": MiniProgramPageMessage,
}
_EVENTS: dict[str, type[Event]] = {
    "user_enter_tempsession": EnterSessionEvent,
    "subscribe": SubscribeEvent,
    "unsubscribe": SubscribeEvent,
    "scan": ScanEvent,
    "location": LocationEvent,
    "click": MenuEvent,
    "view": MenuEvent,
}
#: Wire keys per class whose hint is int: XML sends every value as text.
_INTS: dict[type[Message], tuple[str, ...]] = {}


def _int_keys(cls: type[Message]) -> tuple[str, ...]:
    keys = _INTS.get(cls)
    if keys is None:
        hints = typing.get_type_hints(cls)
        keys = _INTS[cls] = tuple(
            wire_name(f) for f in attrs.fields(cls) if f.init and hints[f.name] in (int, int | None)
        )
    return keys


def _message_class(fields: Mapping[str, Any]) -> type[Message]:
    msg_type = fields.get("MsgType")
    if msg_type == "event":
        event = fields.get("Event")
        return _EVENTS.get(event.lower(), Event) if isinstance(event, str) else Event
    return _MESSAGES.get(msg_type, RawMessage) if isinstance(msg_type, str) else RawMessage


def message_from_fields(fields: Mapping[str, Any]) -> Message:
    """The typed message for a push's fields (a `RawMessage` when its type is unknown or its fields
    do not fit the model: delivered, never refused)."""
    data = dict(fields)
    if "ToUserName" not in data and "ToUser" in data:
        # WeChat's English page writes <ToUser > where every other page has ToUserName.
        data["ToUserName"] = data["ToUser"]
    cls = _message_class(data)
    for key in _int_keys(cls):
        value = data.get(key)
        if isinstance(value, str):
            digits = value.strip()
            unsigned = digits.removeprefix("-")
            # ASCII digits only ("²".isdigit() is True), and no longer than a 64-bit number.
            if 0 < len(unsigned) <= 20 and unsigned.isascii() and unsigned.isdigit():
                data[key] = int(digits)
    try:
        message = structure(data, cls)
    except WxTcbError:
        message = structure(
            {k: data[k] for k in ("ToUserName", "FromUserName", "MsgType") if isinstance(data.get(k), str)},
            RawMessage,
        )
    object.__setattr__(message, "raw", data)
    return message


# --- wire formats -----------------------------------------------------------------------------


class PushFormatError(ValueError):
    """A push body that is neither a JSON object nor safe XML (never carries the body's content)."""


#: Deeper XML than this is not a WeChat push.
_MAX_XML_DEPTH = 32


def _element_value(element: ET.Element, depth: int = 0) -> Any:
    if depth > _MAX_XML_DEPTH:
        raise PushFormatError("XML nested too deeply")
    if len(element):
        return {child.tag.strip(): _element_value(child, depth + 1) for child in element}
    return (element.text or "").strip()


def parse(body: bytes) -> tuple[dict[str, Any], bool]:
    """A push body's fields and whether it was XML. Raises `PushFormatError` for anything else.

    XML is parsed by the standard library after refusing any DTD or entity declaration, so no
    entity is ever expanded (no "billion laughs", no external entities).
    """
    start = body.lstrip()[:1]
    if start != b"{" and start != b"[":
        # WeChat sends UTF-8. The DTD check runs on the decoded text: a byte search would miss a
        # UTF-16 body, whose entities expat would then expand.
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise PushFormatError("neither a JSON object nor UTF-8 XML") from None
        upper = text.upper()
        if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
            raise PushFormatError("XML with a DTD or entity declaration")
        if not text.lstrip().startswith("<"):
            raise PushFormatError("neither a JSON object nor XML")
        try:
            root = ET.fromstring(text)
        except (ET.ParseError, ValueError):
            raise PushFormatError("malformed XML") from None
        value = _element_value(root)
        return (value if isinstance(value, dict) else {}), True
    if start == b"{":
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise PushFormatError("malformed JSON") from None
        if isinstance(data, dict):
            return data, False
    raise PushFormatError("neither a JSON object nor XML")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml_items(fields: Mapping[str, Any]) -> str:
    out = []
    for key, value in fields.items():
        if isinstance(value, Mapping):
            inner = _xml_items(value)
        elif isinstance(value, bool):
            inner = str(int(value))
        elif isinstance(value, int | float):
            inner = str(value)
        else:
            inner = _cdata(str(value))
        out.append(f"<{key}>{inner}</{key}>")
    return "".join(out)


def encode(fields: Mapping[str, Any], *, xml: bool) -> bytes:
    """Encode wire fields as WeChat does: compact UTF-8 JSON, or ``<xml>`` with CDATA text."""
    if xml:
        return ("<xml>" + _xml_items(fields) + "</xml>").encode()
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


# --- passive replies (official accounts) ------------------------------------------------------


class Reply:
    """A passive reply: what a handler returns to answer in the HTTP response (official accounts only).

    Attributes:
        msg_type: ``MsgType`` of the reply (each subclass sets it).
    """

    msg_type: ClassVar[str] = ""

    def _fields(self) -> dict[str, Any]:
        raise NotImplementedError  # abstract

    def wire(self, message: Message, now: int) -> dict[str, Any]:
        """The reply's wire fields, addressed back to *message*'s sender."""
        return {
            "ToUserName": message.from_user_name,
            "FromUserName": message.to_user_name,
            "CreateTime": now,
            "MsgType": self.msg_type,
            **self._fields(),
        }


@attrs.frozen
class TextReply(Reply):
    """Answer with text.

    Attributes:
        msg_type: ``"text"``.
        content: The text.
    """

    msg_type: ClassVar[str] = "text"
    content: str

    def _fields(self) -> dict[str, Any]:
        return {"Content": self.content}


@attrs.frozen
class ImageReply(Reply):
    """Answer with an image (a permanent or temporary media id).

    Attributes:
        msg_type: ``"image"``.
        media_id: The image's media id (permanent or temporary).
    """

    msg_type: ClassVar[str] = "image"
    media_id: str

    def _fields(self) -> dict[str, Any]:
        return {"Image": {"MediaId": self.media_id}}


@attrs.frozen
class VoiceReply(Reply):
    """Answer with a voice clip (media id).

    Attributes:
        msg_type: ``"voice"``.
        media_id: The voice clip's media id.
    """

    msg_type: ClassVar[str] = "voice"
    media_id: str

    def _fields(self) -> dict[str, Any]:
        return {"Voice": {"MediaId": self.media_id}}


@attrs.frozen
class VideoReply(Reply):
    """Answer with a video (media id, title, description).

    Attributes:
        msg_type: ``"video"``.
        media_id: The video's media id.
        title: The video's title (empty by default).
        description: The video's description (empty by default).
    """

    msg_type: ClassVar[str] = "video"
    media_id: str
    title: str = ""
    description: str = ""

    def _fields(self) -> dict[str, Any]:
        return {"Video": {"MediaId": self.media_id, "Title": self.title, "Description": self.description}}


# --- resends ------------------------------------------------------------------------------------


class DedupeStore(Protocol):
    """Remembers which pushes were seen, for *window* seconds, so a resend is handled once."""

    async def first_seen(self, key: str, window: float) -> bool:
        """Record *key*; True if it was not already recorded within its window."""
        ...

    async def forget(self, key: str) -> None:
        """Drop *key* (its push was not handled after all: let a resend through)."""
        ...


class MemoryDedupe:
    """A `DedupeStore` in this process (the default): one replica, or tests.

    Args:
        max_keys: The most keys kept; the oldest go first when it is reached.
        clock: Monotonic seconds.
    """

    def __init__(self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._seen: collections.OrderedDict[str, float] = collections.OrderedDict()
        self._max = max_keys
        self._clock = clock

    async def first_seen(self, key: str, window: float) -> bool:
        now = self._clock()
        seen = self._seen
        while seen:  # drop expired keys, oldest first
            oldest, expires = next(iter(seen.items()))
            if expires > now and len(seen) < self._max:
                break
            del seen[oldest]
        known = seen.get(key)
        if known is not None and known > now:
            return False
        seen[key] = now + window
        seen.move_to_end(key)
        return True

    async def forget(self, key: str) -> None:
        self._seen.pop(key, None)


class RedisDedupe:
    """A `DedupeStore` shared by every replica through Redis (``SET key 1 NX PX window``).

    Each push is one key and every command touches one key, so it works unchanged on a Redis
    Cluster (the keys spread over the slots) and on a Sentinel primary. Through a failover, a key
    the old primary had not yet replicated may be lost: that push is then handled twice, never
    dropped.

    Args:
        redis: A ``redis.asyncio.Redis`` client (``pip install 'wxtcb[redis]'``), a
            ``redis.asyncio.RedisCluster``, or a Sentinel primary (``Sentinel.master_for``).
        prefix: The key prefix.

    Attributes:
        prefix: The key prefix (``"wxtcb:push"`` by default).
    """

    def __init__(self, redis: Any, *, prefix: str = "wxtcb:push") -> None:
        self._redis = redis
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"<RedisDedupe prefix={self.prefix!r}>"

    async def first_seen(self, key: str, window: float) -> bool:
        done = await self._redis.set(f"{self.prefix}:{key}", b"1", nx=True, px=max(1, int(window * 1000)))
        return bool(done)

    async def forget(self, key: str) -> None:
        await self._redis.delete(f"{self.prefix}:{key}")


# --- the bot --------------------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
_Handler = Callable[[Any], Awaitable[Any]]

_SUCCESS = b"success"
#: A dedupe store that does not answer within this many seconds is skipped (the push is handled).
_STORE_TIMEOUT = 1.0


class Bot:
    """Receives cloud-run pushes and hands each to one handler; replies go through *client*.

    Args:
        client: The client replies are sent with (`wxtcb.Client` with `wxtcb.OpenApiProvider`
            or `wxtcb.CloudbaseTokenProvider` in cloud-run).
        public_access: The service has public network access switched on: only pushes carrying
            the ``x-wx-source`` header are accepted (others get 403).
        deadline: Seconds within which every push is answered; a slower handler goes on in the
            background (its passive reply, if any, is dropped: reply actively instead).
        max_pending: How many handlers may run at once; a push that finds no room within the
            deadline is answered 503 (WeChat resends it).
        dedupe: Where seen pushes are remembered (`MemoryDedupe` by default; `RedisDedupe` for
            many replicas).
        dedupe_window: Seconds a push is remembered (WeChat resends within about 15 s).
        max_body: The largest body accepted, in bytes.
        on_error: Called with the message and the exception when a handler fails (after the
            bot logged the handler's name and the exception's class, never the content).

    Attributes:
        client: The client replies are sent with.
        public_access: Whether only pushes carrying the ``x-wx-source`` header are accepted.
        deadline: Seconds within which every push is answered.
        max_body: The largest body accepted, in bytes.
        dedupe: Where seen pushes are remembered (a `MemoryDedupe` unless one was given).
        dedupe_window: Seconds a push is remembered.
        on_error: Called with the message and the exception when a handler fails, or None.
    """

    def __init__(
        self,
        client: Sender,
        *,
        public_access: bool = False,
        deadline: float = DEFAULT_DEADLINE,
        max_pending: int = 100,
        dedupe: DedupeStore | None = None,
        dedupe_window: float = 120.0,
        max_body: int = DEFAULT_MAX_BODY,
        on_error: Callable[[Message, BaseException], Awaitable[None]] | None = None,
    ) -> None:
        if not deadline > 0 or max_pending < 1 or max_body < 1 or not dedupe_window > 0:
            raise InvalidRequestError("deadline, max_pending, max_body and dedupe_window must be positive")
        self.client = client
        self.public_access = public_access
        self.deadline = deadline
        self.max_body = max_body
        self.dedupe: DedupeStore = dedupe if dedupe is not None else MemoryDedupe()
        self.dedupe_window = dedupe_window
        self.on_error = on_error
        self._slots = asyncio.Semaphore(max_pending)
        self._messages: dict[str, _Handler] = {}
        self._events: dict[str, _Handler] = {}
        self._fallback: _Handler | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def __repr__(self) -> str:
        return f"<cloudrun.Bot pending={len(self._tasks)}{' closed' if self._closed else ''}>"

    # --- routing ---

    def on_message(self, msg_type: str) -> Callable[[F], F]:
        """Handle messages of *msg_type* (``"image"``, ``"voice"``…; ``"event"``: events no
        `on_event` handler takes)."""

        def register(handler: F) -> F:
            self._messages[msg_type] = handler
            return handler

        return register

    def on_text(self, handler: F) -> F:
        """Handle text messages (`TextMessage`)."""
        return self.on_message("text")(handler)

    def on_event(self, name: str) -> Callable[[F], F]:
        """Handle events named *name* (``"user_enter_tempsession"``, ``"subscribe"``…; any case)."""

        def register(handler: F) -> F:
            self._events[name.lower()] = handler
            return handler

        return register

    def fallback(self, handler: F) -> F:
        """Handle every push no other handler takes (unknown types included)."""
        self._fallback = handler
        return handler

    def _handler_for(self, message: Message) -> _Handler | None:
        if isinstance(message, Event):
            found = self._events.get(message.event.lower())
            if found is not None:
                return found
        return self._messages.get(message.msg_type) or self._fallback

    # --- receiving ---

    async def handler(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp handler: ``app.router.add_post(path, bot.handler)``."""
        length = request.content_length
        if length is not None and length > self.max_body:
            return self._refuse(400, f"body over {self.max_body} bytes")
        body = bytearray()
        async for chunk in request.content.iter_chunked(16 * 1024):
            body += chunk
            if len(body) > self.max_body:
                return self._refuse(400, f"body over {self.max_body} bytes")
        status, answer = await self.feed(request.headers, bytes(body))
        return web.Response(status=status, body=answer, content_type=_content_type(answer))

    async def feed(self, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        """Handle one push from any framework: its headers and body in, ``(status, body)`` out."""
        if self._closed:
            return self._refuse_bytes(503, "the bot is closed")
        if self.public_access and not any(k.lower() == "x-wx-source" for k in headers):
            return self._refuse_bytes(403, "no x-wx-source header on a public service")
        if len(body) > self.max_body:
            return self._refuse_bytes(400, f"body over {self.max_body} bytes")
        try:
            fields, xml = parse(body)
        except PushFormatError as exc:
            return self._refuse_bytes(400, str(exc))
        if fields.get("action") == "CheckContainerPath":
            logger.info("answered WeChat's CheckContainerPath check")
            return 200, _SUCCESS
        # One budget for everything before the answer: the dedupe store, a free slot, the handler.
        loop = asyncio.get_running_loop()
        end = loop.time() + self.deadline
        message = message_from_fields(fields)
        object.__setattr__(message, "_bot", self)
        key = message.dedupe_key
        if not await self._first_seen(key, min(_STORE_TIMEOUT, self.deadline)):
            logger.info("push %s already handled: a resend, acknowledged", message.msg_type)
            return 200, _SUCCESS
        try:
            async with asyncio.timeout_at(end):
                await self._slots.acquire()
        except TimeoutError:
            await self._forget(key)
            return self._refuse_bytes(503, f"{len(self._tasks)} handlers still running")
        task = asyncio.get_running_loop().create_task(self._run(message))
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        done, _ = await asyncio.wait({task}, timeout=max(end - loop.time(), 0.0))
        if not done:
            task.add_done_callback(_late_reply)
            return 200, _SUCCESS
        reply = task.result()
        if reply is None:
            return 200, _SUCCESS
        return 200, encode(reply.wire(message, int(time.time())), xml=xml)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._slots.release()

    async def _run(self, message: Message) -> Reply | None:
        handler = self._handler_for(message)
        if handler is None:
            logger.info("no handler for a %s push; acknowledged", message.msg_type)
            return None
        try:
            result = await handler(message)
        except Exception as exc:
            name = getattr(handler, "__qualname__", type(handler).__name__)
            logger.error("push handler %s failed with %s", name, type(exc).__name__)
            if self.on_error is not None:
                try:
                    await self.on_error(message, exc)
                except Exception as hook_exc:
                    logger.error("the bot's on_error hook failed with %s", type(hook_exc).__name__)
            return None
        return result if isinstance(result, Reply) else None

    async def _first_seen(self, key: str, timeout: float) -> bool:
        try:
            async with asyncio.timeout(timeout):
                return await self.dedupe.first_seen(key, self.dedupe_window)
        except Exception as exc:
            # Better twice than never: without the store a push is handled (maybe again).
            logger.warning("dedupe store failed with %s; handling the push", type(exc).__name__)
            return True

    async def _forget(self, key: str) -> None:
        try:
            async with asyncio.timeout(_STORE_TIMEOUT):
                await self.dedupe.forget(key)
        except Exception as exc:
            logger.warning("dedupe store failed with %s", type(exc).__name__)

    def _refuse(self, status: int, why: str) -> web.Response:
        status, body = self._refuse_bytes(status, why)
        return web.Response(status=status, body=body, content_type="text/plain")

    @staticmethod
    def _refuse_bytes(status: int, why: str) -> tuple[int, bytes]:
        logger.warning("refused a push with %d: %s", status, why)
        return status, why.encode()

    # --- shutdown ---

    @property
    def pending(self) -> int:
        """How many handlers are still running."""
        return len(self._tasks)

    async def aclose(self, *, drain: float = 5.0) -> None:
        """Stop taking pushes (503), let running handlers finish for *drain* seconds, cancel the rest."""
        self._closed = True
        tasks = set(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=drain)
            for task in pending:
                task.cancel()
            if pending:
                logger.warning("cancelled %d push handlers still running at close", len(pending))
                await asyncio.gather(*pending, return_exceptions=True)

    async def __aenter__(self) -> Bot:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _late_reply(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and isinstance(task.result(), Reply):
        logger.warning("a passive reply came after the deadline and was dropped: reply actively instead")


def _content_type(body: bytes) -> str:
    start = body[:1]
    if start == b"{":
        return "application/json"
    if start == b"<":
        return "application/xml"
    return "text/plain"
