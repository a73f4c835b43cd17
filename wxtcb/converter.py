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
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from wxtcb.errors import DecodeError
from wxtcb.wire import wire_name, wire_of

if TYPE_CHECKING:
    # cattrs is imported when the converter is first needed (the first request body, or a
    # decode the generated decoders leave to it), not by ``import wxtcb``: start-up pays for
    # what a program uses.
    import cattrs

__all__ = [
    "converter",
    "decoder_for",
    "from_wire",
    "make_converter",
    "shareable",
    "structure",
    "structurer",
    "to_wire",
    "unstructure",
]

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
    import cattrs
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

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


_CONVERTER: list[cattrs.Converter] = []


def _converter() -> cattrs.Converter:
    """The converter wxtcb decodes and encodes with, built on first use."""
    if not _CONVERTER:
        _CONVERTER.append(make_converter())
    return _CONVERTER[0]


def __getattr__(name: str) -> Any:
    # ``wxtcb.converter.converter``: the module attribute, built (with cattrs) on first access.
    if name == "converter":
        return _converter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    #: The converter wxtcb decodes and encodes with (built on first use).
    converter: cattrs.Converter


def structure(data: object, cls: type[T], *, conv: cattrs.Converter | None = None, root: str = "$") -> T:
    """Structure *data* into *cls*, raising `DecodeError` that names the failing wire key.

    With wxtcb's own converter, a model whose fields are all of kinds `decoder_for` knows goes
    through its generated decoder first; whatever that decoder does not take as it is (a wrong
    type, a missing key, a failing validator) is decided by cattrs, from the start, so the
    result and the error message are the ones cattrs gives.
    """
    if conv is None or (_CONVERTER and conv is _CONVERTER[0]):
        fast = decoder_for(cls)
        if fast is not None:
            try:
                return cast(T, fast(data))
            except Exception:  # cattrs decides below, with its own message
                pass
    return _with_cattrs(data, cls, conv if conv is not None else _converter(), root)


def structurer(cls: type[T], *, root: str = "$") -> Callable[[object], T]:
    """`structure` into *cls* with wxtcb's converter, as a function of the data: the lookups
    done once (the pipeline keeps one per method class)."""
    fast = decoder_for(cls)
    if fast is None:
        return lambda data: _with_cattrs(data, cls, _converter(), root)
    generated = fast

    def run(data: object) -> T:
        try:
            return cast(T, generated(data))
        except Exception:  # cattrs decides below, with its own message
            pass
        return _with_cattrs(data, cls, _converter(), root)

    return run


def _with_cattrs(data: object, cls: type[T], conv: cattrs.Converter, root: str) -> T:
    import cattrs

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


#: Each type seen by `shareable`.
_SHAREABLE: dict[Any, bool] = {}


def shareable(type_: Any) -> bool:
    """Whether one decoded value of *type_* may be handed to several callers and kept: immutable
    all the way down and holding no secret. That is str, bytes, numbers, bool, None, enums,
    tuples and frozensets of such, unions of such, and frozen slotted attrs classes whose fields
    are all such and none hidden from the repr (wxtcb's mark of a secret: a signature, a
    temporary credential, a refresh token). ``Any``, dicts and lists are not."""
    found = _SHAREABLE.get(type_)
    if found is not None:
        return found
    _SHAREABLE[type_] = False  # while deciding: a recursive model is not taken as shareable
    try:
        result = _shareable(type_)
    except Exception:  # an annotation that cannot be resolved: assume the worst
        result = False
    _SHAREABLE[type_] = result
    return result


def _shareable(type_: Any) -> bool:
    if type_ in (str, bytes, int, float, bool, types.NoneType, None):
        return True
    if isinstance(type_, type) and issubclass(type_, enum.Enum):
        return True
    origin, args = typing.get_origin(type_), typing.get_args(type_)
    if origin in (types.UnionType, typing.Union, tuple, frozenset):
        return all(a is Ellipsis or shareable(a) for a in args)
    if isinstance(type_, type) and attrs.has(type_):
        frozen = getattr(type_.__setattr__, "__name__", "") == "_frozen_setattrs"
        slotted = not any("__dict__" in k.__dict__ for k in type_.__mro__ if k is not object)
        if not (frozen and slotted):
            return False
        hints = typing.get_type_hints(type_)
        return all(f.repr is not False and shareable(hints.get(f.name, Any)) for f in attrs.fields(type_))
    return False


def unstructure(obj: object) -> Any:
    """Turn a model (or a method object's body fields) into wire-format JSON data.

    What cattrs would give, without cattrs for the shapes request bodies have (attrs classes of
    scalars, enums, lists, tuples, dicts and other such classes): a program's first request, its
    token fetch, does not wait for cattrs to load and build its hooks. Anything else is cattrs'.
    """
    try:
        return _encode(obj)
    except _Fallback:
        return _converter().unstructure(obj)


class _Omit:
    """A field `unstructure` leaves out of the body (sent in the query, or the whole body)."""


#: Per attrs class: (attribute, JSON key, the default whose value is left out, or _OMIT_NEVER),
#: or None for a class `_encode` leaves to cattrs.
_ENCODE_PLANS: dict[type[Any], tuple[tuple[str, str, object], ...] | None] = {}
_OMIT_NEVER: Any = _Omit()
_SCALARS = (str, int, float, bool, type(None))


def _encode_plan(cls: type[Any]) -> tuple[tuple[str, str, object], ...] | None:
    plan = []
    for field in attrs.fields(cls):
        shape = wire_of(field)
        if shape.query or shape.raw_body:
            continue  # not part of the JSON body
        default: object = _OMIT_NEVER
        if shape.omit_if_default:
            if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                if field.default.takes_self:
                    return None
                default = field.default.factory()
            else:
                default = field.default
        plan.append((field.name, shape.name or field.name, default))
    return tuple(plan)


def _encode(value: Any) -> Any:
    cls = value.__class__
    if cls in _SCALARS:
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if cls is list or cls is tuple:
        return [_encode(item) for item in value]
    if cls is dict:
        return {_encode(k): _encode(v) for k, v in value.items()}
    if cls not in _ENCODE_PLANS:
        _ENCODE_PLANS[cls] = _encode_plan(cls) if attrs.has(cls) else None
    plan = _ENCODE_PLANS[cls]
    if plan is None:
        raise _Fallback
    out = {}
    for name, key, default in plan:
        item = getattr(value, name)
        if default is not _OMIT_NEVER and item == default:
            continue
        out[key] = _encode(item)
    return out


def to_wire(model: object) -> Any:
    """A model as WeChat's JSON has it (``msgType``, ``functionName``…, enums as numbers), ready
    for ``json.dumps``: what `attrs.asdict` is not (it keeps the Python names)."""
    return _converter().unstructure(model)


def from_wire(data: object, cls: type[T]) -> T:
    """A model from JSON shaped as WeChat sends it; `DecodeError` names the wire key that does not fit."""
    return structure(data, cls)


def _describe(exc: BaseException, path: str) -> list[str]:
    """One message per failure, each ending with the JSON path of the wire key that failed."""
    import cattrs
    from cattrs.errors import AttributeValidationNote, IterableValidationNote

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
    import cattrs

    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"extra fields {sorted(exc.extra_fields)}"
    if isinstance(exc, _WrongType):
        return str(exc)
    return f"invalid value ({type(exc).__name__})"


# --- generated decoders ------------------------------------------------------------------------
#
# cattrs builds each model through layers of hooks: key normalisation on every object, dispatch,
# one scalar hook per field, keyword construction. For the models WeChat answers with, a
# straight-line function per model does the same in a fraction of the instructions: exact key
# lookups (the spaced keys resolved only when an object has keys it did not look up), exact type
# checks, positional construction. It takes only what it is sure of; anything else raises
# `_Fallback` and `structure` runs cattrs on the same data, so results and errors are cattrs'.


class _Fallback(Exception):
    """The generated decoder does not take this data as it is: cattrs decides."""


_UNSEEN: Any = object()
_MISSING: Any = object()
#: The generated decoder of each model class, or None when it has none (cattrs only).
_FAST: dict[Any, Callable[[Any], Any] | None] = {}


#: Each key tuple seen: None when no key has stray whitespace, else the keys stripped (an answer
#: repeats its keys, so this is worked out once per shape).
_KEY_SHAPES: dict[tuple[Any, ...], tuple[Any, ...] | None] = {}


def _stripped(data: dict[Any, Any]) -> dict[Any, Any] | None:
    """*data* with its keys stripped as `_strip_keys` does, or None when no key needs it."""
    keys = tuple(data)
    shape = _KEY_SHAPES.get(keys, _UNSEEN)
    if shape is _UNSEEN:
        shape = None
        if any(isinstance(k, str) and k != k.strip() for k in keys):
            shape = tuple(k.strip() if isinstance(k, str) else k for k in keys)
        if len(_KEY_SHAPES) >= 4096:  # bounded: answers with ever new keys do not grow it
            _KEY_SHAPES.clear()
        _KEY_SHAPES[keys] = shape
    if shape is None:
        return None
    return dict(zip(shape, data.values(), strict=True))  # a later duplicate wins, as in _strip_keys


def _check_code(type_: Any, var: str, ns: dict[str, Any], depth: int = 0) -> list[str] | None:
    """Lines that check (and convert) *var* as cattrs would structure it into *type_*; None when
    the generated decoder does not know this kind of type."""
    if type_ is str or type_ is bool or type_ is int or type_ is float:
        return [f"if _type({var}) is not _{type_.__name__}: raise _FB"]
    if type_ is Any:
        return []
    lenient = _lenient_enum(type_)
    if lenient is not None:
        name = f"_enum{len(ns)}"
        ns[name] = dict(lenient._value2member_map_)
        return [f"if _type({var}) is not _int: raise _FB", f"{var} = {name}.get({var}, {var})"]
    origin, args = typing.get_origin(type_), typing.get_args(type_)
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and types.NoneType in args:
        inner = _check_code(args[0] if args[1] is types.NoneType else args[1], var, ns, depth)
        if inner is None:
            return None
        return [f"if {var} is not None:", *(f"    {line}" for line in inner or ["pass"])]
    if (origin is tuple and len(args) == 2 and args[1] is Ellipsis) or (origin is list and len(args) == 1):
        item = f"_x{depth}"
        inner = _check_code(args[0], item, ns, depth + 1)
        if inner is None:
            return None
        make = "_tuple" if origin is tuple else "_list"
        lines = [f"if _type({var}) is not _list: raise _FB"]
        if not inner:
            return [*lines, f"{var} = {make}({var})"]
        # Each item checked (and converted) in a loop of its own: no comprehension frame.
        out = f"_out{depth}"
        return [
            *lines,
            f"{out} = []",
            f"for {item} in {var}:",
            *(f"    {line}" for line in inner),
            f"    {out}.append({item})",
            f"{var} = {make}({out})" if origin is tuple else f"{var} = {out}",
        ]
    if isinstance(type_, type) and attrs.has(type_):
        nested = decoder_for(type_)
        if nested is None:
            return None
        name = f"_dec{len(ns)}"
        ns[name] = nested
        return [f"{var} = {name}({var})"]
    return None


def decoder_for(cls: Any) -> Callable[[Any], Any] | None:
    """The generated decoder of the attrs model *cls* (built on first use), or None if it has none.

    A model has one when every field that its ``__init__`` takes is a str, bool, int, float,
    ``Any``, a lenient ``IntEnum | int``, another such model, ``X | None``, ``tuple[X, ...]`` or
    ``list[X]`` of those, without ``wire(json_text=True)``, and its defaults are values or
    factories that do not take self. The decoder returns what cattrs would, or raises.
    """
    found: Callable[[Any], Any] | None = _FAST.get(cls, _UNSEEN)
    if found is not _UNSEEN:
        return found
    _FAST[cls] = None  # while generating (and for good if it cannot be): a cycle goes to cattrs
    try:
        fast = _generate(cls)
    except Exception:  # a model the generator does not understand: cattrs only
        fast = None
    _FAST[cls] = fast
    return fast


def _slot_setters(cls: Any) -> list[tuple[Callable[[Any, Any], None], Callable[[Any], Any] | None]] | None:
    """How to build *cls* as its attrs ``__init__`` would, slot by slot: per field (in order) its
    slot's setter and its converter; None unless that is all the ``__init__`` does.

    A frozen attrs ``__init__`` sets each field through ``object.__setattr__``, the costliest part
    of a decode. When the class is slotted, takes every field in ``__init__``, has no validator,
    no hook around ``__init__``, no cached hash and only plain-callable converters, setting the
    slots directly gives the same object for a third fewer instructions.
    """
    init = getattr(cls.__dict__.get("__init__"), "__code__", None)
    if init is None or not init.co_filename.startswith("<attrs generated"):
        return None  # a hand-written or inherited __init__ may do anything
    if cls.__new__ is not object.__new__:
        return None
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return None
    slots = {s for klass in cls.__mro__ for s in klass.__dict__.get("__slots__", ())}
    fields = attrs.fields(cls)
    if slots - {f.name for f in fields} - {"__weakref__"}:
        return None  # a cached hash, or a slot of some other kind
    setters: list[tuple[Callable[[Any, Any], None], Callable[[Any], Any] | None]] = []
    for field in fields:
        if not field.init or field.validator is not None:
            return None
        converter = field.converter
        # attrs.Converter (attrs ≥ 24.1) may take self or the fields: only plain callables here.
        plain = not isinstance(converter, getattr(attrs, "Converter", ()))
        if converter is not None and not (plain and callable(converter)):
            return None
        descriptor = next((k.__dict__[field.name] for k in cls.__mro__ if field.name in k.__dict__), None)
        if type(descriptor) is not types.MemberDescriptorType:
            return None
        setters.append((descriptor.__set__, converter))
    return setters


def _generate(cls: Any) -> Callable[[Any], Any] | None:
    if not (isinstance(cls, type) and attrs.has(cls)):
        return None
    hints = typing.get_type_hints(cls)
    ns: dict[str, Any] = {
        "_FB": _Fallback,
        "_stripped": _stripped,
        "_shapes": _KEY_SHAPES,
        "_U": _UNSEEN,
        "_M": _MISSING,
        "_cls": cls,
        "_new": object.__new__,
    }
    required: list[str] = []
    present: list[str] = []
    optional: list[str] = []
    checks: list[str] = []
    positional: list[str] = []
    keywords: list[str] = []
    for i, field in enumerate(attrs.fields(cls)):
        if not field.init:
            continue
        shape = wire_of(field)
        key = wire_name(field)
        if shape.json_text or shape.query or shape.raw_body or key != key.strip():
            return None
        var = f"v{i}"
        check = _check_code(hints.get(field.name, Any), var, ns)
        if check is None:
            return None
        default = field.default
        if default is attrs.NOTHING:
            required.append(f"{var} = d.get({key!r}, _M)")
            present.append(f"{var} is not _M")
            checks.extend(check)
        else:
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                if default.takes_self:
                    return None
                ns[f"_f{i}"] = default.factory
                fill = f"_f{i}()"
            else:
                ns[f"_d{i}"] = default
                fill = f"_d{i}"
            optional.append(f"{var} = d.get({key!r}, _M)")
            optional.append(f"if {var} is _M: {var} = {fill}")
            optional.append("else:")
            optional.append("    n += 1")
            optional.extend(f"    {line}" for line in check)
        if field.kw_only:
            keywords.append(f"{field.alias}={var}")
        else:
            positional.append(var)
    name = f"_decode_{cls.__name__}"
    body = [
        f"def {name}(d, _type=type, _dict=dict, _str=str, _bool=bool, _int=int, _float=float,"
        " _list=list, _tuple=tuple, _len=len):",
        "    if _type(d) is not _dict: raise _FB",
    ]
    if required:
        # A required key missing: a spaced one (looked up again in the stripped object, whose
        # keys are then known to be clean), or cattrs' error.
        body.extend(f"    {line}" for line in required)
        body.append(f"    if {' and '.join(present)}:")
        body.append("        clean = False")
        body.append("    else:")
        body.append("        d = _stripped(d)")
        body.append("        if d is None: raise _FB")
        body.extend(f"        {line}" for line in required)
        body.append(f"        if not ({' and '.join(present)}): raise _FB")
        body.append("        clean = True")
    else:
        body.append("    clean = False")
    body.append(f"    n = {len(required)}")
    body.extend(f"    {line}" for line in optional)
    # Keys it did not look up: unknown fields (a shape already seen clean costs one lookup) or a
    # spaced twin of a known key, which wins as it does in _strip_keys.
    body.append("    if _len(d) != n and not clean and _shapes.get(_tuple(d), _U) is not None:")
    body.append("        s = _stripped(d)")
    body.append(f"        if s is not None: return {name}(s)")
    body.extend(f"    {line}" for line in checks)
    setters = _slot_setters(cls)
    if setters is None:
        body.append(f"    return _cls({', '.join(positional + keywords)})")
    else:
        # What the attrs __init__ does, without its per-field object.__setattr__ calls.
        body.append("    o = _new(_cls)")
        for i, (setter, converter) in enumerate(setters):
            ns[f"_s{i}"] = setter
            value = f"v{i}"
            if converter is not None:
                ns[f"_c{i}"] = converter
                value = f"_c{i}({value})"
            body.append(f"    _s{i}(o, {value})")
        body.append("    return o")
    source = "\n".join(body)
    exec(compile(source, f"<wxtcb decoder of {cls.__qualname__}>", "exec"), ns)
    fast: Callable[[Any], Any] = ns[name]
    return fast
