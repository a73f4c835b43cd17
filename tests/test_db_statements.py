"""The statement builder: exact text for each shape, refusal of what cannot be encoded, and the
injection-proof guarantee (every hostile value parses back as exactly itself)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wxtcb import db
from wxtcb.errors import InvalidRequestError
from wxtcb.testing.docdb import Call, CommandCall, RegexValue, ServerDateValue, parse_statement, parse_value

_ = db.command
todos = db.collection("todos")

TEXT_CASES: list[tuple[str, object, str]] = [
    ("whole collection", todos.get(), 'db.collection("todos").get()'),
    (
        "design example",
        todos.where({"done": False}).limit(10).get(),
        'db.collection("todos").where({"done":false}).limit(10).get()',
    ),
    (
        "query page shape, call order kept",
        db.collection("geo").where({"done": True}).limit(10).skip(1).get(),
        'db.collection("geo").where({"done":true}).limit(10).skip(1).get()',
    ),
    (
        "comparison and sort",
        todos.where({"due": _.lt(1700000000)}).order_by("due", "asc").order_by("n", "desc").skip(20).get(),
        'db.collection("todos").where({"due":_.lt(1700000000)}).orderBy("due","asc").orderBy("n","desc").skip(20).get()',
    ),
    (
        "every comparison",
        todos.where(
            {
                "a": _.eq(1),
                "b": _.neq("x"),
                "c": _.lte(2.5),
                "d": _.gt(-1),
                "e": _.gte(0),
                "f": _.in_([1, "2"]),
                "g": _.nin([]),
            }
        ).get(),
        'db.collection("todos").where({"a":_.eq(1),"b":_.neq("x"),"c":_.lte(2.5),"d":_.gt(-1),"e":_.gte(0),"f":_.in([1,"2"]),"g":_.nin([])}).get()',
    ),
    (
        "logical on a field",
        todos.where(
            {"p": _.and_([_.gt(30), _.lt(70)]), "q": _.not_(_.eq(100)), "r": _.nor([_.lt(20)])}
        ).get(),
        'db.collection("todos").where({"p":_.and([_.gt(30),_.lt(70)]),"q":_.not(_.eq(100)),"r":_.nor([_.lt(20)])}).get()',
    ),
    (
        "logical at the top",
        todos.where(_.or_([{"a": 1}, {"b": _.exists(False)}])).get(),
        'db.collection("todos").where(_.or([{"a":1},{"b":_.exists(false)}])).get()',
    ),
    (
        "element, array and regexp",
        todos.where(
            {
                "n": _.mod(10, 0),
                "t": _.all(["a"]),
                "s": _.size(2),
                "e": _.elem_match({"x": _.gt(1)}),
                "d": db.regexp("^a", "is"),
            }
        ).get(),
        'db.collection("todos").where({"n":_.mod(10,0),"t":_.all(["a"]),"s":_.size(2),"e":_.elemMatch({"x":_.gt(1)}),'
        '"d":db.RegExp({regexp:"^a",options:"is"})}).get()',
    ),
    ("count", todos.where({"done": True}).count(), 'db.collection("todos").where({"done":true}).count()'),
    (
        "field projection",
        todos.field({"title": True, "_id": False}).get(),
        'db.collection("todos").field({"title":true,"_id":false}).get()',
    ),
    (
        "update with every update command",
        todos.where({"_id": "i"}).update(
            {
                "a": _.set({"x": 1}),
                "b": _.remove(),
                "c": _.inc(1),
                "d": _.mul(2),
                "e": _.push(["x"]),
                "f": _.pop(),
                "g": _.shift(),
                "h": _.unshift([1]),
                "i": _.push([1], position=0, sort=-1, slice=3),
                "style": {"color": "blue"},
            }
        ),
        'db.collection("todos").where({"_id":"i"}).update({data:{"a":_.set({"x":1}),"b":_.remove(),"c":_.inc(1),'
        '"d":_.mul(2),"e":_.push(["x"]),"f":_.pop(),"g":_.shift(),"h":_.unshift([1]),'
        '"i":_.push({each:[1],position:0,sort:-1,slice:3}),"style":{"color":"blue"}}})',
    ),
    ("remove", todos.where({"done": True}).remove(), 'db.collection("todos").where({"done":true}).remove()'),
    (
        "doc update",
        todos.doc("d1").update({"n": 1}),
        'db.collection("todos").doc("d1").update({data:{"n":1}})',
    ),
    ("doc set", todos.doc("d1").set({"n": 1}), 'db.collection("todos").doc("d1").set({data:{"n":1}})'),
    ("doc remove", todos.doc("d1").remove(), 'db.collection("todos").doc("d1").remove()'),
    ("add one", todos.add({"title": "a"}), 'db.collection("todos").add({data:[{"title":"a"}]})'),
    (
        "add many, special values",
        todos.add(
            [{"n": None, "f": 1.5, "l": [True]}, {"at": db.server_date(), "later": db.server_date(60000)}]
        ),
        'db.collection("todos").add({data:[{"n":null,"f":1.5,"l":[true]},'
        '{"at":db.serverDate(),"later":db.serverDate({offset:60000})}]})',
    ),
    (
        "aware datetime, milliseconds, UTC",
        todos.add(
            {"due": dt.datetime(2019, 9, 9, 8, 30, 1, 123999, tzinfo=dt.timezone(dt.timedelta(hours=8)))}
        ),
        'db.collection("todos").add({data:[{"due":new Date("2019-09-09T00:30:01.123Z")}]})',
    ),
    (
        "strings are escaped, U+2028/U+2029 too",
        todos.where({'k"\\': 'a"}).remove(); db.collection("x\n\u2028\u2029😀'}).get(),
        'db.collection("todos").where({"k\\"\\\\":"a\\"}).remove(); db.collection(\\"x\\n\\u2028\\u2029😀"}).get()',
    ),
    ("collection names are escaped too", db.collection('a")').get(), 'db.collection("a\\")").get()'),
]


@pytest.mark.parametrize(("label", "statement", "text"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_statement_text(label: str, statement: object, text: str) -> None:
    """Each builder shape renders to exactly the text WeChat receives, and that text parses."""
    assert str(statement) == text
    parse_statement(text)


def test_statements_are_immutable_hashable_and_carry_their_action() -> None:
    """A query never changes when extended; statements hash, compare by value and say what they do."""
    base = todos.where({"a": 1})
    paged = base.limit(5)
    assert base.get() != paged.get()
    assert str(base.get()) == 'db.collection("todos").where({"a":1}).get()'
    assert {todos.get(), todos.get()} == {todos.get()}
    assert hash(_.gt(1)) == hash(_.gt(1))
    assert [
        s.action for s in (todos.get(), todos.count(), base.remove(), todos.add({}), todos.doc("x").set({}))
    ] == [
        "get",
        "count",
        "remove",
        "add",
        "set",
    ]
    assert "todos" in repr(base.get())
    assert repr(db.command) == "wxtcb.db.command"


class _NoRule:
    pass


def _cyclic() -> list[object]:
    loop: list[object] = []
    loop.append(loop)
    return loop


BAD_INPUTS: list[tuple[str, Callable[[], object]]] = [
    ("a set", lambda: todos.where({"a": {1, 2}})),
    ("bytes", lambda: todos.add({"a": b"x"})),
    ("NaN", lambda: todos.where({"a": float("nan")})),
    ("infinity", lambda: _.gt(float("inf"))),
    ("integer beyond 2**53", lambda: todos.add({"a": 2**53})),
    ("a non-str key", lambda: todos.where({1: "a"})),  # type: ignore[dict-item]
    ("an empty key", lambda: todos.add({"": 1})),
    ("an operator key inside a value", lambda: todos.where({"name": {"$ne": None}})),
    ("a value type with no rule", lambda: todos.add({"a": _NoRule()})),
    ("a Decimal", lambda: todos.add({"a": decimal.Decimal("1.5")})),
    ("a date without time", lambda: todos.add({"a": dt.date(2020, 1, 1)})),
    ("a naive datetime", lambda: todos.add({"a": dt.datetime(2020, 1, 1)})),
    ("a lone surrogate", lambda: todos.where({"a": "\ud800"})),
    ("a value that contains itself", lambda: todos.add({"a": _cyclic()})),
    ("an empty collection name", lambda: db.collection("")),
    ("a non-str collection name", lambda: db.collection(1)),  # type: ignore[arg-type]
    ("an empty doc id", lambda: todos.doc("")),
    ("negative skip", lambda: todos.skip(-1)),
    ("negative limit", lambda: todos.limit(-1)),
    ("limit 0", lambda: todos.limit(0)),
    ("limit over 1000", lambda: todos.limit(1001)),
    ("limit as a bool", lambda: todos.limit(True)),
    ("limit as a float", lambda: todos.limit(5.0)),  # type: ignore[arg-type]
    ("order direction", lambda: todos.order_by("a", "ASC")),  # type: ignore[arg-type]
    ("empty order field", lambda: todos.order_by("", "asc")),
    ("where twice", lambda: todos.where({}).where({})),
    ("limit twice", lambda: todos.limit(1).limit(2)),
    ("count after limit", lambda: todos.limit(1).count()),
    ("update without where", lambda: todos.update({"a": 1})),
    ("remove without where", lambda: todos.remove()),
    ("remove after order_by", lambda: todos.where({}).order_by("a", "asc").remove()),
    ("an update command in where", lambda: todos.where({"a": _.inc(1)})),
    ("a query command in update", lambda: todos.where({}).update({"a": _.gt(1)})),
    ("a command in added data", lambda: todos.add({"a": _.set(1)})),
    ("a command in set data", lambda: todos.doc("x").set({"a": _.inc(1)})),
    ("a command inside an array", lambda: todos.where({}).update({"a": [_.inc(1)]})),
    ("a regexp as stored data", lambda: todos.add({"a": db.regexp("x")})),
    ("regexp flags", lambda: db.regexp("x", "g")),
    ("regexp repeated flag", lambda: db.regexp("x", "ii")),
    ("a field-level logical command at the top", lambda: todos.where(_.and_([_.gt(1)]))),
    ("a document-level logical command on a field", lambda: todos.where({"a": _.or_([{"b": 1}])})),
    ("mixed logical operands", lambda: _.or_([{"a": 1}, _.gt(1)])),
    ("empty logical operands", lambda: _.and_([])),
    ("in_ with a str", lambda: _.in_("abc")),
    ("exists with a non-bool", lambda: _.exists(1)),  # type: ignore[arg-type]
    ("mod by zero", lambda: _.mod(0, 1)),
    ("negative size", lambda: _.size(-1)),
    ("inc with a str", lambda: _.inc("1")),  # type: ignore[arg-type]
    ("push sort 2", lambda: _.push([1], sort=2)),
    ("not_ of a value", lambda: _.not_(1)),  # type: ignore[arg-type]
    ("empty add", lambda: todos.add([])),
    ("add a non-dict", lambda: todos.add([1])),  # type: ignore[list-item]
    ("field with a non-bool", lambda: todos.field({"a": 1})),  # type: ignore[dict-item]
    ("empty field", lambda: todos.field({})),
    ("server_date offset as a float", lambda: db.server_date(1.5)),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("label", "build"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused_at_build_time(label: str, build: Callable[[], object]) -> None:
    """Everything the builder cannot encode safely is an InvalidRequestError before anything is sent."""
    with pytest.raises(InvalidRequestError):
        build()


HOSTILE = st.one_of(
    st.sampled_from(
        [
            '"',
            "'",
            "\\",
            "})",
            '"}).remove(); db.collection("x',
            "\n",
            "\r\n",
            "\u2028",
            "\u2029",
            "😀",
            "\x00",
            "${title}",
            "*/ //",
            "\\u0022",
        ]
    ),
    st.text(),
)


@settings(max_examples=200, deadline=None)
@given(
    value=HOSTILE, key=HOSTILE.filter(lambda k: bool(k) and not k.startswith("$")), name=HOSTILE.filter(bool)
)
def test_hostile_strings_parse_back_as_exactly_themselves(value: str, key: str, name: str) -> None:
    """Every builder method that takes a value carries a hostile string through as one literal."""

    def one(statement: object) -> tuple[Call, ...]:
        parsed = parse_statement(str(statement))
        assert parsed.collection == name
        return parsed.calls

    coll = db.collection(name)
    assert one(coll.where({key: value}).get()) == (Call("where", ({key: value},)), Call("get", ()))
    assert one(coll.where({"a": {key: [value]}}).get())[0].args == ({"a": {key: [value]}},)
    for maker in (_.eq, _.neq, _.lt, _.lte, _.gt, _.gte, _.set):
        cmd = maker(value)
        assert parse_value(str(cmd)) == CommandCall(cmd.name, (value,))
    for list_maker in (_.in_, _.nin, _.all, _.push, _.unshift):
        cmd = list_maker([value])
        assert parse_value(str(cmd)) == CommandCall(cmd.name, ([value],))
    assert parse_value(str(_.elem_match({key: value}))) == CommandCall("elemMatch", ({key: value},))
    assert parse_value(str(_.or_([{key: value}]))) == CommandCall("or", ([{key: value}],))
    assert one(coll.order_by(name, "desc").get())[0] == Call("orderBy", (name, "desc"))
    assert one(coll.field({key: True}).get())[0] == Call("field", ({key: True},))
    assert one(coll.doc(name).update({key: value})) == (
        Call("doc", (name,)),
        Call("update", ({"data": {key: value}},)),
    )
    assert one(coll.doc(name).set({key: value}))[1] == Call("set", ({"data": {key: value}},))
    assert one(coll.add([{key: value}, {"b": value}])) == (
        Call("add", ({"data": [{key: value}, {"b": value}]},)),
    )
    assert one(coll.where({"a": db.regexp(name, "i")}).get())[0].args == ({"a": RegexValue(name, "i")},)
    assert parse_value(str(_.push([value], position=1))) == CommandCall(
        "push", ({"each": [value], "position": 1},)
    )


@settings(max_examples=100, deadline=None)
@given(
    value=st.recursive(
        st.none()
        | st.booleans()
        | st.integers(min_value=-db.MAX_SAFE_INTEGER, max_value=db.MAX_SAFE_INTEGER)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(min_size=1).filter(lambda k: not k.startswith("$")), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_json_value_parses_back_equal(value: object) -> None:
    """Any JSON-like value (nested, unicode, extreme numbers) survives the round trip unchanged."""
    (call,) = parse_statement(str(db.collection("c").add({"v": value}))).calls
    assert call.args == ({"data": [{"v": value}]},)


def test_dates_and_server_dates_parse_back() -> None:
    """An aware datetime comes back as the same instant (to the millisecond); serverDate as itself."""
    when = dt.datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=dt.UTC)
    (call,) = parse_statement(str(todos.add({"a": when, "b": db.server_date(-5)}))).calls
    assert call.args == ({"data": [{"a": when, "b": ServerDateValue(-5)}]},)
