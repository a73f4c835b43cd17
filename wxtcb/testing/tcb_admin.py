"""The emulator's function management, extension uploads, the older app config, CloudBase WeChat
Pay, open data and VoIP signatures (`wxtcb.functions_admin`, `wxtcb.wechat_pay`,
`wxtcb.open_data`, ``tcb/getappconfig``).

State lives in `TcbAdminState` (``emulator.state(TcbAdminState)``):

- ``createfunction`` adds a function (with empty code) to `TcbAdminState.functions` and to the
  functions ``invokecloudfunction`` and ``getfuncconfig`` know (invoking it answers null); one
  that exists answers -501000. ``listfunctions`` lists those and the ones `Emulator.add_function`
  added (for their environment, or any when added without one), sorted by name.
- ``downloadfunction`` answers a signed URL on the emulator (``{emulator.url}/_tcbadmin/code/…``)
  whose GET gives the function's code (`TcbAdminState.code`, empty unless a test set it) and the
  code's SHA-256; an unknown function answers -501009.
- ``uploadfuncconfig`` stores the decoded ``config`` where ``tcb/getfuncconfig`` reads it
  (`wxtcb.testing.cloudbase.CloudBase.function_configs`).
- ``getcodesecret`` answers one key per app; ``getuploadsignature`` answers a ``headers`` string
  the emulator makes up (WeChat's sample is cut), signed over ``hashed_payload``.
- ``describeextensionuploadinfo`` answers in WeChat's ``Response`` wrapper, with one PUT URL per
  file on the emulator (``{emulator.url}/_tcbadmin/ext/…``); the bytes PUT there land in
  `TcbAdminState.extension_files` by ``CodeUri``.
- ``getappconfig`` answers the cloud-function part of the app's push configuration
  (``emulator.configs``) as the JSON text the page shows.
- ``wxpaylist`` answers `TcbAdminState.merchants` (none at first, as the emulator starts empty;
  `DEMO_MERCHANT` is the page's first sample merchant, to append);
  ``wxpayopenauth`` records each request in `TcbAdminState.pay_auth_requests`.
- ``wxa/getopendata`` answers `TcbAdminState.open_data` by cloudID (each ``json`` an object, as
  the page's sample); an unknown cloudID answers 40097. ``wxa/getvoipsign`` answers an HMAC of
  the room, timestamp and nonce.

Missing fields answer 40101 and invalid ones 40097, as the open-platform pages list them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from typing import Any

import attrs
from aiohttp import web

from wxtcb.methods import TokenKind
from wxtcb.testing.base import Call, EmulatorBase, error, http_route, route
from wxtcb.testing.cloudbase import CloudBase

__all__ = ["DEMO_MERCHANT", "TcbAdminState"]

_MISSING = 40101
_INVALID = 40097
_EXISTS = -501000
_NOT_FOUND = -501009
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

#: The first merchant of the sample on WeChat's getWechatPayList page (the one it shows whole).
DEMO_MERCHANT: dict[str, str] = {
    "merchant_code": "1900006511",
    "merchant_name": "MIOKKK市区政府-test_mdm",
    "company_name": "weapp政府111",
    "mch_relation_state": "RELATION_BINDED",
    "jsapi_auth_state": "AUTH_AUTHORIZED",
    "refund_auth_state": "AUTH_AUTHORIZED",
}


@attrs.define
class TcbAdminState:
    """What the emulator knows of function management, extension uploads, pay and open data.

    Attributes:
        functions: ``(env, name)`` to the row ``listfunctions`` answers, for created functions.
        code: ``(env, name)`` to the function's code (the zip ``downloadfunction`` links to).
        code_secrets: Each app's code-protection key.
        extension_files: ``CodeUri`` to the bytes PUT at its upload URL.
        merchants: The rows ``wxpaylist`` answers.
        pay_auth_requests: Each ``wxpayopenauth`` body, in order.
        open_data: cloudID to the object ``getopendata`` answers as its ``json``.
        uploads: Upload key to the ``CodeUri`` it fills.
        secret: What the emulator signs URLs and signatures with.
    """

    functions: dict[tuple[str, str], dict[str, str]] = attrs.field(factory=dict)
    code: dict[tuple[str, str], bytes] = attrs.field(factory=dict)
    code_secrets: dict[str, str] = attrs.field(factory=dict)
    extension_files: dict[str, bytes] = attrs.field(factory=dict)
    merchants: list[dict[str, Any]] = attrs.field(factory=list)
    pay_auth_requests: list[dict[str, Any]] = attrs.field(factory=list)
    open_data: dict[str, Any] = attrs.field(factory=dict)
    secret: bytes = attrs.field(factory=lambda: secrets.token_bytes(16))
    uploads: dict[str, str] = attrs.field(factory=dict)


def _state(emulator: EmulatorBase) -> TcbAdminState:
    return emulator.state(TcbAdminState)


def _appid(call: Call) -> str:
    return call.issued.appid if call.issued is not None else ""


def _text(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def _stamp(emulator: EmulatorBase) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(emulator.now()))


def _sign(state: TcbAdminState, *parts: str) -> str:
    return hmac.new(state.secret, "\n".join(parts).encode(), hashlib.sha256).hexdigest()


def _exists(emulator: EmulatorBase, env: str, name: str) -> bool:
    added = emulator.state(CloudBase).functions
    return (env, name) in _state(emulator).functions or (env, name) in added or (None, name) in added


def _ok(**fields: Any) -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok", **fields}


# --- function management -----------------------------------------------------------------------


@route("tcb/listfunctions", TokenKind.ACCESS)
def _list_functions(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env, limit, offset = _text(call.data, "env"), call.data.get("limit", 20), call.data.get("offset", 0)
    if not env:
        return error(_MISSING, "missing parameter: env")
    if not isinstance(limit, int) or not isinstance(offset, int) or limit < 1 or offset < 0:
        return error(_INVALID, "invalid args: limit, offset")
    rows = {name: row for (e, name), row in _state(emulator).functions.items() if e == env}
    for where, name in emulator.state(CloudBase).functions:
        if where in (None, env) and name not in rows:
            rows[name] = {
                "mod_time": "",
                "add_time": "",
                "runtime": "Nodejs16.13",
                "name": name,
                "status": "Active",
            }
    ordered = [rows[name] for name in sorted(rows)]
    return _ok(total_count=len(ordered), functions=ordered[offset : offset + limit])


@route("tcb/createfunction", TokenKind.ACCESS)
def _create_function(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env, name = _text(call.data, "env"), _text(call.data, "function_name")
    if not env or not name:
        return error(_MISSING, "missing parameter: env, function_name")
    if _exists(emulator, env, name):
        return error(_EXISTS, f"function {name} already exists")
    now = _stamp(emulator)
    state = _state(emulator)
    state.functions[(env, name)] = {
        "mod_time": now,
        "add_time": now,
        "runtime": "Nodejs16.13",
        "name": name,
        "status": "Active",
    }
    state.code.setdefault((env, name), b"")
    # Known to the other function endpoints too (getfuncconfig, invoke): its empty code answers null.
    emulator.state(CloudBase).functions.setdefault((env, name), _empty_code)
    return _ok()


def _empty_code(event: Any) -> None:
    return None


@route("tcb/downloadfunction", TokenKind.ACCESS)
def _download_function(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env, name = _text(call.data, "env"), _text(call.data, "function_name")
    if not env or not name:
        return error(_MISSING, "missing parameter: env, function_name")
    if not _exists(emulator, env, name):
        return error(_NOT_FOUND, f"function {name} not found in env {env}")
    state = _state(emulator)
    code = state.code.get((env, name), b"")
    key = f"{env}/{name}"
    url = f"{emulator.url}/_tcbadmin/code/{key}.zip?sign={_sign(state, 'code', key)}"
    return _ok(url=url, checksum=hashlib.sha256(code).hexdigest())


@route("tcb/uploadfuncconfig", TokenKind.ACCESS)
def _upload_func_config(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    env, name, kind, config = (
        _text(data, "env"),
        _text(data, "function_name"),
        data.get("type"),
        data.get("config"),
    )
    if not env or not name or kind is None or config is None:
        return error(_MISSING, "missing parameter: type, config, env, function_name")
    if isinstance(kind, bool) or not isinstance(kind, int) or kind < 1 or not isinstance(config, str):
        return error(_INVALID, "invalid args: type, config")
    try:
        decoded = json.loads(config)
    except ValueError:
        return error(_INVALID, "invalid args: config is not JSON text")
    if not _exists(emulator, env, name):
        return error(_NOT_FOUND, f"function {name} not found in env {env}")
    emulator.state(CloudBase).function_configs[(name, kind)] = decoded
    return _ok()


@route("tcb/getcodesecret", TokenKind.ACCESS)
def _get_code_secret(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    codes = _state(emulator).code_secrets
    return _ok(codesecret=codes.setdefault(_appid(call), secrets.token_urlsafe(48)))


@route("tcb/getuploadsignature", TokenKind.ACCESS)
def _get_upload_signature(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    hashed = call.data.get("hashed_payload")
    if hashed is None:
        return error(_MISSING, "missing parameter: hashed_payload")
    if not isinstance(hashed, str) or not _SHA256_HEX.fullmatch(hashed):
        return error(_INVALID, "invalid args: hashed_payload")
    signature = _sign(_state(emulator), "upload", _appid(call), hashed)
    return _ok(
        headers=f"Authorization:TC3-HMAC-SHA256 Credential=AKIDEMULATOR/scf/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


# --- extension uploads -------------------------------------------------------------------------


@route("tcb/describeextensionuploadinfo", TokenKind.ACCESS)
def _describe_extension_upload_info(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    post = call.data.get("PostData")
    files = post.get("ExtensionFiles") if isinstance(post, dict) else None
    if not isinstance(files, list) or not files:
        return error(_MISSING, "missing parameter: PostData.ExtensionFiles")
    state, answer = _state(emulator), []
    for item in files:
        kind, name = (
            (item.get("FileType"), _text(item, "FileName")) if isinstance(item, dict) else (None, None)
        )
        if kind not in ("FUNCTION", "STATIC", "SMS") or not name or len(name) > 24:
            return error(_INVALID, "invalid args: FileType, FileName")
        key = secrets.token_hex(8)
        code_uri = f"extension://{key}/{name}"
        state.uploads[key] = code_uri
        url = f"{emulator.url}/_tcbadmin/ext/{key}?sign={_sign(state, 'ext', key)}"
        answer.append({"CodeUri": code_uri, "UploadUrl": url, "CustomKey": "", "MaxSize": 30})
    # WeChat's HTTPS sample answers Tencent-Cloud style, in "Response" and without errcode.
    return {"Response": {"FilesData": answer, "RequestId": secrets.token_hex(16)}}


@http_route("_tcbadmin/")
async def _tcbadmin_files(emulator: EmulatorBase, request: web.Request) -> web.StreamResponse:
    state = _state(emulator)
    path = request.match_info["path"].strip("/")[len("_tcbadmin/") :]
    kind, _, key = path.partition("/")
    sign = request.query.get("sign", "").encode()
    if kind == "code" and request.method == "GET" and key.endswith(".zip"):
        key = key[: -len(".zip")]
        env, _, name = key.partition("/")
        if hmac.compare_digest(sign, _sign(state, "code", key).encode()) and (env, name) in state.code:
            return web.Response(body=state.code[(env, name)], content_type="application/octet-stream")
    elif (
        kind == "ext"
        and request.method == "PUT"
        and key in state.uploads
        and hmac.compare_digest(sign, _sign(state, "ext", key).encode())
    ):
        state.extension_files[state.uploads[key]] = await request.read()
        return web.Response(status=200)
    return web.Response(status=403, text="AccessDenied")


# --- the older app config ----------------------------------------------------------------------


@route("tcb/getappconfig", TokenKind.ACCESS)
def _get_app_config(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    kind = call.data.get("type")
    if kind is None:
        return error(_MISSING, "missing parameter: type")
    if kind != 1 or isinstance(kind, bool):
        return error(_INVALID, "invalid args: type")
    function_config = emulator.configs.get(_appid(call), {}).get("function_config") or {}
    config = {
        "enable": bool(function_config.get("enable", False)),
        "callbacks": [
            {k: cb.get(k, "") for k in ("msgType", "event", "env", "functionName")}
            for cb in function_config.get("callbacks", [])
            if isinstance(cb, dict)
        ],
    }
    return _ok(config=json.dumps(config, ensure_ascii=False, separators=(",", ":")))


# --- CloudBase WeChat Pay ----------------------------------------------------------------------


@route("tcb/wxpaylist", TokenKind.ACCESS)
def _wxpay_list(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    return _ok(list=[dict(m) for m in _state(emulator).merchants])


@route("tcb/wxpayopenauth", TokenKind.ACCESS)
def _wxpay_open_auth(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    action, code = call.data.get("action"), _text(call.data, "merchant_code")
    if action is None or code is None:
        return error(_MISSING, "missing parameter: action, merchant_code")
    if action not in ("bind", "openjsapi", "openrefund"):
        return error(_INVALID, "invalid args: action")
    _state(emulator).pay_auth_requests.append(dict(call.data))
    return _ok()


# --- open data and VoIP signatures -------------------------------------------------------------


@route("wxa/getopendata", TokenKind.ACCESS)
def _get_open_data(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    ids = call.data.get("cloudid_list")
    if not isinstance(ids, list) or not ids:
        return error(_MISSING, "missing parameter: cloudid_list")
    known = _state(emulator).open_data
    if any(not isinstance(i, str) or i not in known for i in ids):
        return error(_INVALID, "invalid args: cloudid_list (the emulator knows only TcbAdminState.open_data)")
    return _ok(data_list=[{"cloud_id": i, "json": known[i]} for i in ids])


@route("wxa/getvoipsign", TokenKind.ACCESS)
def _get_voip_sign(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    group, stamp, nonce = _text(data, "group_id"), data.get("timestamp"), _text(data, "nonce")
    if group is None or stamp is None or nonce is None:
        return error(_MISSING, "missing parameter: group_id, timestamp, nonce")
    if isinstance(stamp, bool) or not isinstance(stamp, int) or len(nonce) >= 128:
        return error(_INVALID, "invalid args: timestamp, nonce")
    return _ok(signature=_sign(_state(emulator), "voip", _appid(call), group, str(stamp), nonce))
