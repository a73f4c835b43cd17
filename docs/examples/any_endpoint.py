"""An endpoint wxtcb does not wrap yet, declared as a method object and sent with `await client(...)`."""

from __future__ import annotations

from typing import ClassVar

import attrs

import wxtcb
from wxtcb.methods import Endpoint, Method, TokenKind


@attrs.frozen
class Quota:
    """How much of an API's daily quota is used."""

    daily_limit: int
    used: int
    remain: int


@attrs.frozen
class GetApiQuota(Method[Quota]):  # Method[T]: the call returns a T
    """cgi-bin/openapi/quota/get: the daily quota of one API."""

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/openapi/quota/get",
        token=TokenKind.ACCESS,  # the kind of token it takes
        idempotent=True,  # a read: retried after a transient failure
        result_key="quota",  # the answer's key that holds the result
        doc="https://developers.weixin.qq.com/doc/offiaccount/openApi/get_api_quota.html",
    )

    cgi_path: str  # a body field, under its own name


async def remaining_calls(client: wxtcb.Client) -> int:
    quota = await client(GetApiQuota("/tcb/getcallbackconfig"))
    return quota.remain
