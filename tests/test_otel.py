"""OpenTelemetry: spans, events and metrics of wxtcb calls against the emulator, and no secret in
anything exported, whether wxtcb is instrumented, the aiohttp client is instrumented the standard
way, or both."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import wxtcb
import wxtcb.otel
from tests.conftest import STATIC_SECRETS, assert_no_secret, demo_component
from wxtcb import cloudrun
from wxtcb.authorization import CreatePreAuthCode
from wxtcb.testing import (
    DEMO_APPID,
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    INSTANT_RETRY,
    Emulator,
    Fault,
)
from wxtcb.testing.storage import StorageState

ROOT = Path(__file__).parent.parent
GET = "tcb/getcallbackconfig"
AIOHTTP_SCOPE = "opentelemetry.instrumentation.aiohttp_client"
#: Every attribute key a wxtcb metric may carry: nothing with per-user or per-request cardinality.
METRIC_KEYS = {"wxtcb.api", "wxtcb.errcode", "error.type", "wxtcb.error", "wxtcb.token.kind", "wxtcb.outcome"}


class _Relay(SpanProcessor):
    """The global tracer provider's one processor: it hands spans to the running test's exporter.

    A global provider can be set once per process; each test points the relay at its own exporter.
    """

    target: SpanProcessor | None = None

    def on_end(self, span: ReadableSpan) -> None:
        if _Relay.target is not None:
            _Relay.target.on_end(span)


def _global_provider() -> None:
    """Set OpenTelemetry's global tracer provider once in this process (a relay to each test)."""
    if not getattr(_global_provider, "done", False):
        provider = TracerProvider()
        provider.add_span_processor(_Relay())
        trace.set_tracer_provider(provider)
        _global_provider.done = True  # type: ignore[attr-defined]


class Exported:
    """What one test exported: finished spans and metric points, and every text in them."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.spans = InMemorySpanExporter()
        self.reader = InMemoryMetricReader()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    @property
    def wxtcb_on(self) -> bool:
        return self.mode in ("wxtcb", "both")

    @property
    def aiohttp_on(self) -> bool:
        return self.mode in ("aiohttp", "both")

    def finished(self) -> Sequence[ReadableSpan]:
        return self.spans.get_finished_spans()

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.finished() if s.name == name]

    def points(self, name: str) -> list[tuple[dict[str, Any], Any]]:
        """``(attributes, value)`` of every point of metric *name* (sum, or count for a histogram)."""
        data = self.reader.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        for point in metric.data.data_points:
                            value = getattr(point, "value", None)
                            found.append((dict(point.attributes or {}), getattr(point, "count", value)))
        return found

    def texts(self) -> list[str]:
        """Every name, attribute key and value, event and status text exported: spans and metrics."""
        out: list[str] = []
        for span in self.finished():
            out += [span.name, str(span.status.description), repr(dict(span.attributes or {}))]
            for event in span.events:
                out += [event.name, repr(dict(event.attributes or {}))]
            for link in span.links:
                out.append(repr(dict(link.attributes or {})))
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    out.append(metric.name)
                    out += [repr(dict(p.attributes or {})) for p in metric.data.data_points]
        return out

    def assert_clean(self, secrets: Sequence[str]) -> None:
        """No secret anywhere; the exporter saw something (the search is not vacuous); and wxtcb's
        metrics carry only low-cardinality attribute keys."""
        texts = self.texts()
        assert self.finished(), "nothing was exported"
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                if scope.scope.name == "wxtcb":
                    for metric in scope.metrics:
                        for point in metric.data.data_points:
                            assert set(point.attributes or {}) <= METRIC_KEYS, (metric.name, point.attributes)
        assert_no_secret(texts, [s for s in secrets if s])


@pytest.fixture(params=["wxtcb", "aiohttp", "both"])
def otel(request: pytest.FixtureRequest) -> Iterator[Exported]:
    """In-memory exporters, with wxtcb's telemetry, the standard aiohttp instrumentation or both on."""
    _global_provider()
    exported = Exported(request.param)
    _Relay.target = SimpleSpanProcessor(exported.spans)
    if exported.aiohttp_on:
        AioHttpClientInstrumentor().instrument(
            tracer_provider=exported.tracer_provider, meter_provider=exported.meter_provider
        )
    if exported.wxtcb_on:
        wxtcb.otel.instrument(
            tracer_provider=exported.tracer_provider, meter_provider=exported.meter_provider
        )
    try:
        yield exported
    finally:
        wxtcb.otel.uninstrument()
        if exported.aiohttp_on:
            AioHttpClientInstrumentor().uninstrument()
        _Relay.target = None


@pytest.fixture
async def client(emulator: Emulator, otel: Exported) -> AsyncIterator[wxtcb.Client]:
    """A client on the emulator, made after the instrumentation (its session is instrumented)."""
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY, timeout=5.0) as c:
        yield c


def _secrets(emulator: Emulator, *more: str) -> list[str]:
    return [*emulator.issued_tokens(), *STATIC_SECRETS, *more]


def _parent(span: ReadableSpan) -> int | None:
    """The span id of *span*'s parent, None for a root span."""
    return None if span.parent is None else span.parent.span_id


def _wxtcb_http(otel: Exported) -> list[ReadableSpan]:
    """wxtcb's own HTTP spans (named ``METHOD /path``)."""
    return [s for s in otel.finished() if s.kind is SpanKind.CLIENT and "url.full" in (s.attributes or {})]


def _no_generic_span_for(otel: Exported, emulator: Emulator) -> None:
    """The aiohttp instrumentation recorded no span for a request to the emulator's API."""
    for span in otel.finished():
        if span.instrumentation_scope is not None and span.instrumentation_scope.name == AIOHTTP_SCOPE:
            url = str((span.attributes or {}).get("http.url") or (span.attributes or {}).get("url.full"))
            assert not url.startswith(emulator.url), url


async def test_the_hazard_is_real_for_other_sessions(emulator: Emulator, otel: Exported) -> None:
    """Control: with the standard aiohttp instrumentation on, a plain session's span carries its
    URL's access_token (so the searches below would find a leak), while wxtcb's carries none."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.url}/{GET}?access_token=canary-token-123456") as answer,
    ):
        await answer.read()
    leaked = any("canary-token-123456" in t for t in otel.texts())
    assert leaked is otel.aiohttp_on


async def test_plain_call(emulator: Emulator, otel: Exported, client: wxtcb.Client) -> None:
    """One call: a CLIENT span named after the API path under the caller's span, a token-wait span
    with the token fetch's span under it, and per request a CLIENT span with HTTP attributes and
    a redacted URL; one trace from the caller down to the HTTP level; metrics by API and errcode."""
    tracer = otel.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("handler") as handler:
        await client.get_callback_config()
    trace_id = handler.get_span_context().trace_id
    http = _wxtcb_http(otel)
    assert {s.name for s in http} == {"POST /cgi-bin/stable_token", f"POST /{GET}"}
    for span in http:
        attributes = span.attributes or {}
        assert span.context.trace_id == trace_id
        assert attributes["http.request.method"] == "POST"
        assert attributes["http.response.status_code"] == 200
        assert attributes["server.address"] == "127.0.0.1"
        assert str(attributes["url.full"]).startswith(emulator.url)
    (api_http,) = [s for s in http if s.name == f"POST /{GET}"]
    assert (api_http.attributes or {})["url.full"] == f"{emulator.url}/{GET}?access_token=***"
    _no_generic_span_for(otel, emulator)
    if otel.wxtcb_on:
        (call,) = otel.named(GET)
        assert call.kind is SpanKind.CLIENT
        assert _parent(call) == handler.get_span_context().span_id
        assert _parent(api_http) == call.context.span_id
        assert dict(call.attributes or {}) == {
            "wxtcb.api": GET,
            "wxtcb.token.kind": "stable",
            "wxtcb.app_id": DEMO_APPID,
            "wxtcb.attempts": 1,
            "wxtcb.errcode": 0,
            "wxtcb.token.refreshed": True,
            "wxtcb.token.replayed": False,
        }
        (wait,) = otel.named("wxtcb.token")
        assert _parent(wait) == call.context.span_id
        assert (wait.attributes or {})["wxtcb.token.shared"] is False
        (fetch,) = otel.named("cgi-bin/stable_token")
        assert _parent(fetch) == wait.context.span_id
        assert [e.name for e in wait.events] == ["wxtcb.token.fetched"]
        assert otel.points("wxtcb.calls") == [
            ({"wxtcb.api": "cgi-bin/stable_token", "wxtcb.errcode": 0}, 1),
            ({"wxtcb.api": GET, "wxtcb.errcode": 0}, 1),
        ]
        assert otel.points("wxtcb.token.fetches") == [
            ({"wxtcb.token.kind": "stable", "wxtcb.outcome": "ok"}, 1)
        ]
        ((age_labels, ages),) = otel.points("wxtcb.token.age")
        assert (age_labels, ages) == ({"wxtcb.token.kind": "stable"}, 1)
        assert [labels for labels, _ in otel.points("wxtcb.call.duration")] == [
            {"wxtcb.api": "cgi-bin/stable_token", "wxtcb.errcode": 0},
            {"wxtcb.api": GET, "wxtcb.errcode": 0},
        ]
    else:
        assert otel.named(GET) == []
    otel.assert_clean(_secrets(emulator))


async def test_retried_busy_call(emulator: Emulator, otel: Exported, client: wxtcb.Client) -> None:
    """A -1 answered twice, then success: three HTTP spans under the call span, a ``wxtcb.retry``
    event (next attempt, wait, errcode) before each retry, ``wxtcb.attempts`` 3, a retries counter."""
    await client.get_callback_config()
    otel.spans.clear()
    emulator.fault(GET, Fault.error(-1), times=2)
    await client.get_callback_config()
    http = [s for s in _wxtcb_http(otel) if s.name == f"POST /{GET}"]
    assert len(http) == 3
    if otel.wxtcb_on:
        (call,) = otel.named(GET)
        assert (call.attributes or {})["wxtcb.attempts"] == 3
        assert all(_parent(s) == call.context.span_id for s in http)
        retries = [e for e in call.events if e.name == "wxtcb.retry"]
        assert [(e.attributes or {})["wxtcb.attempt"] for e in retries] == [2, 3]
        assert all((e.attributes or {})["wxtcb.errcode"] == -1 for e in retries)
        assert all("wxtcb.retry.wait" in (e.attributes or {}) for e in retries)
        assert otel.points("wxtcb.retries") == [
            ({"wxtcb.api": GET, "wxtcb.errcode": -1, "wxtcb.error": "BusyError"}, 2)
        ]
    otel.assert_clean(_secrets(emulator))


async def test_replay_after_rejected_token(emulator: Emulator, otel: Exported, client: wxtcb.Client) -> None:
    """A token WeChat rejects (42001): the call span says the token was refreshed and the call
    replayed, with a ``wxtcb.token.replay`` event, and the new token's fetch nests under it."""
    await client.get_callback_config()
    old = emulator.issued_tokens()
    emulator.expire_tokens()
    otel.spans.clear()
    await client.get_callback_config()
    if otel.wxtcb_on:
        (call,) = otel.named(GET)
        attributes = call.attributes or {}
        assert (attributes["wxtcb.token.replayed"], attributes["wxtcb.token.refreshed"]) == (True, True)
        assert attributes["wxtcb.attempts"] == 2
        assert [(e.name, dict(e.attributes or {})) for e in call.events] == [
            ("wxtcb.token.replay", {"wxtcb.errcode": 42001})
        ]
        (fetch,) = otel.named("cgi-bin/stable_token")
        assert fetch.context.trace_id == call.context.trace_id
        assert otel.points("wxtcb.token.replays") == [
            ({"wxtcb.api": GET, "wxtcb.token.kind": "stable", "wxtcb.errcode": 42001}, 1)
        ]
    otel.assert_clean(_secrets(emulator, *old))


async def test_failed_call_records_the_typed_error(
    emulator: Emulator, otel: Exported, client: wxtcb.Client
) -> None:
    """45009: the call span has status error, ``error.type``, errcode and rid, and an exception
    event whose message is the error's redacted text (no stack trace)."""
    emulator.fault(GET, Fault.error(45009, "quota reached access_token=leaky-value-123"))
    with pytest.raises(wxtcb.QuotaError) as info:
        await client.get_callback_config()
    if otel.wxtcb_on:
        (call,) = otel.named(GET)
        attributes = call.attributes or {}
        assert call.status.status_code is StatusCode.ERROR
        assert attributes["error.type"] == "wxtcb.errors.QuotaError"
        assert attributes["wxtcb.errcode"] == 45009
        assert attributes["wxtcb.rid"] == info.value.rid
        (exception,) = [e for e in call.events if e.name == "exception"]
        assert dict(exception.attributes or {}) == {
            "exception.type": "wxtcb.errors.QuotaError",
            "exception.message": str(info.value),
        }
        assert "access_token=***" in str(info.value)
        assert otel.points("wxtcb.calls")[-1] == (
            {"wxtcb.api": GET, "wxtcb.errcode": 45009, "error.type": "wxtcb.errors.QuotaError"},
            1,
        )
    otel.assert_clean(_secrets(emulator, "leaky-value-123"))


async def test_single_flight_waits_are_visible(emulator: Emulator, otel: Exported) -> None:
    """Five calls on a cold provider cause one fetch; each call has a ``wxtcb.token`` wait span, one
    that started the fetch (``shared`` false, the fetch under it) and four that joined it."""
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await asyncio.gather(*(client.get_callback_config() for _ in range(5)))
    assert emulator.calls["cgi-bin/stable_token"] == 1
    if otel.wxtcb_on:
        waits = otel.named("wxtcb.token")
        assert sorted(bool((w.attributes or {})["wxtcb.token.shared"]) for w in waits) == [False] + [True] * 4
        (owner,) = [w for w in waits if not (w.attributes or {})["wxtcb.token.shared"]]
        (fetch,) = otel.named("cgi-bin/stable_token")
        assert _parent(fetch) == owner.context.span_id
    otel.assert_clean(_secrets(emulator))


async def test_refresh_ahead_hits_and_token_age(emulator: Emulator, otel: Exported) -> None:
    """A token used inside its margin counts a refresh-ahead hit, and the token age is measured
    on the provider's clock."""
    now = [1_000_000.0]
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, clock=lambda: now[0])
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
        now[0] += 7200 - 200  # 200 s left: inside the 300 s margin, beyond MIN_VALIDITY
        await client.get_callback_config()
    if otel.wxtcb_on:
        assert otel.points("wxtcb.token.refresh_ahead") == [({"wxtcb.token.kind": "stable"}, 1)]
        data = otel.reader.get_metrics_data()
        assert data is not None
        ages = [
            p
            for r in data.resource_metrics
            for s in r.scope_metrics
            for m in s.metrics
            if m.name == "wxtcb.token.age"
            for p in m.data.data_points
        ]
        assert len(ages) == 1
        assert ages[0].min == 0.0
        assert ages[0].max == 7000.0
    otel.assert_clean(_secrets(emulator))


async def test_component_and_authorizer_calls(emulator: Emulator, otel: Exported) -> None:
    """A component-token call and a merchant's call (authorizer token fetched with the component
    token): their spans carry the token kind and app id, and no token, ticket, secret or refresh
    token is exported."""
    component = demo_component()
    authorizer = component.authorizer(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    async with wxtcb.Client(component, base_url=emulator.url, retry=INSTANT_RETRY) as platform_client:
        code = await platform_client(CreatePreAuthCode(DEMO_COMPONENT_APPID))
    async with wxtcb.Client(authorizer, base_url=emulator.url, retry=INSTANT_RETRY) as merchant:
        await merchant.get_callback_config()
    if otel.wxtcb_on:
        (create,) = otel.named("cgi-bin/component/api_create_preauthcode")
        assert (create.attributes or {})["wxtcb.token.kind"] == "component"
        assert (create.attributes or {})["wxtcb.app_id"] == DEMO_COMPONENT_APPID
        (call,) = otel.named(GET)
        assert (call.attributes or {})["wxtcb.token.kind"] == "authorizer"
        assert (call.attributes or {})["wxtcb.app_id"] == DEMO_AUTHORIZER_APPID
        kinds = {
            (p[0]["wxtcb.token.kind"], p[0]["wxtcb.outcome"]) for p in otel.points("wxtcb.token.fetches")
        }
        assert kinds == {("component", "ok"), ("authorizer", "ok")}
    http = {s.name for s in _wxtcb_http(otel)}
    assert {
        "POST /cgi-bin/component/api_component_token",
        "POST /cgi-bin/component/api_authorizer_token",
    } <= http
    otel.assert_clean(
        _secrets(emulator, str(code), emulator.refresh_token_of(DEMO_AUTHORIZER_APPID), DEMO_REFRESH_TOKEN)
    )


async def test_upload_and_download_leak_no_signature(
    emulator: Emulator, otel: Exported, client: wxtcb.Client
) -> None:
    """An upload (the COS form: Signature, security token) and a download (a signed URL): their
    HTTP spans show host and path with the query masked; no signature or token is exported."""
    env = "prod-1a2b3c"
    uploaded = await client.storage.upload(env, "avatars/1.png", b"\x89PNG" + b"0" * 64)
    links = await client.storage.download_urls(env, [uploaded.file_id])
    assert await client.storage.download(env, uploaded.file_id) == b"\x89PNG" + b"0" * 64
    state = emulator.state(StorageState)
    secrets = [v for link in state.links.values() for v in (link.authorization, link.token, link.cos_file_id)]
    query = parse_qs(urlsplit(links[0].download_url).query)
    secrets += [v for values in query.values() for v in values if len(v) >= 6]
    assert secrets
    foreign = [s for s in _wxtcb_http(otel) if "/_cos/" in str((s.attributes or {})["url.full"])]
    assert {s.name for s in foreign} == {"POST", "GET"}
    for span in foreign:
        url = str((span.attributes or {})["url.full"])
        assert "?" not in url or url.endswith("?***")
        assert (span.attributes or {})["http.response.status_code"] in (200, 204)
    _no_generic_span_for(otel, emulator)
    otel.assert_clean(_secrets(emulator, *secrets))


async def test_an_openid_in_the_query_is_not_exported(
    emulator: Emulator, otel: Exported, client: wxtcb.Client
) -> None:
    """A method's own hidden query field (``wxa/getopendata``'s openid, personal data) is masked
    in the exported HTTP span's URL as in error texts, whichever instrumentation is on."""
    openid = "oOPENIDpersonal0123456789"
    # What the emulator answers does not matter: the request went out.
    with contextlib.suppress(wxtcb.WxTcbError):
        await client.open_data.get(["cloud-id-1"], openid=openid)
    assert emulator.calls["wxa/getopendata"] == 1
    if otel.wxtcb_on or otel.aiohttp_on:
        (span,) = [s for s in _wxtcb_http(otel) if s.name == "POST /wxa/getopendata"]
        assert "openid=***" in str((span.attributes or {})["url.full"])
    _no_generic_span_for(otel, emulator)
    otel.assert_clean(_secrets(emulator, openid))


async def test_cloudrun_bot_reply_nests_under_the_handler(emulator: Emulator, otel: Exported) -> None:
    """A bot answering a push: the reply's call span (and its HTTP span) sit in the trace of the
    span the application's handler runs in; the user's openid and words are not exported."""
    secret_words = "the-secret-words-of-the-user"
    tracer = otel.tracer_provider.get_tracer("app")
    handler_spans: list[trace.Span] = []
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with (
        wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client,
        cloudrun.Bot(client) as bot,
    ):

        @bot.on_text
        async def echo(message: cloudrun.TextMessage) -> None:
            with tracer.start_as_current_span("push handler") as span:
                handler_spans.append(span)
                await message.reply_text(message.content)

        from aiohttp import web

        app = web.Application()
        app.router.add_post("/wechat/push", bot.handler)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            url = f"http://127.0.0.1:{runner.addresses[0][1]}/wechat/push"
            answer = await emulator.push_message(url, {"MsgType": "text", "Content": secret_words})
            assert answer.status == 200
            await bot.aclose()  # waits for the handler's reply
        finally:
            await runner.cleanup()
    assert emulator.sent_messages
    (handler,) = handler_spans
    trace_id = handler.get_span_context().trace_id
    replies = [s for s in _wxtcb_http(otel) if s.name == "POST /cgi-bin/message/custom/send"]
    assert len(replies) == 1
    assert replies[0].context.trace_id == trace_id
    if otel.wxtcb_on:
        (call,) = otel.named("cgi-bin/message/custom/send")
        assert _parent(call) == handler.get_span_context().span_id
    openid = str(emulator.sent_messages[0]["touser"])
    otel.assert_clean(_secrets(emulator, secret_words, openid))


async def test_borrowed_session_gets_the_same_guard(emulator: Emulator, otel: Exported) -> None:
    """A session the application made after instrumenting aiohttp and lends to wxtcb: wxtcb's
    requests through it are guarded as through its own."""
    async with aiohttp.ClientSession() as session:
        provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
        async with wxtcb.Client(provider, base_url=emulator.url, session=session, retry=INSTANT_RETRY) as c:
            await c.get_callback_config()
    assert {s.name for s in _wxtcb_http(otel)} == {"POST /cgi-bin/stable_token", f"POST /{GET}"}
    _no_generic_span_for(otel, emulator)
    otel.assert_clean(_secrets(emulator))


async def test_instrument_reaches_clients_made_before(emulator: Emulator) -> None:
    """``instrument()`` after a client's first call traces its later calls (HTTP level included);
    ``uninstrument()`` stops it."""
    exported = Exported("wxtcb")
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
        try:
            wxtcb.otel.instrument(tracer_provider=exported.tracer_provider)
            assert wxtcb.otel.is_instrumented()
            await client.get_callback_config()
        finally:
            wxtcb.otel.uninstrument()
        assert not wxtcb.otel.is_instrumented()
        await client.get_callback_config()
    assert [s.name for s in exported.finished()] == [f"POST /{GET}", GET]


def test_no_opentelemetry_without_telemetry() -> None:
    """``import wxtcb`` and a call import nothing of OpenTelemetry when telemetry is not switched on."""
    script = textwrap.dedent(
        """
        import asyncio, sys
        import wxtcb
        from wxtcb.testing import DEMO_APPID, DEMO_SECRET, Emulator

        async def main():
            async with Emulator() as emulator:
                provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
                async with wxtcb.Client(provider, base_url=emulator.url) as client:
                    await client.get_callback_config()

        asyncio.run(main())
        print(sorted(m for m in sys.modules if m.startswith("opentelemetry")))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


async def test_console_example_prints_spans_and_metrics() -> None:
    """docs/examples/opentelemetry_console.py runs: its console output has the call, token and
    HTTP spans, the retry and replay events, the metrics, the redacted URL and no token."""
    import io
    import json

    from tests.conftest import load_module

    module = load_module(ROOT / "docs" / "examples" / "opentelemetry_console.py")
    out = io.StringIO()
    await module.main(out)
    text = out.getvalue()
    decoder = json.JSONDecoder()
    objects, at = [], 0
    while (start := text.find("{", at)) >= 0:
        found, at = decoder.raw_decode(text, start)
        objects.append(found)
    spans = [o for o in objects if "context" in o]
    calls = [s for s in spans if s["name"] == GET]
    assert [c["attributes"]["wxtcb.attempts"] for c in calls] == [1, 3]
    assert [e["name"] for e in calls[1]["events"]] == ["wxtcb.retry", "wxtcb.token.replay"]
    assert calls[1]["attributes"]["wxtcb.token.replayed"] is True
    handler_traces = {s["context"]["trace_id"] for s in spans if s["name"] == "GET /config"}
    assert {c["context"]["trace_id"] for c in calls} == handler_traces
    assert "access_token=***" in text
    assert "access_token=" not in text.replace("access_token=***", "")
    for name in ("wxtcb.call.duration", "wxtcb.calls", "wxtcb.retries", "wxtcb.token.fetches"):
        assert f'"name": "{name}"' in text
    # aiohttp's own spans would be named "POST" and carry the URL unredacted: suppressed.
    assert [s["name"] for s in spans if s["name"] == "POST"] == []
    assert all("url.template" in s["attributes"] for s in spans if "url.full" in s["attributes"])


async def test_without_the_suppression_key_a_warning_names_the_fix(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An opentelemetry-api without the suppress_http_instrumentation key cannot keep the aiohttp
    instrumentation off wxtcb's requests: wxtcb says so once, on the wxtcb logger, naming the fix."""
    monkeypatch.setattr(wxtcb.otel, "_SUPPRESS_HTTP", None)
    monkeypatch.setattr(wxtcb.otel, "_warned", set())
    exported = Exported("aiohttp")
    AioHttpClientInstrumentor().instrument(tracer_provider=exported.tracer_provider)
    try:
        provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
        async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
            await client.get_callback_config()
            await client.get_callback_config()
    finally:
        AioHttpClientInstrumentor().uninstrument()
    warnings = [r for r in caplog.records if r.name == "wxtcb" and "suppress" in r.getMessage()]
    assert len(warnings) == 1
    assert "upgrade" in warnings[0].getMessage()


def test_global_providers_set_after_instrument() -> None:
    """``instrument()`` with no provider anywhere: calls run without a span or a coroutine of
    telemetry's own; once the application sets the global providers, the next calls (after
    ``RECHECK`` seconds, 0 here) are traced, HTTP level included, and measured."""
    script = textwrap.dedent(
        """
        import asyncio
        from opentelemetry import metrics, trace
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        import wxtcb, wxtcb.otel
        from wxtcb import events
        from wxtcb.message_push import GetCallbackConfig
        from wxtcb.testing import DEMO_APPID, DEMO_SECRET, Emulator

        async def main():
            wxtcb.otel.RECHECK = 0.0  # look at the global providers on every call
            wxtcb.otel.instrument()
            async with Emulator() as emulator:
                provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
                async with wxtcb.Client(provider, base_url=emulator.url) as client:
                    await client.get_callback_config()
                    sent = client._pipeline._send(GetCallbackConfig(), provider, None, "access_token")
                    assert events.telemetry.call(sent, GetCallbackConfig(), provider) is sent
                    sent.close()
                    spans = InMemorySpanExporter()
                    tracer_provider = TracerProvider()
                    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
                    trace.set_tracer_provider(tracer_provider)
                    reader = InMemoryMetricReader()
                    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
                    await client.get_callback_config()
            print(sorted(s.name for s in spans.get_finished_spans()))
            data = reader.get_metrics_data()
            print(sorted({m.name for r in data.resource_metrics for s in r.scope_metrics for m in s.metrics}))

        asyncio.run(main())
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    spans, names = done.stdout.strip().splitlines()
    assert spans == str([f"POST /{GET}", GET])
    assert "'wxtcb.calls'" in names
    assert "'wxtcb.token.age'" in names


async def test_telemetry_that_raises_never_fails_the_call(emulator: Emulator) -> None:
    """A meter or an event handler that raises (a user's provider, a bug) is logged and ignored:
    the call it describes succeeds and returns its result."""
    import wxtcb.events

    wxtcb.otel.instrument(tracer_provider=TracerProvider(), meter_provider=MeterProvider())
    try:
        telemetry: Any = wxtcb.events.telemetry
        assert telemetry is not None

        class Broken:
            def record(self, *args: object, **kwargs: object) -> None:
                raise RuntimeError("a meter's bug")

            add = record

        telemetry.duration = telemetry.calls = telemetry.age = Broken()
        original_event = telemetry.event

        def event(event: object) -> None:
            original_event(event)
            raise RuntimeError("an event handler's bug")

        telemetry.event = event
        provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
        async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
            config = await client.get_callback_config()
        assert isinstance(config, wxtcb.CallbackConfig)
    finally:
        wxtcb.otel.uninstrument()
