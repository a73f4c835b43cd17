"""The emulator's cloud-run side: pushes to a bot, customer-service replies, the open-API relay.

`Emulator.push_message` posts a push to a bot's URL the way WeChat does (JSON or XML, with the
``x-wx-source`` header, resent when asked), and the emulated ``cgi-bin/message/custom/send`` and
``custom/typing`` record what the bot answered (`Emulator.sent_messages`, `Emulator.typing_commands`).
`Emulator.enable_open_api` makes the emulator act as cloud-run's open-API service: a request
without a token is served as the app's.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs

from wxtcb.cloudrun import encode
from wxtcb.methods import TokenKind
from wxtcb.testing.base import Call, EmulatorBase, route

__all__ = [
    "DEMO_OPENID",
    "DEMO_ORIGINAL_ID",
    "CloudRunState",
    "PushAnswer",
    "post_push",
    "push_fields",
    "relayed_app",
]

#: The demo user who sends pushes.
DEMO_OPENID = "oDEMO0000000000000000000001"
#: The demo app's original id (``ToUserName`` of its pushes).
DEMO_ORIGINAL_ID = "gh_demo00000001"

_MSG_IDS = itertools.count(24_000_000_000_000_001)


@attrs.frozen
class PushAnswer:
    """What a bot answered to one push (and to its resends).

    Attributes:
        status: The HTTP status the bot answered.
        body: The answer's body.
        content_type: The answer's ``Content-Type``.
    """

    status: int
    body: bytes
    content_type: str
    #: The answers to the resends, in order.
    resends: tuple[PushAnswer, ...] = ()

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode(errors="replace")


@attrs.define
class CloudRunState:
    """An emulator's cloud-run state: messages sent, typing commands, the open-API relay."""

    #: Bodies of ``custom/send`` calls, each with ``"appid"`` added (whose token sent it).
    sent: list[dict[str, Any]] = attrs.field(factory=list)
    #: Bodies of ``custom/typing`` calls, each with ``"appid"`` added.
    typing: list[dict[str, Any]] = attrs.field(factory=list)
    #: The app the open-API relay serves (None: off).
    open_api_appid: str | None = None
    #: The APIs in the relay's permission list (None: every API).
    open_api_paths: frozenset[str] | None = None


def push_fields(message: Mapping[str, Any], *, now: float | None = None) -> dict[str, Any]:
    """A push's wire fields: *message* over the defaults a push has (sender, app, time, MsgId)."""
    fields: dict[str, Any] = {
        "ToUserName": DEMO_ORIGINAL_ID,
        "FromUserName": DEMO_OPENID,
        "CreateTime": int(time.time() if now is None else now),
    }
    fields.update(message)
    fields.setdefault("MsgType", "text")
    if fields["MsgType"] != "event":
        fields.setdefault("MsgId", next(_MSG_IDS))
    return fields


async def post_push(
    url: str,
    body: bytes,
    *,
    xml: bool = False,
    headers: Mapping[str, str] | None = None,
    session: aiohttp.ClientSession | None = None,
    timeout: float = 10.0,
) -> PushAnswer:
    """POST one push body to *url* as WeChat does; returns the answer."""
    sent = {"Content-Type": "text/xml" if xml else "application/json", "x-wx-source": "wechat-push"}
    sent.update(headers or {})
    own = session is None
    http = session or aiohttp.ClientSession()
    try:
        async with http.post(url, data=body, headers=sent, timeout=aiohttp.ClientTimeout(total=timeout)) as r:
            return PushAnswer(r.status, await r.read(), r.content_type)
    finally:
        if own:
            await http.close()


async def push_message(
    emulator: EmulatorBase,
    url: str,
    message: Mapping[str, Any],
    *,
    xml: bool,
    resend: int,
    headers: Mapping[str, str] | None,
) -> PushAnswer:
    body = encode(push_fields(message, now=emulator.now()), xml=xml)
    async with aiohttp.ClientSession() as session:
        first = await post_push(url, body, xml=xml, headers=headers, session=session)
        again = [await post_push(url, body, xml=xml, headers=headers, session=session) for _ in range(resend)]
    return attrs.evolve(first, resends=tuple(again))


_SEND_TYPES = (
    "text",
    "image",
    "link",
    "miniprogrampage",
    "voice",
    "video",
    "music",
    "news",
    "mpnews",
    "msgmenu",
)


def _app(call: Call) -> str:
    assert call.issued is not None
    return call.issued.appid


@route("cgi-bin/message/custom/send", TokenKind.ACCESS)
def _custom_send(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    msgtype = data.get("msgtype")
    if not isinstance(data.get("touser"), str) or not data["touser"]:
        return {"errcode": 40003, "errmsg": "invalid openid"}
    if msgtype not in _SEND_TYPES or not isinstance(data.get(msgtype), dict):
        return {"errcode": 40008, "errmsg": "invalid message type"}
    emulator.state(CloudRunState).sent.append({**data, "appid": _app(call)})
    return {"errcode": 0, "errmsg": "ok"}


@route("cgi-bin/message/custom/typing", TokenKind.ACCESS)
def _custom_typing(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    if data.get("command") not in ("Typing", "CancelTyping"):
        return {"errcode": 45072, "errmsg": "command invalid"}
    emulator.state(CloudRunState).typing.append({**data, "appid": _app(call)})
    return {"errcode": 0, "errmsg": "ok"}


def relayed_app(emulator: EmulatorBase, path: str) -> str | None:
    """The app a tokenless request to *path* is served as (the open-API relay on and letting it through)."""
    state = emulator.state(CloudRunState)
    if state.open_api_appid is None:
        return None
    if state.open_api_paths is not None and path not in state.open_api_paths:
        return None
    return state.open_api_appid
