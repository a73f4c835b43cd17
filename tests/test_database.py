"""The database against the emulator over real sockets: statements, paging, injection, no resend, refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import wxtcb
from wxtcb import db
from wxtcb.database import FileType, Index, IndexKey
from wxtcb.testing import Emulator, Fault
from wxtcb.testing.cloudbase import CloudBase

ENV = "prod"
_ = db.command


@pytest.fixture
def todos(emulator: Emulator) -> list[str]:
    """A seeded 'todos' collection of 25 documents."""
    return emulator.seed_collection(
        ENV,
        "todos",
        [
            {"_id": f"t{i:02d}", "title": f"task {i}", "done": i % 2 == 0, "due": 1700000000 + i}
            for i in range(25)
        ],
    )


async def test_query_decodes_documents_and_pager(
    emulator: Emulator, client: wxtcb.Client, todos: list[str]
) -> None:
    """A query returns decoded documents and the capitalised pager as .pager."""
    q = db.collection("todos").where({"done": False}).order_by("due", "desc").skip(2).limit(3).get()
    page = await client.database.query(ENV, q)
    assert [d["_id"] for d in page.data] == ["t19", "t17", "t15"]
    assert (page.pager.offset, page.pager.limit, page.pager.total) == (2, 3, 12)


async def test_writes_count_and_delete(emulator: Emulator, client: wxtcb.Client, todos: list[str]) -> None:
    """add returns ids, update reports matched/modified, count and delete return ints."""
    ids = await client.database.add(
        ENV, db.collection("todos").add([{"_id": "new", "title": "n"}, {"title": "m"}])
    )
    assert ids[0] == "new"
    assert len(ids) == 2
    res = await client.database.update(
        ENV, db.collection("todos").where({"done": True}).update({"done": False})
    )
    assert (res.matched, res.modified, res.id) == (13, 13, None)
    inserted = await client.database.update(ENV, db.collection("todos").doc("fresh").set({"title": "f"}))
    assert inserted.id == "fresh"
    assert await client.database.count(ENV, db.collection("todos").where({"done": False}).count()) == 25
    assert await client.database.delete(ENV, db.collection("todos").where({"title": "n"}).remove()) == 1


async def test_aggregate_accepts_a_string(emulator: Emulator, client: wxtcb.Client, todos: list[str]) -> None:
    """aggregate takes a statement string and returns decoded rows."""
    rows = await client.database.aggregate(
        ENV, 'db.collection("todos").aggregate().match({done:true}).sort({due:-1}).limit(2).end()'
    )
    assert [r["_id"] for r in rows] == ["t24", "t22"]


async def test_ejson_values_become_python_values(emulator: Emulator, client: wxtcb.Client) -> None:
    """Dates, doubles and longs in WeChat's EJSON come back as datetime, float and int."""
    when = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)
    emulator.seed_collection(ENV, "events", [{"_id": "e1", "at": when}])
    page = await client.database.query(ENV, db.collection("events").get())
    assert page.data == [{"_id": "e1", "at": when}]
    emulator.fault(
        "tcb/databaseaggregate",
        Fault.raw(
            b'{"errcode":0,"errmsg":"ok","data":["{\\"p\\":{\\"$numberDouble\\":\\"113.0\\"},'
            b'\\"n\\":{\\"$numberLong\\":\\"5000000000\\"},\\"x\\":{\\"$oid\\":\\"abc\\"}}"]}'
        ),
    )
    rows = await client.database.aggregate(ENV, 'db.collection("events").aggregate().end()')
    assert rows == [{"p": 113.0, "n": 5_000_000_000, "x": "abc"}]


@pytest.mark.parametrize(
    "hostile",
    [
        '"}).remove(); db.collection("x',
        "back\\slash",
        "line\nbreak",
        "sep\u2028arator",
        "emoji 🎉",
        "})",
        "'",
    ],
)
async def test_injection_reaches_the_database_as_one_literal(
    emulator: Emulator, client: wxtcb.Client, hostile: str
) -> None:
    """A hostile title is stored and matched as itself; nothing else is touched."""
    emulator.seed_collection(ENV, "x", [{"_id": "keep", "title": "safe"}])
    await client.database.add(ENV, db.collection("x").add({"_id": "h", "title": hostile}))
    page = await client.database.query(ENV, db.collection("x").where({"title": hostile}).get())
    assert page.data == [{"_id": "h", "title": hostile}]
    assert len(emulator.collection_documents(ENV, "x")) == 2


async def test_iterate_pages_through_everything(
    emulator: Emulator, client: wxtcb.Client, todos: list[str]
) -> None:
    """iterate() fetches page after page until the last, in order, and honours max_documents."""
    seen = [
        d["_id"]
        async for d in client.database.iterate(
            ENV, db.collection("todos").order_by("_id", "asc"), page_size=10
        )
    ]
    assert seen == todos
    assert emulator.calls["tcb/databasequery"] == 3
    few = [
        d async for d in client.database.iterate(ENV, db.collection("todos"), page_size=4, max_documents=6)
    ]
    assert len(few) == 6


async def test_iterate_stops_at_the_first_total(
    emulator: Emulator, client: wxtcb.Client, todos: list[str]
) -> None:
    """Documents added while iterating do not make the iteration endless: it is bounded by the first total."""
    count = 0
    async for _doc in client.database.iterate(
        ENV, db.collection("todos").order_by("_id", "asc"), page_size=5
    ):
        count += 1
        emulator.seed_collection(ENV, "todos", [{"title": "more"}])
    assert count == 25


async def test_reads_are_retried(emulator: Emulator, client: wxtcb.Client, todos: list[str]) -> None:
    """A query meeting a transient failure is resent."""
    emulator.fault("tcb/databasequery", Fault.error(-502011))
    page = await client.database.query(ENV, db.collection("todos").limit(1).get())
    assert page.pager.total == 25
    assert emulator.calls["tcb/databasequery"] == 2


@pytest.mark.parametrize(
    ("call", "statement", "resent"),
    [
        ("add", db.collection("todos").add({"title": "x"}), False),
        ("update", db.collection("todos").where({"_id": "t01"}).update({"due": _.inc(1)}), False),
        ("update", db.collection("todos").where({"_id": "t01"}).update({"tags": _.push(["a"])}), False),
        ("update", 'db.collection("todos").doc("t01").update({data:{n: db.command.mul(2)}})', False),
        ("update", db.collection("todos").where({"_id": "t01"}).update({"done": True}), True),
        ("delete", db.collection("todos").where({"_id": "t01"}).remove(), True),
    ],
)
async def test_writes_that_accumulate_are_never_resent(
    emulator: Emulator, client: wxtcb.Client, todos: list[str], call: str, statement: object, resent: bool
) -> None:
    """add and accumulating updates meet a transient failure once and raise; idempotent writes are resent."""
    path = {"add": "tcb/databaseadd", "update": "tcb/databaseupdate", "delete": "tcb/databasedelete"}[call]
    emulator.fault(path, Fault.http(503))
    if resent:
        await getattr(client.database, call)(ENV, statement)
        assert emulator.calls[path] == 2
    else:
        with pytest.raises(wxtcb.TransportError, match="not resent"):
            await getattr(client.database, call)(ENV, statement)
        assert emulator.calls[path] == 1


async def test_collections_create_list_drop(emulator: Emulator, client: wxtcb.Client) -> None:
    """collections.create/list/drop round-trip; a missing collection is CloudBaseError -502005."""
    await client.database.collections.create(ENV, "a")
    await client.database.collections.create(ENV, "b")
    listing = await client.database.collections.list(ENV, limit=1, offset=1)
    assert [c.name for c in listing.collections] == ["b"]
    assert listing.pager.total == 2
    await client.database.collections.drop(ENV, "a")
    with pytest.raises(wxtcb.CloudBaseError) as info:
        await client.database.query(ENV, db.collection("a").get())
    assert info.value.errcode == -502005


async def test_migration_and_bounded_wait(emulator: Emulator, client: wxtcb.Client, todos: list[str]) -> None:
    """An export starts a job; wait_migration polls it to success; a job that never ends times out."""
    job = await client.database.migrate_export(ENV, "out.json", db.collection("todos").get(), FileType.JSON)
    done = await client.database.wait_migration(ENV, job, timeout=5, interval=0)
    assert (done.status, done.record_success, done.done) == ("success", 25, True)
    assert emulator.calls["tcb/databasemigratequeryinfo"] == 2
    emulator.state(CloudBase).migration_polls = 10**6
    job = await client.database.migrate_import(ENV, "todos", "in.json")
    with pytest.raises(TimeoutError, match="waiting"):
        await client.database.wait_migration(ENV, job, timeout=0.05, interval=0.01)


async def test_migration_info_reads_err_msg_too(emulator: Emulator, client: wxtcb.Client) -> None:
    """The page's table spells the field err_msg; it lands in error_msg."""
    emulator.fault(
        "tcb/databasemigratequeryinfo",
        Fault.raw(
            b'{"errcode":0,"errmsg":"ok","status":"fail","record_success":0,"record_fail":2,"err_msg":"bad row"}'
        ),
    )
    job = await client.database.migration(ENV, 1)
    assert (job.status, job.error_msg, job.done) == ("fail", "bad row", True)


async def test_update_index(emulator: Emulator, client: wxtcb.Client, todos: list[str]) -> None:
    """updateindex creates and drops indexes; directions travel as WeChat's strings."""
    await client.database.update_index(ENV, "todos", create_indexes=[Index("by_due", [IndexKey("due", -1)])])
    assert emulator.state(CloudBase).indexes[(ENV, "todos")]["by_due"] == {
        "name": "by_due",
        "keys": [{"name": "due", "direction": "-1"}],
        "unique": False,
    }
    await client.database.update_index(ENV, "todos", drop_indexes=["by_due"])
    assert emulator.state(CloudBase).indexes[(ENV, "todos")] == {}


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("query", (ENV, db.collection("todos").count())),
        ("query", ("", db.collection("todos").get())),
        ("query", (ENV, "  ")),
        ("add", (ENV, db.collection("todos").get())),
        ("update", (ENV, db.collection("todos").where({"a": 1}).remove())),
        ("delete", (ENV, db.collection("todos").add({"a": 1}))),
        ("count", (ENV, db.collection("todos").get())),
        ("aggregate", (ENV, "")),
        ("migrate_export", (ENV, "out.json", db.collection("t").where({"a": 1}).count())),
        ("update_index", (ENV, "todos")),
    ],
)
async def test_bad_input_is_refused_before_io(
    emulator: Emulator, client: wxtcb.Client, call: str, args: tuple[Any, ...]
) -> None:
    """A statement for another endpoint, an empty env or statement never reaches the emulator."""
    with pytest.raises(wxtcb.InvalidRequestError):
        await getattr(client.database, call)(*args)
    assert sum(emulator.calls.values()) == 0


async def test_bad_iterate_is_refused_before_io(emulator: Emulator, client: wxtcb.Client) -> None:
    """iterate() refuses a finished statement, its own limit, or a page size out of range, sending nothing."""
    for q, size in [(db.collection("t").limit(5), 10), (db.collection("t"), 0), (db.collection("t"), 1001)]:
        with pytest.raises(wxtcb.InvalidRequestError):
            async for _doc in client.database.iterate(ENV, q, page_size=size):
                pass
    with pytest.raises(wxtcb.InvalidRequestError):
        async for _doc in client.database.iterate(ENV, db.collection("t").get()):  # type: ignore[arg-type]
            pass
    assert sum(emulator.calls.values()) == 0


todos_ref = db.collection("todos")

#: (namespace method, what is passed, words the message must contain: what was passed, what to call)
STATEMENT_MISTAKES: list[tuple[str, object, list[str]]] = [
    ("query", todos_ref.where({"done": False}), ["not a wxtcb.db Query", "end it with .get()"]),
    ("query", todos_ref, ["not a wxtcb.db CollectionRef", "end it with .get()"]),
    ("query", todos_ref.doc("t1"), ["not a wxtcb.db DocumentRef", "where({'_id': id}).get()"]),
    ("query", todos_ref.count(), ["ends in count()", "send it with database.count()"]),
    ("query", todos_ref.where({"done": True}).remove(), ["ends in remove()", "database.delete()"]),
    ("query", 'db.collection("todos").where({done:false})', ["does not end in one", "end it with .get()"]),
    ("query", 'db.collection("todos").count()', ["this text ends in count()", "database.count()"]),
    ("query", 'db.collection("t").aggregate().end()', ["ends in end()", "database.aggregate()"]),
    ("query", "  ", ["an empty statement", ".get()"]),
    ("query", None, ["not a NoneType", ".get()"]),
    ("query", {"done": False}, ["not a dict", ".get()"]),
    ("count", todos_ref.where({"done": False}), ["not a wxtcb.db Query", "end it with .count()"]),
    ("count", todos_ref.get(), ["ends in get()", "database.query()"]),
    ("count", 'db.collection("todos").get()', ["ends in get()", "database.query()"]),
    ("delete", todos_ref.where({"done": True}), ["not a wxtcb.db Query", "end it with .remove()"]),
    ("delete", todos_ref.doc("t1"), ["not a wxtcb.db DocumentRef", "end it with .remove()"]),
    ("delete", todos_ref.add({"a": 1}), ["ends in add()", "database.add()"]),
    ("update", todos_ref.where({"done": True}), ["not a wxtcb.db Query", "end it with .update(…)"]),
    ("update", todos_ref.doc("t1"), ["not a wxtcb.db DocumentRef", "end it with .update(…)"]),
    ("update", todos_ref.get(), ["ends in get()", "database.query()"]),
    ("update", 'db.collection("todos").where({a:1}).remove()', ["ends in remove()", "database.delete()"]),
    ("add", todos_ref, ["not a wxtcb.db CollectionRef", "db.collection(name).add(…)"]),
    ("add", todos_ref.get(), ["ends in get()", "database.query()"]),
    ("add", 'db.collection("todos").count()', ["ends in count()", "database.count()"]),
    ("migrate_export", todos_ref.count(), ["ends in count()", "database.count()"]),
    ("migrate_export", todos_ref.where({"a": 1}), ["not a wxtcb.db Query", "end it with .get()"]),
    ("aggregate", todos_ref.get(), ["not a wxtcb.db Statement", "aggregate().match"]),
    ("aggregate", todos_ref.where({"a": 1}), ["not a wxtcb.db Query", "aggregate().match"]),
    ("aggregate", "", ["not an empty string", "aggregate().match"]),
]


@pytest.mark.parametrize(
    ("call", "value", "words"),
    STATEMENT_MISTAKES,
    ids=[f"{c}-{type(v).__name__}-{i}" for i, (c, v, _w) in enumerate(STATEMENT_MISTAKES)],
)
async def test_every_statement_mistake_says_what_was_passed_and_what_to_call(
    emulator: Emulator, client: wxtcb.Client, call: str, value: object, words: list[str]
) -> None:
    """Each wrong statement is refused before any I/O, naming the method, what it got and what to call."""
    args = (ENV, "out.json", value) if call == "migrate_export" else (ENV, value)
    with pytest.raises(wxtcb.InvalidRequestError) as caught:
        await getattr(client.database, call)(*args)
    message = str(caught.value)
    assert message.startswith(f"database.{call}()"), message
    for word in words:
        assert word in message, (word, message)
    assert "must be a wxtcb.db.Statement or a non-empty string" not in message
    assert sum(emulator.calls.values()) == 0


async def test_statement_texts_with_the_right_ending_are_sent(
    emulator: Emulator, client: wxtcb.Client, todos: list[str]
) -> None:
    """Text statements that end as their endpoint needs (trailing spaces allowed) still go through."""
    page = await client.database.query(ENV, 'db.collection("todos").where({done:false}).limit(2).get() ')
    assert len(page.data) == 2
    assert await client.database.count(ENV, 'db.collection("todos").where({done:true}).count()') == 13


def _bad_migrations() -> list[tuple[Any, dict[str, Any], str]]:
    from wxtcb.batch.database import BatchDbExport, BatchDbImport
    from wxtcb.database import DatabaseMigrateExport, DatabaseMigrateImport

    common = {"env": "e", "file_path": "todos.json"}
    imports = {**common, "collection_name": "todos"}
    exports = {**common, "query": 'db.collection("todos").get()'}
    return [
        (DatabaseMigrateImport, {**imports, "file_type": 9}, "file_type"),
        (DatabaseMigrateImport, {**imports, "conflict_mode": "upsert"}, "conflict_mode"),
        (DatabaseMigrateExport, {**exports, "file_type": "csv"}, "file_type"),
        (BatchDbImport, {**imports, "file_type": 9}, "file_type"),
        (BatchDbImport, {**imports, "conflict_mode": 3}, "conflict_mode"),
        (BatchDbExport, {**exports, "file_type": 0}, "file_type"),
    ]


@pytest.mark.parametrize(("cls", "kwargs", "field"), _bad_migrations())
def test_a_migration_enum_out_of_range_is_an_invalid_request(
    cls: Any, kwargs: dict[str, Any], field: str
) -> None:
    """A file type or conflict mode WeChat does not know is refused with InvalidRequestError naming
    the field and the allowed values (not a bare ValueError), in common and batch mode alike."""
    with pytest.raises(wxtcb.InvalidRequestError, match=f"{field} must be one of"):
        cls(**kwargs)
