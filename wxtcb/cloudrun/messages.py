"""The pushes a bot receives: `Message`, its events and message kinds, built from a push's fields."""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from wxtcb.cloudrun.customer_service import (
    CustomImage,
    CustomLink,
    CustomMiniProgramPage,
    CustomText,
    SendCustomMessage,
    SetTyping,
)
from wxtcb.converter import structure
from wxtcb.errors import WxTcbError
from wxtcb.namespaces import Sender
from wxtcb.wire import wire, wire_name

__all__ = [
    "EnterSessionEvent",
    "Event",
    "ImageMessage",
    "LinkMessage",
    "LocationEvent",
    "LocationMessage",
    "MenuEvent",
    "Message",
    "MiniProgramPageMessage",
    "RawMessage",
    "ScanEvent",
    "ShortVideoMessage",
    "SubscribeEvent",
    "TextMessage",
    "VideoMessage",
    "VoiceMessage",
    "message_from_fields",
]

# --- messages and events ----------------------------------------------------------------------


class _Receiver(Protocol):
    """What a message keeps of the `wxtcb.cloudrun.Bot` that received it: the client to reply with."""

    client: Sender


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
    # An openid: personal data, hidden from the repr.
    from_user_name: str = attrs.field(default="", metadata=_w("FromUserName"), repr=False)
    create_time: int = attrs.field(default=0, metadata=_w("CreateTime"))
    msg_type: str = attrs.field(default="", metadata=_w("MsgType"))
    raw: dict[str, Any] = attrs.field(init=False, factory=dict, repr=False, eq=False)
    _bot: _Receiver | None = attrs.field(init=False, default=None, repr=False, eq=False)

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

    content: str = attrs.field(default="", metadata=_w("Content"), repr=False)  # a user's words: personal


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
