"""An emulator of the WeChat endpoints wxtcb uses, as an aiohttp.web application on loopback.

It behaves like WeChat where wxtcb's correctness depends on it: tokens expire and rotate (the old
one stays valid for a grace period), ``stable_token`` hands back the same token until it is
near expiry, every fetch of ``cgi-bin/token`` rotates, get/set of the callback configuration
round-trips per app, and component and authorizer tokens follow the third-party rules (ticket
check, refresh-token rotation when switched on, 61023 for an unknown refresh token). Faults are
injected per endpoint, and every endpoint counts its calls.

Run it in your tests (``async with Emulator() as emu``) or from a shell (``wxtcb emulator``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import random
import secrets
import time
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
from aiohttp import web

from wxtcb.methods import TokenKind

if TYPE_CHECKING:
    from wxtcb.testing.cloudrun import PushAnswer

__all__ = [
    "DEMO_APPID",
    "DEMO_AUTHORIZER_APPID",
    "DEMO_COMPONENT_APPID",
    "DEMO_COMPONENT_SECRET",
    "DEMO_ENCODING_AES_KEY",
    "DEMO_PUSH_TOKEN",
    "DEMO_REFRESH_TOKEN",
    "DEMO_SECRET",
    "DEMO_TICKET",
    "Call",
    "Emulator",
    "Fault",
    "http_route",
    "route",
]

#: Demo credentials every emulator knows (public: they open nothing but the emulator).
DEMO_APPID = "wxdemo0000000001"
"""The demo mini program's appid (``wxtcb emulator`` and the fixtures act as it)."""
DEMO_SECRET = "demo-app-secret-0000000000000001"
"""The demo mini program's AppSecret."""
DEMO_COMPONENT_APPID = "wxcomponentdemo01"
"""The demo third-party platform's appid."""
DEMO_COMPONENT_SECRET = "demo-component-secret-000000001"
"""The demo third-party platform's secret."""
DEMO_TICKET = "ticket@@@demo-component-verify-ticket"
"""A ``component_verify_ticket`` the emulator accepts for the demo platform, without expiry."""
DEMO_AUTHORIZER_APPID = "wxmerchantdemo001"
"""The demo merchant, authorized to the demo platform."""
DEMO_REFRESH_TOKEN = "refreshtoken@@@demo-merchant-0001"
"""The demo merchant's ``authorizer_refresh_token``."""
DEMO_PUSH_TOKEN = "demopushtoken"
"""The demo platform's push token (message verification), for `wxtcb.push.PushCrypto`."""
DEMO_ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
"""The demo platform's EncodingAESKey (43 characters), for `wxtcb.push.PushCrypto`."""

TICKET_TTL = 12 * 3600.0
#: The daily quota the emulator reports for every API (cgi-bin/openapi/quota/get).
DAILY_LIMIT = 100_000

S = TypeVar("S")


@attrs.frozen
class Fault:
    """Something that goes wrong on one request. Build with the class methods.

    Attributes:
        kind: ``"errcode"``, ``"http"``, ``"latency"``, ``"gate"``, ``"hang"`` or ``"reset"``.
        errcode: The errcode answered (``kind="errcode"``).
        errmsg: The errmsg answered, to which the emulator appends a ``rid`` as WeChat does.
        status: The HTTP status answered (``kind="http"``).
        body: The exact body answered (``kind="http"``).
        delay: Seconds to wait before answering.
        waits_for: For ``kind="gate"``: the answer waits until this event is set.
    """

    kind: str
    errcode: int = 0
    errmsg: str = ""
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    waits_for: asyncio.Event | None = attrs.field(default=None, eq=False, repr=False)

    @classmethod
    def error(cls, errcode: int, errmsg: str = "emulated error", *, delay: float = 0.0) -> Fault:
        """Answer HTTP 200 with this errcode (and a ``rid`` in errmsg, as WeChat does)."""
        return cls("errcode", errcode=errcode, errmsg=errmsg, delay=delay)

    @classmethod
    def http(
        cls,
        status: int = 502,
        body: bytes = b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        *,
        delay: float = 0.0,
    ) -> Fault:
        """Answer with an HTTP status and a (by default HTML gateway) page."""
        return cls("http", status=status, body=body, delay=delay)

    @classmethod
    def malformed(cls, body: bytes = b'{"errcode": 0, "errmsg": "ok", "data": {') -> Fault:
        """Answer HTTP 200 with a body that is not JSON."""
        return cls("http", status=200, body=body)

    @classmethod
    def raw(cls, body: bytes, status: int = 200) -> Fault:
        """Answer with exactly these bytes."""
        return cls("http", status=status, body=body)

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        """Answer normally after a delay."""
        return cls("latency", delay=seconds)

    @classmethod
    def gate(cls, event: asyncio.Event) -> Fault:
        """Answer normally once *event* is set: the request is surely in flight until the test
        says so, however fast or slow the machine is."""
        return cls("gate", waits_for=event)

    @classmethod
    def hang(cls) -> Fault:
        """Never answer (until the emulator closes)."""
        return cls("hang")

    @classmethod
    def reset(cls) -> Fault:
        """Drop the connection without an answer."""
        return cls("reset")


@attrs.frozen
class Call:
    """One request to an emulated endpoint, as its handler sees it.

    Attributes:
        request: The aiohttp request.
        data: The JSON body (an object; ``{}`` when there is none).
        issued: The token the request carried, when the endpoint takes one (already checked).
    """

    request: web.Request
    data: Any
    issued: _Issued | None


#: A handler answers a dict, or (for one that awaits, such as a cloud function) an awaitable of one.
Handler = Callable[["Emulator", Call], dict[str, Any] | Awaitable[dict[str, Any]]]


@attrs.frozen
class _Route:
    handler: Handler
    #: The kinds of token the endpoint takes (a few take either: tcb/modifyenv in batch mode).
    tokens: tuple[TokenKind, ...]
    http_method: str
    raw_body: bool


_ROUTES: dict[str, _Route] = {}

#: ``async def handler(emulator, request) -> web.StreamResponse`` for paths that are not WeChat
#: JSON APIs (an object store's upload form, a signed download URL), by path prefix.
HttpHandler = Callable[["Emulator", web.Request], Awaitable[web.StreamResponse]]
_HTTP_ROUTES: dict[str, HttpHandler] = {}

#: Query parameters a token of each kind is accepted in: WeChat's older pages (and wechatpy)
#: send ``component_access_token=``, the current ones ``access_token=``; cloud-run sends
#: ``cloudbase_access_token=``.
_TOKEN_PARAMS: dict[TokenKind, tuple[str, ...]] = {
    TokenKind.ACCESS: ("access_token", "cloudbase_access_token"),
    TokenKind.COMPONENT: ("access_token", "component_access_token"),
}
#: Which issued tokens serve each kind.
_ISSUED_KINDS: dict[TokenKind, tuple[str, ...]] = {
    TokenKind.ACCESS: ("access", "authorizer"),
    TokenKind.COMPONENT: ("component",),
}


def http_route(prefix: str) -> Callable[[HttpHandler], HttpHandler]:
    """Register a plain HTTP handler for every path under *prefix* (faults still apply)."""

    def register(handler: HttpHandler) -> HttpHandler:
        _HTTP_ROUTES[prefix] = handler
        return handler

    return register


def route(
    path: str,
    token: TokenKind | tuple[TokenKind, ...],
    *,
    http_method: str = "POST",
    raw_body: bool = False,
) -> Callable[[Handler], Handler]:
    """Register an emulated endpoint: the request's method and token (of *token*'s kind, or one
    of several kinds) are checked before the handler runs, so a stateless endpoint is one small
    function."""
    tokens = token if isinstance(token, tuple) else (token,)

    def register(handler: Handler) -> Handler:
        _ROUTES[path] = _Route(handler, tokens, http_method, raw_body)
        return handler

    return register


@attrs.define
class _Issued:
    kind: str
    appid: str
    expires_at: float


@attrs.define
class _Authorizer:
    component_appid: str
    refresh_tokens: dict[str, float]  # value -> valid until (inf for the current one)
    current_refresh_token: str


class Emulator:
    """WeChat's endpoints on a free loopback port, for tests and demos.

    ``async with Emulator() as emulator`` serves it on ``127.0.0.1`` (a free port); point a
    client at `url`. It knows the demo app, the demo platform and its demo merchant
    (``wxtcb.testing.DEMO_*``); add your own with `add_app`, `add_component` and
    `add_authorizer`, or authorize a merchant the way WeChat does with `authorize`.

    Faults: `fault` makes the next requests to a path fail in order; `chaos` makes every request
    to a path fail at random from then on (`injected` counts what it injected); `clear_faults`
    stops both. `calls` counts requests per path; `expire_tokens`, `revoke_tokens` and `advance`
    move WeChat's side of time.

    Control routes, for a program in another process (``wxtcb emulator``): ``GET
    /_emulator/calls`` answers `calls` as JSON; ``POST /_emulator/<action>`` with a JSON body
    runs one action and answers ``{"ok": true}``:

    - ``expire``, ``revoke``, ``clear-faults``: `expire_tokens`, `revoke_tokens`, `clear_faults`;
    - ``reset-calls``: clears `calls`;
    - ``advance`` ``{"seconds": 7200}``: `advance`;
    - ``fault`` ``{"path": "tcb/getcallbackconfig", "fault": {"kind": "errcode", "errcode": -1},
      "times": 1}``: `fault` (the fault's fields as in `Fault`);
    - ``configs`` ``{"appid": …, "config": {…}}``: stores an app's ``getcallbackconfig`` data as
      sent (odd keys and unknown fields included);
    - ``authorizers`` ``{"component_appid": …, "authorizers": [[appid, refresh_token], …]}``:
      `add_authorizer` for each.

    Attributes:
        url: The base URL once started (``http://127.0.0.1:<port>``); ``""`` before.
        app: The aiohttp application (serve it yourself if you need another runner).
        calls: Requests per WeChat path (``"tcb/getcallbackconfig"``), counted before faults.
        injected: What `chaos` injected, by ``"<kind>:<errcode or status>"``.
        apps: Known apps: appid to AppSecret.
        components: Known third-party platforms: appid to secret.
        tickets: Each platform's current ``component_verify_ticket`` and its expiry.
        authorizers: Known merchants by appid (their platform and refresh tokens).
        configs: Each app's message-push configuration, as ``getcallbackconfig`` answers it.
        token_ttl: ``expires_in`` of issued tokens.
        grace: How long a replaced token stays valid.
        rotate_refresh_tokens: Whether every authorizer token fetch rotates the refresh token.

    Args:
        token_ttl: ``expires_in`` of issued tokens, in seconds.
        grace: How long a token stays valid after a rotation replaced it.
        rotate_refresh_tokens: Hand out a new authorizer_refresh_token on every authorizer
            token fetch (the old one lives *grace* seconds more).
        clock: The emulator's notion of now; `advance` moves it forward.
    """

    def __init__(
        self,
        *,
        token_ttl: int = 7200,
        grace: float = 300.0,
        rotate_refresh_tokens: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_ttl = token_ttl
        self.grace = grace
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self._clock = clock
        self._offset = 0.0
        self.calls: Counter[str] = Counter()
        self.apps: dict[str, str] = {DEMO_APPID: DEMO_SECRET}
        self.components: dict[str, str] = {DEMO_COMPONENT_APPID: DEMO_COMPONENT_SECRET}
        self.tickets: dict[str, tuple[str, float]] = {DEMO_COMPONENT_APPID: (DEMO_TICKET, float("inf"))}
        self.authorizers: dict[str, _Authorizer] = {}
        self.add_authorizer(DEMO_COMPONENT_APPID, DEMO_AUTHORIZER_APPID, DEMO_REFRESH_TOKEN)
        self.configs: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, _Issued] = {}
        self._stable: dict[str, str] = {}
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._chaos: dict[str, tuple[tuple[Fault, ...], float, random.Random]] = {}
        self.injected: Counter[str] = Counter()
        self._states: dict[type[Any], Any] = {}
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.app = web.Application()
        # Control routes, so a program in another process can drive and inspect the emulator.
        self.app.router.add_get("/_emulator/calls", self._control_calls)
        self.app.router.add_post("/_emulator/{action}", self._control)
        self.app.router.add_route("*", "/{path:.*}", self._handle)

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on *host*:*port* (0: a free port); returns the base URL."""
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(
            self.app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0][1]
        self.url = f"http://{host}:{bound}"
        return self.url

    async def close(self) -> None:
        """Stop serving; requests still hanging (`Fault.hang`) end."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def state(self, cls: type[S]) -> S:
        """This emulator's instance of a domain's state (``cls()``, made on first use)."""
        found = self._states.get(cls)
        if found is None:
            found = self._states[cls] = cls()
        return found

    @staticmethod
    def endpoints() -> dict[str, tuple[tuple[TokenKind, ...], str]]:
        """Every emulated WeChat path, with the token kinds it takes and its HTTP method."""
        return {path: (r.tokens, r.http_method) for path, r in sorted(_ROUTES.items())}

    # --- state ------------------------------------------------------------------------------

    def now(self) -> float:
        """The emulator's clock: *clock* plus what `advance` added."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward: tokens and tickets expire as if time had passed."""
        self._offset += seconds

    def add_app(self, appid: str, secret: str) -> None:
        """Know one more mini program: ``stable_token`` and ``cgi-bin/token`` accept its secret."""
        self.apps[appid] = secret

    def add_component(self, component_appid: str, secret: str, ticket: str | None = None) -> None:
        """Know one more third-party platform, with a ticket valid 12 hours if *ticket* is given."""
        self.components[component_appid] = secret
        if ticket is not None:
            self.tickets[component_appid] = (ticket, self.now() + TICKET_TTL)

    def issue_ticket(self, component_appid: str = DEMO_COMPONENT_APPID) -> str:
        """A fresh component_verify_ticket, valid 12 hours, as WeChat would push it."""
        ticket = "ticket@@@" + secrets.token_urlsafe(24)
        self.tickets[component_appid] = (ticket, self.now() + TICKET_TTL)
        return ticket

    def ticket_push(
        self,
        component_appid: str = DEMO_COMPONENT_APPID,
        *,
        token: str = DEMO_PUSH_TOKEN,
        encoding_aes_key: str = DEMO_ENCODING_AES_KEY,
        create_time: int | None = None,
    ) -> tuple[bytes, dict[str, str], str]:
        """Issue a fresh ticket and encrypt it as WeChat pushes it: ``(body, query, ticket)``.

        Needs ``wxtcb[component]`` (cryptography).
        """
        from wxtcb.push import PushCrypto

        ticket = self.issue_ticket(component_appid)
        created = int(self.now()) if create_time is None else create_time
        xml = (
            f"<xml><AppId><![CDATA[{component_appid}]]></AppId><CreateTime>{created}</CreateTime>"
            "<InfoType><![CDATA[component_verify_ticket]]></InfoType>"
            f"<ComponentVerifyTicket><![CDATA[{ticket}]]></ComponentVerifyTicket></xml>"
        )
        crypto = PushCrypto(token=token, encoding_aes_key=encoding_aes_key, appid=component_appid)
        body, params = crypto.encrypt(xml, timestamp=str(created))
        return body, params, ticket

    async def send_ticket_push(
        self, url: str, component_appid: str = DEMO_COMPONENT_APPID, **kwargs: Any
    ) -> str:
        """POST a fresh ticket push to *url* (the platform's event URL); returns its answer text."""
        import aiohttp

        body, params, _ = self.ticket_push(component_appid, **kwargs)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, params=params, data=body) as response,
        ):
            return await response.text()

    def add_authorizer(self, component_appid: str, authorizer_appid: str, refresh_token: str) -> None:
        """Know a merchant already authorized to *component_appid*, with this refresh token.

        To go through the authorization itself (pre-auth code, ``query_auth``, the event push),
        use `authorize`.
        """
        self.authorizers[authorizer_appid] = _Authorizer(
            component_appid, {refresh_token: float("inf")}, refresh_token
        )

    def refresh_token_of(self, authorizer_appid: str) -> str:
        """The refresh token WeChat currently considers the merchant's own."""
        return self.authorizers[authorizer_appid].current_refresh_token

    def fault(self, path: str, *faults: Fault, times: int = 1) -> None:
        """Apply *faults* in order to the next requests to *path* (repeated *times*)."""
        for _ in range(times):
            self._faults[path.strip("/")].extend(faults)

    def clear_faults(self) -> None:
        """Drop every pending `fault` and stop every `chaos`."""
        self._faults.clear()
        self._chaos.clear()

    def chaos(self, path: str, faults: Sequence[Fault], *, probability: float, seed: int = 0) -> None:
        """From now on, each request to *path* meets one of *faults* (uniformly) with *probability*.

        Faults queued with `fault` come first. `injected` counts what was injected, by fault kind
        and errcode or status (``"errcode:-1"``, ``"http:502"``); *seed* makes a run repeatable.
        `clear_faults` stops it.
        """
        self._chaos[path.strip("/")] = (tuple(faults), probability, random.Random(seed))

    def expire_tokens(self) -> None:
        """Expire every issued token now (the next business call answers 42001)."""
        now = self.now()
        for issued in self._tokens.values():
            issued.expires_at = min(issued.expires_at, now)
        self._stable.clear()

    def revoke_tokens(self) -> None:
        """Forget every issued token (the next business call answers 40001, as after a rotation)."""
        self._tokens.clear()
        self._stable.clear()

    def issued_tokens(self) -> list[str]:
        """Every token issued so far and still known (tests look for them where they must not be)."""
        return list(self._tokens)

    def token_count(self, kind: str | None = None) -> int:
        """How many tokens were issued and are still known (of one kind)."""
        return sum(1 for t in self._tokens.values() if kind is None or t.kind == kind)

    # --- cloud functions and database ---------------------------------------------------------
    # State and routes live in wxtcb.testing.cloudbase; these are the user-facing handles.

    def add_function(self, name: str, handler: Callable[[Any], Any], *, env: str | None = None) -> None:
        """Register a cloud function for ``tcb/invokecloudfunction`` (and delayed tasks).

        *handler* is a Python callable, plain or async, that gets the decoded payload and returns
        a JSON-able value (sent back as ``resp_data`` text). An exception in it answers -504002
        (function execution failed). With *env*, only that environment has the function.
        """
        from wxtcb.testing.cloudbase import CloudBase

        self.state(CloudBase).functions[(env, name)] = handler

    def seed_collection(self, env: str, collection: str, docs: list[dict[str, Any]]) -> list[str]:
        """Create *collection* in *env* if needed and store *docs* (JSON values, aware datetimes);
        returns their ids. Test setup: no statement involved."""
        from wxtcb.testing.cloudbase import CloudBase

        return self.state(CloudBase).database.seed(env, collection, docs)

    def collection_documents(self, env: str, collection: str) -> list[dict[str, Any]]:
        """Copies of every document of *collection* in *env*, in insertion order (for assertions)."""
        from wxtcb.testing.cloudbase import CloudBase

        return self.state(CloudBase).database.documents(env, collection)

    # --- third-party authorization -----------------------------------------------------------
    # Codes and routes live in wxtcb.testing.authorization; these are the user-facing handles.

    def event_push(
        self,
        fields: dict[str, str | int],
        component_appid: str = DEMO_COMPONENT_APPID,
        *,
        token: str = DEMO_PUSH_TOKEN,
        encoding_aes_key: str = DEMO_ENCODING_AES_KEY,
        create_time: int | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """Encrypt an authorization event as WeChat pushes it: ``(body, query)`` (needs cryptography).

        *fields* are the event's XML elements besides ``AppId`` and ``CreateTime``.
        """
        from wxtcb.push import PushCrypto

        created = int(self.now()) if create_time is None else create_time
        inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
        head = f"<AppId><![CDATA[{component_appid}]]></AppId><CreateTime>{created}</CreateTime>"
        xml = f"<xml>{head}{inner}</xml>"
        crypto = PushCrypto(token=token, encoding_aes_key=encoding_aes_key, appid=component_appid)
        return crypto.encrypt(xml, timestamp=str(created))

    async def send_push(self, url: str, body: bytes, params: dict[str, str]) -> tuple[int, str]:
        """POST an encrypted push to *url* (a platform's event URL): ``(status, answer text)``."""
        import aiohttp

        async with (
            aiohttp.ClientSession() as session,
            session.post(url, params=params, data=body) as response,
        ):
            return response.status, await response.text()

    async def authorize(
        self,
        authorizer_appid: str,
        *,
        component_appid: str = DEMO_COMPONENT_APPID,
        func_info: tuple[int, ...] = (18, 49),
        event_url: str | None = None,
        update: bool = False,
    ) -> str:
        """A merchant's admin authorizes the platform: a new refresh token, an authorization code.

        With *event_url*, the ``authorized`` (``updateauthorized`` with *update*) event is pushed
        there, encrypted, as WeChat does. Returns the authorization code, valid one hour.
        """
        from wxtcb.testing.authorization import AUTH_CODE_TTL, AuthorizationState, Grant

        state = self.state(AuthorizationState)
        if not update or authorizer_appid not in self.authorizers:
            # A new authorization invalidates the previous refresh token (WeChat's page says so).
            refresh_token = "refreshtoken@@@" + secrets.token_urlsafe(24)
            self.add_authorizer(component_appid, authorizer_appid, refresh_token)
            state.auth_time[authorizer_appid] = int(self.now())
        state.func_info[authorizer_appid] = tuple(func_info)
        code = "queryauthcode@@@" + secrets.token_urlsafe(24)
        expires = self.now() + AUTH_CODE_TTL
        state.grants[code] = Grant(component_appid, authorizer_appid, expires, tuple(func_info))
        if event_url is not None:
            body, params = self.event_push(
                {
                    "InfoType": "updateauthorized" if update else "authorized",
                    "AuthorizerAppid": authorizer_appid,
                    "AuthorizationCode": code,
                    "AuthorizationCodeExpiredTime": int(self.now()) + AUTH_CODE_TTL,
                    "PreAuthCode": "preauthcode@@@emulated",
                },
                component_appid,
            )
            await self.send_push(event_url, body, params)
        return code

    async def unauthorize(
        self,
        authorizer_appid: str,
        *,
        component_appid: str = DEMO_COMPONENT_APPID,
        event_url: str | None = None,
    ) -> None:
        """A merchant revokes the platform: its refresh tokens die; the event goes to *event_url*."""
        self.authorizers.pop(authorizer_appid, None)
        if event_url is not None:
            body, params = self.event_push(
                {"InfoType": "unauthorized", "AuthorizerAppid": authorizer_appid}, component_appid
            )
            await self.send_push(event_url, body, params)

    # --- cloud-run ------------------------------------------------------------------------------
    # State and routes live in wxtcb.testing.cloudrun; these are the user-facing handles.

    async def push_message(
        self,
        url: str,
        message: Mapping[str, Any],
        *,
        xml: bool = False,
        resend: int = 0,
        headers: Mapping[str, str] | None = None,
    ) -> PushAnswer:
        """POST a push to the bot at *url* as WeChat does, then *resend* identical copies.

        *message* holds wire fields (``{"MsgType": "text", "Content": "hi"}``); ``ToUserName``,
        ``FromUserName``, ``CreateTime`` and (for messages) a fresh ``MsgId`` are filled in when
        absent. JSON, or XML with ``xml=True``; the ``x-wx-source`` header is sent unless
        *headers* replace it. Returns the bot's first answer, with the resends' in ``resends``.
        """
        from wxtcb.testing.cloudrun import push_message

        return await push_message(self, url, message, xml=xml, resend=resend, headers=headers)

    @property
    def sent_messages(self) -> list[dict[str, Any]]:
        """Bodies of the ``cgi-bin/message/custom/send`` calls, in order, each with its ``"appid"``."""
        from wxtcb.testing.cloudrun import CloudRunState

        return self.state(CloudRunState).sent

    @property
    def typing_commands(self) -> list[dict[str, Any]]:
        """Bodies of the ``cgi-bin/message/custom/typing`` calls, in order, each with its ``"appid"``."""
        from wxtcb.testing.cloudrun import CloudRunState

        return self.state(CloudRunState).typing

    def enable_open_api(self, appid: str = DEMO_APPID, *, paths: Iterable[str] | None = None) -> None:
        """Act as cloud-run's open-API service for *appid*: a request without a token to one of
        *paths* (every API by default: the permission list) is served as that app's; any other
        answers 41001, as WeChat does to a request the relay passed on without a token."""
        from wxtcb.testing.cloudrun import CloudRunState

        state = self.state(CloudRunState)
        state.open_api_appid = appid
        state.open_api_paths = None if paths is None else frozenset(p.strip("/") for p in paths)

    def issue_cloudbase_token(self, appid: str = DEMO_APPID) -> str:
        """A cloud-call token for *appid*, as cloud-run writes to its ``cloudbase_access_token``
        file (valid ``token_ttl`` seconds; sent as ``cloudbase_access_token=``)."""
        return self._issue("access", appid)[0]

    def _relayed(self, request: web.Request) -> _Issued | None:
        from wxtcb.testing.cloudrun import relayed_app

        appid = relayed_app(self, request.match_info["path"].strip("/"))
        return None if appid is None else _Issued("access", appid, float("inf"))

    # --- HTTP -------------------------------------------------------------------------------

    async def _control_calls(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.calls))

    async def _control(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        data = await request.json() if request.can_read_body else {}
        if action == "expire":
            self.expire_tokens()
        elif action == "revoke":
            self.revoke_tokens()
        elif action == "reset-calls":
            self.calls.clear()
        elif action == "advance":
            # {"seconds": 7200}
            self.advance(float(data["seconds"]))
        elif action == "fault":
            # {"path": "tcb/getcallbackconfig", "fault": {"kind": "errcode", "errcode": -1}, "times": 1}
            self.fault(data["path"], Fault(**data["fault"]), times=int(data.get("times", 1)))
        elif action == "clear-faults":
            self.clear_faults()
        elif action == "configs":
            # {"appid": ..., "config": {...}}: an app's getcallbackconfig data, kept as sent
            # (odd keys and unknown fields included), as WeChat's own answers come.
            self.configs[data.get("appid", DEMO_APPID)] = dict(data["config"])
        elif action == "authorizers":
            # {"component_appid": ..., "authorizers": [[appid, refresh_token], ...]}
            for appid, refresh_token in data["authorizers"]:
                self.add_authorizer(data.get("component_appid", DEMO_COMPONENT_APPID), appid, refresh_token)
        else:
            raise web.HTTPNotFound()
        return web.json_response({"ok": True})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"].strip("/")
        self.calls[path] += 1
        fault = None
        queue = self._faults.get(path)
        if queue:
            fault = queue.popleft()
        elif path in self._chaos:
            faults, probability, rng = self._chaos[path]
            if rng.random() < probability:
                fault = rng.choice(faults)
                self.injected[f"{fault.kind}:{fault.errcode or fault.status}"] += 1
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.waits_for is not None:
                await fault.waits_for.wait()
            if fault.kind == "errcode":
                return _json({"errcode": fault.errcode, "errmsg": _with_rid(fault.errmsg)})
            if fault.kind == "http":
                return web.Response(status=fault.status, body=fault.body, content_type="text/html")
            if fault.kind == "hang":
                await self._closing.wait()
                raise web.HTTPServiceUnavailable()
            if fault.kind == "reset":
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError  # nothing more to say on a dropped connection
        for prefix, http_handler in _HTTP_ROUTES.items():
            if path.startswith(prefix):
                return await http_handler(self, request)
        route = _ROUTES.get(path)
        if route is None:
            return _json({"errcode": 40066, "errmsg": _with_rid("invalid url")}, status=404)
        if request.method != route.http_method:
            errcode = 43002 if route.http_method == "POST" else 43001
            return _json(_error(errcode, f"require {route.http_method} method"))
        issued = None
        if TokenKind.NONE not in route.tokens:
            checked = self._check_token(request, route.tokens)
            if isinstance(checked, dict):
                return _json(checked)
            issued = checked
        try:
            body = await request.read()
            data = json.loads(body) if body else {}
        except ValueError:
            return _json({"errcode": 47001, "errmsg": _with_rid("data format error")})
        if not isinstance(data, dict) and not route.raw_body:
            return _json({"errcode": 47001, "errmsg": _with_rid("data format error")})
        answer = route.handler(self, Call(request, data, issued))
        if inspect.isawaitable(answer):
            answer = await answer
        return _json(answer)

    def _issue(self, kind: str, appid: str) -> tuple[str, int]:
        token = f"{kind[:3]}_" + secrets.token_urlsafe(48)
        self._tokens[token] = _Issued(kind, appid, self.now() + self.token_ttl)
        return token, self.token_ttl

    def _rotate(self, kind: str, appid: str) -> tuple[str, int]:
        deadline = self.now() + self.grace
        for issued in self._tokens.values():
            if issued.kind == kind and issued.appid == appid:
                issued.expires_at = min(issued.expires_at, deadline)
        return self._issue(kind, appid)

    def _check_token(self, request: web.Request, kinds: tuple[TokenKind, ...]) -> _Issued | dict[str, Any]:
        names = [n for kind in kinds for n in _TOKEN_PARAMS[kind]]
        token = next((request.query[n] for n in names if request.query.get(n)), None)
        if not token:
            relayed = self._relayed(request) if TokenKind.ACCESS in kinds else None
            return relayed if relayed is not None else _error(41001, f"{names[0]} missing")
        issued = self._tokens.get(token)
        if issued is None or not any(issued.kind in _ISSUED_KINDS[kind] for kind in kinds):
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if issued.expires_at <= self.now():
            return _error(42001, "access_token expired")
        return issued

    @route("cgi-bin/token", TokenKind.NONE, http_method="GET")
    def _token(self, call: Call) -> dict[str, Any]:
        q = call.request.query
        if q.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if q.get("appid") not in self.apps:
            return _error(40013, "invalid appid")
        if self.apps[q["appid"]] != q.get("secret"):
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        token, ttl = self._rotate("access", q["appid"])
        return {"access_token": token, "expires_in": ttl}

    @route("cgi-bin/stable_token", TokenKind.NONE)
    def _stable_token(self, call: Call) -> dict[str, Any]:
        data = call.data
        if data.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        appid = data.get("appid")
        if appid not in self.apps:
            return _error(40013, "invalid appid")
        if self.apps[appid] != data.get("secret"):
            return _error(40125, "invalid appsecret")
        current = self._stable.get(appid)
        issued = self._tokens.get(current) if current else None
        now = self.now()
        if current and issued and not data.get("force_refresh") and issued.expires_at - now > self.grace:
            return {"access_token": current, "expires_in": int(issued.expires_at - now)}
        token, ttl = (
            self._rotate("access", appid) if data.get("force_refresh") else self._issue("access", appid)
        )
        self._stable[appid] = token
        return {"access_token": token, "expires_in": ttl}

    @route("cgi-bin/component/api_component_token", TokenKind.NONE)
    def _component_token(self, call: Call) -> dict[str, Any]:
        data = call.data
        appid = data.get("component_appid")
        if appid not in self.components:
            return _error(61011, "invalid component")
        if self.components[appid] != data.get("component_appsecret"):
            return _error(40125, "invalid appsecret")
        ticket, valid_until = self.tickets.get(appid, ("", 0.0))
        if not data.get("component_verify_ticket") or data.get("component_verify_ticket") != ticket:
            return _error(61006, "component ticket is invalid")
        if valid_until <= self.now():
            return _error(61005, "component ticket is expired")
        token, ttl = self._rotate("component", appid)
        return {"component_access_token": token, "expires_in": ttl}

    @route("cgi-bin/component/api_authorizer_token", TokenKind.COMPONENT)
    def _authorizer_token(self, call: Call) -> dict[str, Any]:
        data, issued = call.data, call.issued
        assert issued is not None
        if data.get("component_appid") != issued.appid:
            return _error(61011, "invalid component")
        authorizer = self.authorizers.get(data.get("authorizer_appid", ""))
        given = data.get("authorizer_refresh_token")
        now = self.now()
        if (
            authorizer is None
            or authorizer.component_appid != issued.appid
            or not given
            or authorizer.refresh_tokens.get(given, 0.0) <= now
        ):
            return _error(61023, "refresh_token is invalid")
        if self.rotate_refresh_tokens:
            new = "refreshtoken@@@" + secrets.token_urlsafe(24)
            for value in authorizer.refresh_tokens:
                authorizer.refresh_tokens[value] = min(authorizer.refresh_tokens[value], now + self.grace)
            authorizer.refresh_tokens[new] = float("inf")
            authorizer.current_refresh_token = new
        token, ttl = self._rotate("authorizer", data["authorizer_appid"])
        return {
            "authorizer_access_token": token,
            "expires_in": ttl,
            "authorizer_refresh_token": authorizer.current_refresh_token,
        }

    @route("cgi-bin/openapi/quota/get", TokenKind.ACCESS)
    def _api_quota(self, call: Call) -> dict[str, Any]:
        # https://developers.weixin.qq.com/doc/offiaccount/openApi/get_api_quota.html
        path = call.data.get("cgi_path")
        if not isinstance(path, str) or not path.startswith("/"):
            return _error(76003, "invalid cgi_path")
        if path.strip("/") not in _ROUTES:
            return _error(76021, "cgi_path not found, please check")
        used = self.calls[path.strip("/")]
        quota = {"daily_limit": DAILY_LIMIT, "used": used, "remain": max(DAILY_LIMIT - used, 0)}
        return {"errcode": 0, "errmsg": "ok", "quota": quota}

    @route("tcb/getcallbackconfig", TokenKind.ACCESS)
    def _get_callback_config(self, call: Call) -> dict[str, Any]:
        assert call.issued is not None
        return {"errcode": 0, "errmsg": "ok", "data": self.configs.get(call.issued.appid, {})}

    @route("tcb/setcallbackconfig", TokenKind.ACCESS)
    def _set_callback_config(self, call: Call) -> dict[str, Any]:
        data, issued = call.data, call.issued
        assert issued is not None
        if "function_config" not in data and "container_config" not in data:
            return _error(40101, "missing parameter")
        config = self.configs.setdefault(issued.appid, {})
        for part in ("function_config", "container_config"):
            if part in data:
                if not isinstance(data[part], dict):
                    return _error(40097, "invalid args")
                config[part] = data[part]
        return {"errcode": 0, "errmsg": "ok"}


def _with_rid(errmsg: str) -> str:
    return f"{errmsg} rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"


def _error(errcode: int, errmsg: str) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": _with_rid(errmsg)}


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    # WeChat labels JSON as text/plain; the client must not care.
    return web.Response(status=status, text=json.dumps(data, ensure_ascii=False), content_type="text/plain")
