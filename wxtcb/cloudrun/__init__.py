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

from wxtcb.cloudrun.bot import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BODY,
    Bot,
)
from wxtcb.cloudrun.customer_service import (
    CustomerService,
    CustomImage,
    CustomLink,
    CustomMiniProgramPage,
    CustomText,
    SendCustomMessage,
    SetTyping,
)
from wxtcb.cloudrun.dedupe import (
    DedupeStore,
    MemoryDedupe,
    RedisDedupe,
)
from wxtcb.cloudrun.formats import (
    PushFormatError,
    encode,
    parse,
)
from wxtcb.cloudrun.messages import (
    EnterSessionEvent,
    Event,
    ImageMessage,
    LinkMessage,
    LocationEvent,
    LocationMessage,
    MenuEvent,
    Message,
    MiniProgramPageMessage,
    RawMessage,
    ScanEvent,
    ShortVideoMessage,
    SubscribeEvent,
    TextMessage,
    VideoMessage,
    VoiceMessage,
    message_from_fields,
)
from wxtcb.cloudrun.replies import (
    ImageReply,
    Reply,
    TextReply,
    VideoReply,
    VoiceReply,
)

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
