"""`Client`: the API surface. One thin method per endpoint; the pipeline does the work."""

from __future__ import annotations

import enum
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import aiohttp

from wxtcb.errors import InvalidRequestError
from wxtcb.events import Event, Observer
from wxtcb.methods import GetCallbackConfig, Method, SetCallbackConfig
from wxtcb.models import CallbackConfig, ContainerConfig, FunctionConfig
from wxtcb.pipeline import Pipeline
from wxtcb.retry import RetryPolicy
from wxtcb.tokens.base import TokenProvider
from wxtcb.transport import DEFAULT_MAX_RESPONSE_SIZE, AiohttpTransport, Transport, check_base_url

__all__ = ["DEFAULT_BASE_URL", "Client"]

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.weixin.qq.com"


class _State(enum.Enum):
    UNOPENED = 1
    OPENED = 2
    CLOSED = 3


class Client:
    """An async client for the WeChat CloudBase server APIs.

    Use it as an async context manager, or call `aclose` yourself. It opens one
    `aiohttp.ClientSession` and reuses it for every call, or borrows yours (*session*) and never
    closes it. Share one client across tasks; do not create one per request.

    Args:
        provider: Where tokens come from: `AppTokenProvider`, `AuthorizerTokenProvider`,
            `StaticTokenProvider`, or your own `TokenProvider`.
        base_url: WeChat's API host, or an emulator's URL (`wxtcb.testing.Emulator.url`).
        session: An `aiohttp.ClientSession` to borrow.
        retry: What transient failures are retried (default ``RetryPolicy()``: 5 attempts in 30 s).
        timeout: Seconds each attempt may take.
        max_response_size: The largest answer read, in bytes (default 4 MiB); a larger one raises
            `ResponseTooLarge` and is not retried.
        on_event: Called with every `wxtcb.events.Event` (requests, retries, token fetches,
            refresh-token rotations), for metrics or tracing. It must not block.
    """

    def __init__(
        self,
        provider: TokenProvider,
        *,
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        on_event: Callable[[Event], Any] | None = None,
        transport: Transport | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < 1e9:
            raise InvalidRequestError("timeout must be a positive number of seconds")
        check_base_url(base_url)
        self.provider = provider
        self.base_url = base_url
        self._pipeline = Pipeline(
            transport
            if transport is not None
            else AiohttpTransport(base_url, session, max_response_size=max_response_size),
            retry if retry is not None else RetryPolicy(),
            timeout,
            Observer(on_event),
        )
        self._state = _State.UNOPENED

    def __repr__(self) -> str:
        return f"<wxtcb.Client {self._state.name.lower()} {self.base_url} provider={self.provider!r}>"

    async def __aenter__(self) -> Client:
        if self._state is _State.CLOSED:
            raise RuntimeError("this wxtcb.Client is closed; create a new one")
        self._state = _State.OPENED
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the session (if the client opened it) and stop background token refreshes."""
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        await self._pipeline.aclose()

    async def __call__(self, method: Method[T]) -> T:
        """Send any method object with this client's token, retries and refresh-and-replay."""
        if self._state is _State.CLOSED:
            raise RuntimeError("this wxtcb.Client is closed; create a new one")
        self._state = _State.OPENED
        return await self._pipeline.call(method, self.provider)

    async def get_callback_config(self) -> CallbackConfig:
        """Get the message-push configuration (cloud functions and cloud-run).

        https://developers.weixin.qq.com/doc/oplatform/openApi/cloudbase-common/msg-push/api_getcallbackconfig.html
        """
        return await self(GetCallbackConfig())

    async def set_callback_config(
        self,
        *,
        function_config: FunctionConfig | None = None,
        container_config: ContainerConfig | None = None,
    ) -> None:
        """Set the cloud-function push config, the cloud-run push config, or both.

        Each object sent replaces the one WeChat has; one left out is not changed. Bad input
        raises `InvalidRequestError` before anything is sent.

        https://developers.weixin.qq.com/doc/oplatform/openApi/cloudbase-common/msg-push/api_setcallbackconfig.html
        """
        await self(SetCallbackConfig(function_config=function_config, container_config=container_config))
