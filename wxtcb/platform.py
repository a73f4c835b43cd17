"""`Platform`: one engine for a third-party platform's whole fleet of merchants.

A platform acting for thousands of merchants wants one HTTP session, one pipeline, one component
provider and one store, and a cheap `Client` per merchant. ``platform.merchant(appid)`` is that
client: it costs an `AuthorizerTokenProvider` and nothing more, and closing it (or cancelling its
calls) never fails another merchant's work.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import aiohttp

from wxtcb.client import DEFAULT_BASE_URL, Client, _pipeline
from wxtcb.events import Event
from wxtcb.methods import Method
from wxtcb.retry import RetryPolicy
from wxtcb.tokens.component import AuthorizerTokenProvider, ComponentTokenProvider, RefreshTokenHook
from wxtcb.transport import DEFAULT_MAX_RESPONSE_SIZE, Transport

__all__ = ["Platform"]

T = TypeVar("T")


class Platform:
    """A third-party platform: the component provider, one engine, and a client per merchant.

    Args:
        component: The platform's `ComponentTokenProvider` (its store is the fleet's store).
        base_url: WeChat's API host, or an emulator's URL.
        session: An `aiohttp.ClientSession` to borrow (never closed here).
        retry: What transient failures are retried.
        timeout: Seconds each attempt may take.
        on_event: Called with every `wxtcb.events.Event`, for every merchant.
        transport: Sends the requests instead of aiohttp.
        max_response_size: The largest answer read, in bytes.

    ``await platform(method)`` sends a method object that takes the component token
    (``componenttcb/*``, ``cgi-bin/component/*``).
    """

    def __init__(
        self,
        component: ComponentTokenProvider,
        *,
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        on_event: Callable[[Event], Any] | None = None,
        transport: Transport | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        self.component = component
        pipeline = _pipeline(base_url, session, retry, timeout, on_event, transport, max_response_size)
        #: The platform's own client, on the component token.
        self._client = Client._view(component, pipeline, base_url)
        self._client._owns_pipeline = True
        self._merchants: weakref.WeakValueDictionary[str, AuthorizerTokenProvider] = (
            weakref.WeakValueDictionary()
        )

    def __repr__(self) -> str:
        return f"<wxtcb.Platform {self.component.appid} {self._client.base_url}>"

    def merchant(
        self,
        authorizer_appid: str,
        refresh_token: str | None = None,
        on_refresh_token: RefreshTokenHook | None = None,
    ) -> Client:
        """A client acting for one merchant, on this platform's engine.

        The merchant's provider is kept while any of its clients lives, so asking again for the
        same merchant reuses its cached token; passing *refresh_token* or *on_refresh_token*
        builds a new provider with them (the refresh token seeds the store only when the store
        has none).
        """
        provider = self._merchants.get(authorizer_appid)
        if provider is None or refresh_token is not None or on_refresh_token is not None:
            provider = self.component.authorizer(
                authorizer_appid, refresh_token=refresh_token, on_refresh_token=on_refresh_token
            )
            self._merchants[authorizer_appid] = provider
        return Client._view(provider, self._client._pipeline, self._client.base_url)

    async def __call__(self, method: Method[T]) -> T:
        """Send a method object that takes the component token."""
        return await self._client(method)

    async def __aenter__(self) -> Platform:
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the engine: every merchant's client stops with it."""
        await self._client.aclose()
