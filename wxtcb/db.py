"""Build CloudBase database statements whose values are always literals, never code.

WeChat's ``tcb/database*`` endpoints take a statement in a JavaScript-like language, for example
``db.collection("geo").where({done:true}).limit(10).skip(1).get()``. Written with f-strings, a
user's input becomes code: a title containing ``"}).remove(); db.collection("x`` is an injection.
This module builds immutable statements in which every value is encoded as a JSON literal
(strings escaped, keys quoted, U+2028/U+2029 escaped because they end a line in JavaScript), so
that ``str(statement)`` is exactly the text sent and no value can change its shape::

    from wxtcb import db
    _ = db.command
    q = db.collection("todos").where({"done": False, "due": _.lt(1700000000)}).limit(10).get()
    str(q)  # 'db.collection("todos").where({"done":false,"due":_.lt(1700000000)}).limit(10).get()'

What WeChat's pages show, and what this module does with it
------------------------------------------------------------

- Statement shapes, from the HTTP-API pages (developers.weixin.qq.com, ``reference-http-api/database``):
  ``databaseQuery`` ``db.collection("geo").where({done:true}).limit(10).skip(1).get()``;
  ``databaseAdd`` ``db.collection("geo").add({data: [{...}, {...}]})``; ``databaseUpdate``
  ``db.collection("geo").where({age:14}).update({data:{age: _.inc(1)}})`` and
  ``db.collection("geo").doc("<id>").update({data:{age: 10}})``; ``databaseDelete``
  ``db.collection("geo").where({done:false}).remove()`` and ``.doc("<id>").remove()``;
  ``databaseCount`` ``db.collection("geo").where({done:true}).count()``; ``databaseAggregate``
  ``db.collection("test_collection").aggregate().match({tags:"cloud"}).limit(10).end()``.
  Each page says the statement "uses the same syntax as the Database APIs" (the SDK reference).
- Commands are spelled ``_.name(...)``: the only HTTP-API statement with a command (databaseUpdate,
  ``_.inc(1)``) uses ``_`` without defining it, so the server provides it. The SDK reference
  calls the same object ``db.command``. The emulator's parser accepts both spellings.
- ``add`` always sends the list form ``add({data:[...]})`` shown on the databaseAdd page; a single
  dict is sent as a one-element list. ``update`` sends ``update({data:{...}})`` as shown.
- ``limit``: the databaseQuery page says the default is 10. The SDK's ``Collection.limit`` page
  says the maximum is 20 in the mini program and 1000 on the server side (cloud functions); older
  server-API pages and community answers say 100. The HTTP API is server side, so `MAX_LIMIT` is
  1000; a limit over it, or below 1, is refused.
- ``orderBy(field, order)``: order "只能取 asc 或 desc" (SDK ``Collection.orderBy``); several calls
  sort by several fields in call order.
- ``db.RegExp({regexp, options})`` with flags from ``i``, ``m``, ``s`` (SDK ``Database.RegExp``).
- ``db.serverDate()`` / ``db.serverDate({offset: ms})`` (SDK ``Database.serverDate``).
- Dates: the databaseAdd page's own statement writes ``due: new Date("2019-09-09")``, so an aware
  `datetime` is sent as ``new Date("<ISO 8601, UTC, milliseconds>")`` (sub-millisecond digits are
  dropped: a JavaScript Date has millisecond precision). A naive datetime is refused: its instant
  is unknown. Caveat: the databaseAggregate page's sample answer shows ``"due":"2019-09-09"``
  (a string), so how the server stores such a date is not confirmed by the pages.
- Command signatures, from the SDK's ``Command.*`` pages: ``eq neq lt lte gt gte in nin`` (one
  value; ``in``/``nin`` an array), ``and or nor`` (an array), ``not`` (one command), ``exists``
  (boolean), ``mod(divisor, remainder)``, ``all`` (array), ``elemMatch`` (object or command),
  ``size`` (number), ``set`` (value), ``remove()``, ``inc``/``mul`` (number), ``push`` (array, or
  ``{each, position, sort, slice}``), ``pop()``, ``shift()``, ``unshift`` (array).

Python names for JavaScript names that are keywords or differ in style::

    _.in_ -> _.in      _.and_ -> _.and     _.or_ -> _.or     _.not_ -> _.not
    _.elem_match -> _.elemMatch            order_by -> orderBy     db.server_date -> db.serverDate

The conservative subset (everything else is refused with `InvalidRequestError`, at build time)
----------------------------------------------------------------------------------------------

- Values: None, bool, int within ``±(2**53 - 1)`` (a JavaScript number is a double), finite float,
  str (no lone surrogates: they cannot be sent as UTF-8), list/tuple, dict with str keys, aware
  datetime, `RegExp` (only as a ``where`` field value), `ServerDate`, and commands where they
  belong: query commands in ``where``, update commands in ``update`` data, none in ``add``/``set``.
  Sets, bytes, NaN, infinities, dates without time, Decimals and every other type are refused.
- Keys are non-empty strings that do not start with ``$``: a key such as ``$ne`` inside a user's
  value would otherwise turn an equality into an operator (the classic NoSQL injection).
- ``where`` once per statement; ``skip``, ``limit`` and ``field`` once each; ``count()`` only after
  ``where``; ``update()``/``remove()`` on a query need a ``where`` (and nothing else), so that a
  forgotten filter never rewrites or deletes a whole collection.
- Chained commands (``_.gt(1).and(_.lt(5))``), geo values and aggregation are not built here; the
  database methods also take a plain statement string for those.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Final, Literal, TypeAlias

import attrs

from wxtcb.errors import InvalidRequestError

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_SAFE_INTEGER",
    "Action",
    "CollectionRef",
    "Command",
    "Commands",
    "DocumentRef",
    "Query",
    "RegExp",
    "ServerDate",
    "Statement",
    "collection",
    "command",
    "regexp",
    "server_date",
]

#: Documents a ``get()`` returns when no ``limit`` is given (databaseQuery page).
DEFAULT_LIMIT: Final = 10
#: The largest ``limit`` on the server side (SDK ``Collection.limit`` page).
MAX_LIMIT: Final = 1000
#: The largest integer a JavaScript number holds exactly.
MAX_SAFE_INTEGER: Final = 2**53 - 1

#: What a statement does; the database endpoint that accepts it follows from it.
Action: TypeAlias = Literal["get", "count", "update", "set", "remove", "add"]

_Context: TypeAlias = Literal["query", "update", "data"]
_Form: TypeAlias = Literal["value", "commands", "documents"]

# Deeper than any real document; bounds recursion on a structure that contains itself.
_MAX_DEPTH: Final = 64
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_REGEX_FLAGS: Final = frozenset("ims")


# ---------------------------------------------------------------------------------------------
# Literals


def _string(value: str, where: str) -> str:
    if _LONE_SURROGATE.search(value):
        raise InvalidRequestError(f"{where}: a string with a lone surrogate cannot be sent as UTF-8")
    text = json.dumps(value, ensure_ascii=False)
    # JSON allows U+2028/U+2029 raw, but they end a line in older JavaScript: never send them raw.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _key(key: object, where: str) -> str:
    if not isinstance(key, str):
        raise InvalidRequestError(f"{where}: keys must be str, not {type(key).__name__}")
    if not key:
        raise InvalidRequestError(f"{where}: a key is empty")
    if key.startswith("$"):
        raise InvalidRequestError(f"{where}: a key starts with '$' (operators are built with db.command)")
    return _string(key, where)


def _number(value: int | float, where: str) -> str:
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise InvalidRequestError(f"{where}: integer beyond +-(2**53 - 1) loses precision in JavaScript")
        return str(value)
    if not math.isfinite(value):
        raise InvalidRequestError(f"{where}: NaN and infinities have no literal")
    return json.dumps(value)


def _date(value: _dt.datetime, where: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRequestError(f"{where}: a naive datetime has no instant; attach a tzinfo")
    utc = value.astimezone(_dt.UTC)
    stamp = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
        f".{utc.microsecond // 1000:03d}Z"
    )
    return f'new Date("{stamp}")'


def _encode(value: object, context: _Context, where: str, depth: int = 0) -> str:
    """Encode one value as statement text, or refuse it."""
    if depth > _MAX_DEPTH:
        raise InvalidRequestError(f"{where}: nested deeper than {_MAX_DEPTH} levels (or contains itself)")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value, where)
    if isinstance(value, str):
        return _string(value, where)
    if isinstance(value, _dt.datetime):
        return _date(value, where)
    if isinstance(value, ServerDate):
        return value.text
    if isinstance(value, Command):
        return _place_command(value, context, where)
    if isinstance(value, RegExp):
        if context != "query":
            raise InvalidRequestError(f"{where}: db.regexp() is a query condition, not a value to store")
        return value.text
    if isinstance(value, Mapping):
        items = [
            f"{_key(k, where)}:{_encode(v, context, f'{where}.{k}', depth + 1)}" for k, v in value.items()
        ]
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        # Commands act on a field: inside an array they would be stored, not applied.
        inner: _Context = "data" if context == "update" else context
        return (
            "[" + ",".join(_encode(v, inner, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)) + "]"
        )
    raise InvalidRequestError(f"{where}: no rule to encode a {type(value).__name__}")


def _place_command(cmd: Command, context: _Context, where: str) -> str:
    if context == "data":
        raise InvalidRequestError(f"{where}: _.{cmd.name}() cannot appear in stored data")
    if cmd.kind != context:
        raise InvalidRequestError(
            f"{where}: _.{cmd.name}() is a {cmd.kind} command, not allowed in a {context}"
        )
    if cmd.form == "documents":
        raise InvalidRequestError(f"{where}: _.{cmd.name}() over documents belongs at the top of where()")
    return cmd.text


def _data(value: object, where: str) -> str:
    return _encode(value, "data", where)


def _document(value: object, context: _Context, where: str) -> str:
    if not isinstance(value, Mapping):
        raise InvalidRequestError(f"{where}: expected a dict, not {type(value).__name__}")
    return _encode(value, context, where)


def _count(value: object, where: str, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestError(f"{where}: expected an int, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise InvalidRequestError(f"{where}: {value} is outside {bound}")
    return value


def checked_name(value: object, where: str) -> str:
    """*value* as a collection, field or function name, or `InvalidRequestError` naming *where*."""
    if not isinstance(value, str):
        raise InvalidRequestError(f"{where}: expected a str, not {type(value).__name__}")
    if not value:
        raise InvalidRequestError(f"{where}: is empty")
    _string(value, where)
    return value


# ---------------------------------------------------------------------------------------------
# Special values and commands


@attrs.frozen
class RegExp:
    """A ``db.RegExp({regexp, options})`` condition for a string field; build with `regexp`.

    Attributes:
        pattern: The regular expression (a non-empty string).
        options: Its flags: ``i``, ``m`` and ``s``, each at most once (``""`` for none).
    """

    pattern: str
    options: str
    #: The statement text of this value.
    text: str = attrs.field(repr=False)


def regexp(pattern: str, options: str = "") -> RegExp:
    """A regular-expression condition; `options` is made of the flags ``i``, ``m`` and ``s``."""
    checked_name(pattern, "regexp pattern")
    if not isinstance(options, str):
        raise InvalidRequestError("regexp options: expected a str")
    if not set(options) <= _REGEX_FLAGS or len(set(options)) != len(options):
        raise InvalidRequestError("regexp options: only the flags i, m and s, each at most once")
    text = f"db.RegExp({{regexp:{_string(pattern, 'regexp')},options:{_string(options, 'regexp')}}})"
    return RegExp(pattern, options, text)


@attrs.frozen
class ServerDate:
    """``db.serverDate()``: the server's clock (plus `offset_ms`) when the statement runs.

    Attributes:
        offset_ms: Milliseconds added to the server's clock (0 by default).
    """

    offset_ms: int = 0

    @property
    def text(self) -> str:
        """The statement text of this value."""
        if self.offset_ms == 0:
            return "db.serverDate()"
        return f"db.serverDate({{offset:{self.offset_ms}}})"


def server_date(offset_ms: int = 0) -> ServerDate:
    """The server's time when the statement runs, shifted by `offset_ms` milliseconds."""
    return ServerDate(
        _count(offset_ms, "server_date offset_ms", low=-MAX_SAFE_INTEGER, high=MAX_SAFE_INTEGER)
    )


@attrs.frozen
class Command:
    """One ``_.name(...)`` operator, already encoded; build it with `command` (``db.command``)."""

    #: The JavaScript name (``in``, ``elemMatch``, ...).
    name: str
    #: ``"query"`` for conditions in ``where``, ``"update"`` for operators in ``update`` data.
    kind: Literal["query", "update"]
    #: ``"documents"`` for ``and``/``or``/``nor`` over whole conditions (top of ``where`` only).
    form: _Form
    #: The statement text of this command.
    text: str

    def __str__(self) -> str:
        return self.text


class Commands:
    """The operators of ``db.command`` (``_ = db.command``), each returning a `Command`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "wxtcb.db.command"

    @staticmethod
    def _make(name: str, kind: Literal["query", "update"], args: str = "", form: _Form = "value") -> Command:
        return Command(name, kind, form, f"_.{name}({args})")

    # Comparison
    def eq(self, value: object) -> Command:
        """``_.eq(value)``: the field equals `value` (a dict compares as a whole object)."""
        return self._make("eq", "query", _data(value, "_.eq()"))

    def neq(self, value: object) -> Command:
        """``_.neq(value)``: the field does not equal `value`."""
        return self._make("neq", "query", _data(value, "_.neq()"))

    def lt(self, value: object) -> Command:
        """``_.lt(value)``: the field is less than `value`."""
        return self._make("lt", "query", _data(value, "_.lt()"))

    def lte(self, value: object) -> Command:
        """``_.lte(value)``: the field is less than or equal to `value`."""
        return self._make("lte", "query", _data(value, "_.lte()"))

    def gt(self, value: object) -> Command:
        """``_.gt(value)``: the field is greater than `value`."""
        return self._make("gt", "query", _data(value, "_.gt()"))

    def gte(self, value: object) -> Command:
        """``_.gte(value)``: the field is greater than or equal to `value`."""
        return self._make("gte", "query", _data(value, "_.gte()"))

    def in_(self, values: Sequence[object]) -> Command:
        """``_.in([...])``: the field equals one of `values`."""
        return self._make("in", "query", _data(_array(values, "_.in_()"), "_.in_()"))

    def nin(self, values: Sequence[object]) -> Command:
        """``_.nin([...])``: the field equals none of `values`."""
        return self._make("nin", "query", _data(_array(values, "_.nin()"), "_.nin()"))

    # Logical
    def and_(self, conditions: Sequence[object]) -> Command:
        """``_.and([...])``: all of `conditions` hold (commands on a field, or dicts at the top)."""
        return self._logical("and", conditions)

    def or_(self, conditions: Sequence[object]) -> Command:
        """``_.or([...])``: at least one of `conditions` holds."""
        return self._logical("or", conditions)

    def nor(self, conditions: Sequence[object]) -> Command:
        """``_.nor([...])``: none of `conditions` holds."""
        return self._logical("nor", conditions)

    def not_(self, condition: Command) -> Command:
        """``_.not(command)``: the field does not satisfy `condition`."""
        if not isinstance(condition, Command):
            raise InvalidRequestError("_.not_(): expected a command")
        return self._make("not", "query", _place_command(condition, "query", "_.not_()"))

    def _logical(self, name: str, conditions: Sequence[object]) -> Command:
        where = f"_.{name}_()" if name in {"and", "or"} else f"_.{name}()"
        items = _array(conditions, where)
        if not items:
            raise InvalidRequestError(f"{where}: needs at least one condition")
        if all(isinstance(c, Command) for c in items):
            texts = [_place_command(c, "query", where) for c in items if isinstance(c, Command)]
            return self._make(name, "query", "[" + ",".join(texts) + "]", "commands")
        if all(isinstance(c, Mapping) for c in items):
            texts = [_encode(c, "query", f"{where}[{i}]") for i, c in enumerate(items)]
            return self._make(name, "query", "[" + ",".join(texts) + "]", "documents")
        raise InvalidRequestError(f"{where}: conditions must be all commands or all dicts")

    # Element and evaluation
    def exists(self, value: bool = True) -> Command:
        """``_.exists(true|false)``: the field is present (or absent)."""
        if not isinstance(value, bool):
            raise InvalidRequestError("_.exists(): expected a bool")
        return self._make("exists", "query", "true" if value else "false")

    def mod(self, divisor: int, remainder: int) -> Command:
        """``_.mod(divisor, remainder)``: ``field % divisor == remainder``."""
        d = _count(divisor, "_.mod() divisor", low=-MAX_SAFE_INTEGER, high=MAX_SAFE_INTEGER)
        r = _count(remainder, "_.mod() remainder", low=-MAX_SAFE_INTEGER, high=MAX_SAFE_INTEGER)
        if d == 0:
            raise InvalidRequestError("_.mod(): divisor is 0")
        return self._make("mod", "query", f"{d},{r}")

    # Array queries
    def all(self, values: Sequence[object]) -> Command:
        """``_.all([...])``: the array field contains every one of `values`."""
        return self._make("all", "query", _data(_array(values, "_.all()"), "_.all()"))

    def elem_match(self, condition: Mapping[str, object] | Command) -> Command:
        """``_.elemMatch(...)``: some element of the array field satisfies `condition`."""
        if isinstance(condition, Command):
            return self._make("elemMatch", "query", _place_command(condition, "query", "_.elem_match()"))
        return self._make("elemMatch", "query", _document(condition, "query", "_.elem_match()"))

    def size(self, value: int) -> Command:
        """``_.size(n)``: the array field has exactly `value` elements."""
        return self._make("size", "query", str(_count(value, "_.size()", low=0, high=MAX_SAFE_INTEGER)))

    # Update operators
    def set(self, value: object) -> Command:
        """``_.set(value)``: set the field to `value` as a whole (a dict replaces the object)."""
        return self._make("set", "update", _data(value, "_.set()"))

    def remove(self) -> Command:
        """``_.remove()``: delete the field."""
        return self._make("remove", "update")

    def inc(self, value: int | float) -> Command:
        """``_.inc(n)``: add `value` to the numeric field."""
        return self._make("inc", "update", _numeric(value, "_.inc()"))

    def mul(self, value: int | float) -> Command:
        """``_.mul(n)``: multiply the numeric field by `value`."""
        return self._make("mul", "update", _numeric(value, "_.mul()"))

    def push(
        self,
        values: Sequence[object],
        *,
        position: int | None = None,
        sort: int | Mapping[str, int] | None = None,
        slice: int | None = None,  # WeChat's own option name, though it shadows the builtin
    ) -> Command:
        """``_.push([...])``, or ``_.push({each, position, sort, slice})`` when an option is given."""
        each = _data(_array(values, "_.push()"), "_.push()")
        options = [f"each:{each}"]
        if position is not None:
            options.append(f"position:{_count(position, '_.push() position', low=-MAX_SAFE_INTEGER)}")
        if sort is not None:
            if isinstance(sort, Mapping):
                for k, v in sort.items():
                    if v not in (1, -1) or isinstance(v, bool):
                        raise InvalidRequestError(f"_.push() sort: {k!r} must be 1 or -1")
                options.append(f"sort:{_data(sort, '_.push() sort')}")
            elif sort in (1, -1) and not isinstance(sort, bool):
                options.append(f"sort:{sort}")
            else:
                raise InvalidRequestError("_.push() sort: 1, -1, or a dict of field to 1/-1")
        if slice is not None:
            options.append(f"slice:{_count(slice, '_.push() slice', low=-MAX_SAFE_INTEGER)}")
        if len(options) == 1:
            return self._make("push", "update", each)
        return self._make("push", "update", "{" + ",".join(options) + "}")

    def pop(self) -> Command:
        """``_.pop()``: remove the last element of the array field."""
        return self._make("pop", "update")

    def shift(self) -> Command:
        """``_.shift()``: remove the first element of the array field."""
        return self._make("shift", "update")

    def unshift(self, values: Sequence[object]) -> Command:
        """``_.unshift([...])``: insert `values` at the start of the array field."""
        return self._make("unshift", "update", _data(_array(values, "_.unshift()"), "_.unshift()"))


def _array(values: object, where: str) -> list[object]:
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, list | tuple):
        raise InvalidRequestError(f"{where}: expected a list, not {type(values).__name__}")
    return list(values)


def _numeric(value: object, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequestError(f"{where}: expected a number, not {type(value).__name__}")
    return _number(value, where)


#: ``db.command``: the operators (``_ = db.command``).
command: Final = Commands()


# ---------------------------------------------------------------------------------------------
# Statements


@attrs.frozen
class Statement:
    """A finished statement: ``str(statement)`` is exactly the text WeChat receives."""

    #: The statement text.
    text: str
    #: What it does: ``get`` (databasequery), ``count``, ``update``/``set`` (databaseupdate),
    #: ``remove`` (databasedelete), ``add`` (databaseadd).
    action: Action
    #: The collection it acts on.
    collection: str

    def __str__(self) -> str:
        return self.text


def _head(name: str) -> str:
    return f"db.collection({_string(name, 'collection name')})"


@attrs.frozen
class Query:
    """A filtered, sorted, paged view of a collection; every method returns a new `Query`.

    Attributes:
        collection: The collection's name (a non-empty string).
    """

    collection: str = attrs.field(validator=lambda _i, _a, v: checked_name(v, "collection name"))
    #: ``(method, encoded arguments)`` in call order.
    clauses: tuple[tuple[str, str], ...] = ()

    def _has(self, method: str) -> bool:
        return any(m == method for m, _ in self.clauses)

    def _with(self, method: str, args: str, *, once: bool = True) -> Query:
        if once and self._has(method):
            raise InvalidRequestError(f"{method}() is already set on this query")
        return attrs.evolve(self, clauses=(*self.clauses, (method, args)))

    def where(self, condition: Mapping[str, object] | Command) -> Query:
        """Keep the documents matching `condition`: a dict of field (dotted for nested) to value or
        query command, or ``_.and_/_.or_/_.nor`` over dicts."""
        if isinstance(condition, Command):
            if condition.form != "documents":
                raise InvalidRequestError("where(): a command here must be _.and_/_.or_/_.nor over dicts")
            return self._with("where", condition.text)
        return self._with("where", _document(condition, "query", "where()"))

    def order_by(self, field: str, direction: Literal["asc", "desc"]) -> Query:
        """Sort by `field` (dotted for nested), ``"asc"`` or ``"desc"``; call again for tie-breaks."""
        name = checked_name(field, "order_by() field")
        if direction not in ("asc", "desc"):
            raise InvalidRequestError("order_by(): direction must be 'asc' or 'desc'")
        return self._with(
            "orderBy", f"{_string(name, 'order_by()')},{_string(direction, 'order_by()')}", once=False
        )

    def skip(self, n: int) -> Query:
        """Skip the first `n` matching documents."""
        return self._with("skip", str(_count(n, "skip()", low=0, high=MAX_SAFE_INTEGER)))

    def limit(self, n: int) -> Query:
        """Return at most `n` documents, 1 to `MAX_LIMIT` (WeChat's default is `DEFAULT_LIMIT`)."""
        return self._with("limit", str(_count(n, "limit()", low=1, high=MAX_LIMIT)))

    def field(self, projection: Mapping[str, bool]) -> Query:
        """Return only the fields mapped to True (or all but those mapped to False)."""
        if not isinstance(projection, Mapping) or not projection:
            raise InvalidRequestError("field(): expected a non-empty dict of field to bool")
        for k, v in projection.items():
            if not isinstance(v, bool):
                raise InvalidRequestError(f"field(): {k!r} must map to a bool")
        return self._with("field", _document(projection, "data", "field()"))

    def _text(self) -> str:
        return _head(self.collection) + "".join(f".{m}({a})" for m, a in self.clauses)

    def _only_where(self, terminal: str) -> None:
        others = sorted({m for m, _ in self.clauses if m != "where"})
        if others:
            raise InvalidRequestError(f"{terminal}() cannot follow {', '.join(others)}(): only where()")

    def get(self) -> Statement:
        """The statement for ``tcb/databasequery``."""
        return Statement(self._text() + ".get()", "get", self.collection)

    def count(self) -> Statement:
        """The statement for ``tcb/databasecount``."""
        self._only_where("count")
        return Statement(self._text() + ".count()", "count", self.collection)

    def update(self, data: Mapping[str, object]) -> Statement:
        """The statement for ``tcb/databaseupdate``: apply `data` (values and update commands;
        a nested dict updates the fields it names) to every matching document."""
        self._only_where("update")
        if not self._has("where"):
            raise InvalidRequestError("update(): call where() first, so a forgotten filter never updates all")
        body = _document(data, "update", "update()")
        return Statement(self._text() + f".update({{data:{body}}})", "update", self.collection)

    def remove(self) -> Statement:
        """The statement for ``tcb/databasedelete``: delete every matching document."""
        self._only_where("remove")
        if not self._has("where"):
            raise InvalidRequestError("remove(): call where() first, so a forgotten filter never deletes all")
        return Statement(self._text() + ".remove()", "remove", self.collection)


@attrs.frozen
class DocumentRef:
    """One document by ``_id`` (``db.collection(name).doc(id)``).

    Attributes:
        collection: The collection's name (a non-empty string).
        doc_id: The document's ``_id`` (a non-empty string).
    """

    collection: str = attrs.field(validator=lambda _i, _a, v: checked_name(v, "collection name"))
    doc_id: str = attrs.field(validator=lambda _i, _a, v: checked_name(v, "doc() id"))

    def _text(self) -> str:
        return _head(self.collection) + f".doc({_string(self.doc_id, 'doc()')})"

    def update(self, data: Mapping[str, object]) -> Statement:
        """The statement for ``tcb/databaseupdate``: apply `data` to this document."""
        body = _document(data, "update", "update()")
        return Statement(self._text() + f".update({{data:{body}}})", "update", self.collection)

    def set(self, data: Mapping[str, object]) -> Statement:
        """The statement for ``tcb/databaseupdate``: replace this document with `data` (creating
        it if absent; WeChat then answers its id)."""
        body = _document(data, "data", "set()")
        return Statement(self._text() + f".set({{data:{body}}})", "set", self.collection)

    def remove(self) -> Statement:
        """The statement for ``tcb/databasedelete``: delete this document."""
        return Statement(self._text() + ".remove()", "remove", self.collection)


@attrs.frozen
class CollectionRef:
    """A collection (``db.collection(name)``): start a query, address a document, or add.

    Attributes:
        name: The collection's name (a non-empty string).
    """

    name: str = attrs.field(validator=lambda _i, _a, v: checked_name(v, "collection name"))

    def _query(self) -> Query:
        return Query(self.name)

    def where(self, condition: Mapping[str, object] | Command) -> Query:
        """See `Query.where`."""
        return self._query().where(condition)

    def order_by(self, field: str, direction: Literal["asc", "desc"]) -> Query:
        """See `Query.order_by`."""
        return self._query().order_by(field, direction)

    def skip(self, n: int) -> Query:
        """See `Query.skip`."""
        return self._query().skip(n)

    def limit(self, n: int) -> Query:
        """See `Query.limit`."""
        return self._query().limit(n)

    def field(self, projection: Mapping[str, bool]) -> Query:
        """See `Query.field`."""
        return self._query().field(projection)

    def get(self) -> Statement:
        """The statement for ``tcb/databasequery`` over the whole collection (WeChat's limit applies)."""
        return self._query().get()

    def count(self) -> Statement:
        """The statement for ``tcb/databasecount`` over the whole collection."""
        return self._query().count()

    def update(self, data: Mapping[str, object]) -> Statement:
        """Refused: call `where` first (see the module docstring)."""
        return self._query().update(data)

    def remove(self) -> Statement:
        """Refused: call `where` first (see the module docstring)."""
        return self._query().remove()

    def doc(self, doc_id: str) -> DocumentRef:
        """The document whose ``_id`` is `doc_id`."""
        return DocumentRef(self.name, doc_id)

    def add(self, docs: Mapping[str, object] | Sequence[Mapping[str, object]]) -> Statement:
        """The statement for ``tcb/databaseadd``: insert one dict or a non-empty list of dicts."""
        items: list[object] = [docs] if isinstance(docs, Mapping) else _array(docs, "add()")
        if not items:
            raise InvalidRequestError("add(): no documents")
        texts = [_document(d, "data", f"add()[{i}]") for i, d in enumerate(items)]
        body = "[" + ",".join(texts) + "]"
        return Statement(_head(self.name) + f".add({{data:{body}}})", "add", self.name)


def collection(name: str) -> CollectionRef:
    """``db.collection(name)``: the start of every statement."""
    return CollectionRef(name)
