"""The emulator's CloudBase batch mode (``componenttcb/*``), on the component token.

State lives in `BatchState` (``emulator.state(BatchState)``), per platform (component appid):

- Environments made by ``createenv`` start ``"INITIALIZING"`` and turn ``"NORMAL"`` after
  `BatchState.ready_after_polls` ``describeenvs`` calls, or once the emulator's clock passed
  `BatchState.ready_after_seconds` (``emulator.advance(...)``), whichever comes first.
- ``batchshareenv`` answers a confirmation URL per mini program on the emulator itself
  (``{emulator.url}/_batch/confirm/{ticket}``); the share shows in ``batchgetenvid`` only once
  that URL was opened (a GET), as WeChat waits for the admin.
- The database is the common-mode one (`wxtcb.testing.cloudbase.CloudBase`'s
  `wxtcb.testing.docdb.DocumentDatabase` and migration jobs): a batch environment's documents are
  the same documents. ``dbrecord`` query answers its pager in lower case, as the batch page does.
- Storage is the common-mode bucket (`wxtcb.testing.storage.StorageState`): the batch storage
  endpoints answer what ``tcb/uploadfile``, ``batchdownloadfile`` and ``batchdeletefile`` do.
- Static hosting: ``staticuploadfile`` answers a signed URL ``{emulator.url}/_static/…``; a PUT
  there with the right ``x-cos-security-token`` header stores the file (a GET reads it back);
  anything else is refused with COS-style XML.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import quote, unquote

import attrs
from aiohttp import web

from wxtcb.methods import TokenKind
from wxtcb.testing.base import Call, EmulatorBase, error, http_route, route, routes
from wxtcb.testing.cloudbase import CloudBase
from wxtcb.testing.cloudbase import failed as refused
from wxtcb.testing.docdb import DocDBError
from wxtcb.testing.storage import cos_error

__all__ = ["BatchState"]

_MISSING = 40101
_INVALID = 40097


@attrs.define
class BatchState:
    """What the emulator knows of batch mode.

    Attributes:
        envs: Environments by component appid (``describeenvs`` rows plus ``polls``/``ready_at``).
        ready_after_polls: ``describeenvs`` calls a new environment answers before it is NORMAL.
        ready_after_seconds: Emulator seconds after which a new environment is NORMAL anyway.
        relations: ``(appid, env)`` pairs in effect (shares confirmed, and each env's own).
        pending: Confirmation ticket to the ``(appid, env)`` share it confirms.
        static_stores: Environments with static hosting opened.
        static_files: ``(env, filename)`` to the bytes PUT there.
        static_links: ``(env, filename)`` to the ``token`` of the last signed URL handed out.
        run_envs: Cloud-run environments by component appid.
        functions: ``(env, name)`` to the zip ``batchuploadscf`` sent.
    """

    envs: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    ready_after_polls: int = 1
    ready_after_seconds: float = 60.0
    relations: set[tuple[str, str]] = attrs.field(factory=set)
    pending: dict[str, tuple[str, str]] = attrs.field(factory=dict)
    static_stores: set[str] = attrs.field(factory=set)
    static_files: dict[tuple[str, str], bytes] = attrs.field(factory=dict)
    static_links: dict[tuple[str, str], str] = attrs.field(factory=dict)
    run_envs: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    functions: dict[tuple[str, str], bytes] = attrs.field(factory=dict)
    secret: bytes = attrs.field(factory=lambda: secrets.token_bytes(16))


def _state(emulator: EmulatorBase) -> BatchState:
    return emulator.state(BatchState)


def _component(call: Call) -> str:
    assert call.issued is not None
    return call.issued.appid


def _stamp(emulator: EmulatorBase) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(emulator.now()))


def _my_envs(emulator: EmulatorBase, call: Call) -> list[dict[str, Any]]:
    return _state(emulator).envs.setdefault(_component(call), [])


def _known(emulator: EmulatorBase, call: Call, env: object) -> bool:
    return isinstance(env, str) and any(e["env"] == env for e in _my_envs(emulator, call))


# --- environments -----------------------------------------------------------------------------


@route("componenttcb/createenv", TokenKind.COMPONENT)
def _create_env(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    alias = call.data.get("alias")
    if not isinstance(alias, str) or not alias:
        return error(_MISSING, "missing parameter: alias")
    if not alias[0].isascii() or not alias[0].islower() or not all(c.isalnum() or c == "-" for c in alias):
        return error(_INVALID, "invalid args: alias")
    state = _state(emulator)
    env = f"{alias}-{secrets.token_hex(8)}"
    now = _stamp(emulator)
    _my_envs(emulator, call).append(
        {
            "env": env,
            "alias": alias,
            "create_time": now,
            "update_time": now,
            "status": "INITIALIZING",
            "package_id": "postpay",
            "package_name": "按量计费",
            "dbinstance_id": f"tnt-{secrets.token_hex(5)}",
            "bucket_id": f"6d79-{env}-1250000000",
            "polls": state.ready_after_polls,
            "ready_at": emulator.now() + state.ready_after_seconds,
        }
    )
    return {"errcode": 0, "errmsg": "ok", "tranid": str(secrets.randbelow(10**14)), "env": env}


@route("componenttcb/describeenvs", TokenKind.COMPONENT)
def _describe_envs(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    rows = []
    for env in _my_envs(emulator, call):
        if env["status"] != "NORMAL":
            if env["polls"] <= 0 or emulator.now() >= env["ready_at"]:
                env["status"] = "NORMAL"
                env["update_time"] = _stamp(emulator)
            env["polls"] -= 1
        rows.append({k: v for k, v in env.items() if k not in ("polls", "ready_at")})
    return {"errcode": 0, "errmsg": "ok", "info_list": rows}


@route("componenttcb/batchgetenvid", TokenKind.COMPONENT)
def _batch_get_env_id(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    appids = call.data.get("appids")
    if not isinstance(appids, list) or not appids:
        return error(_MISSING, "missing parameter: appids")
    relations = _state(emulator).relations
    data, errors = [], []
    for appid in appids:
        if not isinstance(appid, str) or not appid:
            errors.append({"appid": str(appid), "errmsg": "invalid appid"})
            continue
        data.append({"appid": appid, "env_list": sorted(e for a, e in relations if a == appid)})
    return {"errcode": 0, "errmsg": "ok", "relation_data": data, "err_list": errors}


@route("componenttcb/batchshareenv", TokenKind.COMPONENT)
def _batch_share_env(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    items = call.data.get("data")
    if not isinstance(items, list) or not items:
        return error(_MISSING, "missing parameter: data")
    state = _state(emulator)
    errors, links = [], []
    for item in items:
        env = item.get("env") if isinstance(item, dict) else None
        appids = item.get("appids") if isinstance(item, dict) else None
        if not isinstance(env, str) or not isinstance(appids, list) or not appids:
            return error(_INVALID, "invalid args: data")
        for appid in appids:
            if not _known(emulator, call, env):
                errors.append({"env": env, "appid": appid, "errmsg": "env not found"})
                continue
            ticket = secrets.token_urlsafe(16)
            state.pending[ticket] = (appid, env)
            links.append({"appid": appid, "url": f"{emulator.url}/_batch/confirm/{ticket}"})
    return {"errcode": 0, "errmsg": "ok", "err_list": errors, "msg_info_list": links}


@http_route("_batch/confirm/")
async def _confirm_share(emulator: EmulatorBase, request: web.Request) -> web.StreamResponse:
    ticket = request.match_info["path"].strip("/")[len("_batch/confirm/") :]
    share = _state(emulator).pending.pop(ticket, None)
    if share is None or request.method != "GET":
        return web.Response(status=404, text="no such confirmation")
    _state(emulator).relations.add(share)
    return web.Response(text="confirmed")


# --- database ---------------------------------------------------------------------------------


def _db(emulator: EmulatorBase) -> CloudBase:
    return emulator.state(CloudBase)


def _lower_pager(answer: dict[str, Any]) -> dict[str, Any]:
    pager = answer.get("pager")
    if isinstance(pager, dict):
        answer = {**answer, "pager": {k.lower(): v for k, v in pager.items()}}
    return answer


@route("componenttcb/dbrecord", TokenKind.COMPONENT)
def _db_record(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    action, env, statement = call.data.get("action"), call.data.get("env"), call.data.get("query")
    if not isinstance(env, str) or not env or not isinstance(statement, str) or not statement:
        return error(_MISSING, "missing parameter")
    database = _db(emulator).database
    run = {"insert": database.add, "delete": database.delete, "update": database.update}.get(str(action))
    try:
        if action == "query":
            return _lower_pager(dict(database.query(env, statement)))
        if run is None:
            return error(_INVALID, "invalid args: action")
        return dict(run(env, statement))
    except DocDBError as exc:
        return refused(exc)


@route("componenttcb/dbcollection", TokenKind.COMPONENT)
def _db_collection(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data, database = call.data, _db(emulator).database
    env, action = data.get("env"), data.get("action")
    if not isinstance(env, str) or not env:
        return error(_MISSING, "missing parameter: env")
    try:
        if action == "get":
            answer = dict(database.collection_get(env, data.get("limit", 20), data.get("offset", 0)))
            pager = answer.pop("pager", {})
            total = pager.get("Total", 0) if isinstance(pager, dict) else 0
            return {**answer, "total": total}
        name = data.get("collection_name", "")
        if action == "add":
            return dict(database.collection_add(env, name))
        if action == "del":
            return dict(database.collection_delete(env, name))
    except DocDBError as exc:
        return refused(exc)
    return error(_INVALID, "invalid args: action")


def _common(path: str) -> Any:
    """The common-mode handler of *path* (registered by wxtcb.testing.cloudbase / storage)."""
    return routes()[path].handler


def _delegate(batch_path: str, common_path: str) -> None:
    def handler(emulator: EmulatorBase, call: Call) -> Any:
        return _common(common_path)(emulator, call)

    route(batch_path, TokenKind.COMPONENT)(handler)


_delegate("componenttcb/dbaggregate", "tcb/databaseaggregate")
_delegate("componenttcb/dbimport", "tcb/databasemigrateimport")
_delegate("componenttcb/dbexport", "tcb/databasemigrateexport")
_delegate("componenttcb/dbmigrationstate", "tcb/databasemigratequeryinfo")
_delegate("componenttcb/uploadfile", "tcb/uploadfile")
_delegate("componenttcb/batchdownloadfile", "tcb/batchdownloadfile")
_delegate("componenttcb/batchdeletefile", "tcb/batchdeletefile")


# --- static hosting ---------------------------------------------------------------------------


def _sign(state: BatchState, key: str) -> str:
    return hmac.new(state.secret, key.encode(), hashlib.sha256).hexdigest()


@route("componenttcb/createstaticstore", TokenKind.COMPONENT)
def _create_static_store(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env = call.data.get("env")
    if not isinstance(env, str) or not env:
        return error(_MISSING, "missing parameter: env")
    if not _known(emulator, call, env):
        return error(_INVALID, "invalid args: unknown env")
    state = _state(emulator)
    if env in state.static_stores:
        return error(_INVALID, "invalid args: static store already opened")
    state.static_stores.add(env)
    return {"errcode": 0, "errmsg": "ok"}


@route("componenttcb/staticuploadfile", TokenKind.COMPONENT)
def _static_upload_file(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env, filename = call.data.get("env"), call.data.get("filename")
    if not isinstance(env, str) or not env or not isinstance(filename, str) or not filename:
        return error(_MISSING, "missing parameter")
    state = _state(emulator)
    if env not in state.static_stores:
        return error(_INVALID, "invalid args: static store not opened")
    token = secrets.token_urlsafe(32)
    state.static_links[(env, filename)] = token
    key = f"{env}/{filename}"
    url = f"{emulator.url}/_static/{quote(key)}?sign={_sign(state, key)}"
    return {"errcode": 0, "errmsg": "ok", "signed_url": url, "token": token}


@http_route("_static/")
async def _static(emulator: EmulatorBase, request: web.Request) -> web.StreamResponse:
    key = unquote(request.match_info["path"].strip("/")[len("_static/") :])
    env, _, filename = key.partition("/")
    state = _state(emulator)
    if request.method == "GET":
        found = state.static_files.get((env, filename))
        if found is None:
            return cos_error(404, "NoSuchKey", "The specified key does not exist.")
        return web.Response(body=found, content_type="application/octet-stream")
    if request.method != "PUT":
        return cos_error(405, "MethodNotAllowed", "The specified method is not allowed")
    if not hmac.compare_digest(request.query.get("sign", ""), _sign(state, key)):
        return cos_error(403, "SignatureDoesNotMatch", "The signature you specified is invalid")
    token = state.static_links.get((env, filename))
    if token is None or request.headers.get("x-cos-security-token") != token:
        return cos_error(403, "AccessDenied", "The x-cos-security-token you specified is invalid")
    state.static_files[(env, filename)] = await request.read()
    return web.Response(status=200, headers={"ETag": f'"{secrets.token_hex(16)}"'})


# --- cloud-run environments and functions -----------------------------------------------------


@route("componenttcb/createcloudbaserunenv", TokenKind.COMPONENT)
def _create_run_env(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    alias = call.data.get("alias") or "run"
    if not isinstance(alias, str):
        return error(_INVALID, "invalid args: alias")
    env_id = f"{alias}-{secrets.token_hex(8)}"
    now = _stamp(emulator)
    _state(emulator).run_envs.setdefault(_component(call), []).append(
        {
            "env_id": env_id,
            "source": "miniapp",
            "alias": alias,
            "create_time": now,
            "update_time": now,
            "status": "NORMAL",
            "databases": [],
            "storages": [],
        }
    )
    return {"errcode": 0, "errmsg": "ok", "env_id": env_id, "tran_id": str(secrets.randbelow(10**14))}


@route("componenttcb/describecloudbaserunenvs", TokenKind.COMPONENT)
def _describe_run_envs(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    return {
        "errcode": 0,
        "errmsg": "ok",
        "env_list": list(_state(emulator).run_envs.get(_component(call), [])),
    }


@route("componenttcb/batchuploadscf", TokenKind.COMPONENT)
def _batch_upload_scf(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    import base64
    import binascii

    name, envs, zipfile = call.data.get("functionname"), call.data.get("envs"), call.data.get("zipfile")
    if not isinstance(name, str) or not name or not isinstance(envs, list) or not envs or not zipfile:
        return error(_MISSING, "missing parameter")
    try:
        code = base64.b64decode(str(zipfile), validate=True)
    except (binascii.Error, ValueError):
        return error(_INVALID, "invalid args: zipfile is not base64")
    state, failed = _state(emulator), []
    for env in envs:
        if not _known(emulator, call, env):
            failed.append({"env": env, "errmsg": "env not found"})
        elif (env, name) in state.functions:
            failed.append({"env": env, "errmsg": f"function {name} already exists"})
        else:
            state.functions[(env, name)] = code
    return {"errcode": 0, "errmsg": "ok", "fail_env_list": failed}
