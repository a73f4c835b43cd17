"""The statement language: a tokenizer and a recursive-descent parser (never ``eval``).

``db.collection(<string>)`` followed by ``.name(args)`` calls; see `wxtcb.testing.docdb` for
what an argument may be and what is refused."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Final, NoReturn

import attrs

from wxtcb.testing.docdb.errors import INVALID_PARAMETER, DocDBError, invalid
from wxtcb.testing.docdb.values import CommandCall, RegexValue, ServerDateValue, is_number

__all__ = [
    "Call",
    "ParsedStatement",
    "parse_statement",
    "parse_value",
]


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


# --- tokenizer ---

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
                invalid(f"statement: bad number at {i}")
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
            invalid(f"statement: unexpected character {ch!r} at {i}")
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
            invalid(f"statement: line break inside a string at {i}")
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
                invalid(f"statement: octal escape at {i - 2}")
            out.append(_SIMPLE_ESCAPES[esc])
        elif esc == "x":
            out.append(chr(_hex(text[i : i + 2], 2, i)))
            i += 2
        elif esc == "u":
            if text[i : i + 1] == "{":
                end = text.find("}", i)
                if end < 0:
                    invalid(f"statement: bad \\u{{}} escape at {i}")
                code = _hex(text[i + 1 : end], None, i)
                if code > 0x10FFFF:
                    invalid(f"statement: code point out of range at {i}")
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
            invalid(f"statement: octal escape at {i - 2}")
        else:
            out.append(esc)  # JavaScript: an unknown escape stands for the character itself
    raise DocDBError(INVALID_PARAMETER, f"statement: unterminated string starting at {start}")


def _hex(digits: str, width: int | None, pos: int) -> int:
    if (
        (width is not None and len(digits) != width)
        or not digits
        or not all(c in "0123456789abcdefABCDEF" for c in digits)
    ):
        invalid(f"statement: bad escape at {pos}")
    return int(digits, 16)


def _join_surrogates(parts: list[str]) -> str:
    text = "".join(parts)
    # \ud83d\ude00 arrives as two escapes; JavaScript strings are UTF-16, Python's are code points.
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        invalid("statement: a string holds a lone surrogate")


# --- parser ---


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
            invalid("statement: db.collection() takes one string")
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
            invalid(f"statement: chained commands (_.{name}(...).…) are not supported by the emulator")
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
                invalid("statement: db.RegExp() takes {regexp, options}")
            pattern, options = args[0].get("regexp"), args[0].get("options", "")
            if not isinstance(pattern, str) or not isinstance(options, str) or not set(options) <= set("ims"):
                invalid("statement: db.RegExp() regexp must be a string, options of i, m, s")
            return RegexValue(pattern, options)
        if name == "serverDate" and not new:
            args = self._args()
            if not args:
                return ServerDateValue()
            options = args[0] if len(args) == 1 else None
            if (
                not isinstance(options, dict)
                or set(options) != {"offset"}
                or not is_number(options["offset"])
            ):
                invalid("statement: db.serverDate() takes {offset: <ms>}")
            offset = options["offset"]
            assert isinstance(offset, int | float)
            return ServerDateValue(offset)
        raise DocDBError(INVALID_PARAMETER, f"statement: db.{name} is not supported by the emulator")

    def _date(self) -> _dt.datetime:
        args = self._args()
        if len(args) != 1:
            invalid("statement: new Date() takes one argument")
        arg = args[0]
        try:
            if isinstance(arg, str):
                parsed = _dt.datetime.fromisoformat(arg)
                return parsed.replace(tzinfo=_dt.UTC) if parsed.tzinfo is None else parsed.astimezone(_dt.UTC)
            if is_number(arg):
                assert isinstance(arg, int | float)
                return _EPOCH + _dt.timedelta(milliseconds=arg)
        except (ValueError, OverflowError):
            pass
        raise DocDBError(INVALID_PARAMETER, "statement: new Date() needs an ISO 8601 string or milliseconds")

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
        invalid("statement: expected a string")
    return _Parser(text).statement()


def parse_value(text: str) -> object:
    """Parse one value written in the statement language (for tests and tools)."""
    parser = _Parser(text)
    value = parser.value()
    parser.end()
    return value
