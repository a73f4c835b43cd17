"""Pure protocol functions: method object in, request out; bytes in, model or exception out.

Nothing here awaits or touches the network, so everything here is tested without a server.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar, cast

import attrs

from wxtcb.converter import structure
from wxtcb.errors import DecodeError, TransportError, api_error
from wxtcb.methods import Method
from wxtcb.redaction import RequestSummary, redact_params

__all__ = ["Request", "build_request", "check", "decode", "parse"]

T = TypeVar("T")

_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


@attrs.frozen
class Request:
    """One HTTP request, ready for the transport. Its repr hides the query (it carries the token)."""

    http_method: str
    path: str
    params: Mapping[str, str] = attrs.field(repr=False)
    body: bytes | None = attrs.field(repr=False)
    headers: Mapping[str, str] = attrs.field(repr=False)
    summary: RequestSummary


def build_request(method: Method[Any], token: str | None = None) -> Request:
    """Build the request for *method*, putting *token* in the query parameter it names."""
    params = method.query()
    if method.token_param is not None:
        if not token:
            raise ValueError(f"{method.api} needs a token")  # a bug of ours, not the caller's
        params = {**params, method.token_param: token}
    payload = method.payload()
    body = (
        None if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    )
    summary = RequestSummary(method.http_method, method.api, redact_params(params))
    return Request(
        method.http_method,
        method.api,
        params,
        body,
        _JSON_HEADERS if body is not None else {},
        summary,
    )


def parse(status: int, body: bytes, summary: RequestSummary) -> dict[str, Any]:
    """Turn an HTTP answer into a JSON object, whatever the Content-Type says (WeChat sends text/plain).

    Raises `TransportError`: transient for HTTP 5xx and for non-JSON pages (gateway errors),
    permanent for other non-200 statuses.
    """
    if status != 200:
        raise TransportError(f"HTTP {status}", request=summary, status=status, transient=status >= 500)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise TransportError(
            f"answer is not JSON ({len(body)} bytes)", request=summary, status=status
        ) from None
    if not isinstance(data, dict):
        raise DecodeError(f"expected a JSON object, got {type(data).__name__}", request=summary)
    return data


def check(data: Mapping[str, Any], method: Method[Any], summary: RequestSummary) -> None:
    """Raise the table's `APIError` when errcode is present and not 0."""
    errcode = data.get("errcode", 0)
    if errcode == 0 or errcode is None:
        return
    if not isinstance(errcode, int) or isinstance(errcode, bool):
        raise DecodeError("errcode is not an integer", request=summary)
    errmsg = data.get("errmsg")
    raise api_error(
        errcode,
        errmsg if isinstance(errmsg, str) else "",
        token_endpoint=method.token_endpoint,
        request=summary,
    )


def decode(data: Mapping[str, Any], method: Method[T], summary: RequestSummary) -> T:
    """Structure the checked answer into the method's return type."""
    returns = method.returns
    if returns is None:
        return cast(T, None)
    value: object = data
    root = "$"
    if method.result_key is not None:
        root = f"$.{method.result_key}"
        if method.result_key not in data:
            raise DecodeError(
                f"cannot decode {returns.__name__}: required field missing @ {root}",
                request=summary,
            )
        value = data[method.result_key]
    try:
        return cast(T, structure(value, returns, root=root))
    except DecodeError as exc:
        raise DecodeError(exc.message, request=summary) from None
