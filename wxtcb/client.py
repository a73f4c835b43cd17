"""`Client`: the API surface. One namespace per domain, one line per endpoint; the pipeline does the work."""

from __future__ import annotations

import enum
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp

from wxtcb.errors import InvalidRequestError
from wxtcb.events import Event, Observer
from wxtcb.message_push import GetCallbackConfig, MessagePush, SetCallbackConfig
from wxtcb.methods import Method
from wxtcb.namespaces import endpoint, namespace
from wxtcb.pipeline import Pipeline
from wxtcb.retry import RetryPolicy
from wxtcb.tokens.base import TokenProvider
from wxtcb.transport import DEFAULT_MAX_RESPONSE_SIZE, AiohttpTransport, Transport, check_base_url

if TYPE_CHECKING:
    from wxtcb.cloud_users import CloudUsers
    from wxtcb.cloudrun.customer_service import CustomerService
    from wxtcb.database import Database
    from wxtcb.environments import Environments
    from wxtcb.functions import Functions
    from wxtcb.open_data import OpenData
    from wxtcb.sms import Sms
    from wxtcb.storage import Storage
    from wxtcb.wechat_pay import WechatPay

__all__ = ["DEFAULT_BASE_URL", "Client", "build_engine"]

T = TypeVar("T")

#: Where calls go unless ``base_url=`` says otherwise (a test server, a proxy, the emulator).
DEFAULT_BASE_URL = "https://api.weixin.qq.com"


class _State(enum.Enum):
    UNOPENED = 1
    OPENED = 2
    CLOSED = 3


def build_engine(
    base_url: str,
    session: aiohttp.ClientSession | None,
    retry: RetryPolicy | None,
    timeout: float,
    on_event: Callable[[Event], Any] | None,
    transport: Transport | None,
    max_response_size: int,
    reuse_unchanged: bool = False,
) -> Pipeline:
    """The engine behind a client (or a whole platform's fleet), with its arguments checked.

    The arguments are `Client`'s; a `wxtcb.Platform` builds one and puts a client per merchant on
    it with `Client.on_engine`. Bad arguments raise `InvalidRequestError`.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < 1e9:
        raise InvalidRequestError("timeout must be a positive number of seconds")
    if not isinstance(reuse_unchanged, bool):
        raise InvalidRequestError("reuse_unchanged must be True or False")
    check_base_url(base_url)
    if transport is None:
        transport = AiohttpTransport(base_url, session, max_response_size=max_response_size)
    return Pipeline(
        transport,
        retry if retry is not None else RetryPolicy(),
        timeout,
        Observer(on_event),
        reuse_unchanged=reuse_unchanged,
    )


class Client:
    """An async client for the WeChat CloudBase server APIs.

    Use it as an async context manager, or call `aclose` yourself. It opens one
    `aiohttp.ClientSession` and reuses it for every call, or borrows yours (*session*) and never
    closes it. Share one client across tasks; do not create one per request.

    Each domain is a namespace on the client (``client.message_push``, …), and
    ``await client(method)`` sends any method object, including one for an endpoint wxtcb does
    not wrap yet.

    Args:
        provider: Where tokens come from: `AppTokenProvider`, `AuthorizerTokenProvider`,
            `StaticTokenProvider`, or your own `TokenProvider`. A method that takes another kind
            of token is refused with `InvalidRequestError` before anything is sent.
        base_url: WeChat's API host, or an emulator's URL (`wxtcb.testing.Emulator.url`); checked
            here (`InvalidRequestError` for one that cannot work). By default the provider's
            ``base_url`` if it has one (`OpenApiProvider`: ``http://api.weixin.qq.com``, which
            cloud-run's open-API service relays), else ``https://api.weixin.qq.com``.
        session: An `aiohttp.ClientSession` to borrow.
        retry: What transient failures are retried (default ``RetryPolicy()``: 5 attempts in 30 s).
        timeout: Seconds each attempt may take.
        on_event: Called with every `wxtcb.events.Event` (requests, retries, token fetches,
            refresh-token rotations), for metrics or tracing. It must not block.
        transport: Sends the requests instead of aiohttp (tests, other HTTP stacks).
        max_response_size: The largest answer read, in bytes (default 4 MiB); a larger one raises
            `ResponseTooLarge` and is not retried.
        reuse_unchanged: For pollers. When an answer is byte for byte the one this client last
            got for the same method class, return the result decoded then (the very same object)
            instead of parsing and decoding it again. Only for endpoints marked
            `Endpoint.idempotent` whose results are immutable all the way down and hold no
            secret (`CallbackConfig`, a collection list, a count; not documents, not upload
            links, not an export's download URL), one result kept per method class, answers up
            to 64 KiB. The request is sent every time; errors are never reused.

    Attributes:
        provider: The `TokenProvider` the client's calls take their token from.
        base_url: The host requests go to: *base_url*, else the provider's ``base_url``, else
            `DEFAULT_BASE_URL`.
    """

    __slots__ = ("_owns_pipeline", "_pipeline", "_state", "base_url", "provider")

    #: The message-push configuration: `wxtcb.message_push.MessagePush`.
    message_push = namespace(MessagePush)
    get_callback_config = endpoint(GetCallbackConfig)
    set_callback_config = endpoint(SetCallbackConfig)
    # The domains below are imported on first access: a program pays at start-up only for the
    # domains it uses (a cloud-run bot or a CLI run starts as fast as the aiohttp program).
    #: Files in CloudBase storage: `wxtcb.storage.Storage`.
    storage: namespace[Storage] = namespace("wxtcb.storage:Storage")
    #: CloudBase environments: `wxtcb.environments.Environments`.
    envs: namespace[Environments] = namespace("wxtcb.environments:Environments")
    #: Customer-service messages (a bot's active replies): `wxtcb.cloudrun.CustomerService`.
    customer_service: namespace[CustomerService] = namespace(
        "wxtcb.cloudrun.customer_service:CustomerService"
    )
    #: Cloud functions: `wxtcb.functions.Functions`.
    functions: namespace[Functions] = namespace("wxtcb.functions:Functions")
    #: The database: `wxtcb.database.Database`.
    database: namespace[Database] = namespace("wxtcb.database:Database")
    #: CloudBase WeChat Pay merchant numbers: `wxtcb.wechat_pay.WechatPay`.
    wechat_pay: namespace[WechatPay] = namespace("wxtcb.wechat_pay:WechatPay")
    #: Open data behind cloudIDs, VoIP signatures: `wxtcb.open_data.OpenData`.
    open_data: namespace[OpenData] = namespace("wxtcb.open_data:OpenData")
    #: CloudBase SMS, its records and statistics: `wxtcb.sms.Sms`.
    sms: namespace[Sms] = namespace("wxtcb.sms:Sms")
    #: Opening CloudBase for a merchant: `wxtcb.cloud_users.CloudUsers`.
    cloud_users: namespace[CloudUsers] = namespace("wxtcb.cloud_users:CloudUsers")

    def __init__(
        self,
        provider: TokenProvider,
        *,
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        on_event: Callable[[Event], Any] | None = None,
        transport: Transport | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        reuse_unchanged: bool = False,
    ) -> None:
        if base_url is None:
            hint = getattr(provider, "base_url", None)  # a provider that knows its host
            base_url = hint if isinstance(hint, str) else DEFAULT_BASE_URL
        self._pipeline = build_engine(
            base_url, session, retry, timeout, on_event, transport, max_response_size, reuse_unchanged
        )
        self._owns_pipeline = True
        self.provider = provider
        self.base_url = base_url
        self._state = _State.UNOPENED

    @classmethod
    def on_engine(
        cls, provider: TokenProvider, engine: Pipeline, base_url: str, *, owns: bool = False
    ) -> Client:
        """A client on an engine built by `build_engine` (a `wxtcb.Platform`'s): it shares the
        engine's session, retries and background work, and its *provider* gives the token.

        Closing it closes the engine only if it *owns* it; a client that does not own the engine
        only stops being usable. The client starts opened.
        """
        client = cls.__new__(cls)
        client._pipeline = engine
        client._owns_pipeline = owns
        client.provider = provider
        client.base_url = base_url
        client._state = _State.OPENED
        return client

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
        """Close the session (if the client opened it) and stop background token refreshes.

        A client from `wxtcb.Platform.merchant` only stops being usable: the platform's engine
        serves the other merchants until the platform closes.
        """
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        if self._owns_pipeline:
            await self._pipeline.aclose()

    def __call__(self, method: Method[T]) -> Coroutine[Any, Any, T]:
        """Send any method object with this client's token, retries and refresh-and-replay:
        ``await client(method)``.

        Not a coroutine function itself: it hands back the pipeline's coroutine, one layer fewer
        on every call. A closed client raises `RuntimeError` when called.
        """
        if self._state is _State.CLOSED or self._pipeline.closed:
            raise RuntimeError("this wxtcb.Client is closed; create a new one")
        self._state = _State.OPENED
        return self._pipeline.call(method, self.provider)

    _send = __call__

    def engine(self) -> Pipeline:
        """The engine behind this client, for a domain that sends more than method objects
        (``client.storage``'s transfers use its transport, timeout, retry policy and observer).

        Refused with `RuntimeError` on a closed client, like any call. See
        `wxtcb.namespaces.engine_of` for how a namespace reaches it.
        """
        if self._state is _State.CLOSED or self._pipeline.closed:
            raise RuntimeError("this wxtcb.Client is closed; create a new one")
        self._state = _State.OPENED
        return self._pipeline
