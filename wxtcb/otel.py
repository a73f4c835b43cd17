"""OpenTelemetry traces and metrics for wxtcb (extra ``wxtcb[otel]``: ``opentelemetry-api`` only).

``wxtcb.otel.instrument()`` switches telemetry on for every client and platform in the process,
as OpenTelemetry's own instrumentors do; ``uninstrument()`` switches it off. Until then nothing
of OpenTelemetry is imported by wxtcb and each call pays one check.

What it adds:

* one CLIENT span per logical call, named after the API path, a child of the current span, with
  the attempts, the retries (events, with the wait before each), the token refresh-and-replay,
  and errcode, rid and ``error.type`` on failure (the exception recorded with its redacted text);
* one CLIENT span per HTTP request (HTTP semantic conventions), its URL redacted, and an
  INTERNAL ``wxtcb.token`` span around every wait for a token fetch, under which the fetch's own
  CLIENT span (``cgi-bin/stable_token``, …) nests;
* metrics by API and errcode, retries, token fetches, refresh-ahead hits and token age, with
  low-cardinality attributes only.

The HTTP guard also works without ``instrument()``: a session instrumented by
``opentelemetry-instrumentation-aiohttp-client`` (``AioHttpClientInstrumentor().instrument()``)
would record every request's URL, token included; wxtcb suppresses that span for its own
requests (OpenTelemetry's ``suppress_http_instrumentation`` context key) and records an equivalent
one whose URL is redacted. See docs/observability.md, "OpenTelemetry".
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, StatusCode
from yarl import URL

from wxtcb import events as _events
from wxtcb import transport as _transport
from wxtcb.errors import APIError, TransportError, WxTcbError
from wxtcb.events import (
    Event,
    RefreshTokenRotated,
    RequestFinished,
    RetryScheduled,
    TokenFetched,
    TokenReplayed,
)
from wxtcb.methods import Method
from wxtcb.redaction import MAX_ERRMSG, bounded, hide_queries, redact_text, redact_url

if TYPE_CHECKING:
    from opentelemetry.util.types import AttributeValue

    from wxtcb.protocol import Request
    from wxtcb.transport import AiohttpTransport

__all__ = [
    "RECHECK",
    "SCOPE",
    "HttpGuard",
    "HttpSpan",
    "http_guard",
    "instrument",
    "is_instrumented",
    "uninstrument",
]

T = TypeVar("T")
logger = logging.getLogger("wxtcb")

#: The instrumentation scope of every span and metric.
SCOPE = "wxtcb"
#: Durations in seconds: WeChat answers in tens of milliseconds, retries take seconds.
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Token ages in seconds: a token lives up to 7200 s.
_AGE_BUCKETS = (60.0, 300.0, 900.0, 1800.0, 3600.0, 5400.0, 6600.0, 7200.0)
#: OpenTelemetry's context key that HTTP instrumentations (aiohttp-client among them) obey. It
#: lives in opentelemetry-api under a private name, shared by every instrumentation.
_SUPPRESS_HTTP: str | None = getattr(otel_context, "_SUPPRESS_HTTP_INSTRUMENTATION_KEY", None)

#: Seconds between two looks at the global providers while neither is configured: a look costs
#: more than the rest of what telemetry adds to a call, and a provider set after `instrument` is
#: picked up within this delay.
RECHECK = 1.0

_warned: set[str] = set()
#: Set once a global tracer provider is seen: OpenTelemetry sets it once per process, for good.
_global_tracing = False


def _tracing_globally() -> bool:
    """Whether the global tracer provider is configured (spans of the global tracer can record)."""
    global _global_tracing
    if not _global_tracing and not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        _global_tracing = True
    return _global_tracing


def _metering_globally() -> bool:
    """Whether the global meter provider is configured. Until it is, the API hands out a proxy
    (its class is private: known by name; another name only costs the no-op calls)."""
    return type(metrics.get_meter_provider()).__name__ != "_ProxyMeterProvider"


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        logger.warning(message)


def _error_type(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def _record_error(span: trace.Span, exc: BaseException) -> None:
    """Status error, ``error.type`` and an ``exception`` event with the redacted text only: no
    stack trace, since chained exceptions print their own texts there."""
    kind = _error_type(exc)
    span.set_attribute("error.type", kind)
    span.set_status(StatusCode.ERROR, type(exc).__name__)
    # A wxtcb error's text is built redacted (`wxtcb.redaction`); anything else (aiohttp's, on the
    # way to becoming one) is scrubbed here, and every URL's query masked: a signed object-store
    # link keeps its signature under names no list of secrets knows.
    text = str(exc) if isinstance(exc, WxTcbError) else hide_queries(redact_text(str(exc)))
    message = bounded(text, 2 * MAX_ERRMSG)
    span.add_event("exception", {"exception.type": kind, "exception.message": message})


class _Call:
    """What one logical call's span collects from the events emitted while it runs."""

    __slots__ = ("attempts", "last_ok", "refreshed", "replayed", "span")

    def __init__(self, span: trace.Span) -> None:
        self.span = span
        self.attempts = 0
        self.last_ok = False
        self.refreshed = False
        self.replayed = False


_CALL: ContextVar[_Call | None] = ContextVar("wxtcb_otel_call", default=None)


class _Telemetry:
    """The `wxtcb.events.Telemetry` that `instrument` installs."""

    def __init__(self, tracer: trace.Tracer, meter: metrics.Meter, *, tracing: bool, metering: bool) -> None:
        self.tracer = tracer
        #: Whether spans and metrics can record (a provider was given, or the global one is set);
        #: until then a call costs no more than a look at the global providers.
        self._tracing = tracing
        self._metering = metering
        self._next_check = 0.0
        self.duration = meter.create_histogram(
            "wxtcb.call.duration",
            unit="s",
            description="Duration of wxtcb calls (retries, waits and a replay included)",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.calls = meter.create_counter("wxtcb.calls", unit="{call}", description="wxtcb calls")
        self.retries = meter.create_counter(
            "wxtcb.retries", unit="{retry}", description="Retries of transient failures"
        )
        self.replays = meter.create_counter(
            "wxtcb.token.replays", unit="{call}", description="Calls replayed after a rejected token"
        )
        self.fetches = meter.create_counter(
            "wxtcb.token.fetches", unit="{fetch}", description="Token fetches by kind and outcome"
        )
        self.ahead_hits = meter.create_counter(
            "wxtcb.token.refresh_ahead",
            unit="{call}",
            description="Calls served a token inside its refresh margin (refreshed in the background)",
        )
        self.age = meter.create_histogram(
            "wxtcb.token.age",
            unit="s",
            description="Age of the token a call used",
            explicit_bucket_boundaries_advisory=_AGE_BUCKETS,
        )
        #: Metric attribute sets, built once per (api, errcode, error type).
        self._labels: dict[tuple[str, int | None, str | None], dict[str, AttributeValue]] = {}

    def _label(self, api: str, errcode: int | None, error: str | None) -> dict[str, AttributeValue]:
        key = (api, errcode, error)
        labels = self._labels.get(key)
        if labels is None:
            if len(self._labels) >= 4096:  # errcodes WeChat invents: keep the cache bounded
                self._labels.clear()
            labels = {"wxtcb.api": api}
            if errcode is not None:
                labels["wxtcb.errcode"] = errcode
            if error is not None:
                labels["error.type"] = error
            self._labels[key] = labels
        return labels

    def _recheck(self) -> None:
        """Look at the global providers again, at most once per `RECHECK` seconds."""
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + RECHECK
            if not self._tracing and _tracing_globally():
                self._tracing = True
            if not self._metering and _metering_globally():
                self._metering = True

    def tracing(self) -> bool:
        """Whether this telemetry's spans can record."""
        if not self._tracing:
            self._recheck()
        return self._tracing

    def call(
        self, send: Coroutine[Any, Any, T], method: Method[Any], provider: object | None
    ) -> Coroutine[Any, Any, T]:
        if not self._tracing and not self._metering:
            self._recheck()
            if not self._tracing and not self._metering:
                return send  # nothing configured: the no-op API would cost a span and a coroutine
        return self._run(send, method, provider, self._tracing)

    async def _run(
        self, send: Coroutine[Any, Any, T], method: Method[Any], provider: object | None, tracing: bool
    ) -> T:
        api = method.__endpoint__.path
        span = self.tracer.start_span(api, kind=SpanKind.CLIENT) if tracing else trace.INVALID_SPAN
        state: _Call | None = None
        attached = None
        if span.is_recording():
            attributes: dict[str, AttributeValue] = {"wxtcb.api": api}
            if provider is not None:
                attributes["wxtcb.token.kind"] = str(getattr(provider, "kind", ""))
                appid = getattr(provider, "appid", "")
                if appid:
                    attributes["wxtcb.app_id"] = str(appid)
            span.set_attributes(attributes)
            state = _Call(span)
        if span.get_span_context().is_valid:
            # Also when sampled out: children must see their parent to be sampled out with it.
            attached = otel_context.attach(trace.set_span_in_context(span))
        marker = _CALL.set(state)
        labels: dict[str, AttributeValue] | None = None
        started = time.perf_counter()
        try:
            result = await send
        except BaseException as exc:
            errcode = exc.errcode if isinstance(exc, APIError) else None
            kind = _error_type(exc)
            labels = self._label(api, errcode, kind)
            if state is not None:
                span.set_attribute("wxtcb.attempts", max(state.attempts, 1))
                self._finish(state)
                if errcode is not None:
                    span.set_attribute("wxtcb.errcode", errcode)
                rid = getattr(exc, "rid", None)
                if isinstance(rid, str) and rid:
                    span.set_attribute("wxtcb.rid", rid)
                _record_error(span, exc)
            raise
        else:
            labels = self._label(api, 0, None)
            if state is not None:
                span.set_attribute("wxtcb.attempts", state.attempts + (0 if state.last_ok else 1))
                span.set_attribute("wxtcb.errcode", 0)
                self._finish(state)
            return result
        finally:
            elapsed = time.perf_counter() - started
            _CALL.reset(marker)
            if attached is not None:
                otel_context.detach(attached)
            span.end()
            # Measuring never fails the call it measures (a provider of the user's, a meter's bug).
            try:
                if labels is not None:
                    self.duration.record(elapsed, labels)
                    self.calls.add(1, labels)
                age_of = getattr(provider, "token_age", None)
                if age_of is not None:
                    age = age_of()
                    if age is not None:
                        self.age.record(age, {"wxtcb.token.kind": str(getattr(provider, "kind", ""))})
            except Exception:
                logger.exception("wxtcb.otel: recording a call's metrics raised; ignored")

    @staticmethod
    def _finish(state: _Call) -> None:
        state.span.set_attribute("wxtcb.token.refreshed", state.refreshed)
        state.span.set_attribute("wxtcb.token.replayed", state.replayed)

    def event(self, event: Event) -> None:
        state = _CALL.get()
        if isinstance(event, RequestFinished):
            if state is not None:
                state.attempts += 1
                state.last_ok = event.error is None
        elif isinstance(event, RetryScheduled):
            # The event carries the class name only: `wxtcb.error`, not the qualified `error.type`.
            retried: dict[str, AttributeValue] = {"wxtcb.api": event.api}
            if event.errcode is not None:
                retried["wxtcb.errcode"] = event.errcode
            if event.error is not None:
                retried["wxtcb.error"] = event.error
            self.retries.add(1, retried)
            if state is not None and state.span.is_recording():
                attributes: dict[str, AttributeValue] = {
                    "wxtcb.attempt": event.attempt,
                    "wxtcb.retry.wait": event.wait,
                }
                if event.errcode is not None:
                    attributes["wxtcb.errcode"] = event.errcode
                if event.error is not None:
                    attributes["wxtcb.error"] = event.error
                state.span.add_event("wxtcb.retry", attributes)
        elif isinstance(event, TokenReplayed):
            self.replays.add(
                1, {"wxtcb.api": event.api, "wxtcb.token.kind": event.kind, "wxtcb.errcode": event.errcode}
            )
            if state is not None:
                state.replayed = True
                if state.span.is_recording():
                    state.span.add_event("wxtcb.token.replay", {"wxtcb.errcode": event.errcode})
        elif isinstance(event, TokenFetched):
            outcome = "ok" if event.error is None else "error"
            labels: dict[str, AttributeValue] = {"wxtcb.token.kind": event.kind, "wxtcb.outcome": outcome}
            if event.errcode is not None:
                labels["wxtcb.errcode"] = event.errcode
            self.fetches.add(1, labels)
            span = trace.get_current_span()
            if span.is_recording():
                attributes = {**labels, "wxtcb.app_id": event.appid}
                if event.expires_in is not None:
                    attributes["wxtcb.token.expires_in"] = event.expires_in
                if event.error is not None:
                    attributes["wxtcb.error"] = event.error
                span.add_event("wxtcb.token.fetched", attributes)
        elif isinstance(event, RefreshTokenRotated):
            span = trace.get_current_span()
            if span.is_recording():
                span.add_event(
                    "wxtcb.refresh_token.rotated",
                    {"wxtcb.component_app_id": event.component_appid, "wxtcb.app_id": event.authorizer_appid},
                )

    @contextlib.contextmanager
    def waiting(self, kind: str, appid: str, *, shared: bool) -> Iterator[None]:
        state = _CALL.get()
        if state is not None:
            state.refreshed = True
        span = self.tracer.start_span("wxtcb.token", kind=SpanKind.INTERNAL)
        if span.is_recording():
            span.set_attributes(
                {"wxtcb.token.kind": kind, "wxtcb.app_id": appid, "wxtcb.token.shared": shared}
            )
        with trace.use_span(span, end_on_exit=True, record_exception=False, set_status_on_exception=False):
            try:
                yield
            except BaseException as exc:
                if span.is_recording():
                    _record_error(span, exc)
                raise

    def ahead(self, kind: str) -> None:
        self.ahead_hits.add(1, {"wxtcb.token.kind": kind})


class HttpSpan:
    """The span of one HTTP request (or a stand-in when nothing records): `status` sets its
    ``http.response.status_code`` (and ``error.type`` from 400 on)."""

    __slots__ = ("_span",)

    def __init__(self, span: trace.Span) -> None:
        self._span = span

    def status(self, status: int) -> None:
        span = self._span
        if span.is_recording():
            span.set_attribute("http.response.status_code", status)
            if status >= 400:
                span.set_attribute("error.type", str(status))
                span.set_status(StatusCode.ERROR)


class HttpGuard:
    """Around each request of a transport: suppress generic HTTP instrumentation (its span would
    carry the URL with the token) and record an equivalent CLIENT span whose URL is redacted
    (``http.request.method``, ``url.full``, ``server.address``, ``server.port``,
    ``http.response.status_code``, ``error.type``; duration)."""

    __slots__ = ("_base_url", "_suppress", "_tracer", "_tracing")

    def __init__(
        self, base_url: str, tracer: trace.Tracer, tracing: Callable[[], bool], *, suppress: bool
    ) -> None:
        self._base_url = base_url
        self._tracer = tracer
        self._tracing = tracing
        self._suppress = suppress

    def needed(self) -> bool:
        """Whether a request must run inside the guard: the session is instrumented (always), or
        wxtcb's spans can record."""
        return self._suppress or self._tracing()

    async def send(self, transport: AiohttpTransport, request: Request, timeout: float) -> tuple[int, bytes]:
        """*request* sent by *transport* inside the guard."""
        # The summary's query: credentials and the method's own hidden fields (an openid) masked.
        params = dict(request.summary.params)
        with self._exchange(
            request.http_method, self._base_url + request.path, params, "/" + request.path
        ) as span:
            status, body = await transport.send(request, timeout=timeout, _guarded=True)
            span.status(status)
            return status, body

    def foreign(self, http_method: str, url: str) -> contextlib.AbstractContextManager[HttpSpan]:
        """Around a request to *url* outside the API host (an object store): its query (a
        signature) is masked whole."""
        return self._exchange(http_method, url, None, None)

    @contextlib.contextmanager
    def _exchange(self, http_method: str, url: str, params: Any, template: str | None) -> Iterator[HttpSpan]:
        span = self._tracer.start_span(
            http_method if template is None else f"{http_method} {template}", kind=SpanKind.CLIENT
        )
        if span.is_recording():
            full = redact_url(url, params)
            attributes: dict[str, AttributeValue] = {"http.request.method": http_method, "url.full": full}
            if template is not None:
                attributes["url.template"] = template
            try:
                parts = URL(full)
                if parts.host:
                    attributes["server.address"] = parts.host
                if parts.port is not None:
                    attributes["server.port"] = parts.port
            except ValueError:
                pass
            span.set_attributes(attributes)
        suppressed = None
        if self._suppress:
            if _SUPPRESS_HTTP is None:
                _warn_once(
                    "suppress",
                    "wxtcb cannot suppress the aiohttp instrumentation's spans, which record request "
                    "URLs with their access tokens: this opentelemetry-api has no "
                    "suppress_http_instrumentation key; upgrade it "
                    "(pip install --upgrade 'opentelemetry-api>=1.27')",
                )
            else:
                suppressed = otel_context.attach(otel_context.set_value(_SUPPRESS_HTTP, True))
        try:
            yield HttpSpan(span)
        except BaseException as exc:
            if span.is_recording():
                kind = _error_type(exc)
                if isinstance(exc, TransportError) and exc.status is not None and exc.status >= 400:
                    span.set_attribute("http.response.status_code", exc.status)
                _record_error(span, exc)
                span.set_attribute("error.type", kind)
            raise
        finally:
            if suppressed is not None:
                otel_context.detach(suppressed)
            span.end()


def http_guard(base_url: str, *, suppress: bool) -> HttpGuard:
    """The guard for a transport to *base_url*: spans go to `instrument`'s tracer provider, or
    to the global one; *suppress* when its session carries OpenTelemetry's aiohttp trace config."""
    telemetry = _events.telemetry
    if isinstance(telemetry, _Telemetry):
        return HttpGuard(base_url, telemetry.tracer, telemetry.tracing, suppress=suppress)
    return HttpGuard(base_url, trace.get_tracer(SCOPE), _tracing_globally, suppress=suppress)


def instrument(
    *,
    tracer_provider: trace.TracerProvider | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> None:
    """Trace and measure every wxtcb call in this process, from now on, clients made earlier
    included. Without providers, OpenTelemetry's global ones are used (set before or after).

    Calling it again replaces the providers.
    """
    from wxtcb import __version__

    tracer = trace.get_tracer(SCOPE, __version__, tracer_provider=tracer_provider)
    meter = metrics.get_meter(SCOPE, __version__, meter_provider=meter_provider)
    _events.telemetry = _Telemetry(
        tracer, meter, tracing=tracer_provider is not None, metering=meter_provider is not None
    )
    _transport.rearm()


def uninstrument() -> None:
    """Stop tracing and measuring wxtcb calls (the HTTP guard stays on sessions that OpenTelemetry's
    aiohttp instrumentation instrumented)."""
    _events.telemetry = None
    _transport.rearm()


def is_instrumented() -> bool:
    """Whether `instrument` is in effect."""
    return isinstance(_events.telemetry, _Telemetry)
