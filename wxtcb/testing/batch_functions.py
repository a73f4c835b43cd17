"""The emulator's batch-mode cloud functions and the component-token twins.

- ``componenttcb/batchuploadscfcode``, ``updatescfconfig``, ``deletescf``, ``getscflist``,
  ``gettriggers``, ``batchupdatetriggers`` work on the functions ``batchuploadscf`` created
  (`wxtcb.testing.batch.BatchState.functions`); what WeChat keeps beside the code (times,
  configuration, triggers) lives in `BatchFunctionsState`. A function whose zip holds no
  top-level ``index.js`` (a zipped folder, or not a zip) is listed ``"CreateFailed"`` with the
  page's ``ResourceNotFound.File`` reason, else ``"Active"``.
- Where the pages say nothing, the emulator chooses: an unknown function is refused with 40097
  (``deletescf``, ``updatescfconfig``, ``gettriggers``) or listed as a failure
  (``batchuploadscfcode``, ``batchupdatetriggers``); ``batchupdatetriggers`` replaces the
  function's triggers; ``gettriggers`` answers ``type`` ``"timer"`` as the page's sample does.
- ``componenttcb/batchunshareenv`` undoes shares made by ``batchshareenv`` (and drops a share
  still waiting for its confirmation); it requires ``source_type``.
- ``tcb/invokecloudfunction`` and ``tcb/usecloudaccesstoken`` take the component token as well as
  the app's (batch mode calls the common-mode paths): same handlers, same state.
"""

from __future__ import annotations

import base64
import binascii
import io
import time
import zipfile
from typing import Any

import attrs

from wxtcb.methods import TokenKind
from wxtcb.testing import cloudbase, storage  # noqa: F401  (their routes are widened below)
from wxtcb.testing.base import Call, EmulatorBase, error, route, routes
from wxtcb.testing.batch import BatchState

__all__ = ["BatchFunctionsState"]

_MISSING = 40101
_INVALID = 40097
#: The reason getCloudFunctionList's sample gives for a function without its entry file.
_NO_ENTRY = {
    "errcode": "ResourceNotFound.File",
    "errmsg": "未找到函数执行入口文件,请确认代码包入口文件名和 handler 设置是否对应或代码压缩包是否正常。",
}


@attrs.define
class BatchFunctionsState:
    """What the emulator keeps beside each batch function's code.

    Attributes:
        meta: ``(env, name)`` to ``add_time``, ``mod_time``, ``runtime`` and the last
            ``updatescfconfig`` fields.
        triggers: ``(env, name)`` to its triggers as ``gettriggers`` answers them.
    """

    meta: dict[tuple[str, str], dict[str, Any]] = attrs.field(factory=dict)
    triggers: dict[tuple[str, str], list[dict[str, str]]] = attrs.field(factory=dict)


def _stamp(emulator: EmulatorBase) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(emulator.now()))


def _codes(emulator: EmulatorBase) -> dict[tuple[str, str], bytes]:
    return emulator.state(BatchState).functions


def _owned(emulator: EmulatorBase, call: Call, env: object) -> bool:
    assert call.issued is not None
    envs = emulator.state(BatchState).envs.get(call.issued.appid, [])
    return isinstance(env, str) and any(e["env"] == env for e in envs)


def _meta(emulator: EmulatorBase, key: tuple[str, str]) -> dict[str, Any]:
    now = _stamp(emulator)
    return emulator.state(BatchFunctionsState).meta.setdefault(
        key, {"add_time": now, "mod_time": now, "runtime": "Nodejs8.9"}
    )


def _has_entry(code: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(code)) as archive:
            return "index.js" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def _text(data: Any, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _env_and_name(emulator: EmulatorBase, call: Call, name_key: str) -> tuple[str, str] | dict[str, Any]:
    env, name = _text(call.data, "env"), _text(call.data, name_key)
    if env is None or name is None:
        return error(_MISSING, f"missing parameter: env and {name_key}")
    if not _owned(emulator, call, env) or (env, name) not in _codes(emulator):
        return error(_INVALID, f"invalid args: no function {name} in {env}")
    return env, name


# --- the common-mode paths, with the component token too --------------------------------------


def _widen(path: str) -> None:
    found = routes()[path]
    tokens = (*found.tokens, TokenKind.COMPONENT)
    route(path, tokens, http_method=found.http_method, raw_body=found.raw_body)(found.handler)


_widen("tcb/invokecloudfunction")
_widen("tcb/usecloudaccesstoken")


# --- functions --------------------------------------------------------------------------------


@route("componenttcb/batchuploadscfcode", TokenKind.COMPONENT)
def _upload_code(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    name, envs, zipped = _text(call.data, "functionname"), call.data.get("envs"), call.data.get("zipfile")
    if name is None or not isinstance(envs, list) or not envs or not isinstance(zipped, str) or not zipped:
        return error(_MISSING, "missing parameter")
    try:
        code = base64.b64decode(zipped, validate=True)
    except (binascii.Error, ValueError):
        return error(_INVALID, "invalid args: zipfile is not base64")
    codes, failed = _codes(emulator), []
    for env in envs:
        if not _owned(emulator, call, env):
            failed.append({"env": env, "errormsg": "env not found"})
        elif (env, name) not in codes:
            failed.append({"env": env, "errormsg": f"function {name} not found"})
        else:
            codes[(env, name)] = code
            _meta(emulator, (env, name))["mod_time"] = _stamp(emulator)
    answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
    if failed:  # the page's sample success has no fail_list at all
        answer["fail_list"] = failed
    return answer


_SWITCHES = ("ENABLE", "DISABLE")


def _variable(value: object) -> bool:
    return isinstance(value, dict) and bool(_text(value, "key")) and isinstance(value.get("value"), str)


def _config_error(data: Any) -> str | None:
    for key in ("memorysize", "timeout"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            return key
    variables = data.get("environment_variables")
    if variables is not None and (
        not isinstance(variables, list) or not all(_variable(v) for v in variables)
    ):
        return "environment_variables"
    net = data.get("public_net_config")
    switches = ("public_net_status", "eip_status")
    if net is not None and (not isinstance(net, dict) or any(net.get(k) not in _SWITCHES for k in switches)):
        return "public_net_config"
    vpc = data.get("vpc_config")
    if vpc is not None and not isinstance(vpc, dict):
        return "vpc_config"
    return None


@route("componenttcb/updatescfconfig", TokenKind.COMPONENT)
def _update_config(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    found = _env_and_name(emulator, call, "functionname")
    if isinstance(found, dict):
        return found
    wrong = _config_error(call.data)
    if wrong is not None:
        return error(_INVALID, f"invalid args: {wrong}")
    meta = _meta(emulator, found)
    keys = ("memorysize", "timeout", "environment_variables", "public_net_config", "vpc_config")
    meta.update({k: call.data[k] for k in keys if k in call.data})
    meta["mod_time"] = _stamp(emulator)
    return {"errcode": 0, "errmsg": "ok"}


@route("componenttcb/deletescf", TokenKind.COMPONENT)
def _delete(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    found = _env_and_name(emulator, call, "functionname")
    if isinstance(found, dict):
        return found
    del _codes(emulator)[found]
    state = emulator.state(BatchFunctionsState)
    state.meta.pop(found, None)
    state.triggers.pop(found, None)
    return {"errcode": 0, "errmsg": "ok"}


@route("componenttcb/getscflist", TokenKind.COMPONENT)
def _list(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env = _text(call.data, "env")
    if env is None:
        return error(_MISSING, "missing parameter: env")
    if not _owned(emulator, call, env):
        return error(_INVALID, "invalid args: unknown env")
    offset, limit, search = call.data.get("offset", 0), call.data.get("limit", 20), call.data.get("searchkey")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (offset, limit)):
        return error(_INVALID, "invalid args: offset and limit")
    rows = []
    for (where, name), code in _codes(emulator).items():
        if where != env or (isinstance(search, str) and search.lower() not in name.lower()):
            continue
        meta = _meta(emulator, (where, name))
        active = _has_entry(code)
        rows.append(
            {
                "mod_time": meta["mod_time"],
                "add_time": meta["add_time"],
                "runtime": meta["runtime"],
                "name": name,
                "status": "Active" if active else "CreateFailed",
                "status_reason": [] if active else [dict(_NO_ENTRY)],
            }
        )
    page = rows[offset : offset + limit]
    return {"errcode": 0, "errmsg": "ok", "total_count": len(rows), "functions": page}


# --- triggers ---------------------------------------------------------------------------------


@route("componenttcb/gettriggers", TokenKind.COMPONENT)
def _get_triggers(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    found = _env_and_name(emulator, call, "funcname")
    if isinstance(found, dict):
        return found
    triggers = emulator.state(BatchFunctionsState).triggers.get(found, [])
    return {"errcode": 0, "errmsg": "ok", "triggers": [dict(t) for t in triggers]}


@route("componenttcb/batchupdatetriggers", TokenKind.COMPONENT)
def _update_triggers(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    name, envs, triggers = _text(call.data, "funcname"), call.data.get("envs"), call.data.get("triggers")
    if name is None or not isinstance(envs, list) or not envs:
        return error(_MISSING, "missing parameter")
    if not isinstance(triggers, list) or not triggers:
        return error(_MISSING, "missing parameter: triggers")
    stored = []
    for trigger in triggers:
        named = isinstance(trigger, dict) and _text(trigger, "trigger_name") and _text(trigger, "config")
        if not named:
            return error(_INVALID, "invalid args: triggers")
        if trigger.get("type") != "Timer":  # the page: 填"Timer"
            return error(_INVALID, "invalid args: trigger type")
        # gettriggers' sample answers the type in lower case.
        stored.append({"trigger_name": trigger["trigger_name"], "config": trigger["config"], "type": "timer"})
    codes, state, failed = _codes(emulator), emulator.state(BatchFunctionsState), []
    for env in envs:
        if not _owned(emulator, call, env):
            failed.append({"env": env, "errmsg": "can't find the env"})
        elif (env, name) not in codes:
            failed.append({"env": env, "errmsg": f"function {name} not found"})
        else:
            state.triggers[(env, name)] = [dict(t) for t in stored]
    return {"errcode": 0, "errmsg": "ok", "err_list": failed}


# --- environments -----------------------------------------------------------------------------


@route("componenttcb/batchunshareenv", TokenKind.COMPONENT)
def _unshare(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    items, source_type = call.data.get("data"), call.data.get("source_type")
    if not isinstance(items, list) or not items or source_type is None:
        return error(_MISSING, "missing parameter: data and source_type")
    if isinstance(source_type, bool) or not isinstance(source_type, int):
        return error(_INVALID, "invalid args: source_type")
    state, errors = emulator.state(BatchState), []
    for item in items:
        env = item.get("env") if isinstance(item, dict) else None
        appids = item.get("appids") if isinstance(item, dict) else None
        if not isinstance(env, str) or not isinstance(appids, list) or not appids:
            return error(_INVALID, "invalid args: data")
        for appid in appids:
            pending = [t for t, share in state.pending.items() if share == (appid, env)]
            for ticket in pending:
                del state.pending[ticket]
            if not _owned(emulator, call, env):
                errors.append({"env": env, "appid": appid, "errmsg": "env not found"})
            elif (appid, env) in state.relations:
                state.relations.discard((appid, env))
            elif not pending:
                errors.append({"env": env, "appid": appid, "errmsg": "invalid appid"})
    return {"errcode": 0, "errmsg": "ok", "err_list": errors}
