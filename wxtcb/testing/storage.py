"""The emulator's storage bucket and environments (imported by `wxtcb.testing` so its routes register).

``tcb/uploadfile`` hands out a URL on the emulator itself (``{emulator.url}/_cos/…``) with a
fresh signature and token; the multipart POST to it is checked field by field (``key``,
``Signature``, ``x-cos-security-token``, ``x-cos-meta-fileid``, then ``file`` last) and refused
with COS-style XML otherwise. ``tcb/batchdownloadfile`` hands out signed links that expire with
``max_age`` on the emulator's clock; unknown ids get a per-item status, and more than 50 ids in
one call is refused. The environment endpoints keep per-app state.
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
from wxtcb.testing.base import Call, EmulatorBase, error, http_route, route

__all__ = ["BATCH_LIMIT", "StorageState", "cos_error"]

BATCH_LIMIT = 50
#: How long an upload link stays valid (the sample's q-sign-time spans 900 s).
LINK_TTL = 900.0
_NO_FILE = "STORAGE_FILE_NONEXIST"


@attrs.define
class _Link:
    authorization: str
    token: str
    cos_file_id: str
    file_id: str
    expires_at: float


@attrs.define
class StorageState:
    """The emulator's bucket and environments (``emulator.state(StorageState)``).

    Attributes:
        files: Stored bytes by file id.
        links: Upload links handed out, by ``bucket/path``.
        delete_as_strings: Answer ``delete_list`` with bare strings (as one page types it)
            instead of objects (as its sample shows).
        envs: Environments by appid (``tcb/getenvinfo`` rows).
        shares: ``(env, appid)`` pairs shared.
        access: ``tcb/usecloudaccesstoken`` state by env: ``open``, ``api_whitelist``, ``version``.
        qcloud_calls: When each app asked for temporary credentials (10 an hour are allowed).
    """

    files: dict[str, bytes] = attrs.field(factory=dict)
    links: dict[str, _Link] = attrs.field(factory=dict)
    delete_as_strings: bool = False
    envs: dict[str, list[dict[str, str]]] = attrs.field(factory=dict)
    shares: set[tuple[str, str]] = attrs.field(factory=set)
    access: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    qcloud_calls: dict[str, list[float]] = attrs.field(factory=dict)
    secret: bytes = attrs.field(factory=lambda: secrets.token_bytes(16))


def _bucket(env: str) -> str:
    return f"7465-{env}-1250000000"


def _file_id(env: str, path: str) -> str:
    return f"cloud://{env}.{_bucket(env)}/{path}"


def _parse_file_id(file_id: str) -> tuple[str, str] | None:
    """``(bucket, path)`` of a file id, or None."""
    if not isinstance(file_id, str) or not file_id.startswith("cloud://") or "/" not in file_id[8:]:
        return None
    head, path = file_id[8:].split("/", 1)
    _, _, bucket = head.partition(".")
    return (bucket, path) if bucket and path else None


def _sign(state: StorageState, key: str, expires: int) -> str:
    return hmac.new(state.secret, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()


def cos_error(status: int, code: str, message: str) -> web.Response:
    """An error as COS answers it: XML under ``application/xml``."""
    body = (
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>"
        f"<Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{secrets.token_hex(12)}</RequestId><TraceId>{secrets.token_hex(16)}</TraceId></Error>"
    )
    return web.Response(status=status, text=body, content_type="application/xml")


@route("tcb/uploadfile", TokenKind.ACCESS)
def _upload_file(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env, path = call.data.get("env"), call.data.get("path")
    if not isinstance(env, str) or not env or not isinstance(path, str) or not path:
        return error(40101, "missing parameter")
    state = emulator.state(StorageState)
    now = emulator.now()
    link = _Link(
        authorization=(
            f"q-sign-algorithm=sha1&q-ak=AKID{secrets.token_hex(8)}"
            f"&q-sign-time={int(now)};{int(now + LINK_TTL)}"
            f"&q-signature={secrets.token_hex(20)}"
        ),
        token=secrets.token_urlsafe(48),
        cos_file_id=secrets.token_urlsafe(24),
        file_id=_file_id(env, path),
        expires_at=now + LINK_TTL,
    )
    key = f"{_bucket(env)}/{path}"
    state.links[key] = link
    return {
        "errcode": 0,
        "errmsg": "ok",
        "url": f"{emulator.url}/_cos/{quote(key)}",
        "token": link.token,
        "authorization": link.authorization,
        "file_id": link.file_id,
        "cos_file_id": link.cos_file_id,
    }


@http_route("_cos/")
async def _cos(emulator: EmulatorBase, request: web.Request) -> web.StreamResponse:
    key = unquote(request.match_info["path"].strip("/")[len("_cos/") :])
    state = emulator.state(StorageState)
    if request.method == "POST":
        return await _cos_upload(emulator, state, key, request)
    if request.method == "GET":
        return _cos_download(emulator, state, key, request)
    return cos_error(405, "MethodNotAllowed", "The specified method is not allowed")


async def _cos_upload(
    emulator: EmulatorBase, state: StorageState, key: str, request: web.Request
) -> web.Response:
    link = state.links.get(key)
    if link is None:
        return cos_error(403, "AccessDenied", "No upload link for this key")
    if link.expires_at <= emulator.now():
        return cos_error(403, "AccessDenied", "Request has expired")
    fields: dict[str, str] = {}
    data: bytes | None = None
    reader = await request.multipart()
    async for part in reader:
        if data is not None:
            return cos_error(400, "InvalidArgument", "The file field must be the last field of the form")
        name = getattr(part, "name", None) or ""
        if name == "file":
            chunks = []
            while chunk := await part.read_chunk(1 << 20):  # type: ignore[union-attr]
                chunks.append(chunk)
            data = b"".join(chunks)
        else:
            fields[name] = await part.text()  # type: ignore[union-attr]
    path = key.split("/", 1)[1]
    if data is None:
        return cos_error(400, "InvalidArgument", "The form has no file field")
    if fields.get("key") != path:
        return cos_error(400, "InvalidArgument", "The key field does not match the upload link")
    if fields.get("Signature") != link.authorization:
        return cos_error(403, "SignatureDoesNotMatch", "The Signature you specified is invalid")
    if fields.get("x-cos-security-token") != link.token:
        return cos_error(403, "AccessDenied", "The x-cos-security-token you specified is invalid")
    if fields.get("x-cos-meta-fileid") != link.cos_file_id:
        return cos_error(400, "InvalidArgument", "x-cos-meta-fileid is missing or wrong")
    state.files[link.file_id] = data
    return web.Response(status=204)


def _cos_download(
    emulator: EmulatorBase, state: StorageState, key: str, request: web.Request
) -> web.Response:
    try:
        expires = int(request.query.get("t", ""))
    except ValueError:
        return cos_error(403, "AccessDenied", "Request has no valid signature")
    sign = request.query.get("sign", "")
    if not hmac.compare_digest(sign, _sign(state, key, expires)):
        return cos_error(403, "AccessDenied", "The signature you specified is invalid")
    if expires < emulator.now():
        return cos_error(403, "AccessDenied", "Request has expired")
    bucket, path = key.split("/", 1)
    env = bucket.split("-", 1)[1].rsplit("-", 1)[0]
    data = state.files.get(_file_id(env, path))
    if data is None:
        return cos_error(404, "NoSuchKey", "The specified key does not exist.")
    return web.Response(body=data, content_type="application/octet-stream")


def _batch_refused(items: object) -> dict[str, Any] | None:
    if not isinstance(items, list) or not items:
        return error(40101, "missing parameter")
    if len(items) > BATCH_LIMIT:
        return error(40097, f"invalid args: at most {BATCH_LIMIT} files per call")
    return None


@route("tcb/batchdownloadfile", TokenKind.ACCESS)
def _batch_download(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    items = call.data.get("file_list")
    refused = _batch_refused(items)
    if refused is not None:
        return refused
    state = emulator.state(StorageState)
    out = []
    for item in items:
        file_id, max_age = item.get("fileid"), item.get("max_age")
        if not isinstance(max_age, int) or max_age <= 0:
            return error(40097, "invalid args: max_age")
        found = _parse_file_id(file_id)
        if found is None or file_id not in state.files:
            out.append({"fileid": file_id, "download_url": "", "status": -1, "errmsg": _NO_FILE})
            continue
        key = "/".join(found)
        expires = int(emulator.now() + max_age)
        url = f"{emulator.url}/_cos/{quote(key)}?sign={_sign(state, key, expires)}&t={expires}"
        out.append({"fileid": file_id, "download_url": url, "status": 0, "errmsg": "ok"})
    return {"errcode": 0, "errmsg": "ok", "file_list": out}


@route("tcb/batchdeletefile", TokenKind.ACCESS)
def _batch_delete(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    items = call.data.get("fileid_list")
    refused = _batch_refused(items)
    if refused is not None:
        return refused
    state = emulator.state(StorageState)
    out: list[Any] = []
    for file_id in items:
        if state.files.pop(file_id, None) is not None:
            out.append(
                file_id if state.delete_as_strings else {"fileid": file_id, "status": 0, "errmsg": "ok"}
            )
        else:
            out.append({"fileid": file_id, "status": -1, "errmsg": _NO_FILE})
    return {"errcode": 0, "errmsg": "ok", "delete_list": out}


@route("tcb/getqcloudtoken", TokenKind.ACCESS)
def _qcloud_token(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    assert call.issued is not None
    lifespan = call.data.get("lifespan")
    if not isinstance(lifespan, int) or not 0 < lifespan <= 7200:
        return error(40097, "invalid args: lifespan")
    now = emulator.now()
    calls = emulator.state(StorageState).qcloud_calls.setdefault(call.issued.appid, [])
    calls[:] = [t for t in calls if t > now - 3600]
    if len(calls) >= 10:
        return error(45009, "reach max api daily quota limit")
    calls.append(now)
    return {
        "errcode": 0,
        "errmsg": "ok",
        "secretid": "AKID" + secrets.token_hex(16),
        "secretkey": secrets.token_urlsafe(24),
        "token": secrets.token_urlsafe(64),
        "expired_time": int(now + lifespan),
    }


# --- environments ---------------------------------------------------------------------------


def _envs(emulator: EmulatorBase, call: Call) -> list[dict[str, str]]:
    assert call.issued is not None
    return emulator.state(StorageState).envs.setdefault(call.issued.appid, [])


def _stamp(emulator: EmulatorBase) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(emulator.now()))


@route("tcb/createenvandresource", TokenKind.ACCESS)
def _create_env(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    alias = call.data.get("alias")
    if call.data.get("type") != "CreatePostpayPackage":
        return error(40097, "invalid args: type")
    if not isinstance(alias, str) or not alias:
        return error(40101, "missing parameter")
    env = f"{alias}-{secrets.token_hex(8)}"
    now = _stamp(emulator)
    _envs(emulator, call).append(
        {
            "env": env,
            "alias": alias,
            "create_time": now,
            "update_time": now,
            "status": "NORMAL",
            "package_id": "postpay",
            "package_name": "按量计费",
        }
    )
    return {"errcode": 0, "errmsg": "ok", "envid": env}


# Batch mode converts an environment with the platform's component token on the same path.
@route("tcb/modifyenv", (TokenKind.ACCESS, TokenKind.COMPONENT))
def _modify_env(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env = call.data.get("env")
    if not isinstance(env, str) or not env:
        return error(40101, "missing parameter")
    envs = _envs(emulator, call)
    if not any(e["env"] == env for e in envs):
        now = _stamp(emulator)
        envs.append({"env": env, "alias": env, "create_time": now, "update_time": now, "status": "NORMAL"})
    return {"errcode": 0, "errmsg": "ok"}


@route("tcb/shareenv", TokenKind.ACCESS)
def _share_env(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env, appid = call.data.get("env"), call.data.get("appid")
    if not isinstance(env, str) or not env or not isinstance(appid, str) or not appid:
        return error(40101, "missing parameter")
    if not any(e["env"] == env for e in _envs(emulator, call)):
        return error(40097, "invalid args: unknown env")
    emulator.state(StorageState).shares.add((env, appid))
    return {"errcode": 0, "errmsg": "ok"}


@route("tcb/getenvinfo", TokenKind.ACCESS)
def _get_env_info(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env = call.data.get("env")
    rows = [e for e in _envs(emulator, call) if env is None or e["env"] == env]
    return {"errcode": 0, "errmsg": "ok", "info_list": rows}


@route("tcb/usecloudaccesstoken", TokenKind.ACCESS)
def _cloud_access_token(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    env = data.get("env")
    if not isinstance(env, str) or not env:
        return error(40101, "missing parameter")
    current = emulator.state(StorageState).access.setdefault(
        env, {"open": True, "api_whitelist": ["/*"], "version": 1}
    )
    if data.get("action") == "get":
        return {"errcode": 0, "errmsg": "ok", **current}
    if data.get("action") != "set":
        return error(40097, "invalid args: action")
    if not isinstance(data.get("open"), bool) or not isinstance(data.get("api_whitelist"), list):
        return error(40101, "missing parameter")
    if data.get("version") != current["version"]:
        return error(40097, "invalid args: version is not the latest")
    current.update(open=data["open"], api_whitelist=data["api_whitelist"], version=current["version"] + 1)
    return {"errcode": 0, "errmsg": "ok"}
