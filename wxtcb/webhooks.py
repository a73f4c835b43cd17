"""The platform's authorization-event URL (授权事件接收URL): every push WeChat sends a platform.

`AuthorizationEvents` verifies and decrypts each push (`wxtcb.push.PushCrypto`) and dispatches it
by ``InfoType``:

* ``component_verify_ticket``: recorded with the component provider (a late push never replaces
  a newer ticket);
* ``authorized`` and ``updateauthorized``: `wxtcb.Platform.query_auth` with the pushed
  ``AuthorizationCode`` (the merchant's refresh token is stored before anything else happens),
  then your hook gets the `wxtcb.authorization.AuthorizationInfo`;
* ``unauthorized``: the merchant's refresh token and cached token are forgotten, then your hook;
* anything else: the ``on_other`` hook, with the decrypted fields.

It answers ``success`` as soon as the push is recorded: your hooks run in the background, never
making WeChat wait past its deadline, and a hook that fails loses nothing that was stored. An
authorization whose ``query_auth`` does not finish within *query_auth_budget* seconds keeps
running after the answer; one that fails reaches ``on_failure`` with everything needed to try
again (the code and when it expires). A forged push (bad signature, foreign appid, a DTD in the
envelope or in the decrypted message) or a stale one (timestamp more than *max_age* seconds away)
is refused with 403 and stores nothing; a
push seen before (WeChat resends when an answer is late) is answered ``success`` again and not
processed twice.

Mount `AuthorizationEvents.handler` on aiohttp, or call `AuthorizationEvents.feed` from any
framework. `ticket_handler` is the ticket-only handler of earlier versions.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from wxtcb.authorization import AuthorizationInfo
from wxtcb.errors import InvalidRequestError, InvalidSignatureError, WxTcbError
from wxtcb.push import PushCrypto, parse_push, record_ticket
from wxtcb.tokens.component import ComponentTokenProvider

if TYPE_CHECKING:
    from wxtcb.platform import Platform

__all__ = ["AuthorizationEvents", "AuthorizationFailure", "ticket_handler"]

logger = logging.getLogger("wxtcb")

#: An aiohttp request handler, as `ticket_handler` returns.
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The largest push body read (WeChat's events are a few hundred bytes).
MAX_PUSH_BYTES = 64 * 1024
#: How many recent pushes are remembered to answer resends without processing them twice.
_SEEN = 4096


@attrs.frozen
class AuthorizationFailure:
    """An ``authorized``/``updateauthorized`` push whose ``query_auth`` failed.

    Attributes:
        authorizer_appid: The merchant.
        authorization_code: The code to try again with (secret; valid until *expires_at*).
        expires_at: When the code expires (epoch seconds; 0 when the push did not say).
        info_type: ``"authorized"`` or ``"updateauthorized"``.
        error: What failed.
    """

    authorizer_appid: str
    authorization_code: str = attrs.field(repr=False)
    expires_at: int
    info_type: str
    error: BaseException


#: An ``async`` hook of `AuthorizationEvents`: called with one argument, awaited.
Hook = Callable[[Any], Awaitable[Any]]


class AuthorizationEvents:
    """Receives every push of a platform's authorization-event URL.

    Args:
        platform: The `wxtcb.Platform` whose merchants the events concern.
        crypto: The platform's `PushCrypto` (push Token, EncodingAESKey, component appid).
        on_authorized: ``async def hook(info: AuthorizationInfo)``, after a new authorization's
            refresh token is stored.
        on_updated: The same, for ``updateauthorized`` (the permission sets changed).
        on_unauthorized: ``async def hook(authorizer_appid: str)``, after the merchant is forgotten.
        on_failure: ``async def hook(failure: AuthorizationFailure)``, when ``query_auth`` failed.
        on_other: ``async def hook(fields: dict[str, str])``, for any other ``InfoType``.
        query_auth_budget: Seconds the answer waits for ``query_auth`` (WeChat allows a push 5 s).
        max_age: Seconds a push's timestamp may be away from now before it is refused.
        clock: The clock *max_age* is measured on.

    Attributes:
        platform: The `wxtcb.Platform` given.
        crypto: The `PushCrypto` given.
        query_auth_budget: Seconds the answer waits for ``query_auth`` (3 by default).
        max_age: Seconds a push's timestamp may be away from now (600 by default).
    """

    def __init__(
        self,
        platform: Platform,
        crypto: PushCrypto,
        *,
        on_authorized: Callable[[AuthorizationInfo], Awaitable[Any]] | None = None,
        on_updated: Callable[[AuthorizationInfo], Awaitable[Any]] | None = None,
        on_unauthorized: Callable[[str], Awaitable[Any]] | None = None,
        on_failure: Callable[[AuthorizationFailure], Awaitable[Any]] | None = None,
        on_other: Callable[[dict[str, str]], Awaitable[Any]] | None = None,
        query_auth_budget: float = 3.0,
        max_age: float = 600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if crypto.appid != platform.component.appid:
            raise InvalidRequestError("crypto and platform belong to different component appids")
        for name, value in (("query_auth_budget", query_auth_budget), ("max_age", max_age)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise InvalidRequestError(f"{name} must be a positive number of seconds")
        self.platform = platform
        self.crypto = crypto
        self._hooks: dict[str, Hook | None] = {
            "authorized": on_authorized,
            "updateauthorized": on_updated,
            "unauthorized": on_unauthorized,
            "failure": on_failure,
            "other": on_other,
        }
        self.query_auth_budget = query_auth_budget
        self.max_age = max_age
        self._clock = clock
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._background: set[asyncio.Task[Any]] = set()

    async def handler(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp handler: ``app.router.add_post("/wechat/component", events.handler)``."""
        if request.content_length is not None and request.content_length > MAX_PUSH_BYTES:
            return web.Response(status=413, text="too large")
        body = await request.content.read(MAX_PUSH_BYTES + 1)
        status, text = await self.feed(request.query, body)
        return web.Response(status=status, text=text)

    async def feed(self, query: Mapping[str, str], body: bytes) -> tuple[int, str]:
        """Handle one push from any framework: ``(status, body)`` to answer WeChat with."""
        if len(body) > MAX_PUSH_BYTES:
            return 413, "too large"
        signature = query.get("msg_signature", "")
        try:
            self._check_age(query.get("timestamp", ""))
            xml = self.crypto.decrypt(
                body,
                msg_signature=signature,
                timestamp=query.get("timestamp", ""),
                nonce=query.get("nonce", ""),
            )
            fields = parse_push(xml)
            if fields.get("AppId") not in (None, "", self.crypto.appid):
                raise InvalidSignatureError("push is for another component appid")
        except InvalidSignatureError as exc:
            logger.warning("refused a push: %s", exc)
            return 403, "invalid push"
        if signature in self._seen:
            return 200, "success"  # a resend of a push already handled
        info_type = fields.get("InfoType", "")
        try:
            if info_type == "component_verify_ticket":
                await record_ticket(self.platform.component, xml)
            elif info_type in ("authorized", "updateauthorized"):
                await self._authorized(info_type, fields)
            elif info_type == "unauthorized":
                await self._unauthorized(fields)
            else:
                self._spawn("other", dict(fields))
        except InvalidSignatureError as exc:
            logger.warning("refused a push: %s", exc)
            return 403, "invalid push"
        except WxTcbError as exc:
            # Nothing was recorded (the store is down): let WeChat push it again.
            logger.error("could not record a %s push: %s", info_type, type(exc).__name__)
            return 500, "retry"
        self._remember(signature)
        return 200, "success"

    def _check_age(self, timestamp: str) -> None:
        try:
            stamp = int(timestamp)
        except ValueError:
            raise InvalidSignatureError("push timestamp is not a number") from None
        if abs(self._clock() - stamp) > self.max_age:
            raise InvalidSignatureError("push timestamp is too far from now (a replay?)")

    def _remember(self, signature: str) -> None:
        self._seen[signature] = None
        if len(self._seen) > _SEEN:
            self._seen.popitem(last=False)

    async def _authorized(self, info_type: str, fields: Mapping[str, str]) -> None:
        appid = fields.get("AuthorizerAppid", "")
        code = fields.get("AuthorizationCode", "")
        if not appid or not code:
            raise InvalidSignatureError(f"{info_type} push without AuthorizerAppid or AuthorizationCode")
        try:
            expires_at = int(fields.get("AuthorizationCodeExpiredTime", "0"))
        except ValueError:
            expires_at = 0
        exchange = self._start(self.platform.query_auth(code))

        def landed(task: asyncio.Task[AuthorizationInfo]) -> None:
            if task.cancelled():
                return
            error = task.exception()
            if error is None:
                self._spawn(info_type, task.result())
            else:
                logger.warning("query_auth for %s failed: %s", appid, type(error).__name__)
                self._spawn("failure", AuthorizationFailure(appid, code, expires_at, info_type, error))

        exchange.add_done_callback(landed)
        # The answer waits a little, so that a quick exchange is stored before WeChat hears
        # "success"; a slow one goes on after the answer and is never cancelled (the code would
        # be spent with its refresh token unstored).
        await asyncio.wait({exchange}, timeout=self.query_auth_budget)

    async def _unauthorized(self, fields: Mapping[str, str]) -> None:
        appid = fields.get("AuthorizerAppid", "")
        if not appid:
            raise InvalidSignatureError("unauthorized push without AuthorizerAppid")
        await self.platform.forget(appid)
        self._spawn("unauthorized", appid)

    def _start(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def _spawn(self, name: str, argument: Any) -> None:
        hook = self._hooks[name]
        if hook is not None:
            self._start(_run_hook(name, hook, argument))

    async def aclose(self, *, timeout: float = 10.0) -> None:
        """Wait for the exchanges and hooks under way (at most *timeout* seconds), then cancel the rest.

        An exchange cancelled here still completes and stores its refresh token (`Platform.query_auth`
        shields it); only the hook after it is skipped.
        """
        pending = set(self._background)
        if pending:
            _, late = await asyncio.wait(pending, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)


async def _run_hook(name: str, hook: Hook, argument: Any) -> None:
    try:
        await hook(argument)
    except Exception as exc:
        # The hook's exception text may carry what it was handed (a refresh token): class only.
        logger.error("the %s hook raised %s; what was stored is unaffected", name, type(exc).__name__)


def ticket_handler(
    component: ComponentTokenProvider,
    crypto: PushCrypto,
    *,
    on_event: Callable[[dict[str, str]], Awaitable[Any]] | None = None,
) -> Handler:
    """An aiohttp handler that records ticket pushes and answers ``success``.

    Other events go to *on_event* with their decrypted fields. A platform that handles
    authorizations wants `AuthorizationEvents`.
    """

    async def handle(request: web.Request) -> web.StreamResponse:
        q = request.query
        body = await request.content.read(MAX_PUSH_BYTES + 1)
        if len(body) > MAX_PUSH_BYTES:
            return web.Response(status=413, text="too large")
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
