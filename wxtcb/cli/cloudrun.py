"""``wxtcb push send``: send a test push to a cloud-run bot (a local one, usually)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wxtcb.cli.common import Parser
from wxtcb.errors import TransportError

__all__ = ["register"]


def register(sub: Any, creds: Parser) -> None:
    """Add ``push`` to the command."""
    push = sub.add_parser("push", help="pushes to a cloud-run bot")
    psub = push.add_subparsers(dest="action", required=True, parser_class=Parser)
    send = psub.add_parser("send", help="POST a text push to a bot as WeChat does; print its answer")
    send.add_argument(
        "--url", required=True, help="the bot's push URL, e.g. http://127.0.0.1:8080/wechat/push"
    )
    send.add_argument("--text", required=True, help="the message's Content")
    send.add_argument("--xml", action="store_true", help="send XML (the route's text_mode 2) instead of JSON")
    send.add_argument("--from", dest="sender", default=None, help="the sender openid (a demo one by default)")
    send.add_argument("--timeout", type=float, default=10.0, help="seconds to wait (default 10)")
    send.set_defaults(run=_send)


async def _send(args: argparse.Namespace) -> None:
    import aiohttp

    from wxtcb.cloudrun import encode
    from wxtcb.testing.cloudrun import post_push, push_fields

    fields: dict[str, Any] = {"MsgType": "text", "Content": args.text}
    if args.sender:
        fields["FromUserName"] = args.sender
    body = encode(push_fields(fields), xml=args.xml)
    try:
        answer = await post_push(args.url, body, xml=args.xml, timeout=args.timeout)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise TransportError(f"cannot reach {args.url}: {type(exc).__name__}") from None
    print(f"HTTP {answer.status}", file=sys.stderr)
    print(answer.text)
    if answer.status != 200:
        raise TransportError(f"the bot answered HTTP {answer.status}", status=answer.status)
