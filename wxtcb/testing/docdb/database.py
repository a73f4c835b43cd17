"""The storage of collections: `DocumentDatabase`, in-memory collections per environment, and one
method per ``tcb/database*`` endpoint answering WeChat's wire dict."""

from __future__ import annotations

import copy
import datetime as _dt
import uuid
from collections.abc import Callable

from wxtcb.testing.docdb.aggregate import run_pipeline
from wxtcb.testing.docdb.errors import COLLECTION_NOT_EXISTS, DocDBError, invalid, required
from wxtcb.testing.docdb.match import matches
from wxtcb.testing.docdb.query import DEFAULT_LIMIT, Plan, order, plan_statement, project
from wxtcb.testing.docdb.statement import Call, ParsedStatement, parse_statement
from wxtcb.testing.docdb.update import apply_update, flatten_update
from wxtcb.testing.docdb.values import Document, check_storable, eq, resolve, wire

__all__ = [
    "DocumentDatabase",
]


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
        store = self._env(env).setdefault(required(collection, "collection_name"), {})
        docs = [copy.deepcopy(d) for d in docs]
        for doc in docs:
            check_storable(doc, "seed")
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
        page = order(matched, plan.order)[plan.skip : plan.skip + limit]
        if plan.projection is not None:
            page = [project(d, plan.projection) for d in page]
        return _ok(
            pager={"Offset": plan.skip, "Limit": limit, "Total": len(matched)},
            data=[wire(d) for d in page],
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
            invalid("statement: add() takes {data: [...]}")
        data = resolve(args[0]["data"], self._clock())
        docs = data if isinstance(data, list) else [data]
        if not docs or not all(isinstance(d, dict) for d in docs):
            invalid("statement: add() data must be an object or a non-empty array of objects")
        for doc in docs:
            check_storable(doc, "add()")
        return _ok(id_list=self._insert(store, docs))  # type: ignore[arg-type]

    def update(self, env: str, statement: object) -> dict[str, object]:
        """``tcb/databaseupdate``: ``matched``, ``modified`` and ``id`` (the new document's id when
        ``set`` created one, else ``""``)."""
        plan = self._plan(env, statement, "update")
        store = self._collection(env, plan.collection)
        args = plan.terminal.args
        if len(args) != 1 or not isinstance(args[0], dict) or set(args[0]) != {"data"}:
            invalid(f"statement: {plan.terminal.name}() takes {{data: {{...}}}}")
        data = resolve(args[0]["data"], self._clock())
        if not isinstance(data, dict):
            invalid(f"statement: {plan.terminal.name}() data must be an object")
        if plan.terminal.name == "set":
            return self._set(store, plan, data)
        changes: list[tuple[str, Document]] = []
        for doc in self._select(store, plan):
            new = copy.deepcopy(doc)
            for path, op in flatten_update(data):
                apply_update(new, path, op)
            changes.append((str(doc["_id"]), new))
        modified = 0
        for doc_id, new in changes:  # applied only once every document updated cleanly
            if not eq(store[doc_id], new):
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
            invalid("statement: databaseaggregate takes db.collection(...).aggregate()....end()")
        docs = list(self._collection(env, parsed.collection).values())
        docs = run_pipeline(docs, calls[1:-1], self._clock())
        return _ok(data=[wire(d) for d in docs])

    def collection_add(self, env: str, collection_name: str) -> dict[str, object]:
        """``tcb/databasecollectionadd``."""
        collections = self._env(env)
        name = required(collection_name, "collection_name")
        if name in collections:
            invalid(f"collection {name!r} already exists")
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
                invalid(f"{label} must be a non-negative integer")
        collections = self._env(env)
        names = list(collections)[offset : offset + limit]
        listing = [
            {
                "name": name,
                "count": len(collections[name]),
                "size": sum(len(wire(d).encode()) for d in collections[name].values()),
                "index_count": 1,
                "index_size": 0,
            }
            for name in names
        ]
        return _ok(pager={"Offset": offset, "Limit": limit, "Total": len(collections)}, collections=listing)

    # -- internals ----------------------------------------------------------------------------

    def _env(self, env: str) -> dict[str, dict[str, Document]]:
        return self._envs.setdefault(required(env, "env"), {})

    def _collection(self, env: str, name: str) -> dict[str, Document]:
        collections = self._env(env)
        if required(name, "collection_name") not in collections:
            raise DocDBError(COLLECTION_NOT_EXISTS, "database collection not exists", collection=name)
        return collections[name]

    def _parse(self, env: str, statement: object) -> ParsedStatement:
        self._env(env)
        return parse_statement(required(str(statement), "query"))

    def _plan(self, env: str, statement: object, endpoint: str) -> Plan:
        return plan_statement(self._parse(env, statement), endpoint, self._clock())

    def _select(self, store: dict[str, Document], plan: Plan) -> list[Document]:
        if plan.doc_id is not None:
            doc = store.get(plan.doc_id)
            return [doc] if doc is not None else []
        if plan.where is None:
            return list(store.values())
        return [d for d in store.values() if matches(d, plan.where)]

    def _set(self, store: dict[str, Document], plan: Plan, data: Document) -> dict[str, object]:
        assert plan.doc_id is not None
        check_storable(data, "set()")
        if data.get("_id", plan.doc_id) != plan.doc_id:
            invalid("statement: set() data has another _id")
        new: Document = {"_id": plan.doc_id, **copy.deepcopy(data)}
        old = store.get(plan.doc_id)
        store[plan.doc_id] = new
        if old is None:
            # databaseUpdate page: a document created by set is not counted as modified.
            return _ok(matched=0, modified=0, id=plan.doc_id)
        return _ok(matched=1, modified=0 if eq(old, new) else 1, id="")

    def _insert(self, store: dict[str, Document], docs: list[Document]) -> list[str]:
        ids: list[str] = []
        for doc in docs:
            doc_id = doc.get("_id")
            if doc_id is None:
                doc_id = self._new_id()
            if not isinstance(doc_id, str) or not doc_id:
                invalid("statement: _id must be a non-empty string")
            if doc_id in store or doc_id in ids:
                invalid(f"statement: duplicate _id {doc_id!r}")
            ids.append(doc_id)
        for doc, doc_id in zip(docs, ids, strict=True):
            store[doc_id] = {"_id": doc_id, **{k: v for k, v in doc.items() if k != "_id"}}
        return ids


def _ok(**fields: object) -> dict[str, object]:
    return {"errcode": 0, "errmsg": "ok", **fields}
