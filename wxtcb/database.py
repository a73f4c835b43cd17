"""The CloudBase database (云数据库): statements, collections, migrations and indexes.

On every client as ``client.database``::

    from wxtcb import db
    _ = db.command
    page = await client.database.query(env, db.collection("todos").where({"done": False}).limit(10).get())
    page.data, page.pager.total
    async for doc in client.database.iterate(env, db.collection("todos").order_by("_id", "asc")):
        ...

Every statement method takes a `wxtcb.db.Statement` (built so that values are literals, never
code) or a plain string for what the builder does not cover. A built statement must fit the
endpoint (``query`` takes a ``get()``, ``update`` an ``update()``/``set()`` …): a mismatch is
refused with `InvalidRequestError` before anything is sent, as are an empty ``env`` or statement.

What WeChat's pages say, and what wxtcb does with it
-----------------------------------------------------

- Answers as WeChat sends them (the HTTP-API pages ``reference-http-api/database/*``):
  ``databasequery`` and ``databaseaggregate`` answer ``data`` as a list of JSON **strings**;
  each is decoded. ``pager`` has capitalised keys (``Offset``, ``Limit``, ``Total``) on the
  databaseQuery and databaseCollectionGet pages; the third-party batch pages write them in lower
  case, so both are accepted. Totals are Python ints (no ``2**32`` limit).
- EJSON: the databaseAggregate page's sample answer carries ``{"$numberDouble": "113.0"}``;
  MongoDB's extended JSON also writes ``$date``, ``$numberLong``, ``$numberInt``,
  ``$numberDecimal`` and ``$oid``. A JSON object with exactly one of these keys becomes a Python
  value: ``$date`` → an aware UTC `datetime.datetime` (from ISO 8601 text, or milliseconds as a
  number or ``{"$numberLong": …}``); ``$numberDouble`` → `float` (``"Infinity"``, ``"NaN"``
  included); ``$numberLong``/``$numberInt`` → `int`; ``$numberDecimal`` → `decimal.Decimal`;
  ``$oid`` → `str`. Anything else (``$binary``, ``$regularExpression``…) stays a dict.
- ``databaseaggregate``: the miniprogram page spells the body field ``Query``, the newer pages
  ``query`` (a community thread calls the former a typo); wxtcb sends ``query``.
- ``databaseupdate`` answers ``matched``, ``modified`` and ``id``, the last filled only when a
  ``set`` inserted a document (``""`` otherwise, which wxtcb turns into None).
- ``databasemigratequeryinfo``: the page's table names the error field ``err_msg``, its sample
  and the newer pages ``error_msg``; both are read into `MigrationJob.error_msg`. The sample's
  ``status`` is ``"success"``; no page lists the other values, so `MigrationJob.done` treats
  ``"success"`` and ``"fail"`` as final and `Database.wait_migration` polls until one of them.
- ``updateindex``: ``create_indexes`` and ``drop_indexes`` are both marked required (sent, maybe
  empty); a key's ``direction`` is the *string* ``"1"``, ``"-1"`` or ``"2dsphere"``.

What is resent after a transient failure
----------------------------------------

Reads (query, count, aggregate, collection listing, migration info) are retried like any
idempotent call, and so are deletes (the database ends the same; a retried delete may report
fewer deletions) and updates that only set values. Never resent: ``add`` (a repeat adds twice),
an update whose statement calls ``inc``, ``mul``, ``push``, ``pop``, ``shift`` or ``unshift``
(found by its text, so a string value that merely contains such a call also counts), creating or
dropping a collection (a repeat would fail), starting a migration and changing indexes.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import decimal
import enum
import json
import re
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, ClassVar

import attrs

from wxtcb import db
from wxtcb.converter import structure
from wxtcb.errors import DecodeError, InvalidRequestError
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, endpoint, namespace
from wxtcb.validators import env_id, member_of
from wxtcb.wire import wire

__all__ = [
    "CollectionInfo",
    "CollectionList",
    "Collections",
    "ConflictMode",
    "Database",
    "DatabaseAdd",
    "DatabaseAggregate",
    "DatabaseCollectionAdd",
    "DatabaseCollectionDelete",
    "DatabaseCollectionGet",
    "DatabaseCount",
    "DatabaseDelete",
    "DatabaseMigrateExport",
    "DatabaseMigrateImport",
    "DatabaseMigrateQueryInfo",
    "DatabaseQuery",
    "DatabaseUpdate",
    "FileType",
    "Index",
    "IndexKey",
    "MigrationJob",
    "Pager",
    "QueryResult",
    "UpdateIndex",
    "UpdateResult",
    "decode_ejson",
]

_DOCS = "https://developers.weixin.qq.com/minigame/dev/wxcloud/reference-http-api/database/"

# ---------------------------------------------------------------------------------------------
# EJSON


def _date(value: object) -> _dt.datetime | None:
    if isinstance(value, Mapping) and set(value) == {"$numberLong"}:
        value = value["$numberLong"]
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC) + _dt.timedelta(milliseconds=value)
    if isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)
    return None


def _scalar(key: str, value: object) -> object:
    if key == "$date":
        return _date(value)
    if not isinstance(value, str):
        return None
    try:
        if key == "$numberDouble":
            return float(value)
        if key in ("$numberLong", "$numberInt"):
            return int(value)
        if key == "$numberDecimal":
            return decimal.Decimal(value)
    except (ValueError, decimal.InvalidOperation):
        return None
    return value if key == "$oid" else None


_EJSON_KEYS = frozenset({"$date", "$numberDouble", "$numberLong", "$numberInt", "$numberDecimal", "$oid"})


def decode_ejson(value: object) -> Any:
    """*value* with every EJSON wrapper (see the module docstring) turned into its Python value.

    A wrapper whose content does not parse is left as it was.
    """
    if isinstance(value, dict):
        if len(value) == 1:
            (key,) = value
            if key in _EJSON_KEYS:
                decoded = _scalar(key, value[key])
                if decoded is not None:
                    return decoded
        return {k: decode_ejson(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_ejson(v) for v in value]
    return value


def _documents(values: Iterable[object]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for i, value in enumerate(values):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                raise DecodeError(f"cannot decode the documents: expected JSON text @ $.data[{i}]") from None
        if not isinstance(value, dict):
            raise DecodeError(f"cannot decode the documents: expected an object @ $.data[{i}]")
        docs.append(decode_ejson(value))
    return docs


def capitalised_pager(data: object) -> object:
    """The answer with its pager's keys capitalised (batch-mode pages write them in lower case)."""
    if isinstance(data, Mapping) and isinstance(data.get("pager"), Mapping):
        pager = {k[:1].upper() + k[1:] if isinstance(k, str) else k: v for k, v in data["pager"].items()}
        return {**data, "pager": pager}
    return data


# ---------------------------------------------------------------------------------------------
# Models


@attrs.frozen
class Pager:
    """Where a page sits in the whole.

    Attributes:
        offset: Documents (or collections) skipped, ``Offset`` on the wire.
        limit: The page's limit, ``Limit`` on the wire.
        total: How many match in all, ``Total`` on the wire.
    """

    offset: int = attrs.field(metadata=wire("Offset"))
    limit: int = attrs.field(metadata=wire("Limit"))
    total: int = attrs.field(metadata=wire("Total"))


@attrs.frozen
class QueryResult:
    """One page of a query.

    Attributes:
        data: The documents, decoded from WeChat's JSON strings, EJSON values made Python values.
        pager: Offset, limit and the total number of matching documents.
    """

    data: list[dict[str, Any]] = attrs.field(converter=_documents, metadata=wire(json_text=True))
    pager: Pager


def _none_if_empty(value: str | None) -> str | None:
    return value or None


@attrs.frozen
class UpdateResult:
    """What an update did.

    Attributes:
        matched: Documents the statement matched.
        modified: Documents it changed.
        id: The id of the document a ``set`` inserted; None otherwise (WeChat sends ``""``).
    """

    matched: int
    modified: int
    id: str | None = attrs.field(default=None, converter=_none_if_empty)


@attrs.frozen
class CollectionInfo:
    """One collection in a listing.

    Attributes:
        name: The collection's name.
        count: Documents in it.
        size: Its size in bytes.
        index_count: Its indexes.
        index_size: Their size in bytes.
    """

    name: str
    count: int = 0
    size: int = 0
    index_count: int = 0
    index_size: int = 0


def _collections(value: Iterable[CollectionInfo]) -> tuple[CollectionInfo, ...]:
    return tuple(value)


@attrs.frozen
class CollectionList:
    """A page of the environment's collections.

    Attributes:
        collections: The collections on this page.
        pager: Offset, limit and the total number of collections.
    """

    collections: tuple[CollectionInfo, ...] = attrs.field(converter=_collections)
    pager: Pager


@attrs.frozen
class MigrationJob:
    """The state of an import or export job.

    Attributes:
        status: WeChat's status text (``"success"`` when done well).
        record_success: Records imported or exported.
        record_fail: Records that failed.
        error_msg: WeChat's message (``error_msg``, or ``err_msg`` as one page's table spells it).
        file_url: The exported file's download URL (exports); hidden from the repr, as it may
            carry a signature.
    """

    status: str
    record_success: int = 0
    record_fail: int = 0
    error_msg: str = ""
    file_url: str = attrs.field(default="", repr=False)

    @property
    def done(self) -> bool:
        """Whether the job has finished, well (``"success"``) or not (``"fail"``)."""
        return self.status in ("success", "fail")


class FileType(enum.IntEnum):
    """The format of an import or export file: ``JSON`` is 1 on the wire, ``CSV`` is 2.

    Attributes:
        JSON: A JSON file, 1 on the wire.
        CSV: A CSV file, 2 on the wire.
    """

    JSON = 1
    CSV = 2


class ConflictMode(enum.IntEnum):
    """What an import does with an existing ``_id``: ``INSERT`` (1) or ``UPSERT`` (2).

    Attributes:
        INSERT: Insert, 1 on the wire.
        UPSERT: Upsert, 2 on the wire.
    """

    INSERT = 1
    UPSERT = 2


_DIRECTIONS = ("1", "-1", "2dsphere")


def _direction(value: object) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if text not in _DIRECTIONS:
        raise InvalidRequestError("an index key's direction is '1', '-1' or '2dsphere'")
    return str(text)


@attrs.frozen
class IndexKey:
    """One field of an index.

    Attributes:
        name: The field.
        direction: ``"1"`` ascending, ``"-1"`` descending, ``"2dsphere"`` geo (1 and -1 as ints
            are accepted and sent as the strings WeChat documents).
    """

    name: str = attrs.field(validator=lambda _i, _a, v: db.checked_name(v, "index key name"))
    direction: str = attrs.field(default="1", converter=_direction)


def _keys(value: Iterable[IndexKey]) -> tuple[IndexKey, ...]:
    keys = tuple(value)
    if not keys or not all(isinstance(k, IndexKey) for k in keys):
        raise InvalidRequestError("an index needs one or more IndexKey")
    return keys


@attrs.frozen
class Index:
    """An index to create.

    Attributes:
        name: The index's name.
        keys: Its fields, in order.
        unique: Whether two documents may not share its key.
    """

    name: str = attrs.field(validator=lambda _i, _a, v: db.checked_name(v, "index name"))
    keys: tuple[IndexKey, ...] = attrs.field(converter=_keys)
    unique: bool = False


@attrs.frozen
class _IndexName:
    name: str = attrs.field(validator=lambda _i, _a, v: db.checked_name(v, "index name"))


# ---------------------------------------------------------------------------------------------
# Method objects


def collection_name_field(_: object, __: attrs.Attribute[str], value: object) -> None:
    """The attrs validator of a collection name (shared with `wxtcb.batch.database`)."""
    db.checked_name(value, "collection_name")


#: For each statement action: the namespace method that sends it, and the call a builder query ends with.
_SENT_BY = {
    "get": ("database.query()", ".get()"),
    "count": ("database.count()", ".count()"),
    "update": ("database.update()", ".update({'title': 'y'})"),
    "set": ("database.update()", ".update({'title': 'y'})"),
    "remove": ("database.delete()", ".remove()"),
    "add": ("database.add()", ".add({'title': 'x'})"),
}
#: A statement text's last call when it takes no arguments: get(), count(), remove(), end().
_LAST_BARE_CALL = re.compile(r"\.\s*(get|count|remove|end)\s*\(\s*\)\s*;?\s*$")


def _statement(value: db.Statement | str, *actions: str, caller: str | None = None) -> str:
    """A `wxtcb.db.Statement` whose action fits the endpoint, or text that ends as it should: its text.

    Each refusal says what was passed and what to call instead; *caller* names the method when it
    is not the one that sends the action (an export takes a ``get()`` statement).
    """
    sent_by, call = _SENT_BY[actions[0]]
    sent_by = caller or sent_by
    wanted = " or ".join(f"{a}()" for a in actions)
    # Valid both as Python (the builder) and as statement text (the CLI).
    example = "db.collection('todos')" + ("" if actions[0] == "add" else ".where({'title': 'x'})") + call
    if isinstance(value, db.Statement):
        if value.action not in actions:
            raise InvalidRequestError(
                f"{sent_by} takes a statement ending in {wanted}; this one ends in {value.action}(): "
                f"send it with {_SENT_BY[value.action][0]}"
            )
        return value.text
    if isinstance(value, (db.Query, db.CollectionRef, db.DocumentRef)):
        ends = call if call.endswith("()") else call.split("(")[0] + "(…)"
        if actions[0] == "add":
            how = f"build it with db.collection(name).add(…), e.g. {example}"
        elif isinstance(value, db.DocumentRef) and actions[0] in ("get", "count"):
            how = f"select a document by id, e.g. db.collection('todos').where({{'_id': id}}){call}"
        else:
            how = f"end it with {ends}, e.g. {example}"
        raise InvalidRequestError(
            f"{sent_by} takes a finished statement, not a wxtcb.db {type(value).__name__} "
            f"(a builder without its last call): {how}"
        )
    if not isinstance(value, str):
        raise InvalidRequestError(
            f"{sent_by} takes a wxtcb.db statement or its text, not a {type(value).__name__}: e.g. {example}"
        )
    if not value.strip():
        raise InvalidRequestError(f"{sent_by} got an empty statement: e.g. {example}")
    last = _LAST_BARE_CALL.search(value)
    if last is not None and last[1] not in actions:
        other = "database.aggregate()" if last[1] == "end" else _SENT_BY[last[1]][0]
        raise InvalidRequestError(
            f"{sent_by} takes a statement ending in {wanted}; this text ends in {last[1]}(): "
            f"send it with {other}"
        )
    if last is None and actions[0] in ("get", "count", "remove"):
        raise InvalidRequestError(
            f"{sent_by} takes a statement ending in {wanted}; this text does not end in one: "
            f"end it with {call}, e.g. {example}"
        )
    return value


def get_statement(value: db.Statement | str) -> str:
    """A ``get()`` statement's text (shared with `wxtcb.batch.database`, like the other checks)."""
    return _statement(value, "get")


def _export(value: db.Statement | str) -> str:
    return _statement(value, "get", caller="database.migrate_export()")


def add_statement(value: db.Statement | str) -> str:
    """An ``add()`` statement's text."""
    return _statement(value, "add")


def update_statement(value: db.Statement | str) -> str:
    """An ``update()`` or ``set()`` statement's text."""
    return _statement(value, "update", "set")


def remove_statement(value: db.Statement | str) -> str:
    """A ``remove()`` statement's text."""
    return _statement(value, "remove")


def _count(value: db.Statement | str) -> str:
    return _statement(value, "count")


def aggregate_statement(value: str) -> str:
    """An aggregate statement's text, checked (shared with `wxtcb.batch.database`)."""
    example = "'db.collection(\"todos\").aggregate().match({done: false}).end()'"
    if isinstance(value, (db.Statement, db.Query, db.CollectionRef, db.DocumentRef)):
        raise InvalidRequestError(
            f"database.aggregate() takes the aggregation as text (wxtcb.db builds no aggregations), "
            f"not a wxtcb.db {type(value).__name__}: e.g. {example}"
        )
    if not isinstance(value, str) or not value.strip():
        got = "an empty string" if isinstance(value, str) else f"a {type(value).__name__}"
        raise InvalidRequestError(
            f"database.aggregate() takes the aggregation as non-empty text, not {got}: e.g. {example}"
        )
    return value


@attrs.frozen
class DatabaseQuery(Method[QueryResult]):
    """Read a page of documents (``get()``); WeChat returns 10 unless the statement limits.

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``get()``, or its text
            (which must end in ``.get()``).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint("tcb/databasequery", doc=_DOCS + "databaseQuery.html")

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=get_statement)

    @staticmethod
    def __decode__(value: object) -> QueryResult:
        return structure(capitalised_pager(value), QueryResult)


@attrs.frozen
class DatabaseAdd(Method[list[str]]):
    """Insert documents (``add()``); returns their ids. Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``add()`` (or its text,
            non-empty).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databaseadd", idempotent=False, result_key="id_list", doc=_DOCS + "databaseAdd.html"
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=add_statement)


#: Update commands whose repetition changes the result.
ACCUMULATES = re.compile(r"(?:\b_|\bcommand)\s*\.\s*(?:inc|mul|push|pop|shift|unshift)\s*\(")


@attrs.frozen
class DatabaseUpdate(Method[UpdateResult]):
    """Update documents (``update()`` or ``doc(id).set()``); resent after a transient failure
    only when the statement has no ``inc``/``mul``/``push``/``pop``/``shift``/``unshift``.

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``update()`` or ``set()`` (or
            its text, non-empty).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databaseupdate",
        doc="https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/cloudbase/common/"
        "databaseupdate.html",
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=update_statement)

    @property
    def __idempotent__(self) -> bool:
        return ACCUMULATES.search(self.query) is None


@attrs.frozen
class DatabaseDelete(Method[int]):
    """Delete documents (``remove()``); returns how many.

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``remove()``, or its text
            (which must end in ``.remove()``).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databasedelete", result_key="deleted", doc=_DOCS + "databaseDelete.html"
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=remove_statement)


@attrs.frozen
class DatabaseCount(Method[int]):
    """Count documents (``count()``).

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``count()``, or its text
            (which must end in ``.count()``).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databasecount", result_key="count", doc=_DOCS + "databaseCount.html"
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=_count)


@attrs.frozen
class DatabaseAggregate(Method[list[dict[str, Any]]]):
    """Run an aggregation (a string: ``db.collection(…).aggregate()….end()``); returns the rows.

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the aggregation as a non-empty string (``db.collection(…).aggregate()….end()``).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databaseaggregate", result_key="data", doc=_DOCS + "databaseAggregate.html"
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=aggregate_statement)

    @staticmethod
    def __decode__(value: object) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise DecodeError("cannot decode the rows: expected an array @ $.data")
        return _documents(value)


@attrs.frozen
class DatabaseCollectionAdd(Method[None]):
    """Create a collection. Never resent (a repeat would fail: it exists).

    Attributes:
        env: ``env``, the environment id (non-empty).
        collection_name: ``collection_name``, the collection to create (a non-empty string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databasecollectionadd", idempotent=False, doc=_DOCS + "databaseCollectionAdd.html"
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)


@attrs.frozen
class DatabaseCollectionDelete(Method[None]):
    """Drop a collection and its documents. Never resent (a repeat would fail: it is gone).

    Attributes:
        env: ``env``, the environment id (non-empty).
        collection_name: ``collection_name``, the collection to drop (a non-empty string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databasecollectiondelete",
        idempotent=False,
        doc="https://developers.weixin.qq.com/miniprogram/dev/wxcloudservice/wxcloud/reference-http-api/database/"
        "databaseCollectionDelete.html",
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)


def non_negative_field(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    """The attrs validator of a count or offset (shared with `wxtcb.batch.database`)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError(f"{attribute.name} must be a non-negative integer")


@attrs.frozen
class DatabaseCollectionGet(Method[CollectionList]):
    """List the environment's collections, *limit* at a time from *offset*.

    Attributes:
        env: ``env``, the environment id (non-empty).
        limit: ``limit``, how many collections per page (10 by default; a non-negative integer).
        offset: ``offset``, how many to skip (a non-negative integer).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databasecollectionget", doc=_DOCS + "databaseCollectionGet.html"
    )

    env: str = attrs.field(validator=env_id)
    limit: int = attrs.field(default=10, validator=non_negative_field)
    offset: int = attrs.field(default=0, validator=non_negative_field)

    @staticmethod
    def __decode__(value: object) -> CollectionList:
        return structure(capitalised_pager(value), CollectionList)


def file_path_field(_: object, __: attrs.Attribute[str], value: object) -> None:
    """The attrs validator of a migration's file path (shared with `wxtcb.batch.database`)."""
    db.checked_name(value, "file_path")


_FILE_TYPE = member_of(FileType, "file_type")
_CONFLICT_MODE = member_of(ConflictMode, "conflict_mode")


def file_type_of(value: object) -> FileType:
    """The attrs converter of a migration's ``file_type`` (shared with `wxtcb.batch.database`)."""
    return _FILE_TYPE(value)


def conflict_mode_of(value: object) -> ConflictMode:
    """The attrs converter of an import's ``conflict_mode`` (shared with `wxtcb.batch.database`)."""
    return _CONFLICT_MODE(value)


@attrs.frozen
class DatabaseMigrateImport(Method[int]):
    """Import a file already in the environment's storage into a collection; returns the job id.
    Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        collection_name: ``collection_name``, the collection to import into (a non-empty string).
        file_path: ``file_path``, the file's path in the environment's storage (a non-empty string).
        file_type: ``file_type``, `FileType.JSON` (1) or `FileType.CSV` (2); an integer is converted.
        stop_on_error: ``stop_on_error``, whether the import stops on an error (False by default).
        conflict_mode: ``conflict_mode``, `ConflictMode.INSERT` (1) or `ConflictMode.UPSERT` (2) for an
            existing ``_id``.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databasemigrateimport",
        idempotent=False,
        result_key="job_id",
        doc=_DOCS + "databaseMigrateImport.html",
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)
    file_path: str = attrs.field(validator=file_path_field)
    file_type: FileType = attrs.field(default=FileType.JSON, converter=file_type_of)
    stop_on_error: bool = False
    conflict_mode: ConflictMode = attrs.field(default=ConflictMode.INSERT, converter=conflict_mode_of)


@attrs.frozen
class DatabaseMigrateExport(Method[int]):
    """Export what a ``get()`` statement matches to a file in storage; returns the job id.
    Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        file_path: ``file_path``, where the file is written in the environment's storage (a non-empty string).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``get()``, or its text
            (which must end in ``.get()``).
        file_type: ``file_type``, `FileType.JSON` (1) or `FileType.CSV` (2); an integer is converted.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databasemigrateexport",
        idempotent=False,
        result_key="job_id",
        doc=_DOCS + "databaseMigrateExport.html",
    )

    env: str = attrs.field(validator=env_id)
    file_path: str = attrs.field(validator=file_path_field)
    query: str = attrs.field(converter=_export)
    file_type: FileType = attrs.field(default=FileType.JSON, converter=file_type_of)


@attrs.frozen
class DatabaseMigrateQueryInfo(Method[MigrationJob]):
    """The state of an import or export job.

    Attributes:
        env: ``env``, the environment id (non-empty).
        job_id: ``job_id``, the id an import or export returned (a non-negative integer).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/databasemigratequeryinfo", doc=_DOCS + "databaseMigrateQueryInfo.html"
    )

    env: str = attrs.field(validator=env_id)
    job_id: int = attrs.field(validator=non_negative_field)

    @staticmethod
    def __decode__(value: object) -> MigrationJob:
        if isinstance(value, Mapping) and "error_msg" not in value and "err_msg" in value:
            value = {**value, "error_msg": value["err_msg"]}
        return structure(value, MigrationJob)


def _indexes(value: Iterable[Index]) -> tuple[Index, ...]:
    indexes = tuple(value)
    if not all(isinstance(i, Index) for i in indexes):
        raise InvalidRequestError("create_indexes takes wxtcb.database.Index objects")
    return indexes


def _drops(value: Iterable[str]) -> tuple[_IndexName, ...]:
    if isinstance(value, str):
        raise InvalidRequestError("drop_indexes takes a list of index names, not one string")
    return tuple(_IndexName(name) for name in value)


@attrs.frozen
class UpdateIndex(Method[None]):
    """Create and drop a collection's indexes. Never resent (a repeat would fail).

    Attributes:
        env: ``env``, the environment id (non-empty).
        collection_name: ``collection_name``, the collection whose indexes change (a non-empty string).
        create_indexes: ``create_indexes``, the `Index` objects to create (none by default).
        drop_indexes: ``drop_indexes``, the names of the indexes to drop (a list of names, not one string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/updateindex", idempotent=False, doc=_DOCS + "updateIndex.html"
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)
    create_indexes: tuple[Index, ...] = attrs.field(default=(), converter=_indexes)
    drop_indexes: tuple[_IndexName, ...] = attrs.field(default=(), converter=_drops)

    def __attrs_post_init__(self) -> None:
        if not self.create_indexes and not self.drop_indexes:
            raise InvalidRequestError("update_index needs create_indexes, drop_indexes or both")


# ---------------------------------------------------------------------------------------------
# Namespaces


class Collections(Namespace):
    """``client.database.collections``: create, drop and list collections."""

    __slots__ = ()

    create = endpoint(DatabaseCollectionAdd)
    drop = endpoint(DatabaseCollectionDelete)
    list = endpoint(DatabaseCollectionGet)


class Database(Namespace):
    """``client.database``: statements, collections, migrations and indexes."""

    __slots__ = ()

    query = endpoint(DatabaseQuery)
    add = endpoint(DatabaseAdd)
    update = endpoint(DatabaseUpdate)
    delete = endpoint(DatabaseDelete)
    count = endpoint(DatabaseCount)
    aggregate = endpoint(DatabaseAggregate)
    migrate_import = endpoint(DatabaseMigrateImport)
    migrate_export = endpoint(DatabaseMigrateExport)
    migration = endpoint(DatabaseMigrateQueryInfo)
    update_index = endpoint(UpdateIndex)
    #: Collections: `Collections`.
    collections = namespace(Collections)

    async def iterate(
        self,
        env: str,
        q: db.Query | db.CollectionRef,
        *,
        page_size: int = 100,
        max_documents: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every document *q* matches, fetched *page_size* at a time (1 to `wxtcb.db.MAX_LIMIT`).

        *q* is an unfinished builder query (no ``get()``, no ``skip``/``limit`` of its own):
        each page is ``q.skip(n).limit(page_size).get()``. Order it (``order_by("_id", "asc")``)
        so that pages do not shift. The iteration stops after the last page, after
        *max_documents* when given, and never asks for more pages than the first page's total
        allows, so it ends even if the collection keeps growing.
        """
        if isinstance(q, db.CollectionRef):
            q = db.Query(q.name)
        if not isinstance(q, db.Query):
            raise InvalidRequestError(
                f"iterate() takes a wxtcb.db query without get(), not a {type(q).__name__}: "
                "e.g. db.collection('todos').where({'title': 'x'}).order_by('_id', 'asc')"
            )
        if any(method in ("skip", "limit") for method, _ in q.clauses):
            raise InvalidRequestError("iterate() sets skip and limit itself: leave them out of the query")
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= db.MAX_LIMIT
        ):
            raise InvalidRequestError(f"page_size must be 1 to {db.MAX_LIMIT}")
        if max_documents is not None and (isinstance(max_documents, bool) or max_documents < 0):
            raise InvalidRequestError("max_documents must be a non-negative integer")
        DatabaseQuery(env, q.get())  # refuse a bad env before anything is sent
        offset, total, yielded = 0, None, 0
        while total is None or offset < total:
            statement = (q.skip(offset) if offset else q).limit(page_size).get()
            page = await self._send(DatabaseQuery(env, statement))
            if total is None:
                total = page.pager.total
            for doc in page.data:
                if max_documents is not None and yielded >= max_documents:
                    return
                yielded += 1
                yield doc
            if len(page.data) < page_size:
                return
            offset += page_size

    async def wait_migration(
        self, env: str, job_id: int, *, timeout: float = 300.0, interval: float = 2.0
    ) -> MigrationJob:
        """Poll the job every *interval* seconds until it is `MigrationJob.done`; returns it.

        Raises `TimeoutError` (naming the last status) if it is not done within *timeout*
        seconds. A failed job is returned, not raised: look at its ``status`` and ``error_msg``.
        """
        if not timeout > 0 or interval < 0:
            raise InvalidRequestError("timeout must be positive and interval not negative")
        deadline = time.monotonic() + timeout
        while True:
            job = await self._send(DatabaseMigrateQueryInfo(env, job_id))
            if job.done:
                return job
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"migration job {job_id} is still {job.status!r} after {timeout} s")
            await asyncio.sleep(min(interval, left))
