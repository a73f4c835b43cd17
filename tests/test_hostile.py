"""Answers no WeChat should send, from a server of the tests' own: each ends in a typed error, fast.

The server here has no wxtcb code in it: a plain aiohttp application in its own thread (its own
event loop), so that what it costs to produce an answer is not charged to the client's loop. A
loop-lag monitor measures the client loop's longest stall in CPU seconds of its thread, which a
busy machine does not inflate: a stall is work the loop did, not time it waited for a core.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web

import wxtcb
import wxtcb.events
from tests.conftest import assert_no_secret, log_texts
from wxtcb import errors
from wxtcb.redaction import MAX_ERRMSG, RequestSummary
from wxtcb.testing import INSTANT_RETRY

APPID = "wxhostile00000001"
SECRET = "hostile-app-secret-000000000001"
GET = "tcb/getcallbackconfig"
TOKEN = "cgi-bin/stable_token"
OK_CONFIG = {"errcode": 0, "errmsg": "ok", "data": {}}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_answer(data: object, status: int = 200) -> web.Response:
    """An answer as WeChat sends it: JSON under text/plain."""
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="text/plain")


class HostileServer:
    """A stand-in for WeChat whose answers each test writes; counts requests per path."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.tokens_issued = 0
        self.routes: dict[str, Handler] = {TOKEN: self._token}
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        #: Set (in the server's loop) when the server shuts down: stalled handlers end then.
        self.released: asyncio.Event | None = None

    def token_value(self, n: int) -> str:
        """The n-th token this server issues."""
        return f"HOSTILE_TOKEN_{n:06d}_" + "x" * 100

    async def _token(self, request: web.Request) -> web.StreamResponse:
        self.tokens_issued += 1
        return json_answer({"access_token": self.token_value(self.tokens_issued), "expires_in": 7200})

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.calls[path] += 1
        handler = self.routes.get(path)
        if handler is None:
            return json_answer(OK_CONFIG)
        return await handler(request)

    async def _start(self) -> str:
        self.released = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        return self

    async def stall(self) -> None:
        """In a handler: wait until the server shuts down."""
        assert self.released is not None
        await self.released.wait()

    def __exit__(self, *exc: object) -> None:
        if self.released is not None:
            self._loop.call_soon_threadsafe(self.released.set)
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()


class LoopLag:
    """The longest run of CPU work between two ticks of the client's loop, in thread CPU seconds."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.thread_time()
        while True:
            await asyncio.sleep(0.005)
            now = time.thread_time()
            self.worst = max(self.worst, now - last)
            last = now

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A misbehaving WeChat stand-in on a free loopback port, in a thread of its own."""
    with HostileServer() as server:
        yield server


def make_client(server: HostileServer, **kwargs: Any) -> wxtcb.Client:
    """A client of the hostile server with instant retries."""
    kwargs.setdefault("retry", INSTANT_RETRY)
    kwargs.setdefault("timeout", 30.0)
    return wxtcb.Client(wxtcb.AppTokenProvider(APPID, SECRET), base_url=server.url, **kwargs)


@pytest.fixture
async def client(hostile: HostileServer) -> AsyncIterator[wxtcb.Client]:
    """A client of the hostile server."""
    async with make_client(hostile) as c:
        yield c


def route(server: HostileServer, path: str) -> Callable[[Handler], Handler]:
    """Decorator: answer *path* with the decorated handler."""

    def register(handler: Handler) -> Handler:
        server.routes[path] = handler
        return handler

    return register


# --- the business answer is hostile ------------------------------------------------------------


async def test_whitespace_errmsg_is_split_in_linear_time(
    hostile: HostileServer, client: wxtcb.Client
) -> None:
    """errcode 45009 with 40 KB of spaces for errmsg: a QuotaError at once, the loop never stalls."""

    @route(hostile, GET)
    async def spaces(request: web.Request) -> web.Response:
        return json_answer({"errcode": 45009, "errmsg": " " * 40_000 + "x" + " " * 40_000})

    async with LoopLag() as lag:
        with pytest.raises(wxtcb.QuotaError) as caught:
            await client.get_callback_config()
    assert lag.worst < 1.0
    assert len(caught.value.errmsg) <= MAX_ERRMSG
    assert hostile.calls[GET] == 1


@pytest.mark.parametrize("errcode", [0, -1])
async def test_huge_chunked_body_is_refused_while_reading(hostile: HostileServer, errcode: int) -> None:
    """50 MB streamed without Content-Length: ResponseTooLarge after the cap is read, never retried."""
    chunk = b"[]," * 100_000

    @route(hostile, GET)
    async def flood(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b'{"errcode":%d,"errmsg":"x","data":[' % errcode)
        for _ in range(50 * 1024 * 1024 // len(chunk)):
            if hostile.released is not None and hostile.released.is_set():
                break
            await response.write(chunk)
        return response

    async with make_client(hostile, max_response_size=1024 * 1024) as client, LoopLag() as lag:
        with pytest.raises(wxtcb.ResponseTooLarge) as caught:
            await client.get_callback_config()
    assert lag.worst < 1.0
    assert caught.value.transient is False
    assert caught.value.limit == 1024 * 1024
    assert hostile.calls[GET] == 1, "an answer over the cap is not asked for again"


async def test_declared_length_over_the_cap_is_refused_before_reading(hostile: HostileServer) -> None:
    """A Content-Length of 50 MB is refused on the header: the body is never read."""

    @route(hostile, GET)
    async def declared(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.content_length = 50 * 1024 * 1024
        await response.prepare(request)
        await response.write(b'{"errcode":0,')
        await hostile.stall()  # the rest never comes: only the header can have refused it
        return response

    async with make_client(hostile) as client:
        with pytest.raises(wxtcb.ResponseTooLarge) as caught:
            await client.get_callback_config()
    assert caught.value.limit == 4 * 1024 * 1024, "the default cap is 4 MiB"
    assert caught.value.status == 200


async def test_deeply_nested_json_is_a_decode_error(hostile: HostileServer, client: wxtcb.Client) -> None:
    """JSON nested 100 000 deep: DecodeError, not RecursionError."""

    @route(hostile, GET)
    async def nested(request: web.Request) -> web.Response:
        body = b'{"errcode":0,"data":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        return web.Response(body=body, content_type="text/plain")

    with pytest.raises(wxtcb.DecodeError):
        await client.get_callback_config()


async def test_errmsg_of_20_mb_is_cut(hostile: HostileServer) -> None:
    """A 20 MB errmsg (under a raised cap) is kept to MAX_ERRMSG characters, ending in an ellipsis."""
    body = json.dumps({"errcode": 85088, "errmsg": "e" * 20_000_000 + " rid: abc-123"}).encode()

    @route(hostile, GET)
    async def long_errmsg(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/plain")

    async with make_client(hostile, max_response_size=32 * 1024 * 1024) as client, LoopLag() as lag:
        with pytest.raises(wxtcb.APIError) as caught:
            await client.get_callback_config()
    assert lag.worst < 1.0
    assert len(caught.value.errmsg) == MAX_ERRMSG
    assert caught.value.errmsg.endswith("…")
    assert caught.value.rid == "abc-123"
    assert len(str(caught.value)) < 2 * MAX_ERRMSG


async def test_errmsg_echoing_the_token_is_redacted(
    hostile: HostileServer, client: wxtcb.Client, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """An errmsg that repeats the request's token (bare, not as key=value) shows a mask instead."""

    @route(hostile, GET)
    async def echo(request: web.Request) -> web.Response:
        token = request.query["access_token"]
        return json_answer({"errcode": 40097, "errmsg": f"bad args for {token} ({token}) rid: r-1"})

    with pytest.raises(wxtcb.APIError) as caught:
        await client.get_callback_config()
    token = hostile.token_value(1)
    assert "***" in caught.value.errmsg
    assert_no_secret(
        [str(caught.value), repr(caught.value), caught.value.errmsg, *log_texts(wxtcb_logs)], [token]
    )


async def test_token_endpoint_errmsg_echoing_the_secret_is_redacted(hostile: HostileServer) -> None:
    """A token endpoint that echoes the AppSecret from the body: masked in the error too."""

    @route(hostile, TOKEN)
    async def echo(request: web.Request) -> web.Response:
        body = await request.json()
        return json_answer({"errcode": 40125, "errmsg": f"invalid appsecret {body['secret']}"})

    async with make_client(hostile) as client:
        with pytest.raises(wxtcb.BadCredentialsError) as caught:
            await client.get_callback_config()
    assert_no_secret([str(caught.value), repr(caught.value)], [SECRET])


# --- the token answer is hostile ---------------------------------------------------------------

# token answer, what the call raises
BAD_TOKENS = [
    ({"access_token": "", "expires_in": 7200}, wxtcb.DecodeError),
    ({"access_token": 12345, "expires_in": 7200}, wxtcb.DecodeError),
    ({"access_token": "t" * 5000, "expires_in": 7200}, wxtcb.DecodeError),
    ({"access_token": "with space", "expires_in": 7200}, wxtcb.DecodeError),
    ({"access_token": "tok", "expires_in": 10**309}, wxtcb.DecodeError),
    ({"access_token": "tok", "expires_in": 0}, wxtcb.DecodeError),
    ({"access_token": "tok", "expires_in": "7200"}, wxtcb.DecodeError),
    ({"access_token": "tok"}, wxtcb.DecodeError),
]


@pytest.mark.parametrize(("answer", "raised"), BAD_TOKENS)
async def test_bad_token_answer_is_a_decode_error_and_never_cached(
    hostile: HostileServer, client: wxtcb.Client, answer: dict[str, object], raised: type[Exception]
) -> None:
    """A token that is empty, not a string, absurdly long or with an absurd lifetime: DecodeError, not cached."""

    @route(hostile, TOKEN)
    async def bad(request: web.Request) -> web.Response:
        return json_answer(answer)

    for _ in range(2):
        with pytest.raises(raised):
            await client.get_callback_config()
    assert hostile.calls[TOKEN] == 2, "nothing was cached: each call asked again"
    assert hostile.calls[GET] == 0


async def test_absurd_lifetime_is_clamped_to_what_wechat_documents(hostile: HostileServer) -> None:
    """expires_in of a year: the token is cached for 7200 s, no longer."""

    @route(hostile, TOKEN)
    async def year(request: web.Request) -> web.Response:
        return json_answer({"access_token": "year-long-token", "expires_in": 365 * 86400})

    store = wxtcb.MemoryTokenStore()
    provider = wxtcb.AppTokenProvider(APPID, SECRET, store=store)
    async with wxtcb.Client(provider, base_url=hostile.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
    cached = await store.get_token(provider.cache_key)
    assert cached is not None
    assert cached.expires_at - cached.issued_at == 7200


async def test_one_second_tokens_are_fetched_at_most_once_per_floor(hostile: HostileServer) -> None:
    """A new token each time that lives 1 s: 50 calls make one fetch, not fifty (REFETCH_FLOOR)."""
    now = [1_000_000.0]

    @route(hostile, TOKEN)
    async def short(request: web.Request) -> web.Response:
        hostile.tokens_issued += 1
        return json_answer({"access_token": hostile.token_value(hostile.tokens_issued), "expires_in": 1})

    provider = wxtcb.AppTokenProvider(APPID, SECRET, clock=lambda: now[0])
    async with wxtcb.Client(provider, base_url=hostile.url, retry=INSTANT_RETRY) as client:
        for _ in range(50):
            await client.get_callback_config()
        assert hostile.calls[TOKEN] == 1
        now[0] += 11  # past the floor
        await client.get_callback_config()
    assert hostile.calls[TOKEN] == 2


async def test_credential_error_holds_fetches(hostile: HostileServer) -> None:
    """A wrong secret (40125): further calls fail at once without asking WeChat, until the hold ends."""
    now = [1_000_000.0]

    @route(hostile, TOKEN)
    async def refuse(request: web.Request) -> web.Response:
        return json_answer({"errcode": 40125, "errmsg": "invalid appsecret"})

    provider = wxtcb.AppTokenProvider(APPID, SECRET, clock=lambda: now[0])
    async with wxtcb.Client(provider, base_url=hostile.url, retry=INSTANT_RETRY) as client:
        for _ in range(20):
            with pytest.raises(wxtcb.BadCredentialsError):
                await client.get_callback_config()
        assert hostile.calls[TOKEN] == 1
        now[0] += 31  # CREDENTIAL_HOLD is 30 s
        with pytest.raises(wxtcb.BadCredentialsError):
            await client.get_callback_config()
    assert hostile.calls[TOKEN] == 2


# --- HTTP 429 --------------------------------------------------------------------------------


async def test_429_is_retried_after_its_retry_after(hostile: HostileServer) -> None:
    """HTTP 429 is transient: retried, and the scheduled wait is at least its Retry-After."""
    events: list[wxtcb.events.Event] = []

    @route(hostile, GET)
    async def throttle(request: web.Request) -> web.Response:
        if hostile.calls[GET] == 1:
            return web.Response(status=429, headers={"Retry-After": "1"}, text="slow down")
        return json_answer(OK_CONFIG)

    async with make_client(hostile, on_event=events.append) as client:
        await client.get_callback_config()
    waits = [e.wait for e in events if isinstance(e, wxtcb.events.RetryScheduled)]
    assert waits == [1.0]
    assert hostile.calls[GET] == 2


async def test_429_asking_for_more_than_the_budget_is_raised_at_once(hostile: HostileServer) -> None:
    """A Retry-After past the retry budget is not slept through: the 429 is raised after one request."""

    @route(hostile, GET)
    async def throttle(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "120"}, text="slow down")

    policy = wxtcb.RetryPolicy(attempts=5, timeout=30, wait_initial=0, wait_max=0, wait_jitter=0)
    async with make_client(hostile, retry=policy) as client:
        with pytest.raises(wxtcb.TransportError) as caught:
            await client.get_callback_config()
    assert caught.value.status == 429
    assert caught.value.retry_after == 120
    assert hostile.calls[GET] == 1


# --- the client side -------------------------------------------------------------------------


async def test_aclose_under_500_inflight_calls_fails_each_with_a_transport_error(
    hostile: HostileServer,
) -> None:
    """Closing the client while 500 calls wait on WeChat: each caller gets TransportError, none CancelledError."""
    arrived = asyncio.Event()
    loop = asyncio.get_running_loop()

    @route(hostile, GET)
    async def stall(request: web.Request) -> web.Response:
        loop.call_soon_threadsafe(arrived.set)
        await hostile.stall()
        return json_answer(OK_CONFIG)

    client = make_client(hostile)
    await client.__aenter__()
    calls = [asyncio.ensure_future(client.get_callback_config()) for _ in range(500)]
    await asyncio.wait_for(arrived.wait(), 30)
    await client.aclose()
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    kinds = Counter(type(o).__name__ for o in outcomes)
    assert all(isinstance(o, wxtcb.TransportError) for o in outcomes), kinds
    assert all("closed" in str(o) for o in outcomes)
    assert all(task.done() for task in calls)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:99999",
        "http://[::1",
        "ftp://api.weixin.qq.com",
        "api.weixin.qq.com",
        "",
        "https://",
        "https://api.weixin.qq.com/?secret=hunter2hunter2",
    ],
)
def test_bad_base_url_is_refused_when_the_client_is_built(base_url: str) -> None:
    """A base_url that cannot work is refused at construction, with a message that shows no secret."""
    with pytest.raises(wxtcb.InvalidRequestError, match="base_url") as caught:
        wxtcb.Client(wxtcb.StaticTokenProvider("static-token-value"), base_url=base_url)
    assert "hunter2" not in str(caught.value)
    assert caught.value.__context__ is None or "hunter2" not in str(caught.value.__context__)


async def test_transport_errors_keep_no_context_with_the_url(hostile: HostileServer) -> None:
    """A connection failure's error chain holds nothing that prints the URL (and its token)."""
    client = wxtcb.Client(
        wxtcb.StaticTokenProvider("static-token-value-1"), base_url="http://127.0.0.1:9", retry=INSTANT_RETRY
    )
    async with client:
        with pytest.raises(wxtcb.TransportError) as caught:
            await client.get_callback_config()
    chain: list[BaseException] = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert_no_secret([str(e) for e in chain] + [repr(e) for e in chain], ["static-token-value-1"])


def _public_errors() -> list[type[BaseException]]:
    names = [n for n in wxtcb.__all__ if isinstance(getattr(wxtcb, n), type)]
    classes = [getattr(wxtcb, n) for n in names]
    return sorted((c for c in classes if issubclass(c, wxtcb.WxTcbError)), key=lambda c: c.__name__)


def _sample(cls: type[BaseException]) -> BaseException:
    summary = RequestSummary("POST", GET, (("access_token", "***"),))
    if issubclass(cls, wxtcb.APIError):
        return cls(45009, "quota", rid="r-1", request=summary)
    if cls is wxtcb.TicketMissingError:
        return cls("wxcomponent")
    if cls is wxtcb.ResponseTooLarge:
        return cls(1024, request=summary, status=200)
    if cls is wxtcb.AuthorizationNotStoredError:
        from wxtcb.authorization import AuthorizationInfo

        return cls("store down", authorization=AuthorizationInfo("wxm", "token", 7200, "refresh"))
    if issubclass(cls, wxtcb.TransportError):
        return cls("boom", request=summary, status=502, retry_after=1.5)
    return cls("something went wrong")


@pytest.mark.parametrize("cls", _public_errors(), ids=lambda c: c.__name__)
def test_every_public_error_pickles_with_the_same_text(cls: type[BaseException]) -> None:
    """Every public error survives pickling (to a worker, a queue) with its text and data."""
    error = _sample(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert repr(copy) == repr(error)
    assert vars(copy) == vars(error)


def test_every_error_class_is_walked() -> None:
    """The pickling walk covers the whole tree that errors.py exports."""
    tree = {getattr(errors, n) for n in errors.__all__ if isinstance(getattr(errors, n), type)}
    tree = {c for c in tree if issubclass(c, wxtcb.WxTcbError)}
    assert tree <= set(_public_errors())
