"""The emulator's cloud functions and database: ``@route`` handlers over per-emulator `CloudBase` state.

Functions are Python callables a test registers (`Emulator.add_function`); the database is a
`wxtcb.testing.docdb.DocumentDatabase` (`Emulator.seed_collection` fills it). Every error
answer carries a ``rid`` in errmsg, as WeChat's do.

Choices where WeChat's pages are silent (the emulator's, not WeChat's facts):

- An unknown function answers -501009 (resource invalid or missing); an exception raised by the
  function answers -504002 (function execution failed); a result that cannot be JSON answers
  -504002 too.
- ``databaseaggregate`` reads the statement from ``query`` or ``Query`` (the pages disagree).
- Migration jobs: an import records the job (the emulator has no storage to read the file
  from: ``record_success`` is 0); an export runs its ``get()`` statement and counts the
  documents. A job reports ``"waiting"`` for the first `CloudBase.migration_polls` info queries,
  then ``"success"``, with ``error_msg`` (the newer pages' spelling).
- ``getfuncconfig`` answers the JSON text of `CloudBase.function_configs` for the function and
  type (``"{}"`` when none was set); ``adddelayedfunctiontask`` records the task in
  `CloudBase.delayed` and never runs it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs

from wxtcb.methods import TokenKind
from wxtcb.testing.base import Call, EmulatorBase, error, route
from wxtcb.testing.docdb import COLLECTION_NOT_EXISTS, DocDBError, DocumentDatabase

__all__ = ["DEMO_FUNCTION", "DEMO_TODOS", "CloudBase", "DelayedTask", "demo_function", "failed"]

#: The documents `wxtcb.testing.Emulator.seed_demo` puts in its ``todos`` collection.
DEMO_TODOS: tuple[dict[str, Any], ...] = (
    {"_id": "todo-1", "title": "write the report", "done": False},
    {"_id": "todo-2", "title": "review the pull request", "done": True},
    {"_id": "todo-3", "title": "book the train", "done": False},
)
#: The name of the function `wxtcb.testing.Emulator.seed_demo` adds.
DEMO_FUNCTION = "hello"


def demo_function(event: Any) -> Any:
    """The demo cloud function: answers ``{"event": <the payload it got>}``."""
    return {"event": event}


_MISSING = 40101
_PARAMETER = -501007
_NOT_FOUND = -501009
_FUNCTION_FAILED = -504002


@attrs.frozen
class DelayedTask:
    """A task ``adddelayedfunctiontask`` scheduled.

    Attributes:
        env: The environment.
        function_name: The function.
        data: The payload, decoded from its JSON text.
        delay_time: Seconds until it would run.
    """

    env: str
    function_name: str
    data: object
    delay_time: int


class CloudBase:
    """One emulator's cloud functions, database, delayed tasks and migration jobs.

    Attributes:
        functions: ``(env or None, name)`` to the Python callable (see `Emulator.add_function`).
        function_configs: ``(name, type)`` to the configuration ``getfuncconfig`` answers.
        database: The document database.
        delayed: Tasks ``adddelayedfunctiontask`` recorded, in order.
        migrations: Job id to its state (``status``, ``record_success``…, and ``polls`` left).
        indexes: ``(env, collection)`` to index name to its definition, as ``updateindex`` sent it.
        migration_polls: How many info queries a new job answers ``"waiting"`` to.
    """

    def __init__(self) -> None:
        self.functions: dict[tuple[str | None, str], Callable[[Any], Any]] = {}
        self.function_configs: dict[tuple[str, int], object] = {}
        self.database = DocumentDatabase()
        self.delayed: list[DelayedTask] = []
        self.migrations: dict[int, dict[str, Any]] = {}
        self.indexes: dict[tuple[str, str], dict[str, object]] = {}
        self.migration_polls = 1


def _state(emulator: EmulatorBase) -> CloudBase:
    return emulator.state(CloudBase)


def failed(exc: DocDBError) -> dict[str, Any]:
    """The answer to a statement the database refused; a missing collection says how to make one."""
    if exc.errcode == COLLECTION_NOT_EXISTS:
        # WeChat's errmsg first (clients and people match on it), then what to do in the emulator,
        # which starts with no collection at all.
        name = exc.collection or "<name>"
        return error(
            exc.errcode,
            f"{exc.errmsg}: {name} (the emulator starts empty: create it with "
            f'client.database.collections.create(env, "{name}") or '
            f'emulator.seed_collection(env, "{name}", docs), or call emulator.seed_demo(env))',
        )
    return error(exc.errcode, exc.errmsg)


def _no_function(name: str, env: str) -> dict[str, Any]:
    return error(
        _NOT_FOUND,
        f"cloud function {name} not found in env {env} (the emulator starts with no function: "
        f"add it with emulator.add_function({name!r}, handler), or call emulator.seed_demo() "
        f"for the demo's {DEMO_FUNCTION!r})",
    )


def _text(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


# --- cloud functions ---------------------------------------------------------------------------


@route("tcb/invokecloudfunction", TokenKind.ACCESS, raw_body=True)
async def _invoke(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env, name = call.request.query.get("env"), call.request.query.get("name")
    if not env or not name:
        return error(_MISSING, "missing required parameter: env and name")
    functions = _state(emulator).functions
    handler = functions.get((env, name)) or functions.get((None, name))
    if handler is None:
        return _no_function(name, env)
    try:
        result = handler(call.data)
        if hasattr(result, "__await__"):
            result = await result
        resp_data = json.dumps(result, ensure_ascii=False, allow_nan=False)
    except Exception as exc:
        return error(_FUNCTION_FAILED, f"function execution failed: {type(exc).__name__}")
    return {"errcode": 0, "errmsg": "ok", "resp_data": resp_data}


@route("tcb/adddelayedfunctiontask", TokenKind.ACCESS)
def _add_delayed(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env, name, data = _text(call.data, "env"), _text(call.data, "function_name"), call.data.get("data")
    delay = call.data.get("delay_time")
    if not env or not name or not isinstance(data, str) or delay is None:
        return error(_MISSING, "missing required parameter")
    try:
        payload = json.loads(data)
    except ValueError:
        return error(_PARAMETER, "data must be a JSON string")
    if isinstance(delay, bool) or not isinstance(delay, int) or not 6 <= delay <= 30 * 24 * 3600:
        return error(_PARAMETER, "delay_time must be 6 s to 30 days")
    _state(emulator).delayed.append(DelayedTask(env, name, payload, delay))
    return {"errcode": 0, "errmsg": "ok"}


@route("tcb/getfuncconfig", TokenKind.ACCESS)
def _get_func_config(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env, name, kind = _text(call.data, "env"), _text(call.data, "function_name"), call.data.get("type")
    if not env or not name or not isinstance(kind, int):
        return error(_MISSING, "missing required parameter")
    state = _state(emulator)
    if (env, name) not in state.functions and (None, name) not in state.functions:
        return _no_function(name, env)
    config = state.function_configs.get((name, kind), {})
    return {"errcode": 0, "errmsg": "ok", "config": json.dumps(config, ensure_ascii=False)}


# --- database ----------------------------------------------------------------------------------


def _statement_route(path: str, run: Callable[[DocumentDatabase, str, object], dict[str, object]]) -> None:
    def handler(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
        statement = call.data.get("query")
        if statement is None and path == "tcb/databaseaggregate":
            statement = call.data.get("Query")  # the miniprogram page's spelling
        try:
            return dict(run(_state(emulator).database, call.data.get("env", ""), statement or ""))
        except DocDBError as exc:
            return failed(exc)

    route(path, TokenKind.ACCESS)(handler)


_statement_route("tcb/databasequery", DocumentDatabase.query)
_statement_route("tcb/databaseadd", DocumentDatabase.add)
_statement_route("tcb/databaseupdate", DocumentDatabase.update)
_statement_route("tcb/databasedelete", DocumentDatabase.delete)
_statement_route("tcb/databasecount", DocumentDatabase.count)
_statement_route("tcb/databaseaggregate", DocumentDatabase.aggregate)


@route("tcb/databasecollectionadd", TokenKind.ACCESS)
def _collection_add(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    try:
        database = _state(emulator).database
        return dict(database.collection_add(call.data.get("env", ""), call.data.get("collection_name", "")))
    except DocDBError as exc:
        return failed(exc)


@route("tcb/databasecollectiondelete", TokenKind.ACCESS)
def _collection_delete(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    try:
        database = _state(emulator).database
        return dict(
            database.collection_delete(call.data.get("env", ""), call.data.get("collection_name", ""))
        )
    except DocDBError as exc:
        return failed(exc)


@route("tcb/databasecollectionget", TokenKind.ACCESS)
def _collection_get(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    try:
        database = _state(emulator).database
        return dict(
            database.collection_get(data.get("env", ""), data.get("limit", 10), data.get("offset", 0))
        )
    except DocDBError as exc:
        return failed(exc)


def _new_job(state: CloudBase, **fields: object) -> dict[str, Any]:
    job_id = 100_000_000 + len(state.migrations) + 1
    state.migrations[job_id] = {"polls": state.migration_polls, "record_fail": 0, "file_url": "", **fields}
    return {"errcode": 0, "errmsg": "ok", "job_id": job_id}


@route("tcb/databasemigrateimport", TokenKind.ACCESS)
def _migrate_import(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data, state = call.data, _state(emulator)
    required = ("env", "collection_name", "file_path", "file_type", "stop_on_error", "conflict_mode")
    if any(data.get(key) in (None, "") for key in required):
        return error(_MISSING, "missing required parameter")
    if data["file_type"] not in (1, 2) or data["conflict_mode"] not in (1, 2):
        return error(_PARAMETER, "file_type and conflict_mode are 1 or 2")
    try:
        state.database.documents(data["env"], data["collection_name"])
    except DocDBError as exc:
        return failed(exc)
    return _new_job(state, record_success=0)


@route("tcb/databasemigrateexport", TokenKind.ACCESS)
def _migrate_export(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data, state = call.data, _state(emulator)
    if not _text(data, "env") or not _text(data, "file_path") or not _text(data, "query"):
        return error(_MISSING, "missing required parameter")
    if data.get("file_type", 1) not in (1, 2):
        return error(_PARAMETER, "file_type is 1 or 2")
    try:
        answer = state.database.query(data["env"], data["query"])
    except DocDBError as exc:
        return failed(exc)
    pager = answer["pager"]
    total = pager["Total"] if isinstance(pager, dict) else 0
    url = f"{emulator.url}/_emulator/exports/{data['file_path'].lstrip('/')}"
    return _new_job(state, record_success=total, file_url=url)


@route("tcb/databasemigratequeryinfo", TokenKind.ACCESS)
def _migrate_info(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    job = _state(emulator).migrations.get(call.data.get("job_id", -1))
    if not _text(call.data, "env") or job is None:
        return error(_NOT_FOUND, "migration job not found")
    waiting = job["polls"] > 0
    job["polls"] -= 1
    return {
        "errcode": 0,
        "errmsg": "ok",
        "status": "waiting" if waiting else "success",
        "record_success": 0 if waiting else job["record_success"],
        "record_fail": job["record_fail"],
        "error_msg": "" if waiting else "Export completed." if job["file_url"] else "Import completed.",
        "file_url": "" if waiting else job["file_url"],
    }


@route("tcb/updateindex", TokenKind.ACCESS)
def _update_index(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data, state = call.data, _state(emulator)
    env, name = _text(data, "env"), _text(data, "collection_name")
    create, drop = data.get("create_indexes"), data.get("drop_indexes")
    if not env or not name or not isinstance(create, list) or not isinstance(drop, list):
        return error(_MISSING, "missing required parameter")
    try:
        state.database.documents(env, name)
    except DocDBError as exc:
        return failed(exc)
    indexes = state.indexes.setdefault((env, name), {})
    for index in create:
        keys = index.get("keys") if isinstance(index, dict) else None
        if not isinstance(keys, list) or not keys or not isinstance(index.get("name"), str):
            return error(_PARAMETER, "an index needs a name and keys")
        if any(not isinstance(k, dict) or k.get("direction") not in ("1", "-1", "2dsphere") for k in keys):
            return error(_PARAMETER, "a key's direction is '1', '-1' or '2dsphere'")
        if index["name"] in indexes:
            return error(_PARAMETER, f"index {index['name']} already exists")
    for index in drop:
        if not isinstance(index, dict) or index.get("name") not in indexes:
            return error(_PARAMETER, "no such index to drop")
    for index in create:
        indexes[index["name"]] = index
    for index in drop:
        del indexes[index["name"]]
    return {"errcode": 0, "errmsg": "ok"}
