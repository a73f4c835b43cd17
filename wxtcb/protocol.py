"""Pure protocol functions: method object in, request out; bytes in, model or exception out.

Nothing here awaits or touches the network, so everything here is tested without a server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import attrs

from wxtcb.converter import shareable, structurer, unstructure
from wxtcb.errors import DecodeError, TransportError, api_error
from wxtcb.methods import Method
from wxtcb.redaction import SECRET_PARAMS, RequestSummary, redact_params
from wxtcb.wire import wire_name, wire_of

__all__ = ["Request", "build_request", "check", "decode", "encode_body", "parse", "reusable"]

T = TypeVar("T")

_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


class Request:
    """One HTTP request, ready for the transport. Its repr hides the query (it carries the token).

    The redacted `summary` is built only when something asks for it (an error, a log line), so
    the hot path does not pay for it.
    """

    __slots__ = ("_summary", "body", "headers", "http_method", "method", "params", "path", "seqid")

    def __init__(
        self,
        http_method: str,
        path: str,
        params: Mapping[str, str],
        body: bytes | None,
        headers: Mapping[str, str],
        method: object = None,
    ) -> None:
        self.http_method = http_method
        self.path = path
        self.params = params
        self.body = body
        self.headers = headers
        #: The method object the request was built from (its secret fields are redacted in errors).
        self.method = method
        #: The relay's id of the last answer (``x-openapi-seqid``), set by the transport.
        self.seqid: str | None = None
        self._summary: RequestSummary | None = None

    @property
    def summary(self) -> RequestSummary:
        summary = self._summary
        if summary is None or summary.seqid != self.seqid:
            hidden = _hidden_query(self.method)
            summary = self._summary = RequestSummary(
                self.http_method, self.path, redact_params(self.params, hidden), self.seqid
            )
        return summary

    @property
    def secrets(self) -> list[str]:
        """Every credential and personal datum the request carries: secret query values and the
        method's secret fields.

        A secret field is one hidden from its repr (``repr=False``), on the method object or on
        a model inside it (``PostData`` of ``tcb/describesmsrecords``); its value is a string,
        or a list or tuple of strings (the phone numbers of ``tcb/sendsms``).
        """
        found = [v for k, v in self.params.items() if k.lower() in SECRET_PARAMS]
        if self.method is not None:
            _hidden_strings(self.method, False, found, 0)
        return found

    def __repr__(self) -> str:
        return f"<Request {self.summary}>"


def _hidden_strings(value: object, hidden: bool, found: list[str], depth: int) -> None:
    """Add to *found* every string of *value* that sits in a field hidden from its repr."""
    if depth > 8:  # no request model nests this deep; a cycle must not hang an error path
        return
    if isinstance(value, str):
        if hidden:
            found.append(value)
    elif isinstance(value, list | tuple):
        if hidden or any(attrs.has(type(item)) for item in value[:1]):
            for item in value:
                _hidden_strings(item, hidden, found, depth + 1)
    elif attrs.has(type(value)):
        for field in attrs.fields(cast(Any, type(value))):
            _hidden_strings(getattr(value, field.name), hidden or not field.repr, found, depth + 1)


def encode_body(payload: object | None) -> bytes | None:
    """JSON as WeChat wants it: UTF-8, not ASCII-escaped, compact."""
    if payload is None:
        return None
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class _Layout:
    """Where a method class's fields go on the wire, worked out once per class."""

    __slots__ = ("constant_body", "hidden_query", "query", "raw_body")

    def __init__(self, cls: type[Method[Any]]) -> None:
        fields = attrs.fields(cast(Any, cls)) if attrs.has(cls) else ()
        self.query = tuple((f.name, wire_name(f)) for f in fields if wire_of(f).query)
        # A query field hidden from the repr (an openid) is masked in the summary like a token.
        self.hidden_query = frozenset(wire_name(f) for f in fields if wire_of(f).query and not f.repr)
        raw = [f.name for f in fields if wire_of(f).raw_body]
        self.raw_body = raw[0] if raw else None
        in_body = [f for f in fields if not wire_of(f).query and not wire_of(f).raw_body]
        # A POST with no body field sends "{}": WeChat answers 412 to a body without a length.
        self.constant_body: bytes | None = None
        if not in_body and self.raw_body is None and cls.__endpoint__.http_method == "POST":
            self.constant_body = b"{}"


_LAYOUTS: dict[type[Any], _Layout] = {}


def _layout(cls: type[Method[Any]]) -> _Layout:
    layout = _LAYOUTS.get(cls)
    if layout is None:
        layout = _LAYOUTS[cls] = _Layout(cls)
    return layout


def _hidden_query(method: object) -> frozenset[str]:
    if isinstance(method, Method):
        return _layout(type(method)).hidden_query
    return frozenset()


def _query_value(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"a query parameter must be a string or an integer, not {type(value).__name__}")


def build_request(method: Method[Any], token: str | None = None, token_param: str | None = None) -> Request:
    """Build the request for *method*, with *token* in the query parameter *token_param*."""
    endpoint = method.__endpoint__
    layout = _layout(type(method))
    params: dict[str, str] = {}
    for name, key in layout.query:
        value = getattr(method, name)
        if value is not None:
            params[key] = _query_value(value)
    if token_param is not None:
        if not token:
            raise ValueError(f"{endpoint.path} needs a token")  # a bug of ours, not the caller's
        params[token_param] = token
    body = layout.constant_body
    if body is None:
        if layout.raw_body is not None:
            body = encode_body(getattr(method, layout.raw_body))
        elif endpoint.http_method == "POST":
            body = encode_body(unstructure(method))
    return Request(
        endpoint.http_method, endpoint.path, params, body, _JSON_HEADERS if body is not None else {}, method
    )


def parse(status: int, body: bytes, request: Request) -> dict[str, Any]:
    """Turn an HTTP answer into a JSON object, whatever the Content-Type says (WeChat sends text/plain).

    Raises `TransportError`: transient for HTTP 5xx and for non-JSON pages (gateway errors),
    permanent for other non-200 statuses.
    """
    if status != 200:
        raise TransportError(
            f"HTTP {status}", request=request.summary, status=status, transient=status >= 500
        )
    try:
        data = json.loads(body)
    except RecursionError:
        # JSON nested deeper than the interpreter's recursion limit: no WeChat answer is.
        raise DecodeError("the answer is JSON nested too deeply", request=request.summary) from None
    except (ValueError, UnicodeDecodeError):
        raise TransportError(
            f"answer is not JSON ({len(body)} bytes)", request=request.summary, status=status
        ) from None
    if not isinstance(data, dict):
        raise DecodeError(f"expected a JSON object, got {type(data).__name__}", request=request.summary)
    return data


def check(data: Mapping[str, Any], method: Method[Any], request: Request) -> None:
    """Raise the table's `APIError` when errcode is present and not 0."""
    errcode = data.get("errcode", 0)
    if errcode == 0 or errcode is None:
        return
    if not isinstance(errcode, int) or isinstance(errcode, bool):
        raise DecodeError("errcode is not an integer", request=request.summary)
    errmsg = data.get("errmsg")
    raise api_error(
        errcode,
        errmsg if isinstance(errmsg, str) else "",
        token_endpoint=method.__endpoint__.token_endpoint,
        request=request.summary,
        secrets=request.secrets,
    )


_ABSENT: Any = object()
#: Per method class: the answer's key holding the result (None: the whole answer), what turns it
#: into the result (None: the method returns None), and whether the result may be reused.
_DECODERS: dict[type[Any], tuple[str | None, Callable[[Any], Any] | None, bool]] = {}


def _decoding(cls: type[Method[Any]]) -> tuple[str | None, Callable[[Any], Any] | None, bool]:
    found = _DECODERS.get(cls)
    if found is None:
        returns = cls.__returns__
        key = cls.__endpoint__.result_key
        run: Callable[[Any], Any] | None = None
        if returns is not None:
            run = getattr(cls, "__decode__", None) or structurer(
                returns, root="$" if key is None else f"$.{key}"
            )
        shared = returns is not None and cls.__endpoint__.idempotent and shareable(returns)
        found = _DECODERS[cls] = (key, run, shared)
    return found


def decode(data: Mapping[str, Any], method: Method[T], request: Request) -> T:
    """Structure the checked answer into the method's return type."""
    key, run, _ = _decoding(type(method))
    if run is None:
        return cast(T, None)
    value: object = data
    if key is not None:
        value = data.get(key, _ABSENT)
        if value is _ABSENT:
            returns = method.__returns__
            raise DecodeError(
                f"cannot decode {getattr(returns, '__name__', returns)}: required field missing @ $.{key}",
                request=request.summary,
            )
    try:
        return cast(T, run(value))
    except DecodeError as exc:
        raise DecodeError(exc.message, request=request.summary) from None


def reusable(cls: type[Method[Any]]) -> bool:
    """Whether the result of *cls* may be handed again for a byte-identical answer: its
    endpoint is marked `Endpoint.idempotent` and its result is immutable all the way down and
    holds no secret (`wxtcb.converter.shareable`)."""
    return _decoding(cls)[2]
