"""Values as the database sees them: the parsed ``_.cmd()``, ``db.RegExp()`` and ``db.serverDate()``;
equality, comparison and sort order across types; dotted paths read and written; wire JSON."""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Callable
from typing import Final, TypeAlias

import attrs

from wxtcb.testing.docdb.errors import invalid

__all__ = [
    "MISSING",
    "CommandCall",
    "Document",
    "RegexValue",
    "ServerDateValue",
    "check_storable",
    "compare",
    "container",
    "element_key",
    "eq",
    "get_value",
    "is_number",
    "list_arg",
    "lookup",
    "one_arg",
    "put",
    "resolve",
    "sort_key",
    "split_path",
    "wire",
]

Document: TypeAlias = dict[str, object]
"""A stored document: JSON values and aware datetimes."""


@attrs.frozen
class CommandCall:
    """A parsed ``_.name(args)`` (or ``db.command.name(args)``)."""

    name: str
    args: tuple[object, ...]


@attrs.frozen
class RegexValue:
    """A parsed ``db.RegExp({regexp, options})``."""

    pattern: str
    options: str


@attrs.frozen
class ServerDateValue:
    """A parsed ``db.serverDate()``; resolved to the database's clock when executed."""

    offset_ms: float = 0


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def eq(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(eq(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def compare(a: object, b: object) -> int | None:
    """-1/0/1, or None when Mongo-style comparison operators would not match across the types."""
    if (is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
        pass
    elif not (isinstance(a, _dt.datetime) and isinstance(b, _dt.datetime)):
        return None
    return int((a > b) - (a < b))  # type: ignore[operator]


_TYPE_RANK: Final = {type(None): 1, int: 2, float: 2, str: 3, dict: 4, list: 5, bool: 6, _dt.datetime: 7}


def sort_key(value: object) -> tuple[int, object]:
    if value is MISSING:
        return (0, 0)
    rank = _TYPE_RANK.get(type(value), 8)
    if rank in (2, 3, 6, 7):
        return (rank, value)
    if rank == 1:
        return (1, 0)
    return (rank, wire(value))


MISSING: Final = object()


def split_path(path: str) -> list[str]:
    parts = path.split(".")
    if not all(parts):
        invalid(f"statement: bad field path {path!r}")
    return parts


def lookup(value: object, parts: list[str]) -> list[object]:
    """Every value at `parts` under `value`, descending into arrays the way MongoDB does."""
    if not parts:
        return [value]
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        return lookup(value[head], rest) if head in value else []
    if isinstance(value, list):
        if head.isdigit():
            index = int(head)
            return lookup(value[index], rest) if index < len(value) else []
        return [v for item in value if isinstance(item, dict) for v in lookup(item, parts)]
    return []


def get_value(doc: Document, path: str) -> object:
    found = lookup(doc, split_path(path))
    return found[0] if found else MISSING


def resolve(value: object, now: _dt.datetime) -> object:
    """Replace every ``db.serverDate()`` with the clock's time."""
    if isinstance(value, ServerDateValue):
        return now + _dt.timedelta(milliseconds=value.offset_ms)
    if isinstance(value, dict):
        return {k: resolve(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, now) for v in value]
    if isinstance(value, CommandCall):
        return CommandCall(value.name, tuple(resolve(a, now) for a in value.args))
    return value


def check_storable(value: object, where: str) -> None:
    if isinstance(value, CommandCall):
        invalid(f"{where}: _.{value.name}() cannot be stored")
    if isinstance(value, RegexValue):
        invalid(f"{where}: db.RegExp() cannot be stored")
    if isinstance(value, float) and not math.isfinite(value):
        invalid(f"{where}: the number is not finite")
    if isinstance(value, dict):
        for k, v in value.items():
            if k.startswith("$"):
                invalid(f"{where}: field names cannot start with '$'")
            check_storable(v, where)
    elif isinstance(value, list):
        for v in value:
            check_storable(v, where)


def _ejson(value: object) -> object:
    if isinstance(value, _dt.datetime):
        utc = value.astimezone(_dt.UTC)
        stamp = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc:%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
        return {"$date": stamp}
    raise TypeError(type(value).__name__)


def wire(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_ejson, allow_nan=False)


def container(doc: Document, parts: list[str], *, create: bool) -> tuple[object, str] | None:
    node: object = doc
    for part in parts[:-1]:
        if isinstance(node, dict):
            if part not in node:
                if not create:
                    return None
                node[part] = {}
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            invalid(f"statement: cannot reach {'.'.join(parts)!r} through a non-object")
    return node, parts[-1]


def put(doc: Document, parts: list[str], value: object) -> None:
    found = container(doc, parts, create=True)
    assert found is not None
    node, last = found
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list) and last.isdigit():
        index = int(last)
        if index >= len(node):
            node.extend([None] * (index + 1 - len(node)))
        node[index] = value
    else:
        invalid(f"statement: cannot set {'.'.join(parts)!r} inside a non-object")


def element_key(path: str) -> Callable[[object], tuple[int, object]]:
    def key(element: object) -> tuple[int, object]:
        return sort_key(get_value(element, path) if isinstance(element, dict) else MISSING)

    return key


def list_arg(cmd: CommandCall, *, dicts: bool = False, commands: bool = False) -> list[object]:
    if len(cmd.args) != 1 or not isinstance(cmd.args[0], list):
        invalid(f"statement: _.{cmd.name}() takes one array")
    items: list[object] = cmd.args[0]
    if dicts and not all(isinstance(i, dict) for i in items):
        invalid(f"statement: _.{cmd.name}() at the top of where() takes an array of objects")
    if commands and not all(isinstance(i, CommandCall) for i in items):
        invalid(f"statement: _.{cmd.name}() on a field takes an array of commands")
    return items


def one_arg(cmd: CommandCall) -> object:
    if len(cmd.args) != 1:
        invalid(f"statement: _.{cmd.name}() takes one argument")
    return cmd.args[0]
