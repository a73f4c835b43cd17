"""The query evaluator: does a document match a ``where()`` (or ``match()``) condition."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Final

from wxtcb.testing.docdb.errors import INVALID_PARAMETER, DocDBError, invalid
from wxtcb.testing.docdb.update import UPDATE_COMMANDS
from wxtcb.testing.docdb.values import (
    CommandCall,
    RegexValue,
    compare,
    eq,
    is_number,
    list_arg,
    lookup,
    one_arg,
    split_path,
)

__all__ = [
    "evaluate",
    "matches",
]


def _candidates(values: list[object]) -> list[object]:
    out: list[object] = []
    for v in values:
        out.append(v)
        if isinstance(v, list):
            out.extend(v)
    return out


def _equals_any(values: list[object], expected: object) -> bool:
    if not values:
        return expected is None
    return any(eq(c, expected) for c in _candidates(values))


def _flatten_condition(cond: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for key, value in cond.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.extend(_flatten_condition(value, path + "."))
        else:
            out.append((path, value))
    return out


def matches(doc: object, cond: object) -> bool:
    if isinstance(cond, CommandCall):
        if cond.name not in ("and", "or", "nor"):
            invalid(f"statement: _.{cond.name}() cannot stand for a whole condition")
        items = list_arg(cond, dicts=True)
        results = (matches(doc, item) for item in items)
        if cond.name == "and":
            return all(results)
        if cond.name == "or":
            return any(results)
        return not any(results)
    if not isinstance(cond, dict):
        invalid("statement: a condition must be an object")
    for path, expected in _flatten_condition(cond):
        values = lookup(doc, split_path(path))
        if not _match_values(values, expected):
            return False
    return True


def _match_values(values: list[object], expected: object) -> bool:
    if isinstance(expected, CommandCall):
        return evaluate(expected, values)
    if isinstance(expected, RegexValue):
        flags = (re.I if "i" in expected.options else 0) | (re.M if "m" in expected.options else 0)
        flags |= re.S if "s" in expected.options else 0
        try:
            compiled = re.compile(expected.pattern, flags)
        except re.error:
            invalid("statement: db.RegExp() pattern does not compile")
        return any(isinstance(c, str) and compiled.search(c) for c in _candidates(values))
    return _equals_any(values, expected)


_COMPARISONS: Final = {"lt": (-1,), "lte": (-1, 0), "gt": (1,), "gte": (0, 1)}


def evaluate(cmd: CommandCall, values: list[object]) -> bool:
    name = cmd.name
    if name == "eq":
        return _equals_any(values, one_arg(cmd))
    if name == "neq":
        return not _equals_any(values, one_arg(cmd))
    if name in _COMPARISONS:
        bound = one_arg(cmd)
        return any(compare(c, bound) in _COMPARISONS[name] for c in _candidates(values))
    if name in ("in", "nin"):
        found = any(_equals_any(values, item) for item in list_arg(cmd))
        return found if name == "in" else not found
    if name in ("and", "or", "nor"):
        items = list_arg(cmd, commands=True)
        results = (evaluate(c, values) for c in items if isinstance(c, CommandCall))
        if name == "and":
            return all(results)
        return any(results) if name == "or" else not any(results)
    if name == "not":
        inner = one_arg(cmd)
        if not isinstance(inner, CommandCall):
            invalid("statement: _.not() takes a command")
        return not evaluate(inner, values)
    if name == "exists":
        flag = one_arg(cmd)
        if not isinstance(flag, bool):
            invalid("statement: _.exists() takes true or false")
        return bool(values) == flag
    if name == "mod":
        if len(cmd.args) != 2 or not all(is_number(a) for a in cmd.args) or cmd.args[0] == 0:
            invalid("statement: _.mod() takes a non-zero divisor and a remainder")
        divisor, remainder = cmd.args
        assert isinstance(divisor, int | float)
        return any(
            isinstance(c, int | float) and not isinstance(c, bool) and math.fmod(c, divisor) == remainder
            for c in _candidates(values)
        )
    if name == "all":
        wanted = list_arg(cmd)
        return any(isinstance(v, list) and all(any(eq(e, w) for e in v) for w in wanted) for v in values)
    if name == "size":
        size = one_arg(cmd)
        if not is_number(size):
            invalid("statement: _.size() takes a number")
        return any(isinstance(v, list) and len(v) == size for v in values)
    if name == "elemMatch":
        condition = one_arg(cmd)
        if isinstance(condition, dict):
            return any(isinstance(v, list) and any(matches(e, condition) for e in v) for v in values)
        if isinstance(condition, CommandCall):
            return any(isinstance(v, list) and any(evaluate(condition, [e]) for e in v) for v in values)
        invalid("statement: _.elemMatch() takes an object or a command")
    if name in UPDATE_COMMANDS:
        invalid(f"statement: _.{name}() is an update command, not a condition")
    raise DocDBError(INVALID_PARAMETER, f"statement: unknown command _.{name}()")
