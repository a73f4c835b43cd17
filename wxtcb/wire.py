"""How a field looks on the wire, declared on the field itself and read by the one converter.

A model or method field whose wire form differs from its Python attribute says so in its attrs
metadata::

    msg_type: str = attrs.field(metadata=wire("msgType"))           # its JSON key
    env: str = attrs.field(metadata=wire(query=True))              # a query parameter
    data: object = attrs.field(metadata=wire(raw_body=True))       # the whole request body
    resp_data: object = attrs.field(metadata=wire(json_text=True)) # JSON text inside JSON
    force: bool = attrs.field(default=False, metadata=wire(omit_if_default=True))

A field without ``wire(...)`` is a body (or answer) field under its own name. A field hidden
from its repr (``repr=False``) is a secret or a personal datum (a phone number): it is masked
wherever a request is summarised and in any errmsg that echoes it, whether it holds a string or
a list of strings, on the method object or on a model inside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["Wire", "wire", "wire_of"]

_KEY = "wxtcb.wire"


@attrs.frozen
class Wire:
    """The wire form of one field (see the module docstring).

    Attributes:
        name: The JSON key (or query parameter) when it is not the attribute's name, else None.
        query: A method field sent in the query string, not the body.
        raw_body: A method field that is the whole JSON body (the method has no other body field).
        json_text: The wire value is a JSON string to decode (for a list field: each item is).
        omit_if_default: Leave the field out of the request when it has its default value.
    """

    name: str | None = None
    query: bool = False
    raw_body: bool = False
    json_text: bool = False
    omit_if_default: bool = False


_PLAIN = Wire()


def wire(
    name: str | None = None,
    *,
    query: bool = False,
    raw_body: bool = False,
    json_text: bool = False,
    omit_if_default: bool = False,
) -> dict[str, Any]:
    """attrs metadata declaring a field's wire form; pass it as ``attrs.field(metadata=wire(...))``.

    Args:
        name: The JSON key (or query parameter) when it is not the attribute's name.
        query: A method field sent in the query string, not the body.
        raw_body: A method field that is the whole JSON body (the method has no other body field).
        json_text: The wire value is a JSON string to decode (for a list field: each item is).
        omit_if_default: Leave the field out of the request when it has its default value.
    """
    if query and raw_body:
        raise ValueError("a field is in the query or is the body, not both")
    return {_KEY: Wire(name, query, raw_body, json_text, omit_if_default)}


def wire_of(field: attrs.Attribute[Any]) -> Wire:
    """The wire form declared on *field* (the plain one when none is)."""
    metadata: Mapping[str, Any] = field.metadata
    found = metadata.get(_KEY)
    return found if isinstance(found, Wire) else _PLAIN


def wire_name(field: attrs.Attribute[Any]) -> str:
    """The key *field* has on the wire."""
    return wire_of(field).name or field.name
