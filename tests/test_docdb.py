"""The emulator's document database: WeChat's statements executed over in-memory collections,
answered with WeChat's wire dicts, and refused with an errcode when they cannot be run."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from wxtcb import db
from wxtcb.testing.docdb import (
    COLLECTION_NOT_EXISTS,
    INVALID_PARAMETER,
    MISSING_PARAMETER,
    DocDBError,
    DocumentDatabase,
    parse_value,
)

_ = db.command
NOW = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.fixture
def docdb() -> DocumentDatabase:
    """A database with deterministic ids and clock, and a seeded ``todos`` collection in env ``e``."""
    counter = itertools.count(1)
    database = DocumentDatabase(id_factory=lambda: f"id{next(counter)}", clock=lambda: NOW)
    database.seed(
        "e",
        "todos",
        [
            {
                "_id": "a",
                "title": "write",
                "n": 1,
                "done": False,
                "tags": ["x", "y"],
                "style": {"color": "red"},
            },
            {"_id": "b", "title": "read", "n": 5, "done": True, "tags": ["y"], "style": {"color": "blue"}},
            {"_id": "c", "title": "Sleep", "n": 3, "done": True, "items": [{"q": 1}, {"q": 7}]},
        ],
    )
    return database


def decoded(answer: dict[str, object]) -> list[dict[str, object]]:
    """The documents of a query or aggregate answer, each data item decoded from its JSON string."""
    data = answer["data"]
    assert isinstance(data, list)
    return [json.loads(item) for item in data]


def ids(answer: dict[str, object]) -> list[object]:
    """The ``_id`` of every document in a query answer's data, in order."""
    return [doc["_id"] for doc in decoded(answer)]


def test_the_query_page_sample_statement_and_answer_shape(docdb: DocumentDatabase) -> None:
    """WeChat's own sample runs as written: pager keys capitalised, data items are JSON strings."""
    answer = docdb.query("e", 'db.collection("todos").where({done:true}).limit(10).skip(1).get()')
    assert answer["errcode"] == 0
    assert answer["errmsg"] == "ok"
    assert answer["pager"] == {"Offset": 1, "Limit": 10, "Total": 2}
    assert answer["data"] == ['{"_id":"c","title":"Sleep","n":3,"done":true,"items":[{"q":1},{"q":7}]}']


def test_default_limit_is_ten_and_limits_over_1000_are_refused(docdb: DocumentDatabase) -> None:
    """Without limit() a query returns 10 documents; a limit over WeChat's maximum is an error."""
    docdb.seed("e", "many", [{"i": i} for i in range(25)])
    answer = docdb.query("e", db.collection("many").get())
    assert answer["pager"] == {"Offset": 0, "Limit": 10, "Total": 25}
    assert len(decoded(answer)) == 10
    assert len(decoded(docdb.query("e", db.collection("many").limit(1000).get()))) == 25
    with pytest.raises(DocDBError) as caught:
        docdb.query("e", 'db.collection("many").limit(1001).get()')
    assert caught.value.errcode == INVALID_PARAMETER


WHERE_CASES: list[tuple[str, object, list[str]]] = [
    ("plain equality", {"done": True}, ["b", "c"]),
    ("nested object matches field by field", {"style": {"color": "red"}}, ["a"]),
    ("dotted path", {"style.color": "blue"}, ["b"]),
    ("array contains", {"tags": "y"}, ["a", "b"]),
    ("null matches missing", {"tags": None}, ["c"]),
    ("eq of a whole object", {"style": _.eq({"color": "red"})}, ["a"]),
    ("neq", {"n": _.neq(1)}, ["b", "c"]),
    ("lt", {"n": _.lt(3)}, ["a"]),
    ("lte", {"n": _.lte(3)}, ["a", "c"]),
    ("gt", {"n": _.gt(3)}, ["b"]),
    ("gte on strings", {"title": _.gte("r")}, ["a", "b"]),
    ("in", {"n": _.in_([1, 5])}, ["a", "b"]),
    ("nin", {"n": _.nin([1, 5])}, ["c"]),
    ("and on a field", {"n": _.and_([_.gt(1), _.lt(5)])}, ["c"]),
    ("or on a field", {"n": _.or_([_.lt(2), _.gt(4)])}, ["a", "b"]),
    ("nor on a field", {"n": _.nor([_.lt(2), _.gt(4)])}, ["c"]),
    ("not", {"n": _.not_(_.eq(1))}, ["b", "c"]),
    ("exists", {"tags": _.exists(True)}, ["a", "b"]),
    ("mod", {"n": _.mod(2, 1)}, ["a", "b", "c"]),
    ("all", {"tags": _.all(["x", "y"])}, ["a"]),
    ("size", {"tags": _.size(1)}, ["b"]),
    ("elemMatch with an object", {"items": _.elem_match({"q": _.gt(5)})}, ["c"]),
    ("elemMatch with a command", {"tags": _.elem_match(_.eq("x"))}, ["a"]),
    ("regexp with flags", {"title": db.regexp("^s", "i")}, ["c"]),
    ("or at the top", _.or_([{"n": 1}, {"title": "read"}]), ["a", "b"]),
    ("nor at the top", _.nor([{"done": True}]), ["a"]),
]


@pytest.mark.parametrize(("label", "condition", "expected"), WHERE_CASES, ids=[c[0] for c in WHERE_CASES])
def test_where(docdb: DocumentDatabase, label: str, condition: object, expected: list[str]) -> None:
    """Each condition selects exactly the documents MongoDB semantics select."""
    assert ids(docdb.query("e", db.collection("todos").where(condition).get())) == expected  # type: ignore[arg-type]


def test_hand_written_statements_use_bare_or_quoted_keys_and_either_quote(docdb: DocumentDatabase) -> None:
    """The same language written by hand: bare, single- or double-quoted keys, db.command spelled out."""
    texts = [
        "db.collection('todos').where({'n': db.command.gt(4)}).get()",
        'db.collection("todos").where({n: _.gt(4),}).get()',
        'db.collection("todos")\n  .where({"n": _.gt(4.0)})\n  .get()',
    ]
    for text in texts:
        assert ids(docdb.query("e", text)) == ["b"]


def test_order_skip_limit_field(docdb: DocumentDatabase) -> None:
    """orderBy sorts by several keys in call order; skip/limit page; field projects."""
    query = db.collection("todos").order_by("done", "desc").order_by("n", "asc").skip(1).limit(2)
    answer = docdb.query("e", query.field({"n": True}).get())
    assert answer["pager"] == {"Offset": 1, "Limit": 2, "Total": 3}
    assert decoded(answer) == [{"_id": "b", "n": 5}, {"_id": "a", "n": 1}]
    excluded = docdb.query(
        "e", db.collection("todos").where({"_id": "a"}).field({"tags": False, "style": False}).get()
    )
    assert decoded(excluded) == [{"_id": "a", "title": "write", "n": 1, "done": False}]


def test_count(docdb: DocumentDatabase) -> None:
    """count answers {"count": n} for the where, or the whole collection."""
    assert docdb.count("e", db.collection("todos").where({"done": True}).count()) == {
        "errcode": 0,
        "errmsg": "ok",
        "count": 2,
    }
    assert docdb.count("e", db.collection("todos").count())["count"] == 3


def test_add_generates_ids_and_stores_dates_as_ejson(docdb: DocumentDatabase) -> None:
    """add answers id_list in order; given ids are kept; dates come back as {"$date": ISO}."""
    statement = db.collection("todos").add(
        [
            {"title": "new", "due": dt.datetime(2019, 9, 9, tzinfo=dt.UTC)},
            {"_id": "mine", "at": db.server_date(1000)},
        ]
    )
    assert docdb.add("e", statement) == {"errcode": 0, "errmsg": "ok", "id_list": ["id1", "mine"]}
    docs = docdb.query("e", db.collection("todos").where({"_id": _.in_(["id1", "mine"])}).get())
    assert decoded(docs) == [
        {"_id": "id1", "title": "new", "due": {"$date": "2019-09-09T00:00:00.000Z"}},
        {"_id": "mine", "at": {"$date": "2024-01-02T03:04:06.000Z"}},
    ]
    page_sample = 'db.collection("todos").add({data: [{description: "item1", due: new Date("2019-09-09"), done: false}]})'
    assert docdb.add("e", page_sample)["id_list"] == ["id2"]


def test_update_operators(docdb: DocumentDatabase) -> None:
    """Update commands apply per document; a nested object updates only the fields it names."""
    statement = (
        db.collection("todos")
        .where({"_id": "a"})
        .update(
            {
                "n": _.inc(2),
                "m": _.mul(3),
                "tags": _.push(["z"], position=0),
                "style": {"size": "L"},
                "done": _.remove(),
                "title": _.set({"t": 1}),
            }
        )
    )
    assert docdb.update("e", statement) == {
        "errcode": 0,
        "errmsg": "ok",
        "matched": 1,
        "modified": 1,
        "id": "",
    }
    (doc,) = [d for d in docdb.documents("e", "todos") if d["_id"] == "a"]
    assert doc == {
        "_id": "a",
        "title": {"t": 1},
        "n": 3,
        "m": 0,
        "tags": ["z", "x", "y"],
        "style": {"color": "red", "size": "L"},
    }
    docdb.update("e", db.collection("todos").doc("a").update({"tags": _.pop()}))
    docdb.update("e", db.collection("todos").doc("a").update({"tags": _.shift()}))
    docdb.update("e", db.collection("todos").doc("a").update({"tags": _.unshift(["w"])}))
    assert docdb.documents("e", "todos")[0]["tags"] == ["w", "x"]


def test_update_counts_matched_and_modified_and_set_reports_new_ids(docdb: DocumentDatabase) -> None:
    """matched counts selected documents, modified the changed ones; set() creating a doc answers its id."""
    answer = docdb.update("e", 'db.collection("todos").where({done:true}).update({data:{n: 3}})')
    assert (answer["matched"], answer["modified"]) == (2, 1)
    assert docdb.update("e", db.collection("todos").doc("z").set({"v": 1})) == {
        "errcode": 0,
        "errmsg": "ok",
        "matched": 0,
        "modified": 0,
        "id": "z",
    }
    replaced = docdb.update("e", db.collection("todos").doc("a").set({"v": 2}))
    assert (replaced["matched"], replaced["modified"], replaced["id"]) == (1, 1, "")
    assert docdb.documents("e", "todos")[0] == {"_id": "a", "v": 2}


def test_delete(docdb: DocumentDatabase) -> None:
    """remove answers {"deleted": n} for a where or a doc id."""
    assert docdb.delete("e", db.collection("todos").where({"done": True}).remove())["deleted"] == 2
    assert docdb.delete("e", db.collection("todos").doc("missing").remove())["deleted"] == 0
    assert docdb.delete("e", 'db.collection("todos").doc("a").remove()')["deleted"] == 1
    assert docdb.documents("e", "todos") == []


def test_aggregate_subset(docdb: DocumentDatabase) -> None:
    """match, sort, skip, limit, project run in order; other stages are refused as emulator limits."""
    statement = (
        'db.collection("todos").aggregate().match({done:true}).sort({n:-1}).limit(1).project({n:1}).end()'
    )
    assert docdb.aggregate("e", statement) == {"errcode": 0, "errmsg": "ok", "data": ['{"_id":"b","n":5}']}
    with pytest.raises(DocDBError) as caught:
        docdb.aggregate("e", 'db.collection("todos").aggregate().group({_id:"$done"}).end()')
    assert caught.value.errcode == INVALID_PARAMETER


def test_collections_add_delete_get(docdb: DocumentDatabase) -> None:
    """Collections are created, listed with a capitalised pager, and dropped per env."""
    assert docdb.collection_add("e", "logs") == {"errcode": 0, "errmsg": "ok"}
    listing = docdb.collection_get("e", limit=1, offset=1)
    assert listing["pager"] == {"Offset": 1, "Limit": 1, "Total": 2}
    assert listing["collections"] == [
        {"name": "logs", "count": 0, "size": 0, "index_count": 1, "index_size": 0}
    ]
    assert docdb.collection_get("other")["collections"] == []
    assert docdb.collection_delete("e", "logs") == {"errcode": 0, "errmsg": "ok"}
    with pytest.raises(DocDBError) as caught:
        docdb.collection_delete("e", "logs")
    assert caught.value.errcode == COLLECTION_NOT_EXISTS


def test_environments_are_separate(docdb: DocumentDatabase) -> None:
    """A collection of one env does not exist in another."""
    with pytest.raises(DocDBError) as caught:
        docdb.query("other-env", db.collection("todos").get())
    assert caught.value.answer() == {
        "errcode": COLLECTION_NOT_EXISTS,
        "errmsg": "database collection not exists",
    }


REFUSED: list[tuple[str, str, str, int]] = [
    ("query", "", "empty statement", MISSING_PARAMETER),
    ("query", 'db.collection("nope").get()', "missing collection", COLLECTION_NOT_EXISTS),
    ("query", 'db.collection("todos").where({a:1}).get(', "unterminated call", INVALID_PARAMETER),
    ("query", 'db.collection("todos").where({a:"x}).get()', "unterminated string", INVALID_PARAMETER),
    ("query", 'db.collection("todos").where({a:"x\ny"}).get()', "raw newline in a string", INVALID_PARAMETER),
    (
        "query",
        'db.collection("todos").get(); db.collection("x").remove()',
        "a second statement",
        INVALID_PARAMETER,
    ),
    (
        "query",
        'db.collection("todos").where({a: _.gt(1).and(_.lt(5))}).get()',
        "chained command",
        INVALID_PARAMETER,
    ),
    ("query", 'db.collection("todos").where({a: foo}).get()', "an identifier", INVALID_PARAMETER),
    ("query", 'db.collection("todos").where({a: _.bogus(1)}).get()', "unknown command", INVALID_PARAMETER),
    (
        "query",
        'db.collection("todos").where({a: _.inc(1)}).get()',
        "update command in where",
        INVALID_PARAMETER,
    ),
    ("query", 'db.collection("todos").where({a: 1}).where({b: 1}).get()', "where twice", INVALID_PARAMETER),
    ("query", 'db.collection("todos").orderBy("n", "up").get()', "bad direction", INVALID_PARAMETER),
    ("query", 'db.collection("todos").skip(-1).get()', "negative skip", INVALID_PARAMETER),
    ("query", 'db.collection("todos").limit(0).get()', "limit 0", INVALID_PARAMETER),
    ("query", 'db.collection("todos").remove()', "another endpoint's statement", INVALID_PARAMETER),
    (
        "query",
        'db.collection("todos").where({a: /x/}).get()',
        "a JavaScript regex literal",
        INVALID_PARAMETER,
    ),
    ("query", 'db.collection("todos").where({a: 1}) // note\n.get()', "a comment", INVALID_PARAMETER),
    ("count", 'db.collection("todos").limit(1).count()', "count after limit", INVALID_PARAMETER),
    ("add", 'db.collection("todos").add({data: [{_id: "a"}]})', "duplicate _id", INVALID_PARAMETER),
    ("add", 'db.collection("todos").add({data: [{n: _.inc(1)}]})', "a command in data", INVALID_PARAMETER),
    ("add", 'db.collection("todos").add({data: []})', "no documents", INVALID_PARAMETER),
    (
        "update",
        'db.collection("todos").where({}).update({data: {_id: "x"}})',
        "changing _id",
        INVALID_PARAMETER,
    ),
    (
        "update",
        'db.collection("todos").where({}).update({data: {n: _.gt(1)}})',
        "query command",
        INVALID_PARAMETER,
    ),
    (
        "update",
        'db.collection("todos").where({}).update({data: {title: _.inc(1)}})',
        "inc a string",
        INVALID_PARAMETER,
    ),
    (
        "update",
        'db.collection("todos").where({}).update({data: {n: _.push([1])}})',
        "push a number",
        INVALID_PARAMETER,
    ),
    ("update", 'db.collection("todos").set({data: {}})', "set without doc", INVALID_PARAMETER),
    ("delete", 'db.collection("todos").doc(1).remove()', "a numeric doc id", INVALID_PARAMETER),
]


@pytest.mark.parametrize(("endpoint", "text", "label", "errcode"), REFUSED, ids=[c[2] for c in REFUSED])
def test_statements_it_cannot_run_are_refused_with_an_errcode(
    docdb: DocumentDatabase, endpoint: str, text: str, label: str, errcode: int
) -> None:
    """A statement that cannot be parsed or executed is an error with WeChat's code, never a guess."""
    before = docdb.documents("e", "todos")
    with pytest.raises(DocDBError) as caught:
        getattr(docdb, endpoint)("e", text)
    assert caught.value.errcode == errcode
    assert caught.value.answer()["errcode"] == errcode
    assert docdb.documents("e", "todos") == before


def test_a_failing_update_changes_nothing(docdb: DocumentDatabase) -> None:
    """An update that fails on the last document leaves the earlier ones as they were too."""
    before = docdb.documents("e", "todos")
    with pytest.raises(DocDBError) as caught:
        docdb.update("e", 'db.collection("todos").where({}).update({data: {items: _.inc(1)}})')
    assert caught.value.errcode == INVALID_PARAMETER
    assert docdb.documents("e", "todos") == before


def test_missing_env_is_a_missing_parameter(docdb: DocumentDatabase) -> None:
    """An empty env answers 40101."""
    with pytest.raises(DocDBError) as caught:
        docdb.query("", db.collection("todos").get())
    assert caught.value.errcode == MISSING_PARAMETER


def test_parse_value_handles_javascript_escapes() -> None:
    """Single quotes, \\x, \\u, \\u{...}, surrogate pairs and line continuations decode like JavaScript."""
    assert (
        parse_value(
            r"'it\'s \x41\u0042\u{1F600}\ud83d\ude00 \
ok'"
        )
        == "it's AB😀😀 ok"
    )
    assert parse_value("{1: -2.5e3, 'k': [true, null]}") == {"1": -2500.0, "k": [True, None]}
