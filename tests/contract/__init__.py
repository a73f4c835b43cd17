"""The contract table: one row per endpoint, one module per domain (collected by tests/test_contract.py).

A row says what wxtcb sends for a method object (path, token kind, query, body, idempotency) and
what it makes of WeChat's sample answer. Adding an endpoint adds a row to its domain's module.
"""

from __future__ import annotations

from typing import Any

import attrs

from wxtcb.methods import Method, TokenKind


@attrs.frozen
class Row:
    """One endpoint's contract: the request a method object becomes and the answer it decodes."""

    method: Method[Any]
    path: str
    token: TokenKind
    idempotent: bool
    #: Query parameters besides the token.
    query: dict[str, str]
    #: The JSON body, decoded (None: no body).
    body: object
    #: A sample answer as WeChat sends it (from its page where it has one).
    answer: dict[str, Any]
    #: What the call returns for that answer.
    result: object
