"""The emulator's batch-mode indexes, collection permissions and listings (``componenttcb/dbindex``,
``dbgetacl``, ``dbmodifyacl``, ``getbucket``, ``describestaticstore``, ``staticfilelist``).

They stand on the state the other parts keep, so that what a test made elsewhere shows here:

- ``dbindex`` changes the indexes of `wxtcb.testing.cloudbase.CloudBase` (those ``tcb/updateindex``
  changes) and needs the collection to exist; creating an index name already there, or dropping
  one that is not, is refused with 40097.
- ``dbgetacl``/``dbmodifyacl`` keep each collection's permission in `BatchDataState.acls`; a
  collection never set answers `BatchDataState.default_acl` (WeChat's pages do not say what a new
  collection has: the default here is the emulator's choice).
- ``getbucket`` lists the files of `wxtcb.testing.storage.StorageState` (what ``uploadfile``
  stored) and ``staticfilelist`` those of `wxtcb.testing.batch.BatchState` (what the static PUT
  stored), in UTF-8 binary order, keys after ``marker``, at most `BatchDataState.page_size` per
  answer (``is_truncated`` says more follow). With a ``delimiter``, keys holding it after the
  prefix are left out (COS groups them as Common Prefixes, which the pages' answer does not
  carry). ``size`` is sent as a string, as the pages show; ``last_modified`` is the emulator's
  clock at listing time (the bucket keeps no upload times).
- ``describestaticstore`` answers the opened static store under ``Data`` (the sample's spelling;
  `BatchDataState.store_key` switches it to the table's ``data``), with ``regoin`` spelled as
  the page spells it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

import attrs

from wxtcb.methods import TokenKind
from wxtcb.testing.base import Call, EmulatorBase, error, route
from wxtcb.testing.batch import BatchState
from wxtcb.testing.cloudbase import CloudBase
from wxtcb.testing.cloudbase import failed as refused
from wxtcb.testing.docdb import DocDBError
from wxtcb.testing.storage import StorageState

__all__ = ["ACL_TAGS", "BatchDataState"]

_MISSING = 40101
_INVALID = 40097
_DIRECTIONS = ("1", "-1", "2dsphere")

#: The ``acl_tag`` values WeChat's pages list.
ACL_TAGS = ("READONLY", "PRIVATE", "ADMINWRITE", "ADMINONLY", "CUSTOM")


@attrs.define
class BatchDataState:
    """What the emulator knows of batch-mode permissions and listings (``emulator.state(BatchDataState)``).

    Attributes:
        acls: ``(env, collection)`` to its ``(acl_tag, rule)``.
        default_acl: What ``dbgetacl`` answers for a collection never set (the emulator's choice).
        page_size: At most this many files per listing answer.
        store_key: The key ``describestaticstore`` answers its list under (``"Data"`` or ``"data"``).
        region: The region each static store reports.
    """

    acls: dict[tuple[str, str], tuple[str, str]] = attrs.field(factory=dict)
    default_acl: tuple[str, str] = ("PRIVATE", "")
    page_size: int = 1000
    store_key: str = "Data"
    region: str = "ap-shanghai"


def _state(emulator: EmulatorBase) -> BatchDataState:
    return emulator.state(BatchDataState)


def _text(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def _collection(emulator: EmulatorBase, call: Call) -> tuple[str, str] | dict[str, Any]:
    """``(env, collection)`` of a request naming an existing collection, or the error answer."""
    env, name = _text(call.data, "env"), _text(call.data, "collection_name")
    if env is None or name is None:
        return error(_MISSING, "missing parameter: env or collection_name")
    try:
        emulator.state(CloudBase).database.documents(env, name)
    except DocDBError as exc:
        return refused(exc)
    return env, name


# --- indexes and permissions ------------------------------------------------------------------


@route("componenttcb/dbindex", TokenKind.COMPONENT)
def _db_index(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    found = _collection(emulator, call)
    if isinstance(found, dict):
        return found
    action, indexes = call.data.get("action"), call.data.get("indexes")
    if not isinstance(indexes, list) or not indexes or action is None:
        return error(_MISSING, "missing parameter: action or indexes")
    if not all(isinstance(i, dict) and isinstance(i.get("name"), str) and i["name"] for i in indexes):
        return error(_INVALID, "invalid args: every index needs a name")
    existing = emulator.state(CloudBase).indexes.setdefault(found, {})
    names = [i["name"] for i in indexes]
    if action == "create":
        for index in indexes:
            keys = index.get("keys")
            if not isinstance(keys, list) or not keys:
                return error(_MISSING, "missing parameter: keys (required for create)")
            if any(
                not isinstance(k, dict) or k.get("direction") not in ("1", "-1", "2dsphere") for k in keys
            ):
                return error(_INVALID, "invalid args: a key's direction is '1', '-1' or '2dsphere'")
            if index["name"] in existing or names.count(index["name"]) > 1:
                return error(_INVALID, f"invalid args: index {index['name']} already exists")
        for index in indexes:
            existing[index["name"]] = index
        return {"errcode": 0, "errmsg": "ok"}
    if action == "delete":
        if any(name not in existing for name in names):
            return error(_INVALID, "invalid args: no such index")
        for name in names:
            existing.pop(name, None)
        return {"errcode": 0, "errmsg": "ok"}
    return error(_INVALID, "invalid args: action")


@route("componenttcb/dbgetacl", TokenKind.COMPONENT)
def _db_get_acl(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    found = _collection(emulator, call)
    if isinstance(found, dict):
        return found
    state = _state(emulator)
    acl_tag, rule = state.acls.get(found, state.default_acl)
    return {"errcode": 0, "errmsg": "ok", "acl_tag": acl_tag, "rule": rule}


@route("componenttcb/dbmodifyacl", TokenKind.COMPONENT)
def _db_modify_acl(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    found = _collection(emulator, call)
    if isinstance(found, dict):
        return found
    acl_tag, rule = call.data.get("acl_tag"), call.data.get("rule")
    if not acl_tag or not isinstance(rule, str):  # the page marks rule required
        return error(_MISSING, "missing parameter: acl_tag or rule")
    if acl_tag not in ACL_TAGS:
        return error(_INVALID, "invalid args: acl_tag")
    if acl_tag == "CUSTOM":
        try:
            parsed = json.loads(rule)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or not parsed:
            return error(_INVALID, "invalid args: rule")
    _state(emulator).acls[found] = (acl_tag, rule if acl_tag == "CUSTOM" else "")
    return {"errcode": 0, "errmsg": "ok"}


# --- listings ---------------------------------------------------------------------------------


def _listing(emulator: EmulatorBase, call: Call, files: Iterable[tuple[str, bytes]]) -> dict[str, Any]:
    prefix, delimiter, marker = (call.data.get(k) or "" for k in ("prefix", "delimiter", "marker"))
    if not all(isinstance(v, str) for v in (prefix, delimiter, marker)):
        return error(_INVALID, "invalid args: prefix, delimiter and marker are strings")
    chosen = []
    for key, data in sorted(files, key=lambda f: f[0].encode()):
        if not key.startswith(prefix) or (marker and key.encode() <= marker.encode()):
            continue
        if delimiter and delimiter in key[len(prefix) :]:
            continue  # a Common Prefix in COS: the pages' answer has no place for it
        chosen.append((key, data))
    page = chosen[: _state(emulator).page_size]
    stamp = _dt.datetime.fromtimestamp(emulator.now(), _dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    contents = [
        {
            "key": key,
            "last_modified": stamp,
            "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "size": str(len(data)),
        }
        for key, data in page
    ]
    return {"errcode": 0, "errmsg": "ok", "contents": contents, "is_truncated": len(chosen) > len(page)}


@route("componenttcb/getbucket", TokenKind.COMPONENT)
def _get_bucket(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env = _text(call.data, "env")
    if env is None:
        return error(_MISSING, "missing parameter: env")
    files = []
    for file_id, data in emulator.state(StorageState).files.items():
        # cloud://{env}.{bucket}/{path}
        head, _, path = file_id.removeprefix("cloud://").partition("/")
        if head.partition(".")[0] == env and path:
            files.append((path, data))
    return _listing(emulator, call, files)


@route("componenttcb/staticfilelist", TokenKind.COMPONENT)
def _static_file_list(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env = _text(call.data, "env")
    if env is None:
        return error(_MISSING, "missing parameter: env")
    batch = emulator.state(BatchState)
    if env not in batch.static_stores:
        return error(_INVALID, "invalid args: static store not opened")
    return _listing(
        emulator, call, [(name, data) for (e, name), data in batch.static_files.items() if e == env]
    )


@route("componenttcb/describestaticstore", TokenKind.COMPONENT)
def _describe_static_store(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    env = _text(call.data, "env")
    if env is None:
        return error(_MISSING, "missing parameter: env")
    state = _state(emulator)
    stores = []
    if env in emulator.state(BatchState).static_stores:
        stores.append(
            {
                "env": env,
                "domain": f"{env}-1250000000.tcloudbaseapp.com",
                "bucket": f"b8b3-static-{env}-1250000000",
                "regoin": state.region,
                "status": "online",
            }
        )
    return {"errcode": 0, "errmsg": "ok", state.store_key: stores}
