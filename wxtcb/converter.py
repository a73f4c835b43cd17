"""The one cattrs converter, configured here and nowhere else.

WeChat's JSON is rough: camelCase next to snake_case, keys with stray whitespace (the official
getcallbackconfig sample writes ``"qbase_container_path "``), enum values added without notice.
Production decoding is lenient about what it does not know (extra keys, new enum values) and
strict about what it does (a bool is a bool: ``bool("false")`` must not become ``True``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from wxtcb.errors import DecodeError
from wxtcb.models import FunctionCallback, TextMode

__all__ = ["converter", "make_converter", "structure", "unstructure"]

T = TypeVar("T")

#: Attributes whose wire name is not their Python name.
_RENAMES: dict[type[Any], dict[str, str]] = {
    FunctionCallback: {"msg_type": "msgType", "function_name": "functionName"},
}


class _WrongType(TypeError):
    """A scalar of the wrong JSON type; the message never repeats the value (it may be a token)."""


def _structure_str(value: object, _: type) -> str:
    if isinstance(value, str):
        return value
    raise _WrongType(f"expected a string, got {type(value).__name__}")


def _structure_bool(value: object, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _WrongType(f"expected a boolean, got {type(value).__name__}")


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _WrongType(f"expected an integer, got {type(value).__name__}")


def _structure_text_mode(value: object, _: type) -> TextMode | int:
    number = _structure_int(value, int)
    try:
        return TextMode(number)
    except ValueError:
        return number


def _strip_keys(data: object) -> object:
    if isinstance(data, Mapping) and any(k != k.strip() for k in data if isinstance(k, str)):
        return {k.strip() if isinstance(k, str) else k: v for k, v in data.items()}
    return data


def make_converter(*, strict: bool = False) -> cattrs.Converter:
    """Build wxtcb's converter; ``strict=True`` refuses unknown keys (the tests use it on fixtures)."""
    conv = cattrs.Converter(forbid_extra_keys=strict, prefer_attrib_converters=False)
    # Scalars first: attrs-class hooks generated below capture whatever is registered now.
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(TextMode | int, _structure_text_mode)
    conv.register_unstructure_hook(TextMode | int, int)

    def structure_factory(cls: type[Any]) -> Callable[[Any, type[Any]], Any]:
        overrides: dict[str, Any] = {py: override(rename=wire) for py, wire in _RENAMES.get(cls, {}).items()}
        inner = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=strict, **overrides)

        def structure_with_clean_keys(data: Any, type_: type[Any]) -> Any:
            data = _strip_keys(data)
            if not isinstance(data, Mapping):
                raise _WrongType(f"expected an object, got {type(data).__name__}")
            return inner(data, type_)

        return structure_with_clean_keys

    def unstructure_factory(cls: type[Any]) -> Callable[[Any], Any]:
        overrides: dict[str, Any] = {py: override(rename=wire) for py, wire in _RENAMES.get(cls, {}).items()}
        return make_dict_unstructure_fn(cls, conv, **overrides)

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    conv.register_unstructure_hook(enum.Enum, lambda e: e.value)
    return conv


#: The converter wxtcb decodes and encodes with.
converter = make_converter()


def structure(data: object, cls: type[T], *, conv: cattrs.Converter = converter, root: str = "$") -> T:
    """Structure *data* into *cls*, raising `DecodeError` that names the failing field."""
    try:
        return conv.structure(data, cls)
    except (
        cattrs.BaseValidationError,
        _WrongType,
        KeyError,
        TypeError,
        ValueError,
        OverflowError,
        RecursionError,
    ) as exc:
        raise DecodeError(f"cannot decode {cls.__name__}: {_describe(exc, root)}") from None


def unstructure(obj: object) -> Any:
    """Turn a model into wire-format JSON data (camelCase where WeChat wants it)."""
    return converter.unstructure(obj)


#: cattrs reports attribute names; users read the JSON, so paths show the wire names.
_WIRE_NAMES = [(f".{py}", f".{wire}") for renames in _RENAMES.values() for py, wire in renames.items()]


def _describe(exc: BaseException, root: str) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc, path=root, format_exception=_format)
        for py, wire in _WIRE_NAMES:
            messages = [m.replace(py, wire) for m in messages]
        return "; ".join(messages)
    return f"{_format(exc, None)} @ {root}"


def _format(exc: BaseException, _type: Any) -> str:
    # Never include the offending value: it may be a token.
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"extra fields {sorted(exc.extra_fields)}"
    if isinstance(exc, _WrongType):
        return str(exc)
    return f"invalid value ({type(exc).__name__})"
