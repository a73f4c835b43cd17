"""Active replies: customer-service messages (``cgi-bin/message/custom/send``) and the typing
indicator, on ``client.customer_service``."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.validators import non_empty
from wxtcb.wire import wire

__all__ = [
    "CustomImage",
    "CustomLink",
    "CustomMiniProgramPage",
    "CustomText",
    "CustomerService",
    "SendCustomMessage",
    "SetTyping",
]

_DOCS = "https://developers.weixin.qq.com/miniprogram/dev/api-backend/open-api/customer-message/"


# --- active replies: cgi-bin/message/custom/send and custom/typing ------------------------------


def _text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidRequestError(f"{attribute.name} must be a string")


@attrs.frozen
class CustomText:
    """The ``text`` of a customer-service message.

    Attributes:
        content: ``content``, the text.
    """

    content: str = attrs.field(validator=non_empty)


@attrs.frozen
class CustomImage:
    """The ``image`` of a customer-service message: a media id from the temporary-media upload.

    Attributes:
        media_id: ``media_id``, the image's media id.
    """

    media_id: str = attrs.field(validator=non_empty)


@attrs.frozen
class CustomLink:
    """The ``link`` of a customer-service message (a titled link with a picture).

    Attributes:
        title: ``title``, the link's title.
        description: ``description``, the text under the title.
        url: ``url``, where the link goes.
        thumb_url: ``thumb_url``, the picture's URL.
    """

    title: str = attrs.field(validator=non_empty)
    description: str = attrs.field(validator=_text)
    url: str = attrs.field(validator=non_empty)
    thumb_url: str = attrs.field(validator=_text)


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

    title: str = attrs.field(validator=non_empty)
    pagepath: str = attrs.field(validator=non_empty)
    thumb_media_id: str = attrs.field(validator=non_empty)
    appid: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_empty), metadata=wire(omit_if_default=True)
    )


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

    touser: str = attrs.field(repr=False)  # an openid: personal data, masked in error texts too
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
