"""The emulator's small document database: parses WeChat database statements and executes them.

`DocumentDatabase` keeps in-memory collections per environment and answers each ``tcb/database*``
endpoint with the dict WeChat would send, so that an emulator route is one line::

    docdb = DocumentDatabase()
    try:
        answer = docdb.query(body["env"], body["query"])  # {"errcode": 0, "errmsg": "ok", "pager": ...}
    except DocDBError as exc:
        answer = exc.answer()  # {"errcode": -501007, "errmsg": "..."}

The statement language is parsed by a tokenizer and a recursive-descent parser (never ``eval``):
``db.collection(<string>)`` followed by ``.name(args)`` calls, where an argument is a string
(single or double quotes, JavaScript escapes), a number, ``true``/``false``/``null``, an object
(bare, quoted or numeric keys, trailing comma allowed), an array, a command ``_.name(args)`` or
``db.command.name(args)``, ``db.RegExp({regexp, options})`` (optionally with ``new``),
``db.serverDate()`` / ``db.serverDate({offset})``, or ``new Date(<string or number>)``. Everything
else (chained commands such as ``_.gt(1).and(...)``, geo values, comments, JavaScript regex
literals, expressions) is refused with an error: the emulator never guesses.

What it executes, and the WeChat facts behind it (see `wxtcb.db` for the statement shapes):

- ``where`` (dotted paths, a nested object matching field by field, arrays matching by any
  element; comparison ``eq neq lt lte gt gte in nin``, logical ``and or nor not``, ``exists``,
  ``mod``, array ``all elemMatch size``, ``db.RegExp``), ``orderBy`` (several, in call order),
  ``skip``, ``limit`` (default 10 per the databaseQuery page; 1 to 1000, the server-side maximum on
  the SDK's ``Collection.limit`` page: a limit over 1000 is refused, not clamped, since what WeChat
  does with one is not documented), ``field``, and the terminals ``get``, ``count``, ``update``
  (update commands ``set remove inc mul push pop shift unshift``; a nested object updates only the
  fields it names, as in the SDK's update pages), ``remove``, ``add({data: [...] | {...}})``;
  ``doc(id)`` followed by ``get``, ``update``, ``set`` or ``remove``.
- ``aggregate()`` with the stages ``match``, ``sort``, ``skip``, ``limit``, ``project`` and
  ``end()``; any other stage (``group`` and the rest) is refused with `INVALID_PARAMETER`, as a
  limit of the emulator. No default limit is applied to ``aggregate`` (none is documented for the
  HTTP API).
- Auto ``_id``: 32 lowercase hex characters (the shape of the second id in the databaseAdd sample).

Error codes (WeChat's CloudBase table, ``wxcloud/reference/errcode``, and wechat-api.md §4.1):

- `COLLECTION_NOT_EXISTS` (-502005) for a statement or a drop naming a missing collection: the
  code and text ("database collection not exists") seen in real answers quoted on GitHub.
- `INVALID_PARAMETER` (-501007, "cloud resource common error: parameter error") for a statement
  the emulator cannot parse or execute, a statement for another endpoint, a duplicate ``_id``,
  and creating a collection that exists. WeChat's pages do not say which -502xxx code answers
  each of these, so the emulator uses the documented generic parameter error rather than guess.
- `MISSING_PARAMETER` (40101) for an empty ``env``, statement or collection name (the database
  pages' "缺少必填参数").

``data`` items are JSON strings as WeChat sends them. Numbers are written as plain JSON numbers
(WeChat's aggregate sample shows EJSON ``{"$numberDouble": "113.0"}`` for doubles; the emulator
does not emit that form); a stored date is written as relaxed EJSON ``{"$date": "<ISO 8601>Z"}``.
Collection sizes in `DocumentDatabase.collection_get` are the emulator's own numbers: ``size`` is
the UTF-8 length of the documents' JSON, one index (``_id``) of size 0.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import math
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Final, NoReturn, TypeAlias

import attrs

__all__ = [
    "COLLECTION_NOT_EXISTS",
    "DEFAULT_LIMIT",
    "INVALID_PARAMETER",
    "MAX_LIMIT",
    "MISSING_PARAMETER",
    "Call",
    "CommandCall",
    "DocDBError",
    "DocumentDatabase",
    "ParsedStatement",
    "RegexValue",
    "ServerDateValue",
    "parse_statement",
    "parse_value",
]

#: -502005: the collection does not exist.
COLLECTION_NOT_EXISTS: Final = -502005
#: -501007: CloudBase's generic parameter error.
INVALID_PARAMETER: Final = -501007
#: 40101: a required parameter is missing.
MISSING_PARAMETER: Final = 40101
#: Documents a query returns without ``limit`` (databaseQuery page).
DEFAULT_LIMIT: Final = 10
#: The largest ``limit`` (SDK ``Collection.limit`` page, server side).
MAX_LIMIT: Final = 1000

Document: TypeAlias = dict[str, object]


class DocDBError(Exception):
    """A statement WeChat would refuse; `answer` is the wire answer to send back."""

    def __init__(self, errcode: int, errmsg: str, *, collection: str | None = None) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        #: The collection that does not exist (`COLLECTION_NOT_EXISTS`), for a helpful message.
        self.collection = collection

    def answer(self) -> dict[str, object]:
        """The wire answer: ``{"errcode": ..., "errmsg": ...}``."""
        return {"errcode": self.errcode, "errmsg": self.errmsg}


def _invalid(message: str) -> NoReturn:
    raise DocDBError(INVALID_PARAMETER, message)


# ---------------------------------------------------------------------------------------------
# Parsed values


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


@attrs.frozen
class Call:
    """One ``.name(args)`` step of a statement."""

    name: str
    args: tuple[object, ...]


@attrs.frozen
class ParsedStatement:
    """``db.collection(collection)`` and the calls that follow it, in order."""

    collection: str
    calls: tuple[Call, ...]


# ---------------------------------------------------------------------------------------------
# Tokenizer

_PUNCT: Final = frozenset(".(){}[],:-")
_IDENT_START = re.compile(r"[A-Za-z_$]")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?")
_SIMPLE_ESCAPES: Final = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "0": "\0",
    "'": "'",
    '"': '"',
    "\\": "\\",
    "/": "/",
}
# ECMAScript's WhiteSpace and LineTerminator, minus what a statement has no use for.
_SPACE: Final = frozenset(" \t\n\r\v\f\u00a0\ufeff\u2028\u2029")


@attrs.frozen
class _Token:
    kind: str  # "str", "num", "ident", "punct", "eof"
    value: object
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SPACE:
            i += 1
        elif ch in "\"'":
            value, i2 = _read_string(text, i)
            tokens.append(_Token("str", value, i))
            i = i2
        elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER.match(text, i)
            if m is None or (m.end() < n and (_IDENT_START.match(text, m.end()) or text[m.end()].isdigit())):
                _invalid(f"statement: bad number at {i}")
            raw = m.group()
            tokens.append(_Token("num", float(raw) if any(c in raw for c in ".eE") else int(raw), i))
            i = m.end()
        elif _IDENT_START.match(ch):
            m = _IDENT.match(text, i)
            assert m is not None
            tokens.append(_Token("ident", m.group(), i))
            i = m.end()
        elif ch in _PUNCT:
            tokens.append(_Token("punct", ch, i))
            i += 1
        else:
            _invalid(f"statement: unexpected character {ch!r} at {i}")
    tokens.append(_Token("eof", None, n))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == quote:
            return _join_surrogates(out), i + 1
        if ch in "\n\r":
            _invalid(f"statement: line break inside a string at {i}")
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= n:
            break
        esc = text[i + 1]
        i += 2
        if esc in _SIMPLE_ESCAPES:
            if esc == "0" and i < n and text[i].isdigit():
                _invalid(f"statement: octal escape at {i - 2}")
            out.append(_SIMPLE_ESCAPES[esc])
        elif esc == "x":
            out.append(chr(_hex(text[i : i + 2], 2, i)))
            i += 2
        elif esc == "u":
            if text[i : i + 1] == "{":
                end = text.find("}", i)
                if end < 0:
                    _invalid(f"statement: bad \\u{{}} escape at {i}")
                code = _hex(text[i + 1 : end], None, i)
                if code > 0x10FFFF:
                    _invalid(f"statement: code point out of range at {i}")
                out.append(chr(code))
                i = end + 1
            else:
                out.append(chr(_hex(text[i : i + 4], 4, i)))
                i += 4
        elif esc in "\n\u2028\u2029":
            pass  # a line continuation
        elif esc == "\r":
            if text[i : i + 1] == "\n":
                i += 1
        elif esc.isdigit():
            _invalid(f"statement: octal escape at {i - 2}")
        else:
            out.append(esc)  # JavaScript: an unknown escape stands for the character itself
    _invalid(f"statement: unterminated string starting at {start}")


def _hex(digits: str, width: int | None, pos: int) -> int:
    if (
        (width is not None and len(digits) != width)
        or not digits
        or not all(c in "0123456789abcdefABCDEF" for c in digits)
    ):
        _invalid(f"statement: bad escape at {pos}")
    return int(digits, 16)


def _join_surrogates(parts: list[str]) -> str:
    text = "".join(parts)
    # \ud83d\ude00 arrives as two escapes; JavaScript strings are UTF-16, Python's are code points.
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        _invalid("statement: a string holds a lone surrogate")


# ---------------------------------------------------------------------------------------------
# Parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.i = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def _next(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _fail(self, expected: str) -> NoReturn:
        raise self._unexpected(expected)

    def _unexpected(self, expected: str) -> DocDBError:
        tok = self.tok
        seen = "end of statement" if tok.kind == "eof" else repr(tok.value)
        return DocDBError(INVALID_PARAMETER, f"statement: expected {expected} at {tok.pos}, found {seen}")

    def _punct(self, ch: str) -> None:
        if self.tok.kind != "punct" or self.tok.value != ch:
            self._fail(repr(ch))
        self.i += 1

    def _is(self, kind: str, value: object = None) -> bool:
        return self.tok.kind == kind and (value is None or self.tok.value == value)

    def _ident(self, name: str | None = None) -> str:
        if not self._is("ident", name):
            self._fail(name or "a name")
        return str(self._next().value)

    def statement(self) -> ParsedStatement:
        self._ident("db")
        self._punct(".")
        self._ident("collection")
        args = self._args()
        if len(args) != 1 or not isinstance(args[0], str):
            _invalid("statement: db.collection() takes one string")
        calls: list[Call] = []
        while self._is("punct", "."):
            self.i += 1
            name = self._ident()
            calls.append(Call(name, self._args()))
        if not self._is("eof"):
            self._fail("'.' or end of statement")
        return ParsedStatement(args[0], tuple(calls))

    def end(self) -> None:
        if not self._is("eof"):
            self._fail("end of value")

    def _args(self) -> tuple[object, ...]:
        self._punct("(")
        args: list[object] = []
        while not self._is("punct", ")"):
            args.append(self.value())
            if not self._is("punct", ")"):
                self._punct(",")
        self.i += 1
        return tuple(args)

    def value(self) -> object:
        tok = self.tok
        if tok.kind in ("str", "num"):
            self.i += 1
            return tok.value
        if tok.kind == "punct":
            if tok.value == "{":
                return self._object()
            if tok.value == "[":
                return self._array()
            if tok.value == "-":
                self.i += 1
                if not self._is("num"):
                    self._fail("a number after '-'")
                number = self._next().value
                assert isinstance(number, int | float)
                return -number
            self._fail("a value")
        if tok.kind == "ident":
            word = tok.value
            self.i += 1
            if word == "true":
                return True
            if word == "false":
                return False
            if word == "null":
                return None
            if word == "_":
                self._punct(".")
                return self._command()
            if word == "db":
                return self._db_value(new=False)
            if word == "new":
                if self._is("ident", "Date"):
                    self.i += 1
                    return self._date()
                self._ident("db")
                return self._db_value(new=True)
            self.i -= 1
        raise self._unexpected("a value")

    def _command(self) -> CommandCall:
        name = self._ident()
        call = CommandCall(name, self._args())
        if self._is("punct", "."):
            _invalid(f"statement: chained commands (_.{name}(...).…) are not supported by the emulator")
        return call

    def _db_value(self, *, new: bool) -> object:
        self._punct(".")
        name = self._ident()
        if name == "command" and not new:
            self._punct(".")
            return self._command()
        if name == "RegExp":
            args = self._args()
            if len(args) != 1 or not isinstance(args[0], dict) or not set(args[0]) <= {"regexp", "options"}:
                _invalid("statement: db.RegExp() takes {regexp, options}")
            pattern, options = args[0].get("regexp"), args[0].get("options", "")
            if not isinstance(pattern, str) or not isinstance(options, str) or not set(options) <= set("ims"):
                _invalid("statement: db.RegExp() regexp must be a string, options of i, m, s")
            return RegexValue(pattern, options)
        if name == "serverDate" and not new:
            args = self._args()
            if not args:
                return ServerDateValue()
            options = args[0] if len(args) == 1 else None
            if (
                not isinstance(options, dict)
                or set(options) != {"offset"}
                or not _is_number(options["offset"])
            ):
                _invalid("statement: db.serverDate() takes {offset: <ms>}")
            offset = options["offset"]
            assert isinstance(offset, int | float)
            return ServerDateValue(offset)
        _invalid(f"statement: db.{name} is not supported by the emulator")

    def _date(self) -> _dt.datetime:
        args = self._args()
        if len(args) != 1:
            _invalid("statement: new Date() takes one argument")
        arg = args[0]
        try:
            if isinstance(arg, str):
                parsed = _dt.datetime.fromisoformat(arg)
                return parsed.replace(tzinfo=_dt.UTC) if parsed.tzinfo is None else parsed.astimezone(_dt.UTC)
            if _is_number(arg):
                assert isinstance(arg, int | float)
                return _EPOCH + _dt.timedelta(milliseconds=arg)
        except (ValueError, OverflowError):
            pass
        _invalid("statement: new Date() needs an ISO 8601 string or milliseconds")

    def _object(self) -> dict[str, object]:
        self._punct("{")
        out: dict[str, object] = {}
        while not self._is("punct", "}"):
            tok = self._next()
            if tok.kind in ("ident", "str"):
                key = str(tok.value)
            elif tok.kind == "num":
                key = _js_number_text(tok.value)
            else:
                self.i -= 1
                self._fail("a key")
            self._punct(":")
            out[key] = self.value()
            if not self._is("punct", "}"):
                self._punct(",")
        self.i += 1
        return out

    def _array(self) -> list[object]:
        self._punct("[")
        out: list[object] = []
        while not self._is("punct", "]"):
            out.append(self.value())
            if not self._is("punct", "]"):
                self._punct(",")
        self.i += 1
        return out


_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def _js_number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_statement(text: str) -> ParsedStatement:
    """Parse a statement, or raise `DocDBError` (`INVALID_PARAMETER`); never evaluates it."""
    if not isinstance(text, str):
        _invalid("statement: expected a string")
    return _Parser(text).statement()


def parse_value(text: str) -> object:
    """Parse one value written in the statement language (for tests and tools)."""
    parser = _Parser(text)
    value = parser.value()
    parser.end()
    return value


# ---------------------------------------------------------------------------------------------
# Values and comparison


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _eq(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_eq(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_eq(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _compare(a: object, b: object) -> int | None:
    """-1/0/1, or None when Mongo-style comparison operators would not match across the types."""
    if (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
        pass
    elif not (isinstance(a, _dt.datetime) and isinstance(b, _dt.datetime)):
        return None
    return int((a > b) - (a < b))  # type: ignore[operator]


_TYPE_RANK: Final = {type(None): 1, int: 2, float: 2, str: 3, dict: 4, list: 5, bool: 6, _dt.datetime: 7}


def _sort_key(value: object) -> tuple[int, object]:
    if value is _MISSING:
        return (0, 0)
    rank = _TYPE_RANK.get(type(value), 8)
    if rank in (2, 3, 6, 7):
        return (rank, value)
    if rank == 1:
        return (1, 0)
    return (rank, _wire(value))


_MISSING: Final = object()


def _split(path: str) -> list[str]:
    parts = path.split(".")
    if not all(parts):
        _invalid(f"statement: bad field path {path!r}")
    return parts


def _lookup(value: object, parts: list[str]) -> list[object]:
    """Every value at `parts` under `value`, descending into arrays the way MongoDB does."""
    if not parts:
        return [value]
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        return _lookup(value[head], rest) if head in value else []
    if isinstance(value, list):
        if head.isdigit():
            index = int(head)
            return _lookup(value[index], rest) if index < len(value) else []
        return [v for item in value if isinstance(item, dict) for v in _lookup(item, parts)]
    return []


def _get(doc: Document, path: str) -> object:
    found = _lookup(doc, _split(path))
    return found[0] if found else _MISSING


def _resolve(value: object, now: _dt.datetime) -> object:
    """Replace every ``db.serverDate()`` with the clock's time."""
    if isinstance(value, ServerDateValue):
        return now + _dt.timedelta(milliseconds=value.offset_ms)
    if isinstance(value, dict):
        return {k: _resolve(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, now) for v in value]
    if isinstance(value, CommandCall):
        return CommandCall(value.name, tuple(_resolve(a, now) for a in value.args))
    return value


def _check_storable(value: object, where: str) -> None:
    if isinstance(value, CommandCall):
        _invalid(f"{where}: _.{value.name}() cannot be stored")
    if isinstance(value, RegexValue):
        _invalid(f"{where}: db.RegExp() cannot be stored")
    if isinstance(value, float) and not math.isfinite(value):
        _invalid(f"{where}: the number is not finite")
    if isinstance(value, dict):
        for k, v in value.items():
            if k.startswith("$"):
                _invalid(f"{where}: field names cannot start with '$'")
            _check_storable(v, where)
    elif isinstance(value, list):
        for v in value:
            _check_storable(v, where)


def _ejson(value: object) -> object:
    if isinstance(value, _dt.datetime):
        utc = value.astimezone(_dt.UTC)
        stamp = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc:%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
        return {"$date": stamp}
    raise TypeError(type(value).__name__)


def _wire(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_ejson, allow_nan=False)


# ---------------------------------------------------------------------------------------------
# Matching


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
    return any(_eq(c, expected) for c in _candidates(values))


def _flatten_condition(cond: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for key, value in cond.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.extend(_flatten_condition(value, path + "."))
        else:
            out.append((path, value))
    return out


def _match(doc: object, cond: object) -> bool:
    if isinstance(cond, CommandCall):
        if cond.name not in ("and", "or", "nor"):
            _invalid(f"statement: _.{cond.name}() cannot stand for a whole condition")
        items = _list_arg(cond, dicts=True)
        results = (_match(doc, item) for item in items)
        if cond.name == "and":
            return all(results)
        if cond.name == "or":
            return any(results)
        return not any(results)
    if not isinstance(cond, dict):
        _invalid("statement: a condition must be an object")
    for path, expected in _flatten_condition(cond):
        values = _lookup(doc, _split(path))
        if not _match_values(values, expected):
            return False
    return True


def _match_values(values: list[object], expected: object) -> bool:
    if isinstance(expected, CommandCall):
        return _eval(expected, values)
    if isinstance(expected, RegexValue):
        flags = (re.I if "i" in expected.options else 0) | (re.M if "m" in expected.options else 0)
        flags |= re.S if "s" in expected.options else 0
        try:
            compiled = re.compile(expected.pattern, flags)
        except re.error:
            _invalid("statement: db.RegExp() pattern does not compile")
        return any(isinstance(c, str) and compiled.search(c) for c in _candidates(values))
    return _equals_any(values, expected)


def _list_arg(cmd: CommandCall, *, dicts: bool = False, commands: bool = False) -> list[object]:
    if len(cmd.args) != 1 or not isinstance(cmd.args[0], list):
        _invalid(f"statement: _.{cmd.name}() takes one array")
    items: list[object] = cmd.args[0]
    if dicts and not all(isinstance(i, dict) for i in items):
        _invalid(f"statement: _.{cmd.name}() at the top of where() takes an array of objects")
    if commands and not all(isinstance(i, CommandCall) for i in items):
        _invalid(f"statement: _.{cmd.name}() on a field takes an array of commands")
    return items


def _one_arg(cmd: CommandCall) -> object:
    if len(cmd.args) != 1:
        _invalid(f"statement: _.{cmd.name}() takes one argument")
    return cmd.args[0]


_COMPARISONS: Final = {"lt": (-1,), "lte": (-1, 0), "gt": (1,), "gte": (0, 1)}


def _eval(cmd: CommandCall, values: list[object]) -> bool:
    name = cmd.name
    if name == "eq":
        return _equals_any(values, _one_arg(cmd))
    if name == "neq":
        return not _equals_any(values, _one_arg(cmd))
    if name in _COMPARISONS:
        bound = _one_arg(cmd)
        return any(_compare(c, bound) in _COMPARISONS[name] for c in _candidates(values))
    if name in ("in", "nin"):
        found = any(_equals_any(values, item) for item in _list_arg(cmd))
        return found if name == "in" else not found
    if name in ("and", "or", "nor"):
        items = _list_arg(cmd, commands=True)
        results = (_eval(c, values) for c in items if isinstance(c, CommandCall))
        if name == "and":
            return all(results)
        return any(results) if name == "or" else not any(results)
    if name == "not":
        inner = _one_arg(cmd)
        if not isinstance(inner, CommandCall):
            _invalid("statement: _.not() takes a command")
        return not _eval(inner, values)
    if name == "exists":
        flag = _one_arg(cmd)
        if not isinstance(flag, bool):
            _invalid("statement: _.exists() takes true or false")
        return bool(values) == flag
    if name == "mod":
        if len(cmd.args) != 2 or not all(_is_number(a) for a in cmd.args) or cmd.args[0] == 0:
            _invalid("statement: _.mod() takes a non-zero divisor and a remainder")
        divisor, remainder = cmd.args
        assert isinstance(divisor, int | float)
        return any(
            isinstance(c, int | float) and not isinstance(c, bool) and math.fmod(c, divisor) == remainder
            for c in _candidates(values)
        )
    if name == "all":
        wanted = _list_arg(cmd)
        return any(isinstance(v, list) and all(any(_eq(e, w) for e in v) for w in wanted) for v in values)
    if name == "size":
        size = _one_arg(cmd)
        if not _is_number(size):
            _invalid("statement: _.size() takes a number")
        return any(isinstance(v, list) and len(v) == size for v in values)
    if name == "elemMatch":
        condition = _one_arg(cmd)
        if isinstance(condition, dict):
            return any(isinstance(v, list) and any(_match(e, condition) for e in v) for v in values)
        if isinstance(condition, CommandCall):
            return any(isinstance(v, list) and any(_eval(condition, [e]) for e in v) for v in values)
        _invalid("statement: _.elemMatch() takes an object or a command")
    if name in _UPDATE_COMMANDS:
        _invalid(f"statement: _.{name}() is an update command, not a condition")
    _invalid(f"statement: unknown command _.{name}()")


# ---------------------------------------------------------------------------------------------
# Updates

_UPDATE_COMMANDS: Final = frozenset({"set", "remove", "inc", "mul", "push", "pop", "shift", "unshift"})


def _flatten_update(data: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.extend(_flatten_update(value, path + "."))
        else:
            out.append((path, value))
    return out


def _container(doc: Document, parts: list[str], *, create: bool) -> tuple[object, str] | None:
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
            _invalid(f"statement: cannot reach {'.'.join(parts)!r} through a non-object")
    return node, parts[-1]


def _put(doc: Document, parts: list[str], value: object) -> None:
    found = _container(doc, parts, create=True)
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
        _invalid(f"statement: cannot set {'.'.join(parts)!r} inside a non-object")


def _number_result(value: float, where: str) -> float:
    if isinstance(value, float) and not math.isfinite(value):
        _invalid(f"statement: {where} overflows")
    return value


def _apply(doc: Document, path: str, op: object) -> None:
    parts = _split(path)
    if parts[0] == "_id":
        _invalid("statement: _id cannot be updated")
    if not isinstance(op, CommandCall):
        _check_storable(op, "update")
        _put(doc, parts, copy.deepcopy(op))
        return
    name = op.name
    current = _get(doc, path)
    if name == "set":
        value = _one_arg(op)
        _check_storable(value, "_.set()")
        _put(doc, parts, copy.deepcopy(value))
    elif name == "remove":
        if op.args:
            _invalid("statement: _.remove() takes no argument")
        found = _container(doc, parts, create=False)
        if found is not None and isinstance(found[0], dict):
            found[0].pop(found[1], None)
    elif name in ("inc", "mul"):
        amount = _one_arg(op)
        if not _is_number(amount) or (current is not _MISSING and not _is_number(current)):
            _invalid(f"statement: _.{name}() needs numbers")
        assert isinstance(amount, int | float)
        if current is _MISSING:
            result: float = amount if name == "inc" else 0
        else:
            assert isinstance(current, int | float)
            result = current + amount if name == "inc" else current * amount
        _put(doc, parts, _number_result(result, f"_.{name}()"))
    elif name in ("push", "unshift", "pop", "shift"):
        if current is not _MISSING and not isinstance(current, list):
            _invalid(f"statement: _.{name}() needs an array field")
        array: list[object] = [] if current is _MISSING else list(current)  # type: ignore[call-overload]
        if name == "push":
            array = _push(array, op)
        elif name == "unshift":
            items = _list_arg(op)
            _check_storable(items, "_.unshift()")
            array = copy.deepcopy(items) + array
        elif op.args:
            _invalid(f"statement: _.{name}() takes no argument")
        elif current is _MISSING:
            return
        elif array:
            array.pop() if name == "pop" else array.pop(0)
        _put(doc, parts, array)
    elif name in _UPDATE_COMMANDS:
        raise AssertionError(name)
    else:
        _invalid(f"statement: _.{name}() is not an update command")


def _push(array: list[object], op: CommandCall) -> list[object]:
    arg = _one_arg(op)
    if isinstance(arg, list):
        _check_storable(arg, "_.push()")
        return array + copy.deepcopy(arg)
    if not isinstance(arg, dict) or "each" not in arg or set(arg) - {"each", "position", "sort", "slice"}:
        _invalid("statement: _.push() takes an array or {each, position, sort, slice}")
    each = arg["each"]
    if not isinstance(each, list):
        _invalid("statement: _.push() each must be an array")
    _check_storable(each, "_.push()")
    position = arg.get("position", len(array))
    if not isinstance(position, int) or isinstance(position, bool):
        _invalid("statement: _.push() position must be an integer")
    if position < 0:
        position = max(0, len(array) + position)
    array = array[:position] + copy.deepcopy(each) + array[position:]
    if "sort" in arg:
        array = _sort_array(array, arg["sort"])
    if "slice" in arg:
        cut = arg["slice"]
        if not isinstance(cut, int) or isinstance(cut, bool):
            _invalid("statement: _.push() slice must be an integer")
        array = array[:cut] if cut >= 0 else array[cut:]
    return array


def _element_key(path: str) -> Callable[[object], tuple[int, object]]:
    def key(element: object) -> tuple[int, object]:
        return _sort_key(_get(element, path) if isinstance(element, dict) else _MISSING)

    return key


def _sort_array(array: list[object], spec: object) -> list[object]:
    if spec in (1, -1) and not isinstance(spec, bool):
        return sorted(array, key=_sort_key, reverse=spec == -1)
    if isinstance(spec, dict) and all(v in (1, -1) and not isinstance(v, bool) for v in spec.values()):
        out = list(array)
        for path, direction in reversed(list(spec.items())):
            out.sort(key=_element_key(path))
            if direction == -1:
                out.reverse()
        return out
    _invalid("statement: _.push() sort must be 1, -1 or {field: 1 | -1}")


# ---------------------------------------------------------------------------------------------
# Reading


def _int_arg(call: Call, low: int, high: int | None = None) -> int:
    if len(call.args) != 1:
        _invalid(f"statement: {call.name}() takes one number")
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
        _invalid(f"statement: {call.name}() takes an integer in {bound}")
    return value


def _order(docs: list[Document], keys: list[tuple[str, bool]]) -> list[Document]:
    out = list(docs)
    for path, descending in reversed(keys):
        out.sort(key=_element_key(path), reverse=descending)
    return out


def _projection_spec(args: tuple[object, ...], name: str) -> dict[str, bool]:
    if len(args) != 1 or not isinstance(args[0], dict) or not args[0]:
        _invalid(f"statement: {name}() takes a non-empty object")
    spec: dict[str, bool] = {}
    for path, flag in args[0].items():
        if flag in (0, 1, True, False) and not isinstance(flag, float):
            spec[path] = bool(flag)
        else:
            _invalid(f"statement: {name}() values must be true/false or 1/0")
        _split(path)
    if len({v for k, v in spec.items() if k != "_id"}) > 1:
        _invalid(f"statement: {name}() cannot mix inclusion and exclusion")
    return spec


def _project(doc: Document, spec: dict[str, bool]) -> Document:
    including = any(v for k, v in spec.items() if k != "_id")
    if including:
        out: Document = {}
        if spec.get("_id", True) and "_id" in doc:
            out["_id"] = doc["_id"]
        for path, flag in spec.items():
            value = _get(doc, path)
            if flag and path != "_id" and value is not _MISSING:
                _put(out, _split(path), copy.deepcopy(value))
        return out
    out = copy.deepcopy(doc)
    for path in spec:
        found = _container(out, _split(path), create=False)
        if found is not None and isinstance(found[0], dict):
            found[0].pop(found[1], None)
    return out


# ---------------------------------------------------------------------------------------------
# The database


@attrs.frozen
class _Plan:
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
_AGGREGATE_STAGES: Final = frozenset({"match", "sort", "skip", "limit", "project"})


class DocumentDatabase:
    """In-memory collections per environment, answering the ``tcb/database*`` endpoints.

    Each endpoint method takes the body's ``env`` and ``query`` (a string or a `wxtcb.db`
    statement) and returns WeChat's wire answer, or raises `DocDBError`. Not thread-safe: the
    emulator calls it from its one event loop.
    """

    def __init__(
        self,
        *,
        id_factory: Callable[[], str] | None = None,
        clock: Callable[[], _dt.datetime] | None = None,
    ) -> None:
        self._envs: dict[str, dict[str, dict[str, Document]]] = {}
        self._new_id = id_factory or (lambda: uuid.uuid4().hex)
        self._clock = clock or (lambda: _dt.datetime.now(_dt.UTC))

    # -- helpers for tests --------------------------------------------------------------------

    def seed(self, env: str, collection: str, docs: list[Document]) -> list[str]:
        """Create `collection` if needed and store `docs` as given (JSON values and aware
        datetimes); returns their ids. For test setup: no statement involved."""
        store = self._env(env).setdefault(_required(collection, "collection_name"), {})
        docs = [copy.deepcopy(d) for d in docs]
        for doc in docs:
            _check_storable(doc, "seed")
        return self._insert(store, docs)

    def documents(self, env: str, collection: str) -> list[Document]:
        """Copies of every document of `collection`, in insertion order (for test assertions)."""
        return [copy.deepcopy(d) for d in self._collection(env, collection).values()]

    # -- endpoints ----------------------------------------------------------------------------

    def query(self, env: str, statement: object) -> dict[str, object]:
        """``tcb/databasequery``: ``pager`` (capitalised keys) and ``data`` (JSON strings)."""
        plan = self._plan(env, statement, "query")
        store = self._collection(env, plan.collection)
        matched = self._select(store, plan)
        limit = DEFAULT_LIMIT if plan.limit is None else plan.limit
        page = _order(matched, plan.order)[plan.skip : plan.skip + limit]
        if plan.projection is not None:
            page = [_project(d, plan.projection) for d in page]
        return _ok(
            pager={"Offset": plan.skip, "Limit": limit, "Total": len(matched)},
            data=[_wire(d) for d in page],
        )

    def count(self, env: str, statement: object) -> dict[str, object]:
        """``tcb/databasecount``: ``count``."""
        plan = self._plan(env, statement, "count")
        return _ok(count=len(self._select(self._collection(env, plan.collection), plan)))

    def add(self, env: str, statement: object) -> dict[str, object]:
        """``tcb/databaseadd``: ``id_list``."""
        plan = self._plan(env, statement, "add")
        store = self._collection(env, plan.collection)
        args = plan.terminal.args
        if len(args) != 1 or not isinstance(args[0], dict) or set(args[0]) != {"data"}:
            _invalid("statement: add() takes {data: [...]}")
        data = _resolve(args[0]["data"], self._clock())
        docs = data if isinstance(data, list) else [data]
        if not docs or not all(isinstance(d, dict) for d in docs):
            _invalid("statement: add() data must be an object or a non-empty array of objects")
        for doc in docs:
            _check_storable(doc, "add()")
        return _ok(id_list=self._insert(store, docs))  # type: ignore[arg-type]

    def update(self, env: str, statement: object) -> dict[str, object]:
        """``tcb/databaseupdate``: ``matched``, ``modified`` and ``id`` (the new document's id when
        ``set`` created one, else ``""``)."""
        plan = self._plan(env, statement, "update")
        store = self._collection(env, plan.collection)
        args = plan.terminal.args
        if len(args) != 1 or not isinstance(args[0], dict) or set(args[0]) != {"data"}:
            _invalid(f"statement: {plan.terminal.name}() takes {{data: {{...}}}}")
        data = _resolve(args[0]["data"], self._clock())
        if not isinstance(data, dict):
            _invalid(f"statement: {plan.terminal.name}() data must be an object")
        if plan.terminal.name == "set":
            return self._set(store, plan, data)
        changes: list[tuple[str, Document]] = []
        for doc in self._select(store, plan):
            new = copy.deepcopy(doc)
            for path, op in _flatten_update(data):
                _apply(new, path, op)
            changes.append((str(doc["_id"]), new))
        modified = 0
        for doc_id, new in changes:  # applied only once every document updated cleanly
            if not _eq(store[doc_id], new):
                store[doc_id] = new
                modified += 1
        return _ok(matched=len(changes), modified=modified, id="")

    def delete(self, env: str, statement: object) -> dict[str, object]:
        """``tcb/databasedelete``: ``deleted``."""
        plan = self._plan(env, statement, "delete")
        store = self._collection(env, plan.collection)
        doomed = [str(d["_id"]) for d in self._select(store, plan)]
        for doc_id in doomed:
            del store[doc_id]
        return _ok(deleted=len(doomed))

    def aggregate(self, env: str, statement: object) -> dict[str, object]:
        """``tcb/databaseaggregate``: ``data`` (JSON strings); stages match, sort, skip, limit,
        project."""
        parsed = self._parse(env, statement)
        calls = parsed.calls
        if len(calls) < 2 or calls[0] != Call("aggregate", ()) or calls[-1] != Call("end", ()):
            _invalid("statement: databaseaggregate takes db.collection(...).aggregate()....end()")
        docs = list(self._collection(env, parsed.collection).values())
        now = self._clock()
        for stage in calls[1:-1]:
            if stage.name not in _AGGREGATE_STAGES:
                _invalid(f"statement: the emulator does not implement the aggregate stage {stage.name}()")
            if stage.name == "match":
                if len(stage.args) != 1:
                    _invalid("statement: match() takes one condition")
                condition = _resolve(stage.args[0], now)
                docs = [d for d in docs if _match(d, condition)]
            elif stage.name == "sort":
                if len(stage.args) != 1 or not isinstance(stage.args[0], dict) or not stage.args[0]:
                    _invalid("statement: sort() takes {field: 1 | -1}")
                keys = [(p, _direction(v)) for p, v in stage.args[0].items()]
                docs = _order(docs, keys)
            elif stage.name == "skip":
                docs = docs[_int_arg(stage, 0) :]
            elif stage.name == "limit":
                docs = docs[: _int_arg(stage, 1)]
            else:
                spec = _projection_spec(stage.args, "project")
                docs = [_project(d, spec) for d in docs]
        return _ok(data=[_wire(d) for d in docs])

    def collection_add(self, env: str, collection_name: str) -> dict[str, object]:
        """``tcb/databasecollectionadd``."""
        collections = self._env(env)
        name = _required(collection_name, "collection_name")
        if name in collections:
            _invalid(f"collection {name!r} already exists")
        collections[name] = {}
        return _ok()

    def collection_delete(self, env: str, collection_name: str) -> dict[str, object]:
        """``tcb/databasecollectiondelete``."""
        self._collection(env, collection_name)
        del self._env(env)[collection_name]
        return _ok()

    def collection_get(self, env: str, limit: int = 10, offset: int = 0) -> dict[str, object]:
        """``tcb/databasecollectionget``: ``pager`` and ``collections`` (name, count, size,
        index_count, index_size), in creation order."""
        for label, value in (("limit", limit), ("offset", offset)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                _invalid(f"{label} must be a non-negative integer")
        collections = self._env(env)
        names = list(collections)[offset : offset + limit]
        listing = [
            {
                "name": name,
                "count": len(collections[name]),
                "size": sum(len(_wire(d).encode()) for d in collections[name].values()),
                "index_count": 1,
                "index_size": 0,
            }
            for name in names
        ]
        return _ok(pager={"Offset": offset, "Limit": limit, "Total": len(collections)}, collections=listing)

    # -- internals ----------------------------------------------------------------------------

    def _env(self, env: str) -> dict[str, dict[str, Document]]:
        return self._envs.setdefault(_required(env, "env"), {})

    def _collection(self, env: str, name: str) -> dict[str, Document]:
        collections = self._env(env)
        if _required(name, "collection_name") not in collections:
            raise DocDBError(COLLECTION_NOT_EXISTS, "database collection not exists", collection=name)
        return collections[name]

    def _parse(self, env: str, statement: object) -> ParsedStatement:
        self._env(env)
        return parse_statement(_required(str(statement), "query"))

    def _plan(self, env: str, statement: object, endpoint: str) -> _Plan:
        parsed = self._parse(env, statement)
        calls = list(parsed.calls)
        if not calls:
            _invalid("statement: no operation after db.collection()")
        terminal = calls.pop()
        if terminal.name not in _TERMINALS[endpoint]:
            _invalid(f"statement: {terminal.name}() does not belong to the {endpoint} endpoint")
        doc_id: str | None = None
        if calls and calls[0].name == "doc":
            head = calls.pop(0)
            if len(head.args) != 1 or not isinstance(head.args[0], str) or calls:
                _invalid("statement: doc(<string id>) must be followed directly by the operation")
            if terminal.name not in ("get", "update", "set", "remove"):
                _invalid(f"statement: doc() cannot be followed by {terminal.name}()")
            doc_id = head.args[0]
        elif terminal.name == "set":
            _invalid("statement: set() needs doc(<id>)")
        seen: set[str] = set()
        where: object = None
        order: list[tuple[str, bool]] = []
        skip, limit, projection = 0, None, None
        now = self._clock()
        for call in calls:
            if call.name not in _MODIFIERS:
                _invalid(f"statement: unknown or misplaced {call.name}()")
            if call.name != "orderBy" and call.name in seen:
                _invalid(f"statement: {call.name}() appears twice")
            seen.add(call.name)
            if call.name == "where":
                if len(call.args) != 1:
                    _invalid("statement: where() takes one condition")
                where = _resolve(call.args[0], now)
                _match({}, where)  # refuse a malformed condition even on an empty collection
            elif call.name == "orderBy":
                if (
                    len(call.args) != 2
                    or not isinstance(call.args[0], str)
                    or call.args[1] not in ("asc", "desc")
                ):
                    _invalid("statement: orderBy() takes a field and 'asc' or 'desc'")
                order.append((call.args[0], call.args[1] == "desc"))
                _split(call.args[0])
            elif call.name == "skip":
                skip = _int_arg(call, 0)
            elif call.name == "limit":
                limit = _int_arg(call, 1, MAX_LIMIT)
            else:
                projection = _projection_spec(call.args, "field")
        allowed = {"get": _MODIFIERS, "count": {"where"}, "update": {"where"}, "remove": {"where"}}
        extra = seen - allowed.get(terminal.name, set())
        if extra:
            _invalid(f"statement: {terminal.name}() cannot follow {', '.join(sorted(extra))}()")
        return _Plan(parsed.collection, doc_id, where, order, skip, limit, projection, terminal)

    def _select(self, store: dict[str, Document], plan: _Plan) -> list[Document]:
        if plan.doc_id is not None:
            doc = store.get(plan.doc_id)
            return [doc] if doc is not None else []
        if plan.where is None:
            return list(store.values())
        return [d for d in store.values() if _match(d, plan.where)]

    def _set(self, store: dict[str, Document], plan: _Plan, data: Document) -> dict[str, object]:
        assert plan.doc_id is not None
        _check_storable(data, "set()")
        if data.get("_id", plan.doc_id) != plan.doc_id:
            _invalid("statement: set() data has another _id")
        new: Document = {"_id": plan.doc_id, **copy.deepcopy(data)}
        old = store.get(plan.doc_id)
        store[plan.doc_id] = new
        if old is None:
            # databaseUpdate page: a document created by set is not counted as modified.
            return _ok(matched=0, modified=0, id=plan.doc_id)
        return _ok(matched=1, modified=0 if _eq(old, new) else 1, id="")

    def _insert(self, store: dict[str, Document], docs: list[Document]) -> list[str]:
        ids: list[str] = []
        for doc in docs:
            doc_id = doc.get("_id")
            if doc_id is None:
                doc_id = self._new_id()
            if not isinstance(doc_id, str) or not doc_id:
                _invalid("statement: _id must be a non-empty string")
            if doc_id in store or doc_id in ids:
                _invalid(f"statement: duplicate _id {doc_id!r}")
            ids.append(doc_id)
        for doc, doc_id in zip(docs, ids, strict=True):
            store[doc_id] = {"_id": doc_id, **{k: v for k, v in doc.items() if k != "_id"}}
        return ids


def _direction(value: object) -> bool:
    if value in (1, -1) and not isinstance(value, bool):
        return value == -1
    _invalid("statement: sort() directions are 1 or -1")


def _required(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise DocDBError(MISSING_PARAMETER, f"missing required parameter: {name}")
    return value


def _ok(**fields: object) -> dict[str, object]:
    return {"errcode": 0, "errmsg": "ok", **fields}
