"""The update operators: ``set remove inc mul push pop shift unshift`` and plain values."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Final

from wxtcb.testing.docdb.errors import INVALID_PARAMETER, DocDBError, invalid
from wxtcb.testing.docdb.values import (
    MISSING,
    CommandCall,
    Document,
    check_storable,
    container,
    element_key,
    get_value,
    is_number,
    list_arg,
    one_arg,
    put,
    sort_key,
    split_path,
)

__all__ = [
    "UPDATE_COMMANDS",
    "apply_update",
    "flatten_update",
]

UPDATE_COMMANDS: Final = frozenset({"set", "remove", "inc", "mul", "push", "pop", "shift", "unshift"})


def flatten_update(data: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.extend(flatten_update(value, path + "."))
        else:
            out.append((path, value))
    return out


def _number_result(value: float, where: str) -> float:
    if isinstance(value, float) and not math.isfinite(value):
        invalid(f"statement: {where} overflows")
    return value


def apply_update(doc: Document, path: str, op: object) -> None:
    parts = split_path(path)
    if parts[0] == "_id":
        invalid("statement: _id cannot be updated")
    if not isinstance(op, CommandCall):
        check_storable(op, "update")
        put(doc, parts, copy.deepcopy(op))
        return
    name = op.name
    current = get_value(doc, path)
    if name == "set":
        value = one_arg(op)
        check_storable(value, "_.set()")
        put(doc, parts, copy.deepcopy(value))
    elif name == "remove":
        if op.args:
            invalid("statement: _.remove() takes no argument")
        found = container(doc, parts, create=False)
        if found is not None and isinstance(found[0], dict):
            found[0].pop(found[1], None)
    elif name in ("inc", "mul"):
        amount = one_arg(op)
        if not is_number(amount) or (current is not MISSING and not is_number(current)):
            invalid(f"statement: _.{name}() needs numbers")
        assert isinstance(amount, int | float)
        if current is MISSING:
            result: float = amount if name == "inc" else 0
        else:
            assert isinstance(current, int | float)
            result = current + amount if name == "inc" else current * amount
        put(doc, parts, _number_result(result, f"_.{name}()"))
    elif name in ("push", "unshift", "pop", "shift"):
        if current is not MISSING and not isinstance(current, list):
            invalid(f"statement: _.{name}() needs an array field")
        array: list[object] = [] if current is MISSING else list(current)  # type: ignore[call-overload]
        if name == "push":
            array = _push(array, op)
        elif name == "unshift":
            items = list_arg(op)
            check_storable(items, "_.unshift()")
            array = copy.deepcopy(items) + array
        elif op.args:
            invalid(f"statement: _.{name}() takes no argument")
        elif current is MISSING:
            return
        elif array:
            array.pop() if name == "pop" else array.pop(0)
        put(doc, parts, array)
    elif name in UPDATE_COMMANDS:
        raise AssertionError(name)
    else:
        invalid(f"statement: _.{name}() is not an update command")


def _push(array: list[object], op: CommandCall) -> list[object]:
    arg = one_arg(op)
    if isinstance(arg, list):
        check_storable(arg, "_.push()")
        return array + copy.deepcopy(arg)
    if not isinstance(arg, dict) or "each" not in arg or set(arg) - {"each", "position", "sort", "slice"}:
        invalid("statement: _.push() takes an array or {each, position, sort, slice}")
    each = arg["each"]
    if not isinstance(each, list):
        invalid("statement: _.push() each must be an array")
    check_storable(each, "_.push()")
    position = arg.get("position", len(array))
    if not isinstance(position, int) or isinstance(position, bool):
        invalid("statement: _.push() position must be an integer")
    if position < 0:
        position = max(0, len(array) + position)
    array = array[:position] + copy.deepcopy(each) + array[position:]
    if "sort" in arg:
        array = _sort_array(array, arg["sort"])
    if "slice" in arg:
        cut = arg["slice"]
        if not isinstance(cut, int) or isinstance(cut, bool):
            invalid("statement: _.push() slice must be an integer")
        array = array[:cut] if cut >= 0 else array[cut:]
    return array


def _sort_array(array: list[object], spec: object) -> list[object]:
    if spec in (1, -1) and not isinstance(spec, bool):
        return sorted(array, key=sort_key, reverse=spec == -1)
    if isinstance(spec, dict) and all(v in (1, -1) and not isinstance(v, bool) for v in spec.values()):
        out = list(array)
        for path, direction in reversed(list(spec.items())):
            out.sort(key=element_key(path))
            if direction == -1:
                out.reverse()
        return out
    raise DocDBError(INVALID_PARAMETER, "statement: _.push() sort must be 1, -1 or {field: 1 | -1}")
