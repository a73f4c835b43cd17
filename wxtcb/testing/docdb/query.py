"""Queries: a statement compiled into a `Plan` (``doc``, ``where``, ``orderBy``, ``skip``, ``limit``,
``field`` and the operation), and the ordering and projection of what it selects."""

from __future__ import annotations

import copy
import datetime as _dt
from typing import Final

import attrs

from wxtcb.testing.docdb.errors import invalid
from wxtcb.testing.docdb.match import matches
from wxtcb.testing.docdb.statement import Call, ParsedStatement
from wxtcb.testing.docdb.values import (
    MISSING,
    Document,
    container,
    element_key,
    get_value,
    put,
    resolve,
    split_path,
)

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Plan",
    "int_arg",
    "order",
    "plan_statement",
    "project",
    "projection_spec",
]

#: Documents a query returns without ``limit`` (databaseQuery page).
DEFAULT_LIMIT: Final = 10
#: The largest ``limit`` (SDK ``Collection.limit`` page, server side).
MAX_LIMIT: Final = 1000


@attrs.frozen
class Plan:
    """A statement checked and compiled: what to select, in which order, and the operation."""

    collection: str
    doc_id: str | None
    where: object
    order: list[tuple[str, bool]]
    skip: int
    limit: int | None
    projection: dict[str, bool] | None
    terminal: Call


_MODIFIERS: Final = frozenset({"where", "orderBy", "skip", "limit", "field"})
_TERMINALS: Final = {
    "query": frozenset({"get"}),
    "count": frozenset({"count"}),
    "update": frozenset({"update", "set"}),
    "delete": frozenset({"remove"}),
    "add": frozenset({"add"}),
}


def plan_statement(parsed: ParsedStatement, endpoint: str, now: _dt.datetime) -> Plan:
    """Check *parsed* against what *endpoint* runs and compile it into a `Plan`."""
    calls = list(parsed.calls)
    if not calls:
        invalid("statement: no operation after db.collection()")
    terminal = calls.pop()
    if terminal.name not in _TERMINALS[endpoint]:
        invalid(f"statement: {terminal.name}() does not belong to the {endpoint} endpoint")
    doc_id: str | None = None
    if calls and calls[0].name == "doc":
        head = calls.pop(0)
        if len(head.args) != 1 or not isinstance(head.args[0], str) or calls:
            invalid("statement: doc(<string id>) must be followed directly by the operation")
        if terminal.name not in ("get", "update", "set", "remove"):
            invalid(f"statement: doc() cannot be followed by {terminal.name}()")
        doc_id = head.args[0]
    elif terminal.name == "set":
        invalid("statement: set() needs doc(<id>)")
    seen: set[str] = set()
    where: object = None
    order: list[tuple[str, bool]] = []
    skip, limit, projection = 0, None, None
    for call in calls:
        if call.name not in _MODIFIERS:
            invalid(f"statement: unknown or misplaced {call.name}()")
        if call.name != "orderBy" and call.name in seen:
            invalid(f"statement: {call.name}() appears twice")
        seen.add(call.name)
        if call.name == "where":
            if len(call.args) != 1:
                invalid("statement: where() takes one condition")
            where = resolve(call.args[0], now)
            matches({}, where)  # refuse a malformed condition even on an empty collection
        elif call.name == "orderBy":
            if (
                len(call.args) != 2
                or not isinstance(call.args[0], str)
                or call.args[1] not in ("asc", "desc")
            ):
                invalid("statement: orderBy() takes a field and 'asc' or 'desc'")
            order.append((call.args[0], call.args[1] == "desc"))
            split_path(call.args[0])
        elif call.name == "skip":
            skip = int_arg(call, 0)
        elif call.name == "limit":
            limit = int_arg(call, 1, MAX_LIMIT)
        else:
            projection = projection_spec(call.args, "field")
    allowed = {"get": _MODIFIERS, "count": {"where"}, "update": {"where"}, "remove": {"where"}}
    extra = seen - allowed.get(terminal.name, set())
    if extra:
        invalid(f"statement: {terminal.name}() cannot follow {', '.join(sorted(extra))}()")
    return Plan(parsed.collection, doc_id, where, order, skip, limit, projection, terminal)


def int_arg(call: Call, low: int, high: int | None = None) -> int:
    if len(call.args) != 1:
        invalid(f"statement: {call.name}() takes one number")
    value = call.args[0]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < low
        or (high is not None and value > high)
    ):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        invalid(f"statement: {call.name}() takes an integer in {bound}")
    return value


def order(docs: list[Document], keys: list[tuple[str, bool]]) -> list[Document]:
    out = list(docs)
    for path, descending in reversed(keys):
        out.sort(key=element_key(path), reverse=descending)
    return out


def projection_spec(args: tuple[object, ...], name: str) -> dict[str, bool]:
    if len(args) != 1 or not isinstance(args[0], dict) or not args[0]:
        invalid(f"statement: {name}() takes a non-empty object")
    spec: dict[str, bool] = {}
    for path, flag in args[0].items():
        if flag in (0, 1, True, False) and not isinstance(flag, float):
            spec[path] = bool(flag)
        else:
            invalid(f"statement: {name}() values must be true/false or 1/0")
        split_path(path)
    if len({v for k, v in spec.items() if k != "_id"}) > 1:
        invalid(f"statement: {name}() cannot mix inclusion and exclusion")
    return spec


def project(doc: Document, spec: dict[str, bool]) -> Document:
    including = any(v for k, v in spec.items() if k != "_id")
    if including:
        out: Document = {}
        if spec.get("_id", True) and "_id" in doc:
            out["_id"] = doc["_id"]
        for path, flag in spec.items():
            value = get_value(doc, path)
            if flag and path != "_id" and value is not MISSING:
                put(out, split_path(path), copy.deepcopy(value))
        return out
    out = copy.deepcopy(doc)
    for path in spec:
        found = container(out, split_path(path), create=False)
        if found is not None and isinstance(found[0], dict):
            found[0].pop(found[1], None)
    return out
