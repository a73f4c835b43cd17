"""What every part of the emulator stands on: routing, a request as a handler sees it, WeChat-style
error answers, the clock, the credentials it knows and the tokens it issued, per-domain state.

The emulator is composed bottom-up. This module imports no other part of `wxtcb.testing`; each
domain part (`tokens`, `message_push`, `cloudbase`, `storage`, `authorization`, `cloudrun`,
`batch`) registers its endpoints here with `route` and takes an `EmulatorBase`;
`wxtcb.testing.emulator.Emulator` extends `EmulatorBase` with the HTTP server, the faults and the
user-facing helpers, and imports the parts. No part imports the emulator back.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
from aiohttp import web

from wxtcb.methods import TokenKind

__all__ = [
    "DEMO_APPID",
    "DEMO_AUTHORIZER_APPID",
    "DEMO_COMPONENT_APPID",
    "DEMO_COMPONENT_SECRET",
    "DEMO_ENCODING_AES_KEY",
    "DEMO_ENV",
    "DEMO_PUSH_TOKEN",
    "DEMO_REFRESH_TOKEN",
    "DEMO_SECRET",
    "DEMO_TICKET",
    "TICKET_TTL",
    "Authorizer",
    "Call",
    "EmulatorBase",
    "Handler",
    "HttpHandler",
    "Issued",
    "Route",
    "error",
    "http_route",
    "http_routes",
    "json_response",
    "route",
    "routes",
    "with_rid",
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
DEMO_ENV = "demo-env"
"""The CloudBase environment `wxtcb.testing.Emulator.seed_demo` fills by default."""

#: How long a ticket issued by the emulator stays valid.
TICKET_TTL = 12 * 3600.0

S = TypeVar("S")


# --- a request as a handler sees it -----------------------------------------------------------


@attrs.define
class Issued:
    """A token the emulator issued: its kind (``"access"``, ``"component"``, ``"authorizer"``),
    the app it acts for, and when it stops being accepted."""

    kind: str
    appid: str
    expires_at: float


@attrs.define
class Authorizer:
    """A merchant authorized to a platform, with its refresh tokens."""

    component_appid: str
    #: Refresh token to valid-until (inf for the current one).
    refresh_tokens: dict[str, float]
    current_refresh_token: str


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
    issued: Issued | None


# --- routing ----------------------------------------------------------------------------------

#: A handler answers a dict, or (for one that awaits, such as a cloud function) an awaitable of one.
Handler = Callable[["EmulatorBase", Call], dict[str, Any] | Awaitable[dict[str, Any]]]

#: ``async def handler(emulator, request) -> web.StreamResponse`` for paths that are not WeChat
#: JSON APIs (an object store's upload form, a signed download URL), by path prefix.
HttpHandler = Callable[["EmulatorBase", web.Request], Awaitable[web.StreamResponse]]


@attrs.frozen
class Route:
    """One emulated WeChat endpoint: its handler and what the request must be."""

    handler: Handler
    #: The kinds of token the endpoint takes (a few take either: tcb/modifyenv in batch mode).
    tokens: tuple[TokenKind, ...]
    http_method: str
    raw_body: bool


_ROUTES: dict[str, Route] = {}
_HTTP_ROUTES: dict[str, HttpHandler] = {}


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
        _ROUTES[path] = Route(handler, tokens, http_method, raw_body)
        return handler

    return register


def http_route(prefix: str) -> Callable[[HttpHandler], HttpHandler]:
    """Register a plain HTTP handler for every path under *prefix* (faults still apply)."""

    def register(handler: HttpHandler) -> HttpHandler:
        _HTTP_ROUTES[prefix] = handler
        return handler

    return register


def routes() -> Mapping[str, Route]:
    """Every registered endpoint by WeChat path (read-only)."""
    return MappingProxyType(_ROUTES)


def http_routes() -> Mapping[str, HttpHandler]:
    """Every registered plain HTTP handler by path prefix (read-only)."""
    return MappingProxyType(_HTTP_ROUTES)


# --- answers ----------------------------------------------------------------------------------


def with_rid(errmsg: str) -> str:
    """*errmsg* with a fresh ``rid`` appended, as WeChat appends one."""
    return f"{errmsg} rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"


def error(errcode: int, errmsg: str) -> dict[str, Any]:
    """An error answer: ``{"errcode": errcode, "errmsg": "<errmsg> rid: …"}``."""
    return {"errcode": errcode, "errmsg": with_rid(errmsg)}


def json_response(data: dict[str, Any], status: int = 200) -> web.Response:
    """*data* as WeChat sends JSON."""
    # WeChat labels JSON as text/plain; the client must not care.
    return web.Response(status=status, text=json.dumps(data, ensure_ascii=False), content_type="text/plain")


# --- what WeChat's side knows -------------------------------------------------------------------


class EmulatorBase:
    """The state every emulated domain shares: the clock, the apps, platforms and merchants the
    emulator knows, the tokens it issued, and one state object per domain (`state`).

    `wxtcb.testing.Emulator` is this plus the HTTP server, the faults and the helpers; a domain
    part's handlers take an `EmulatorBase`, so they need nothing above it.

    Attributes:
        url: The base URL once started (``http://127.0.0.1:<port>``); ``""`` before.
        calls: Requests per WeChat path (``"tcb/getcallbackconfig"``), counted before faults.
        apps: Known apps: appid to AppSecret.
        components: Known third-party platforms: appid to secret.
        tickets: Each platform's current ``component_verify_ticket`` and its expiry.
        authorizers: Known merchants by appid (their platform and refresh tokens).
        configs: Each app's message-push configuration, as ``getcallbackconfig`` answers it.
        token_ttl: ``expires_in`` of issued tokens.
        grace: How long a replaced token stays valid.
        rotate_refresh_tokens: Whether every authorizer token fetch rotates the refresh token.
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
        self.url = ""
        self.calls: Counter[str] = Counter()
        self.apps: dict[str, str] = {DEMO_APPID: DEMO_SECRET}
        self.components: dict[str, str] = {DEMO_COMPONENT_APPID: DEMO_COMPONENT_SECRET}
        self.tickets: dict[str, tuple[str, float]] = {DEMO_COMPONENT_APPID: (DEMO_TICKET, float("inf"))}
        self.authorizers: dict[str, Authorizer] = {}
        self.add_authorizer(DEMO_COMPONENT_APPID, DEMO_AUTHORIZER_APPID, DEMO_REFRESH_TOKEN)
        self.configs: dict[str, dict[str, Any]] = {}
        #: The ``stable_token`` each app currently holds.
        self.stable_tokens: dict[str, str] = {}
        self._tokens: dict[str, Issued] = {}
        self._states: dict[type[Any], Any] = {}

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

    # --- the clock --------------------------------------------------------------------------

    def now(self) -> float:
        """The emulator's clock: *clock* plus what `advance` added."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward: tokens and tickets expire as if time had passed."""
        self._offset += seconds

    # --- who the emulator knows ---------------------------------------------------------------

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

    def add_authorizer(self, component_appid: str, authorizer_appid: str, refresh_token: str) -> None:
        """Know a merchant already authorized to *component_appid*, with this refresh token.

        To go through the authorization itself (pre-auth code, ``query_auth``, the event push),
        use `wxtcb.testing.Emulator.authorize`.
        """
        self.authorizers[authorizer_appid] = Authorizer(
            component_appid, {refresh_token: float("inf")}, refresh_token
        )

    def refresh_token_of(self, authorizer_appid: str) -> str:
        """The refresh token WeChat currently considers the merchant's own."""
        return self.authorizers[authorizer_appid].current_refresh_token

    # --- tokens -----------------------------------------------------------------------------

    def issue_token(self, kind: str, appid: str) -> tuple[str, int]:
        """A new token of *kind* for *appid*, valid `token_ttl` seconds: ``(token, expires_in)``."""
        token = f"{kind[:3]}_" + secrets.token_urlsafe(48)
        self._tokens[token] = Issued(kind, appid, self.now() + self.token_ttl)
        return token, self.token_ttl

    def rotate_token(self, kind: str, appid: str) -> tuple[str, int]:
        """`issue_token`, after cutting every older token of *kind* for *appid* to `grace` seconds."""
        deadline = self.now() + self.grace
        for issued in self._tokens.values():
            if issued.kind == kind and issued.appid == appid:
                issued.expires_at = min(issued.expires_at, deadline)
        return self.issue_token(kind, appid)

    def token(self, token: str) -> Issued | None:
        """What the emulator knows of *token* (None: never issued, or forgotten)."""
        return self._tokens.get(token)

    def expire_tokens(self) -> None:
        """Expire every issued token now (the next business call answers 42001)."""
        now = self.now()
        for issued in self._tokens.values():
            issued.expires_at = min(issued.expires_at, now)
        self.stable_tokens.clear()

    def revoke_tokens(self) -> None:
        """Forget every issued token (the next business call answers 40001, as after a rotation)."""
        self._tokens.clear()
        self.stable_tokens.clear()

    def issued_tokens(self) -> list[str]:
        """Every token issued so far and still known (tests look for them where they must not be)."""
        return list(self._tokens)

    def token_count(self, kind: str | None = None) -> int:
        """How many tokens were issued and are still known (of one kind)."""
        return sum(1 for t in self._tokens.values() if kind is None or t.kind == kind)
