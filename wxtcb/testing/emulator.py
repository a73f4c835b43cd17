"""An emulator of the WeChat endpoints wxtcb uses, as an aiohttp.web application on loopback.

It behaves like WeChat where wxtcb's correctness depends on it: tokens expire and rotate (the old
one stays valid for a grace period), ``stable_token`` hands back the same token until it is
near expiry, every fetch of ``cgi-bin/token`` rotates, get/set of the callback configuration
round-trips per app, and component and authorizer tokens follow the third-party rules (ticket
check, refresh-token rotation when switched on, 61023 for an unknown refresh token). Faults are
injected per endpoint, and every endpoint counts its calls.

Run it in your tests (``async with Emulator() as emu``) or from a shell (``wxtcb emulator``).

How it is built: each domain's endpoints live in a part (`wxtcb.testing.tokens`,
`message_push`, `cloudbase`, `storage`, `authorization`, `cloudrun`, `batch`) that stands on
`wxtcb.testing.base`; `Emulator` extends `wxtcb.testing.base.EmulatorBase` with the server, the
faults and the user-facing helpers, and imports the parts. Nothing imports this module back.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import random
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from aiohttp import web

from wxtcb.methods import TokenKind

# The emulator composes its parts: importing each registers its routes on the shared base.
from wxtcb.testing import (  # noqa: F401
    authorization,
    batch,
    batch_data,
    batch_functions,
    batch_run,
    message_push,
    sms,
    storage,
    tcb_admin,
    tokens,
)
from wxtcb.testing.base import (
    DEMO_APPID,
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_COMPONENT_SECRET,
    DEMO_ENCODING_AES_KEY,
    DEMO_ENV,
    DEMO_PUSH_TOKEN,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    DEMO_TICKET,
    Call,
    EmulatorBase,
    error,
    http_route,
    http_routes,
    json_response,
    route,
    routes,
    with_rid,
)
from wxtcb.testing.cloudbase import DEMO_FUNCTION, DEMO_TODOS, CloudBase, demo_function
from wxtcb.testing.cloudrun import CloudRunState, PushAnswer, push_message, relayed_app
from wxtcb.testing.docdb import DocDBError
from wxtcb.testing.message_push import DEMO_CONFIG

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
    "Call",
    "Emulator",
    "Fault",
    "http_route",
    "route",
]


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


class Emulator(EmulatorBase):
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

    It starts empty: no collection, no cloud function, no message-push configuration (so a test
    starts from a state it knows); `seed_demo` adds what ``wxtcb emulator`` serves.

    Its clock, the apps, platforms and merchants it knows and the tokens it issued are
    `wxtcb.testing.base.EmulatorBase`'s (``url``, ``calls``, ``apps``, ``configs``, `now`,
    `advance`, …), the state every emulated domain shares.

    Attributes:
        app: The aiohttp application (serve it yourself if you need another runner).
        injected: What `chaos` injected, by ``"<kind>:<errcode or status>"``.

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
        super().__init__(
            token_ttl=token_ttl, grace=grace, rotate_refresh_tokens=rotate_refresh_tokens, clock=clock
        )
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._chaos: dict[str, tuple[tuple[Fault, ...], float, random.Random]] = {}
        self.injected: Counter[str] = Counter()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        # Bodies as large as WeChat takes: batchuploadscfcode sends up to 20 MB of base64 code.
        self.app = web.Application(client_max_size=32 * 1024 * 1024)
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

    # --- demo data ---------------------------------------------------------------------------

    def seed_demo(
        self, env: str = DEMO_ENV, *, appid: str = DEMO_APPID, function: str = DEMO_FUNCTION
    ) -> None:
        """Fill the emulator with what ``wxtcb emulator`` and the CLI's ``--emulator`` start with.

        A new `Emulator()` is empty (no collection, no function, no configuration), so that a test
        starts from a known state; this adds the CLI's demo data:

        - a ``todos`` collection in *env* with three documents (``todo-1`` to ``todo-3``, two of
          them not ``done``), unless *env* already has one;
        - a cloud function *function* (``hello``) in every environment, answering
          ``{"event": <its payload>}``;
        - *appid*'s message-push configuration: the sample of WeChat's getCallBackConfig page.
        """
        database = self.state(CloudBase).database
        try:
            database.documents(env, "todos")
        except DocDBError:  # no todos yet in env
            database.seed(env, "todos", [dict(d) for d in DEMO_TODOS])
        self.add_function(function, demo_function)
        self.configs[appid] = copy.deepcopy(DEMO_CONFIG)

    # --- faults -----------------------------------------------------------------------------

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

    # --- cloud functions and database ---------------------------------------------------------
    # State and routes live in wxtcb.testing.cloudbase; these are the user-facing handles.

    def add_function(self, name: str, handler: Callable[[Any], Any], *, env: str | None = None) -> None:
        """Register a cloud function for ``tcb/invokecloudfunction`` (and delayed tasks).

        *handler* is a Python callable, plain or async, that gets the decoded payload and returns
        a JSON-able value (sent back as ``resp_data`` text). An exception in it answers -504002
        (function execution failed). With *env*, only that environment has the function.
        """
        self.state(CloudBase).functions[(env, name)] = handler

    def seed_collection(self, env: str, collection: str, docs: list[dict[str, Any]]) -> list[str]:
        """Create *collection* in *env* if needed and store *docs* (JSON values, aware datetimes);
        returns their ids. Test setup: no statement involved."""
        return self.state(CloudBase).database.seed(env, collection, docs)

    def collection_documents(self, env: str, collection: str) -> list[dict[str, Any]]:
        """Copies of every document of *collection* in *env*, in insertion order (for assertions)."""
        return self.state(CloudBase).database.documents(env, collection)

    # --- third-party authorization -----------------------------------------------------------
    # Codes, events and routes live in wxtcb.testing.authorization; these are the user-facing handles.

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
        return authorization.ticket_push(
            self, component_appid, token=token, encoding_aes_key=encoding_aes_key, create_time=create_time
        )

    async def send_ticket_push(
        self, url: str, component_appid: str = DEMO_COMPONENT_APPID, **kwargs: Any
    ) -> str:
        """POST a fresh ticket push to *url* (the platform's event URL); returns its answer text."""
        body, params, _ = self.ticket_push(component_appid, **kwargs)
        return (await authorization.send_push(url, body, params))[1]

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
        return authorization.event_push(
            self,
            fields,
            component_appid,
            token=token,
            encoding_aes_key=encoding_aes_key,
            create_time=create_time,
        )

    async def send_push(self, url: str, body: bytes, params: dict[str, str]) -> tuple[int, str]:
        """POST an encrypted push to *url* (a platform's event URL): ``(status, answer text)``."""
        return await authorization.send_push(url, body, params)

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
        return await authorization.authorize(
            self,
            authorizer_appid,
            component_appid=component_appid,
            func_info=func_info,
            event_url=event_url,
            update=update,
        )

    async def unauthorize(
        self,
        authorizer_appid: str,
        *,
        component_appid: str = DEMO_COMPONENT_APPID,
        event_url: str | None = None,
    ) -> None:
        """A merchant revokes the platform: its refresh tokens die; the event goes to *event_url*."""
        await authorization.unauthorize(
            self, authorizer_appid, component_appid=component_appid, event_url=event_url
        )

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
        return await push_message(self, url, message, xml=xml, resend=resend, headers=headers)

    @property
    def sent_messages(self) -> list[dict[str, Any]]:
        """Bodies of the ``cgi-bin/message/custom/send`` calls, in order, each with its ``"appid"``."""
        return self.state(CloudRunState).sent

    @property
    def typing_commands(self) -> list[dict[str, Any]]:
        """Bodies of the ``cgi-bin/message/custom/typing`` calls, in order, each with its ``"appid"``."""
        return self.state(CloudRunState).typing

    def enable_open_api(self, appid: str = DEMO_APPID, *, paths: Iterable[str] | None = None) -> None:
        """Act as cloud-run's open-API service for *appid*: a request without a token to one of
        *paths* (every API by default: the permission list) is served as that app's; any other
        answers 41001, as WeChat does to a request the relay passed on without a token."""
        state = self.state(CloudRunState)
        state.open_api_appid = appid
        state.open_api_paths = None if paths is None else frozenset(p.strip("/") for p in paths)

    def issue_cloudbase_token(self, appid: str = DEMO_APPID) -> str:
        """A cloud-call token for *appid*, as cloud-run writes to its ``cloudbase_access_token``
        file (valid ``token_ttl`` seconds; sent as ``cloudbase_access_token=``)."""
        return self.issue_token("access", appid)[0]

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
                return json_response({"errcode": fault.errcode, "errmsg": with_rid(fault.errmsg)})
            if fault.kind == "http":
                return web.Response(status=fault.status, body=fault.body, content_type="text/html")
            if fault.kind == "hang":
                await self._closing.wait()
                raise web.HTTPServiceUnavailable()
            if fault.kind == "reset":
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError  # nothing more to say on a dropped connection
        for prefix, http_handler in http_routes().items():
            if path.startswith(prefix):
                return await http_handler(self, request)
        endpoint = routes().get(path)
        if endpoint is None:
            return json_response({"errcode": 40066, "errmsg": with_rid("invalid url")}, status=404)
        if request.method != endpoint.http_method:
            errcode = 43002 if endpoint.http_method == "POST" else 43001
            return json_response(error(errcode, f"require {endpoint.http_method} method"))
        issued = None
        if TokenKind.NONE not in endpoint.tokens:
            checked = tokens.check_token(
                self, request.query, endpoint.tokens, relay=lambda: relayed_app(self, path)
            )
            if isinstance(checked, dict):
                return json_response(checked)
            issued = checked
        try:
            body = await request.read()
            data = json.loads(body) if body else {}
        except ValueError:
            return json_response({"errcode": 47001, "errmsg": with_rid("data format error")})
        if not isinstance(data, dict) and not endpoint.raw_body:
            return json_response({"errcode": 47001, "errmsg": with_rid("data format error")})
        answer = endpoint.handler(self, Call(request, data, issued))
        if inspect.isawaitable(answer):
            answer = await answer
        return json_response(answer)
