"""The one cattrs converter, configured here and nowhere else.

WeChat's JSON is rough: camelCase next to snake_case, keys with stray whitespace (the official
getcallbackconfig sample writes ``"qbase_container_path "``), JSON text inside JSON, enum values
added without notice. Production decoding is lenient about what it does not know (extra keys,
new enum values) and strict about what it does (a bool is a bool: ``bool("false")`` must not
become ``True``).

Each field's wire form is declared on the field (`wxtcb.wire`); this module reads it, both to
decode answers and to encode method objects' bodies, and names the wire key of the right model
in every decoding error.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from wxtcb.errors import DecodeError
from wxtcb.wire import wire_name, wire_of

__all__ = ["converter", "from_wire", "make_converter", "structure", "to_wire", "unstructure"]

T = TypeVar("T")


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


def _lenient_enum(type_: Any) -> type[enum.IntEnum] | None:
    """The IntEnum of a ``SomeIntEnum | int`` annotation: a known value, or the plain int."""
    if typing.get_origin(type_) not in (types.UnionType, typing.Union):
        return None
    args = typing.get_args(type_)
    enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.IntEnum)]
    if len(args) == 2 and len(enums) == 1 and int in args:
        return enums[0]
    return None


def _strip_keys(data: object) -> object:
    if isinstance(data, Mapping) and any(k != k.strip() for k in data if isinstance(k, str)):
        return {k.strip() if isinstance(k, str) else k: v for k, v in data.items()}
    return data


def _json_text(value: object) -> object:
    if not isinstance(value, str):
        return value  # already decoded: some pages send the object itself
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise _WrongType("expected JSON text") from None


def make_converter(*, strict: bool = False) -> cattrs.Converter:
    """Build wxtcb's converter; ``strict=True`` refuses unknown keys (the tests use it on fixtures)."""
    conv = cattrs.Converter(forbid_extra_keys=strict, prefer_attrib_converters=False)
    # Scalars first: attrs-class hooks generated below capture whatever is registered now.
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(int, _structure_int)

    def structure_lenient_enum(value: object, type_: Any) -> object:
        number = _structure_int(value, int)
        cls = _lenient_enum(type_)
        assert cls is not None
        try:
            return cls(number)
        except ValueError:
            return number

    conv.register_structure_hook_func(lambda t: _lenient_enum(t) is not None, structure_lenient_enum)
    conv.register_unstructure_hook_func(lambda t: _lenient_enum(t) is not None, int)

    def json_text_hook(type_: Any) -> Callable[[Any, Any], Any]:
        item = typing.get_args(type_)[0] if typing.get_origin(type_) in (list, tuple) else None

        def structure_json_text(value: Any, _: Any) -> Any:
            if item is not None and isinstance(value, list):
                value = [_json_text(v) for v in value]
            else:
                value = _json_text(value)
            return conv.structure(value, type_)

        return structure_json_text

    def structure_factory(cls: type[Any]) -> Callable[[Any, type[Any]], Any]:
        hints = typing.get_type_hints(cls)
        overrides: dict[str, Any] = {}
        for field in attrs.fields(cls):
            shape = wire_of(field)
            options: dict[str, Any] = {}
            if shape.name:
                options["rename"] = shape.name
            if shape.json_text:
                options["struct_hook"] = json_text_hook(hints[field.name])
            if options:
                overrides[field.name] = override(**options)
        inner = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=strict, **overrides)

        def structure_with_clean_keys(data: Any, type_: type[Any]) -> Any:
            data = _strip_keys(data)
            if not isinstance(data, Mapping):
                raise _WrongType(f"expected an object, got {type(data).__name__}")
            return inner(data, type_)

        return structure_with_clean_keys

    def unstructure_factory(cls: type[Any]) -> Callable[[Any], Any]:
        overrides: dict[str, Any] = {}
        for field in attrs.fields(cls):
            shape = wire_of(field)
            if shape.query or shape.raw_body:
                overrides[field.name] = override(omit=True)  # not part of the JSON body
            elif shape.name or shape.omit_if_default:
                overrides[field.name] = override(rename=shape.name, omit_if_default=shape.omit_if_default)
        # init=False fields are constants of the wire format (grant_type=client_credential).
        return make_dict_unstructure_fn(cls, conv, _cattrs_include_init_false=True, **overrides)

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    conv.register_unstructure_hook(enum.Enum, lambda e: e.value)
    return conv


#: The converter wxtcb decodes and encodes with.
converter = make_converter()


def structure(data: object, cls: type[T], *, conv: cattrs.Converter = converter, root: str = "$") -> T:
    """Structure *data* into *cls*, raising `DecodeError` that names the failing wire key."""
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
        name = getattr(cls, "__name__", str(cls))
        raise DecodeError(f"cannot decode {name}: {'; '.join(_describe(exc, root))}") from None


def unstructure(obj: object) -> Any:
    """Turn a model (or a method object's body fields) into wire-format JSON data."""
    return converter.unstructure(obj)


def to_wire(model: object) -> Any:
    """A model as WeChat's JSON has it (``msgType``, ``functionName``…, enums as numbers), ready
    for ``json.dumps``: what `attrs.asdict` is not (it keeps the Python names)."""
    return converter.unstructure(model)


def from_wire(data: object, cls: type[T]) -> T:
    """A model from JSON shaped as WeChat sends it; `DecodeError` names the wire key that does not fit."""
    return structure(data, cls)


def _describe(exc: BaseException, path: str) -> list[str]:
    """One message per failure, each ending with the JSON path of the wire key that failed."""
    if isinstance(exc, cattrs.ClassValidationError):
        cls = exc.cl
        names = {f.name: wire_name(f) for f in attrs.fields(cls)} if attrs.has(cls) else {}
        messages = []
        for sub in exc.exceptions:
            where = path
            for note in getattr(sub, "__notes__", ()):
                if isinstance(note, AttributeValidationNote):
                    where = f"{path}.{names.get(note.name, note.name)}"
            messages.extend(_describe(sub, where))
        return messages
    if isinstance(exc, cattrs.BaseValidationError):
        messages = []
        for sub in exc.exceptions:
            where = path
            for note in getattr(sub, "__notes__", ()):
                if isinstance(note, IterableValidationNote):
                    where = f"{path}[{note.index!r}]"
            messages.extend(_describe(sub, where))
        return messages
    return [f"{_format(exc)} @ {path}"]


def _format(exc: BaseException) -> str:
    # Never include the offending value: it may be a token.
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"extra fields {sorted(exc.extra_fields)}"
    if isinstance(exc, _WrongType):
        return str(exc)
    return f"invalid value ({type(exc).__name__})"
