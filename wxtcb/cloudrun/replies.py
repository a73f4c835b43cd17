"""Passive replies (official accounts): what a handler returns to answer in the HTTP response."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import attrs

if TYPE_CHECKING:
    from wxtcb.cloudrun.messages import Message

__all__ = [
    "ImageReply",
    "Reply",
    "TextReply",
    "VideoReply",
    "VoiceReply",
]

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
