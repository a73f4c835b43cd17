"""The only module that touches aiohttp: send a `Request`, get ``(status, body)`` back.

aiohttp's exceptions print the whole URL, access token included; they are translated here into
`TransportError` built from the redacted summary. The translated error is raised outside the
``except`` block, so that neither its ``__cause__`` nor its ``__context__`` keeps aiohttp's.

Every answer is bounded: a body larger than ``max_response_size`` is refused on its
Content-Length, or as soon as reading it passes the limit, with `ResponseTooLarge`.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import re
import sys
import time
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import aiohttp
from yarl import URL

from wxtcb import events as _events
from wxtcb.errors import InvalidRequestError, RequestTimeout, ResponseTooLarge, TransportError, WxTcbError
from wxtcb.protocol import Request
from wxtcb.redaction import RequestSummary, hide_queries, redact_text, scrub

if TYPE_CHECKING:
    from wxtcb.otel import HttpGuard

__all__ = [
    "DEFAULT_MAX_RESPONSE_SIZE",
    "AiohttpTransport",
    "Download",
    "Transport",
    "check_base_url",
    "rearm",
]

#: The largest answer read by default, in bytes. WeChat's answers are small; a database page of
#: large documents may need more (``Client(max_response_size=…)``).
DEFAULT_MAX_RESPONSE_SIZE = 4 * 1024 * 1024
#: Longest Retry-After honoured, in seconds; the retry budget bounds it further.
_MAX_RETRY_AFTER = 300.0
#: What an ``x-openapi-seqid`` (cloud-run's relay id, kept for support) may not contain.
_SEQID_JUNK = re.compile(r"[^A-Za-z0-9._:-]")


class Transport(Protocol):
    """Sends one request and returns the HTTP status and the body bytes.

    `send_form`, `stream` and `put` reach URLs outside the API host (an object store's upload
    form, a signed download URL, a signed PUT URL): the same session, bounds and error
    translation, and no URL, form value, header value or *secrets* in any message.
    """

    async def send(self, request: Request, *, timeout: float) -> tuple[int, bytes]: ...

    async def send_form(
        self,
        url: str,
        fields: Sequence[tuple[str, str]],
        file: bytes | Path,
        *,
        filename: str,
        secrets: Sequence[str],
        timeout: float,
    ) -> tuple[int, bytes]: ...

    def stream(
        self, url: str, *, secrets: Sequence[str], timeout: float
    ) -> contextlib.AbstractAsyncContextManager[Download]: ...

    async def put(
        self,
        url: str,
        body: bytes | Path,
        *,
        headers: Mapping[str, str],
        secrets: Sequence[str],
        timeout: float,
    ) -> tuple[int, bytes]: ...

    async def aclose(self) -> None: ...


def foreign_summary(http_method: str, url: str) -> RequestSummary:
    """A request to *url* outside the API host, safe to print: its host and path, never its query."""
    try:
        parsed = URL(url)
        where = f"{parsed.host or ''}{parsed.path}"
    except ValueError:
        where = "(an invalid URL)"
    return RequestSummary(http_method, where)


def _foreign_secrets(url: str, secrets: Sequence[str]) -> list[str]:
    """What must never be printed about a foreign request: the URL, its query values, *secrets*."""
    found = [url, *secrets]
    with contextlib.suppress(ValueError):
        parsed = URL(url)
        found.append(parsed.query_string)
        found.extend(parsed.query.values())
    return sorted((s for s in found if s), key=len, reverse=True)


class Download:
    """A streamed answer from `Transport.stream`: its status, declared length and body chunks.

    Attributes:
        status: The HTTP status.
        length: The Content-Length, or None when the server did not declare one.
    """

    __slots__ = ("_chunks", "length", "status")

    def __init__(self, status: int, length: int | None, chunks: AsyncIterator[bytes]) -> None:
        self.status = status
        self.length = length
        self._chunks = chunks

    def chunks(self) -> AsyncIterator[bytes]:
        """The body, chunk by chunk (transport failures raise `TransportError`)."""
        return self._chunks

    async def read(self, limit: int) -> bytes:
        """The whole body, refused with `ResponseTooLarge` past *limit* bytes."""
        if self.length is not None and self.length > limit:
            raise ResponseTooLarge(limit, status=self.status)
        parts: list[bytes] = []
        size = 0
        async for chunk in self._chunks:
            size += len(chunk)
            if size > limit:
                raise ResponseTooLarge(limit, status=self.status)
            parts.append(chunk)
        return b"".join(parts)


def check_base_url(base_url: str) -> str:
    """*base_url* normalised to end in ``/``, or `InvalidRequestError` saying what is wrong with it."""
    if not isinstance(base_url, str):
        raise InvalidRequestError("base_url must be a string such as 'https://api.weixin.qq.com'")
    problem = None
    try:
        url = URL(base_url)
        if url.scheme not in ("http", "https"):
            problem = "its scheme must be http or https"
        elif not url.host:
            problem = "it has no host"
        elif url.query_string or url.fragment:
            problem = "it must not have a query or a fragment"
        else:
            url.port  # noqa: B018  # yarl validates the port when it is read
    except ValueError:
        problem = "it is not a valid URL"
    if problem is not None:
        # scrub: a URL pasted from somewhere may carry a token in its query.
        raise InvalidRequestError(f"base_url {scrub(base_url)!r} is refused: {problem}")
    return base_url.rstrip("/") + "/"


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), bounded; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value[:6])  # more digits than that is longer than any bound anyway
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


#: Every live transport, so that `rearm` reaches them when telemetry is switched on or off.
_TRANSPORTS: weakref.WeakSet[AiohttpTransport] = weakref.WeakSet()


def rearm() -> None:
    """Make every live transport decide again whether its requests need an HTTP guard.

    Called by `wxtcb.otel.instrument` and `wxtcb.otel.uninstrument`.
    """
    for transport in list(_TRANSPORTS):
        transport.arm()


class AiohttpTransport:
    """A `Transport` over one `aiohttp.ClientSession`, created here or borrowed (never closed then).

    When the session carries OpenTelemetry's aiohttp instrumentation (a trace config added by
    ``AioHttpClientInstrumentor().instrument()``), or wxtcb's telemetry is on, each request runs
    under an `wxtcb.otel.HttpGuard`: the generic HTTP span (whose URL holds the token) is
    suppressed and replaced by one whose URL is redacted. Otherwise the one check on ``_guard``
    is all it costs, and nothing of OpenTelemetry is imported.
    """

    __slots__ = (
        "__weakref__",
        "_base_url",
        "_closed",
        "_guard",
        "_max_size",
        "_owns_session",
        "_session",
        "_timeouts",
        "_urls",
    )

    def __init__(
        self,
        base_url: str,
        session: aiohttp.ClientSession | None = None,
        *,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        self._base_url = check_base_url(base_url)
        if type(max_response_size) is not int or max_response_size < 1:
            raise InvalidRequestError("max_response_size must be a positive number of bytes")
        self._max_size = max_response_size
        self._session = session
        self._owns_session = session is None
        self._closed = False
        # Built once and reused: URLs with their query (the token changes rarely), and timeouts.
        self._urls: dict[tuple[str, tuple[tuple[str, str], ...]], URL] = {}
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        self._guard: HttpGuard | None = None
        self.arm()
        _TRANSPORTS.add(self)

    def arm(self) -> None:
        """Decide whether requests need an HTTP guard: when the session is instrumented by
        OpenTelemetry (its trace configs would see the token in the URL) or wxtcb's telemetry is
        on. Run when the session is borrowed or opened, and by `rearm`."""
        session = self._session
        # Only a program that already imported OpenTelemetry can have instrumented the session.
        instrumented = (
            session is not None and bool(session.trace_configs) and "opentelemetry.context" in sys.modules
        )
        if instrumented or _events.telemetry is not None:
            from wxtcb.otel import http_guard

            self._guard = http_guard(self._base_url, suppress=instrumented)
        else:
            self._guard = None

    def _url(self, request: Request) -> URL:
        key = (request.path, tuple(request.params.items()))
        url = self._urls.get(key)
        if url is None:
            if len(self._urls) >= 1024:  # many merchants' tokens: keep the cache bounded
                self._urls.clear()
            url = self._urls[key] = URL(self._base_url + request.path).with_query(request.params)
        return url

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            # A token fetch still in flight when its client closed: never open a session again.
            raise TransportError("the client was closed", transient=False)
        if self._session is None:
            # Accept-Encoding identity: WeChat does not document gzip, and the bodies are small.
            self._session = aiohttp.ClientSession(headers={"Accept-Encoding": "identity"})
            self.arm()
        return self._session

    async def send(self, request: Request, *, timeout: float, _guarded: bool = False) -> tuple[int, bytes]:
        session = self._session or self._open()
        guard = self._guard
        if guard is not None and not _guarded and guard.needed():
            return await guard.send(self, request, timeout)
        client_timeout = self._timeouts.get(timeout)
        if client_timeout is None:
            client_timeout = self._timeouts[timeout] = aiohttp.ClientTimeout(total=timeout)
        error: WxTcbError
        try:
            # aiohttp's total timeout covers connecting, sending and reading the whole body.
            # The response is awaited and released in `finally` (what ``async with`` does, without
            # its context-manager layer): released on every path, cancellation included.
            response = await session.request(
                request.http_method,
                self._url(request),
                data=request.body,
                headers=request.headers,
                allow_redirects=False,
                timeout=client_timeout,
            )
            try:
                status = response.status
                headers = response.headers
                seqid = headers.get("x-openapi-seqid")
                if seqid:
                    request.seqid = _SEQID_JUNK.sub("", seqid)[:64] or None
                if status == 429:
                    error = TransportError(
                        "HTTP 429 (too many requests)",
                        request=request.summary,
                        status=429,
                        retry_after=_retry_after(headers.get("Retry-After")),
                    )
                else:
                    length = response.content_length
                    if length is not None and length <= self._max_size:
                        return status, await response.read()  # aiohttp reads no more than that
                    return status, await self._read(response, request)
            finally:
                response.release()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not self._closed or (task is not None and task.cancelling()):
                raise  # somebody cancelled this caller: let it go
            # Nobody cancelled the caller: closing the client ended its request (aiohttp cancels
            # the requests still waiting for a connection when its session closes).
            error = self._closed_error(request)
        except TimeoutError:
            error = RequestTimeout(f"no answer within {timeout:g} s", request=request.summary)
        except WxTcbError as exc:
            error = exc
        except RuntimeError:
            if not session.closed:
                raise
            # The session closed under a request still in flight.
            error = self._closed_error(request, "the HTTP session was closed")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            if self._closed:  # whatever aiohttp says, closing the client is what ended the request
                error = self._closed_error(request)
            else:
                # The request's own secret values too (an openid in the query is no credential name).
                text = redact_text(str(exc), request.secrets)
                error = TransportError(f"{type(exc).__name__}: {text}", request=request.summary)
        raise error

    def _closed_error(self, request: Request, message: str = "the client was closed") -> TransportError:
        return TransportError(message, request=request.summary, transient=False)

    def _timeout(self, timeout: float) -> aiohttp.ClientTimeout:
        client_timeout = self._timeouts.get(timeout)
        if client_timeout is None:
            client_timeout = self._timeouts[timeout] = aiohttp.ClientTimeout(total=timeout)
        return client_timeout

    def _foreign_error(
        self, exc: BaseException, summary: RequestSummary, timeout: float, hidden: Sequence[str]
    ) -> TransportError:
        """*exc* from a foreign request as a TransportError whose text shows no URL and no secret."""
        if isinstance(exc, TransportError):
            return exc
        if isinstance(exc, TimeoutError):
            return RequestTimeout(f"no answer within {timeout:g} s", request=summary)
        if self._closed:
            return TransportError("the client was closed", request=summary, transient=False)
        if isinstance(exc, RuntimeError):
            return TransportError("the HTTP session was closed", request=summary, transient=False)
        text = hide_queries(redact_text(str(exc), hidden))
        return TransportError(f"{type(exc).__name__}: {text}", request=summary)

    def _foreign_closed(self) -> bool:
        """Whether a RuntimeError from aiohttp means the session closed under the request."""
        return self._closed or (self._session is not None and self._session.closed)

    async def send_form(
        self,
        url: str,
        fields: Sequence[tuple[str, str]],
        file: bytes | Path,
        *,
        filename: str,
        secrets: Sequence[str],
        timeout: float,
    ) -> tuple[int, bytes]:
        """POST a multipart form to *url*: *fields* in order, then *file* last (streamed from disk).

        The answer is read whole, bounded by ``max_response_size`` (an object store answers an
        upload with an empty body or a short XML error).
        """

        def form(files: contextlib.ExitStack) -> aiohttp.FormData:
            data = aiohttp.FormData(quote_fields=False)
            for name, value in fields:
                data.add_field(name, value)
            body = file if isinstance(file, bytes) else files.enter_context(file.open("rb"))
            data.add_field("file", body, filename=filename, content_type="application/octet-stream")
            return data

        return await self._upload("POST", url, form, None, _foreign_secrets(url, secrets), timeout)

    async def put(
        self,
        url: str,
        body: bytes | Path,
        *,
        headers: Mapping[str, str],
        secrets: Sequence[str],
        timeout: float,
    ) -> tuple[int, bytes]:
        """PUT *body* (bytes, or a file streamed from disk) to *url* with *headers*.

        For a signed object-store URL (a static website's file). The answer is read whole,
        bounded by ``max_response_size``; header values count as secrets in every message.
        """

        def data(files: contextlib.ExitStack) -> object:
            return body if isinstance(body, bytes) else files.enter_context(body.open("rb"))

        hidden = _foreign_secrets(url, [*secrets, *headers.values()])
        return await self._upload("PUT", url, data, dict(headers), hidden, timeout)

    async def _upload(
        self,
        http_method: str,
        url: str,
        make_data: Callable[[contextlib.ExitStack], object],
        headers: dict[str, str] | None,
        hidden: Sequence[str],
        timeout: float,
    ) -> tuple[int, bytes]:
        """Send a body built by *make_data* (files it opens are closed after) to a foreign *url*;
        the answer read whole within ``max_response_size``, failures translated with *hidden*
        masked."""
        if self._session is None and not self._closed:
            self._open()  # so that the guard is decided for the session the request will use
        guard = self._guard
        if guard is None or not guard.needed():
            return await self._upload_plain(http_method, url, make_data, headers, hidden, timeout)
        with guard.foreign(http_method, url) as span:
            status, body = await self._upload_plain(http_method, url, make_data, headers, hidden, timeout)
            span.status(status)
            return status, body

    async def _upload_plain(
        self,
        http_method: str,
        url: str,
        make_data: Callable[[contextlib.ExitStack], object],
        headers: dict[str, str] | None,
        hidden: Sequence[str],
        timeout: float,
    ) -> tuple[int, bytes]:
        summary = foreign_summary(http_method, url)
        error: WxTcbError
        with contextlib.ExitStack() as files:
            try:
                session = self._session or self._open()
                async with session.request(
                    http_method,
                    url,
                    data=make_data(files),
                    headers=headers,
                    allow_redirects=False,
                    timeout=self._timeout(timeout),
                ) as response:
                    answer = Download(
                        response.status, response.content_length, response.content.iter_chunked(65536)
                    )
                    return answer.status, await answer.read(self._max_size)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not self._closed or (task is not None and task.cancelling()):
                    raise
                error = TransportError("the client was closed", request=summary, transient=False)
            except ResponseTooLarge as exc:
                error = ResponseTooLarge(exc.limit, request=summary, status=exc.status)
            except RuntimeError as exc:
                if not self._foreign_closed():
                    raise
                error = self._foreign_error(exc, summary, timeout, hidden)
            except (aiohttp.ClientError, OSError, ValueError, TimeoutError, WxTcbError) as exc:
                error = self._foreign_error(exc, summary, timeout, hidden)
        raise error

    @contextlib.asynccontextmanager
    async def stream(self, url: str, *, secrets: Sequence[str], timeout: float) -> AsyncIterator[Download]:
        """GET *url* (redirects followed) and hand over its answer as a `Download` read on demand.

        Only the transport's own failures are translated: an exception raised by the code that
        consumes the chunks (a full disk, a size cap) passes through untouched.
        """
        summary = foreign_summary("GET", url)
        error: WxTcbError | None = None
        response: aiohttp.ClientResponse | None = None
        try:
            session = self._session or self._open()
            guard = self._guard
            if guard is None or not guard.needed():
                response = await session.get(url, allow_redirects=True, timeout=self._timeout(timeout))
            else:
                with guard.foreign("GET", url) as span:
                    response = await session.get(url, allow_redirects=True, timeout=self._timeout(timeout))
                    span.status(response.status)
        except RuntimeError as exc:
            if not self._foreign_closed():
                raise
            error = self._foreign_error(exc, summary, timeout, _foreign_secrets(url, secrets))
        except (aiohttp.ClientError, OSError, ValueError, TimeoutError, WxTcbError) as exc:
            error = self._foreign_error(exc, summary, timeout, _foreign_secrets(url, secrets))
        if error is not None or response is None:
            raise error or TransportError("no answer", request=summary)
        answer = response

        async def chunks() -> AsyncIterator[bytes]:
            failure: WxTcbError
            try:
                async for chunk in answer.content.iter_chunked(65536):
                    yield chunk
                return
            except (aiohttp.ClientError, OSError, ValueError, TimeoutError) as exc:
                failure = self._foreign_error(exc, summary, timeout, _foreign_secrets(url, secrets))
            raise failure

        try:
            yield Download(answer.status, answer.content_length, chunks())
        finally:
            if answer.content.at_eof():
                answer.release()
            else:
                answer.close()  # not read to the end: the connection cannot be reused

    async def _read(self, response: aiohttp.ClientResponse, request: Request) -> bytes:
        limit = self._max_size
        length = response.content_length
        if length is not None:
            if length > limit:
                raise ResponseTooLarge(limit, request=request.summary, status=response.status)
            # aiohttp reads no more than Content-Length.
            return await response.read()
        # No Content-Length (chunked, or until close): count while reading.
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise ResponseTooLarge(limit, request=request.summary, status=response.status)
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None
