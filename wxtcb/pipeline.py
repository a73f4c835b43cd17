"""The pipeline: retry (transient only) ⟶ token ⟶ send ⟶ check ⟶ decode, and refresh-and-replay.

On 40001/40014/42001 the pipeline invalidates the token it used (compare-and-delete), gets a
fresh one and replays the call once; a second rejection raises. The replay is outside the retry
loop so the two never multiply: at most ``2 * attempts`` requests per call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any, TypeVar, cast

from wxtcb import events as _events
from wxtcb.errors import (
    CloudCallPermissionError,
    InvalidRequestError,
    TokenRejectedError,
    WxTcbError,
    refreshes_token,
)
from wxtcb.events import Event, Observer, TokenReplayed, logger
from wxtcb.methods import Method, TokenKind
from wxtcb.protocol import Request, build_request, check, decode, parse, reusable
from wxtcb.retry import RetryPolicy
from wxtcb.tokens.base import TokenProvider
from wxtcb.transport import Transport

__all__ = ["REUSE_MAX_BYTES", "Pipeline"]

T = TypeVar("T")

#: The largest answer whose decoded result is kept for reuse (``Client(reuse_unchanged=True)``).
REUSE_MAX_BYTES = 64 * 1024


class Pipeline:
    """Sends method objects for a client; also the `TokenContext` its providers fetch through."""

    __slots__ = (
        "_background",
        "_reuse",
        "closed",
        "fetch_timeout",
        "observer",
        "retry",
        "timeout",
        "transport",
    )

    def __init__(
        self,
        transport: Transport,
        retry: RetryPolicy,
        timeout: float,
        observer: Observer,
        *,
        reuse_unchanged: bool = False,
    ) -> None:
        self.transport = transport
        self.retry = retry
        self.timeout = timeout
        self.observer = observer
        # No new attempt starts after the retry budget, and each attempt is bounded by timeout.
        self.fetch_timeout = retry.timeout + timeout
        self._background: set[asyncio.Task[None]] = set()
        #: Set by `aclose`: a token fetch that ran here failed because of it, not because of WeChat.
        self.closed = False
        #: Per method class, its last answer and the result decoded from it (`reusable` ones only).
        self._reuse: dict[type[Any], tuple[bytes, Any]] | None = {} if reuse_unchanged else None

    async def fetch(self, method: Method[T], token: str | None = None, token_param: str | None = None) -> T:
        """Send *method* with *token* (a token fetch): retries, no refresh-and-replay."""
        telemetry = _events.telemetry
        if telemetry is not None:
            return await telemetry.call(self._send(method, None, token, token_param), method, None)
        return await self._send(method, None, token, token_param)

    def call(self, method: Method[T], provider: TokenProvider) -> Coroutine[Any, Any, T]:
        """Send *method* with *provider*'s token, retries and refresh-and-replay. Not a coroutine
        function: it hands back `_send`'s, one coroutine per call in all (the hot path).

        With telemetry installed (`wxtcb.otel.instrument`) that coroutine runs inside the call's
        span; without it, the one check below is all telemetry costs."""
        telemetry = _events.telemetry
        if telemetry is not None:
            return telemetry.call(self._send(method, provider, None, provider.token_param), method, provider)
        return self._send(method, provider, None, provider.token_param)

    async def _send(
        self, method: Method[T], provider: TokenProvider | None, token: str | None, param: str | None
    ) -> T:
        if provider is not None:
            if method.__endpoint__.token is not provider.token_kind:
                raise _mismatch(method, provider)
            # A provider that can say without awaiting that its token is valid (a
            # `CachingTokenProvider` holding one) saves a coroutine; any other is awaited.
            nowait = getattr(provider, "token_nowait", None)
            token = nowait() if nowait is not None else None
            if token is None:
                token = await provider.token(self)
        # The first attempt inline: no closure, no retry machinery; `_retry` only after a failure.
        request = build_request(method, token, param)
        started = time.perf_counter()
        try:
            status, body = await self.transport.send(request, timeout=self.timeout)
            result = self._result(status, body, method, request)
        except WxTcbError as exc:
            first = exc
        else:
            observer = self.observer
            if observer.on_event is not None or logger.isEnabledFor(logging.DEBUG):
                observer.request(method.__endpoint__.path, 1, time.perf_counter() - started, None)
            return result
        try:
            return await self._retry(method, request, first, started)
        except TokenRejectedError as exc:
            if provider is None:
                raise
            if param is None:
                # No token was sent: what adds it (cloud-run's open-API service) refused this API,
                # and no refresh can change that.
                raise CloudCallPermissionError(
                    exc.errcode, exc.errmsg, rid=exc.rid, request=exc.request
                ) from None
            if not refreshes_token(exc):
                raise
            rejected = exc
        assert token is not None  # a token was sent (param is set), so one was looked up
        await provider.invalidate(token)
        fresh = await provider.token(self)
        if fresh == token:
            # The provider cannot do better (a static token, or WeChat handed the same one back).
            raise rejected
        self.emit(TokenReplayed(method.__endpoint__.path, provider.kind, provider.appid, rejected.errcode))
        return await self._send(method, None, fresh, param)

    def _result(self, status: int, body: bytes, method: Method[T], request: Request) -> T:
        """The answer parsed, checked and decoded; with ``reuse_unchanged``, the result decoded
        from the same bytes last time instead, and a reusable result kept for next time."""
        reuse = self._reuse
        if reuse is not None:
            last = reuse.get(type(method))
            if last is not None and status == 200 and last[0] == body:
                return cast(T, last[1])
        data = parse(status, body, request)
        check(data, method, request)
        result = decode(data, method, request)
        # Only immutable bytes are kept: a transport that refills one buffer would make the kept
        # answer equal to every later one.
        if (
            reuse is not None
            and type(body) is bytes
            and len(body) <= REUSE_MAX_BYTES
            and reusable(type(method))
        ):
            reuse[type(method)] = (body, result)
        return result

    async def _retry(self, method: Method[T], request: Request, first: WxTcbError, started: float) -> T:
        """After a failed first attempt: `RetryPolicy.resume` (tenacity) from attempt 2, if the
        failure is transient and the method may be repeated."""
        elapsed = time.perf_counter() - started
        api = method.__endpoint__.path
        observer = self.observer
        observer.request(api, 1, elapsed, first)

        async def attempt(number: int) -> T:
            started = time.perf_counter()
            try:
                status, body = await self.transport.send(request, timeout=self.timeout)
                result = self._result(status, body, method, request)
            except WxTcbError as exc:
                observer.request(api, number, time.perf_counter() - started, exc)
                raise
            observer.request(api, number, time.perf_counter() - started, None)
            return result

        def before_sleep(number: int, wait: float, error: BaseException) -> None:
            observer.retry(api, number, wait, error)

        return await self.retry.resume(
            first, elapsed, attempt, retryable=method.__idempotent__, before_sleep=before_sleep
        )

    def emit(self, event: Event) -> None:
        self.observer.emit(event)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        self.closed = True
        tasks = list(self._background)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.transport.aclose()


def _mismatch(method: Method[Any], provider: TokenProvider) -> InvalidRequestError:
    endpoint = method.__endpoint__
    if endpoint.token is TokenKind.NONE:
        return InvalidRequestError(f"{endpoint.path} is a token endpoint: providers send it themselves")
    takes = "a component_access_token" if endpoint.token is TokenKind.COMPONENT else "an access token"
    return InvalidRequestError(
        f"{endpoint.path} takes {takes}, and {type(provider).__name__} gives a "
        f"{provider.token_kind.value} token: nothing was sent"
    )
