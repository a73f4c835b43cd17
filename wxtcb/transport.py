"""The only module that touches aiohttp: send a `Request`, get ``(status, body)`` back.

aiohttp's exceptions print the whole URL, access token included; they are translated here into
`TransportError` built from the redacted summary, and never chained (``from None``) so that a
traceback cannot show them either.
"""

from __future__ import annotations

from typing import Protocol

import aiohttp
from yarl import URL

from wxtcb.errors import RequestTimeout, TransportError
from wxtcb.protocol import Request
from wxtcb.redaction import scrub

__all__ = ["AiohttpTransport", "Transport"]


class Transport(Protocol):
    """Sends one request and returns the HTTP status and the body bytes."""

    async def send(self, request: Request, *, timeout: float) -> tuple[int, bytes]: ...

    async def aclose(self) -> None: ...


class AiohttpTransport:
    """A `Transport` over one `aiohttp.ClientSession`, created here or borrowed (never closed then)."""

    __slots__ = ("_base_url", "_closed", "_owns_session", "_session", "_timeouts", "_urls")

    def __init__(self, base_url: str, session: aiohttp.ClientSession | None = None) -> None:
        self._base_url = base_url.rstrip("/") + "/"
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
                return response.status, await response.read()
        except TimeoutError:
            raise RequestTimeout(f"no answer within {timeout:g} s", request=request.summary) from None
        except RuntimeError:
            if not session.closed:
                raise
            # The session closed under a request still in flight (its client was closed).
            raise TransportError(
                "the HTTP session was closed", request=request.summary, transient=False
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise TransportError(
                f"{type(exc).__name__}: {scrub(str(exc))}", request=request.summary
            ) from None

    async def aclose(self) -> None:
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None
