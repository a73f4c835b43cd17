"""The only module that touches aiohttp: send a `Request`, get ``(status, body)`` back.

aiohttp's exceptions print the whole URL, access token included; they are translated here into
`TransportError` built from the redacted summary. The translated error is raised outside the
``except`` block, so that neither its ``__cause__`` nor its ``__context__`` keeps aiohttp's.

Every answer is bounded: a body larger than ``max_response_size`` is refused on its
Content-Length, or as soon as reading it passes the limit, with `ResponseTooLarge`.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from typing import Protocol

import aiohttp
from yarl import URL

from wxtcb.errors import InvalidRequestError, RequestTimeout, ResponseTooLarge, TransportError, WxTcbError
from wxtcb.protocol import Request
from wxtcb.redaction import scrub

__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "AiohttpTransport", "Transport", "check_base_url"]

#: The largest answer read by default, in bytes. WeChat's answers are small; a database page of
#: large documents may need more (``Client(max_response_size=…)``).
DEFAULT_MAX_RESPONSE_SIZE = 4 * 1024 * 1024
#: Longest Retry-After honoured, in seconds; the retry budget bounds it further.
_MAX_RETRY_AFTER = 300.0


class Transport(Protocol):
    """Sends one request and returns the HTTP status and the body bytes."""

    async def send(self, request: Request, *, timeout: float) -> tuple[int, bytes]: ...

    async def aclose(self) -> None: ...


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


class AiohttpTransport:
    """A `Transport` over one `aiohttp.ClientSession`, created here or borrowed (never closed then)."""

    __slots__ = ("_base_url", "_closed", "_max_size", "_owns_session", "_session", "_timeouts", "_urls")

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
        return self._session

    async def send(self, request: Request, *, timeout: float) -> tuple[int, bytes]:
        session = self._session or self._open()
        client_timeout = self._timeouts.get(timeout)
        if client_timeout is None:
            client_timeout = self._timeouts[timeout] = aiohttp.ClientTimeout(total=timeout)
        error: WxTcbError
        try:
            # aiohttp's total timeout covers connecting, sending and reading the whole body.
            async with session.request(
                request.http_method,
                self._url(request),
                data=request.body,
                headers=request.headers,
                allow_redirects=False,
                timeout=client_timeout,
            ) as response:
                status = response.status
                if status == 429:
                    error = TransportError(
                        "HTTP 429 (too many requests)",
                        request=request.summary,
                        status=429,
                        retry_after=_retry_after(response.headers.get("Retry-After")),
                    )
                else:
                    return status, await self._read(response, request)
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
                error = TransportError(f"{type(exc).__name__}: {scrub(str(exc))}", request=request.summary)
        raise error

    def _closed_error(self, request: Request, message: str = "the client was closed") -> TransportError:
        return TransportError(message, request=request.summary, transient=False)

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
