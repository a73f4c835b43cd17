"""`Bot`: receives cloud-run pushes, answers within the deadline, and hands each to one handler."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from wxtcb.cloudrun.dedupe import DedupeStore, MemoryDedupe
from wxtcb.cloudrun.formats import PushFormatError, encode, parse
from wxtcb.cloudrun.messages import Event, Message, message_from_fields
from wxtcb.cloudrun.replies import Reply
from wxtcb.errors import InvalidRequestError
from wxtcb.namespaces import Sender

if TYPE_CHECKING:
    from aiohttp import web

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BODY",
    "Bot",
]

logger = logging.getLogger("wxtcb")

#: Seconds within which the bot answers a push, whatever its handler does (WeChat waits five).
DEFAULT_DEADLINE = 3.0
#: The largest push body accepted, in bytes (WeChat's pushes are a few hundred bytes).
DEFAULT_MAX_BODY = 64 * 1024


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
        # Imported here: a bot fed by another framework (or `feed` in a test) never loads the
        # aiohttp server, and ``import wxtcb.cloudrun`` stays cheap for a cold start.
        from aiohttp import web

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
        from aiohttp import web

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
