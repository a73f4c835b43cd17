"""A ready aiohttp.web handler for WeChat's authorization-event URL (授权事件接收URL).

Mount it on your aiohttp application::

    app.router.add_post("/wechat/component", ticket_handler(component, crypto))

It verifies and decrypts each push, records ``component_verify_ticket`` with the component
provider, and answers ``success`` as WeChat requires. Other events (authorized, unauthorized,
updateauthorized) go to *on_event* with their decrypted fields.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from wxtcb.errors import InvalidSignatureError
from wxtcb.push import PushCrypto, parse_push, record_ticket
from wxtcb.tokens.component import ComponentTokenProvider

__all__ = ["ticket_handler"]

logger = logging.getLogger("wxtcb")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ticket_handler(
    component: ComponentTokenProvider,
    crypto: PushCrypto,
    *,
    on_event: Callable[[dict[str, str]], Awaitable[Any]] | None = None,
) -> Handler:
    """An aiohttp handler that records ticket pushes and answers ``success``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        q = request.query
        body = await request.read()
        try:
            xml = crypto.decrypt(
                body,
                msg_signature=q.get("msg_signature", ""),
                timestamp=q.get("timestamp", ""),
                nonce=q.get("nonce", ""),
            )
            push = await record_ticket(component, xml)
            if push is None and on_event is not None:
                await on_event(parse_push(xml))
        except InvalidSignatureError as exc:
            logger.warning("refused a push: %s", exc)
            return web.Response(status=403, text="invalid push")
        if push is not None:
            logger.info("recorded component_verify_ticket for %s", component.appid)
        return web.Response(text="success")

    return handle
