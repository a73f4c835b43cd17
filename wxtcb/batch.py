"""CloudBase batch mode (批量代云开发): a platform's own environments, on its component token.

On a `wxtcb.Platform` as ``platform.batch``. Every method object here declares
`TokenKind.COMPONENT` (the ``component_access_token``): a merchant's client sending one, or a
platform sending a common-mode ``tcb/*`` method, is refused with `InvalidRequestError` before
anything is sent::

    created = await platform.batch.create_env("shop")             # componenttcb/createenv
    await platform.batch.wait_env_ready(created.env)              # describeenvs until NORMAL
    share = await platform.batch.share_env([ShareTarget(created.env, [appid])])
    share.msg_info_list[0].url                                    # the merchant's admin confirms here
    page = await platform.batch.database.query(created.env, db.collection("todos").get())
    await platform.batch.storage.upload(created.env, "a.png", data)
    await platform.batch.static.upload(created.env, "index.html", html)   # a PUT to a signed URL

The database and storage calls reuse the common-mode models (`wxtcb.database.QueryResult`,
`UpdateResult`, `CollectionInfo`, `MigrationJob`, `wxtcb.storage.UploadLink`, `FileLink`,
`DeleteAnswer`), the statement builder (`wxtcb.db`) and storage's two-step transfers.

What WeChat's pages say, and what wxtcb does with it
-----------------------------------------------------

- ``createenv``: ``alias`` starts with a-z and holds only ``[a-zA-Z0-9-]`` (checked before
  sending). The Chinese pages' tables add ``EnvType`` (required, ``"run"``), their samples send
  ``alias`` alone; wxtcb sends ``EnvType: "run"``. The environment is usable only once
  ``describeenvs`` reports ``NORMAL``: `Batch.wait_env_ready` polls, bounded.
- ``describeenvs``: the current page's table and sample write ``update_time``; the older page's
  table spells it ``update_ime``. Both are read into `BatchEnvInfo.update_time`.
- ``batchgetenvid`` / ``batchshareenv``: the newer pages add ``source_type`` (1: a cloud-run
  environment), marked required; the older pages and every sample leave it out. It is sent only
  when given. ``batchshareenv`` needs permission set 18 and answers ``msg_info_list`` URLs that the
  merchant's admin must open: the share takes effect after that confirmation.
- ``dbrecord``: one path, ``action`` ``insert``/``delete``/``update``/``query`` (one method object
  each); its pager is lower-case (``offset``, ``limit``, ``total``), capitalised keys are read too.
- ``dbcollection``: ``action`` ``add``/``get``/``del``; ``get`` answers ``collections`` and
  ``total`` (a ``pager``, if one comes, is read as well); ``limit`` defaults to 20 on this page.
- ``dbmigrationstate``: the table names the error field ``err_msg``, the sample ``error_msg``;
  both are read.
- ``uploadfile``: the batch page's table spells the token ``Token`` and omits ``cos_file_id``,
  while its form needs ``x-cos-meta-fileid`` = ``cos_file_id`` and its sample writes ``token``;
  both spellings are read, and a missing ``cos_file_id`` decodes as ``""``.
- ``batchdownloadfile`` / ``batchdeletefile``: the English pages' samples key each item
  ``files`` instead of ``fileid``; both are read.
- ``staticuploadfile``: the body field is ``filename`` (the table writes ``Filename``, the sample
  ``filename``: wxtcb sends ``filename``); the answer's ``token`` (``Token`` in the table) goes in
  the ``x-cos-security-token`` header of the PUT to ``signed_url``.
- ``createcloudbaserunenv``: ``alias``, ``vpc_id``, ``sub_net_ids`` are all optional and sent only
  when given; it answers ``env_id`` and ``tran_id``. ``describecloudbaserunenvs`` answers
  ``env_list``; the fields wxtcb models are on `RunEnvInfo`, the rest is ignored.
- ``batchuploadscf``: ``functionname``, ``envs``, ``zipfile`` (the zip, base64; up to 20 MB),
  optional ``vpcid``/``subnetid``; answers ``fail_env_list`` (``env``, ``errmsg``).
- ``modifyenv`` has no ``componenttcb/`` path: WeChat's page documents ``tcb/modifyenv`` (the
  common-mode path) called with the component token, which is `BatchModifyEnv`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import attrs

from wxtcb import db, storage
from wxtcb.converter import structure
from wxtcb.database import (
    ACCUMULATES,
    CollectionInfo,
    ConflictMode,
    DatabaseAggregate,
    DatabaseMigrateQueryInfo,
    FileType,
    MigrationJob,
    QueryResult,
    UpdateResult,
    add_statement,
    aggregate_statement,
    capitalised_pager,
    collection_name_field,
    file_path_field,
    get_statement,
    non_negative_field,
    remove_statement,
    update_statement,
)
from wxtcb.errors import InvalidRequestError, WxTcbError
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint, namespace
from wxtcb.storage import (
    DeleteAnswer,
    DeletedFile,
    FileLink,
    FileRequest,
    FileResults,
    UploadedFile,
    UploadLink,
    parse_cos_error,
)
from wxtcb.transport import foreign_summary
from wxtcb.validators import env_id
from wxtcb.wire import wire

if TYPE_CHECKING:
    from wxtcb.pipeline import Pipeline

__all__ = [
    "MAX_ZIPFILE",
    "Batch",
    "BatchCollectionAdd",
    "BatchCollectionDelete",
    "BatchCollectionGet",
    "BatchCollectionList",
    "BatchCollections",
    "BatchDatabase",
    "BatchDbAggregate",
    "BatchDbDelete",
    "BatchDbExport",
    "BatchDbImport",
    "BatchDbInsert",
    "BatchDbQuery",
    "BatchDbUpdate",
    "BatchDeleteFile",
    "BatchDownloadFile",
    "BatchEnvInfo",
    "BatchGetEnvId",
    "BatchMigrationState",
    "BatchModifyEnv",
    "BatchShareEnv",
    "BatchStorage",
    "BatchUploadFile",
    "BatchUploadScf",
    "CloudRunEnvs",
    "CreateCloudbaseRunEnv",
    "CreateEnv",
    "CreateStaticStore",
    "CreatedBatchEnv",
    "CreatedRunEnv",
    "DescribeCloudbaseRunEnvs",
    "DescribeEnvs",
    "EnvError",
    "EnvNotReadyError",
    "EnvRelation",
    "EnvRelations",
    "RunEnvInfo",
    "ShareConfirmation",
    "ShareResult",
    "ShareTarget",
    "StaticHosting",
    "StaticUploadFile",
    "StaticUploadLink",
]

_DOCS = "https://developers.weixin.qq.com/doc/oplatform/"
_BATCH = _DOCS + "openApi/OpenApiDoc/cloudbase-batch/"
_EN_BATCH = _DOCS + "en/openApi/OpenApiDoc/cloudbase-batch/"
_EN_RUN = _DOCS + "en/openApi/OpenApiDoc/cloudrun-batch/cloudenv-mgnt/"
_THIRD = _DOCS + "Third-party_Platforms/2.0/api/cloudbase/batch/"

#: The largest zip ``batchuploadscf`` takes ("最大支持 20 M"), before base64.
MAX_ZIPFILE = 20 * 1024 * 1024
_ALIAS = re.compile(r"[a-z][a-zA-Z0-9-]*")

T = TypeVar("T")


# --- validation -----------------------------------------------------------------------------


def _alias(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _ALIAS.fullmatch(value):
        raise InvalidRequestError("alias must start with a-z and hold only a-z, A-Z, 0-9 and '-'")


def _optional_alias(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _alias(instance, attribute, value)


def _strings(value: Iterable[str]) -> list[str]:
    if isinstance(value, str | bytes):
        raise InvalidRequestError("expected a list of strings, not one string")
    items = list(value)
    if not all(isinstance(i, str) and i.strip() for i in items):
        raise InvalidRequestError("every item must be a non-empty string")
    return items


def _optional_strings(value: Iterable[str] | None) -> list[str] | None:
    return None if value is None else _strings(value)


def _non_empty(_: object, attribute: attrs.Attribute[Any], value: Iterable[object]) -> None:
    if not value:
        raise InvalidRequestError(f"{attribute.name} is empty")


def _optional_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidRequestError(f"{attribute.name} must be a non-empty string or None")


def _source_type(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidRequestError("source_type must be an integer (1: a cloud-run environment) or None")


def _targets(value: Iterable[ShareTarget]) -> list[ShareTarget]:
    items = list(value)
    if not items or not all(isinstance(i, ShareTarget) for i in items):
        raise InvalidRequestError("data must hold one or more wxtcb.batch.ShareTarget")
    return items


def _zipfile(value: bytes | str) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if not raw:
            raise InvalidRequestError("zipfile is empty")
        if len(raw) > MAX_ZIPFILE:
            raise InvalidRequestError(f"zipfile is {len(raw)} bytes; WeChat takes at most {MAX_ZIPFILE}")
        return base64.b64encode(raw).decode("ascii")
    if isinstance(value, str) and value.strip():
        return value
    raise InvalidRequestError("zipfile must be the zip's bytes (encoded here) or its base64 text")


def _renamed(value: object, key: str, *aliases: str) -> object:
    """*value* with *key* filled from the first of *aliases* present when *key* is absent."""
    if isinstance(value, Mapping) and key not in value:
        for alias in aliases:
            if alias in value:
                return {**value, key: value[alias]}
    return value


def _items_renamed(value: object, key: str, alias: str) -> object:
    if isinstance(value, list):
        return [_renamed(item, key, alias) for item in value]
    return value


# --- models ---------------------------------------------------------------------------------


@attrs.frozen
class CreatedBatchEnv:
    """What ``componenttcb/createenv`` answers.

    Attributes:
        env: The new environment's id (usable once `Batch.wait_env_ready` returns).
        tranid: The post-paid order number.
    """

    env: str
    tranid: str = ""


@attrs.frozen
class BatchEnvInfo:
    """One environment, as ``componenttcb/describeenvs`` lists it.

    Attributes:
        env: The environment id.
        alias: Its alias.
        create_time: When it was created (``"2020-04-04 14:10:28"``).
        update_time: When it last changed (``update_ime`` on the older page is read too).
        status: ``"NORMAL"`` once usable.
        package_id: The package id, e.g. ``"basic"``.
        package_name: The package's (Chinese) name.
        dbinstance_id: The database instance.
        bucket_id: The storage bucket.
    """

    env: str
    alias: str = ""
    create_time: str = ""
    update_time: str = ""
    status: str = ""
    package_id: str = ""
    package_name: str = ""
    dbinstance_id: str = ""
    bucket_id: str = ""

    @property
    def ready(self) -> bool:
        """Whether the environment can be used (``status == "NORMAL"``)."""
        return self.status == "NORMAL"


@attrs.frozen
class EnvRelation:
    """The environments one mini program can use.

    Attributes:
        appid: The mini program.
        env_list: Its environment ids.
    """

    appid: str
    env_list: list[str] = attrs.field(factory=list)


@attrs.frozen
class EnvError:
    """A per-item failure of a batch call.

    Attributes:
        env: The environment concerned ("" when the page gives none).
        appid: The mini program concerned ("" when none).
        errmsg: WeChat's message.
    """

    env: str = ""
    appid: str = ""
    errmsg: str = ""


@attrs.frozen
class EnvRelations:
    """What ``componenttcb/batchgetenvid`` answers.

    Attributes:
        relation_data: Each mini program's environments.
        err_list: The appids WeChat could not answer for.
    """

    relation_data: list[EnvRelation] = attrs.field(factory=list)
    err_list: list[EnvError] = attrs.field(factory=list)


@attrs.frozen
class ShareTarget:
    """One item of ``batchshareenv``'s ``data``: share *env* with *appids*.

    Attributes:
        env: The environment.
        appids: The mini programs (same legal entity as the platform's environment).
    """

    env: str = attrs.field(validator=env_id)
    appids: list[str] = attrs.field(converter=_strings, validator=_non_empty)


@attrs.frozen
class ShareConfirmation:
    """A link the mini program's admin must open to allow a share.

    Attributes:
        appid: The mini program.
        url: The confirmation page.
    """

    appid: str
    url: str


@attrs.frozen
class ShareResult:
    """What ``componenttcb/batchshareenv`` answers.

    Attributes:
        err_list: The shares refused.
        msg_info_list: The confirmation links to send to each mini program's admin; a share
            takes effect only after its admin confirms.
    """

    err_list: list[EnvError] = attrs.field(factory=list)
    msg_info_list: list[ShareConfirmation] = attrs.field(factory=list)


@attrs.frozen
class BatchCollectionList:
    """A page of ``componenttcb/dbcollection`` ``get``.

    Attributes:
        collections: The collections on this page (`wxtcb.database.CollectionInfo`).
        total: How many collections there are in all.
    """

    collections: tuple[CollectionInfo, ...] = ()
    total: int = 0


@attrs.frozen
class StaticUploadLink:
    """What ``componenttcb/staticuploadfile`` answers; both values are secrets (not in the repr).

    Attributes:
        signed_url: Where to PUT the file.
        token: The value of the ``x-cos-security-token`` header.
    """

    signed_url: str = attrs.field(repr=False)
    token: str = attrs.field(repr=False)


@attrs.frozen
class CreatedRunEnv:
    """What ``componenttcb/createcloudbaserunenv`` answers.

    Attributes:
        env_id: The cloud-run environment's id.
        tran_id: The order number.
    """

    env_id: str
    tran_id: str = ""


@attrs.frozen
class RunEnvInfo:
    """One cloud-run (微信云托管) environment of ``describecloudbaserunenvs``.

    Attributes:
        env_id: The environment id.
        source: ``"miniapp"`` or ``"qcloud"``.
        alias: Its alias.
        create_time: When it was created.
        update_time: When it last changed.
        status: ``"NORMAL"`` or ``"UNAVAILABLE"`` (not yet initialised).
        databases: Its databases, as WeChat describes them.
        storages: Its storages, as WeChat describes them.
    """

    env_id: str
    source: str = ""
    alias: str = ""
    create_time: str = ""
    update_time: str = ""
    status: str = ""
    databases: list[dict[str, Any]] = attrs.field(factory=list)
    storages: list[dict[str, Any]] = attrs.field(factory=list)


class EnvNotReadyError(WxTcbError, TimeoutError):
    """An environment did not reach ``NORMAL`` within `Batch.wait_env_ready`'s bound.

    Attributes:
        env: The environment.
        status: Its last status ("" when ``describeenvs`` did not list it).
    """

    def __init__(self, message: str = "", *, env: str = "", status: str = "") -> None:
        super().__init__(message)
        self.env = env
        self.status = status


# --- environments ---------------------------------------------------------------------------


@attrs.frozen
class CreateEnv(Method[CreatedBatchEnv]):
    """Create an environment (``EnvType`` ``"run"``); never resent. Wait for it with
    `Batch.wait_env_ready`.

    Attributes:
        alias: ``alias``, the new environment's name: starts with a-z and holds only ``[a-zA-Z0-9-]`` (checked
            before sending).
        env_type: ``EnvType``, always ``"run"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/createenv",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=_BATCH.replace("OpenApiDoc/", "") + "env-mgnt/api_createtcbenv.html",
    )

    alias: str = attrs.field(validator=_alias)
    env_type: str = attrs.field(default="run", init=False, metadata=wire("EnvType"))


@attrs.frozen
class BatchModifyEnv(Method[None]):
    """Turn an environment created in Tencent Cloud's console into a mini-program environment.

    Batch mode has no ``componenttcb/`` path for it: WeChat's page documents ``tcb/modifyenv``
    called with the component token.

    Attributes:
        env: ``env``, the environment to turn into a mini-program environment (a non-empty id).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/modifyenv",
        token=TokenKind.COMPONENT,
        doc=_DOCS + "en/openApi/OpenApiDoc/cloudbase-common/env-management/changeTcbEnv.html",
    )

    env: str = attrs.field(validator=env_id)


@attrs.frozen
class DescribeEnvs(Method[list[BatchEnvInfo]]):
    """List the platform's environments with their status."""

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/describeenvs",
        token=TokenKind.COMPONENT,
        result_key="info_list",
        doc=_BATCH + "env-mgnt/getTcbEnvList.html",
    )

    @staticmethod
    def __decode__(value: object) -> list[BatchEnvInfo]:
        if isinstance(value, list):
            value = [_renamed(item, "update_time", "update_ime") for item in value]
        return structure(value, list[BatchEnvInfo])


@attrs.frozen
class BatchGetEnvId(Method[EnvRelations]):
    """The environments each of *appids* can use (shared ones included).

    Attributes:
        appids: ``appids``, the mini programs to look up: a non-empty list of non-empty strings (not one
            string).
        source_type: ``source_type`` (1: a cloud-run environment); an integer, sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchgetenvid",
        token=TokenKind.COMPONENT,
        doc=_EN_RUN + "getShareCloudbaseEnv.html",
    )

    appids: list[str] = attrs.field(converter=_strings, validator=_non_empty)
    source_type: int | None = attrs.field(
        default=None, validator=_source_type, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class BatchShareEnv(Method[ShareResult]):
    """Share environments with mini programs (permission set 18); each admin confirms at the
    returned URL. Never resent (each call sends confirmations).

    Attributes:
        data: ``data``, one or more `ShareTarget` (which environment to share with which appids).
        source_type: ``source_type`` (1: a cloud-run environment); an integer, sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchshareenv",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=_EN_BATCH + "env-mgnt/shareCloudbaseEnv.html",
    )

    data: list[ShareTarget] = attrs.field(converter=_targets)
    source_type: int | None = attrs.field(
        default=None, validator=_source_type, metadata=wire(omit_if_default=True)
    )


# --- database -------------------------------------------------------------------------------

_DBRECORD = _BATCH.replace("OpenApiDoc/", "") + "db-mgnt/api_dbrecordmanage.html"
_DBCOLLECTION = _DOCS + "openApi/OpenApiDoc/cloudbase-common/db-management/dbcollectionManage.html"


@attrs.frozen
class BatchDbInsert(Method[list[str]]):
    """Insert documents (``add()``); returns their ids. Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``add()`` (or its text,
            non-empty).
        action: ``action``, always ``"insert"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbrecord",
        token=TokenKind.COMPONENT,
        idempotent=False,
        result_key="id_list",
        doc=_DBRECORD,
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=add_statement)
    action: str = attrs.field(default="insert", init=False)


@attrs.frozen
class BatchDbDelete(Method[int]):
    """Delete documents (``remove()``); returns how many.

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``remove()`` (or its text,
            non-empty).
        action: ``action``, always ``"delete"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbrecord", token=TokenKind.COMPONENT, result_key="deleted", doc=_DBRECORD
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=remove_statement)
    action: str = attrs.field(default="delete", init=False)


@attrs.frozen
class BatchDbUpdate(Method[UpdateResult]):
    """Update documents (``update()``/``set()``); resent only when the statement only sets.

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``update()`` or ``set()`` (or
            its text, non-empty).
        action: ``action``, always ``"update"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbrecord", token=TokenKind.COMPONENT, doc=_DBRECORD
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=update_statement)
    action: str = attrs.field(default="update", init=False)

    @property
    def __idempotent__(self) -> bool:
        return ACCUMULATES.search(self.query) is None


@attrs.frozen
class BatchDbQuery(Method[QueryResult]):
    """Read a page of documents (``get()``); the pager is lower-case on the wire.

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``get()`` (or its text,
            non-empty).
        action: ``action``, always ``"query"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbrecord", token=TokenKind.COMPONENT, doc=_DBRECORD
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=get_statement)
    action: str = attrs.field(default="query", init=False)

    @staticmethod
    def __decode__(value: object) -> QueryResult:
        return structure(capitalised_pager(value), QueryResult)


@attrs.frozen
class BatchCollectionAdd(Method[None]):
    """Create a collection. Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        collection_name: ``collection_name``, the collection to create (a non-empty string).
        action: ``action``, always ``"add"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbcollection", token=TokenKind.COMPONENT, idempotent=False, doc=_DBCOLLECTION
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)
    action: str = attrs.field(default="add", init=False)


@attrs.frozen
class BatchCollectionDelete(Method[None]):
    """Drop a collection (``action`` ``"del"``). Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        collection_name: ``collection_name``, the collection to drop (a non-empty string).
        action: ``action``, always ``"del"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbcollection", token=TokenKind.COMPONENT, idempotent=False, doc=_DBCOLLECTION
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)
    action: str = attrs.field(default="del", init=False)


@attrs.frozen
class BatchCollectionGet(Method[BatchCollectionList]):
    """List collections, *limit* (20 by default, as the page says) from *offset*.

    Attributes:
        env: ``env``, the environment id (non-empty).
        limit: ``limit``, how many collections per page (20 by default; a non-negative integer).
        offset: ``offset``, how many to skip (a non-negative integer).
        action: ``action``, always ``"get"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbcollection", token=TokenKind.COMPONENT, doc=_DBCOLLECTION
    )

    env: str = attrs.field(validator=env_id)
    limit: int = attrs.field(default=20, validator=non_negative_field)
    offset: int = attrs.field(default=0, validator=non_negative_field)
    action: str = attrs.field(default="get", init=False)

    @staticmethod
    def __decode__(value: object) -> BatchCollectionList:
        if isinstance(value, Mapping) and "total" not in value and isinstance(value.get("pager"), Mapping):
            pager = value["pager"]
            value = {**value, "total": pager.get("total", pager.get("Total", 0))}
        return structure(value, BatchCollectionList)


@attrs.frozen
class BatchDbAggregate(Method[list[dict[str, Any]]]):
    """Run an aggregation (``db.collection(…).aggregate()….end()``); returns the rows.

    Attributes:
        env: ``env``, the environment id (non-empty).
        query: ``query``, the aggregation as a non-empty string (``db.collection(…).aggregate()….end()``).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbaggregate",
        token=TokenKind.COMPONENT,
        result_key="data",
        doc=_THIRD + "dbaggregate.html",
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=aggregate_statement)

    __decode__ = staticmethod(DatabaseAggregate.__decode__)


@attrs.frozen
class BatchDbImport(Method[int]):
    """Import a file of the environment's storage into a collection; returns the job id. Never resent.

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
        "componenttcb/dbimport",
        token=TokenKind.COMPONENT,
        idempotent=False,
        result_key="job_id",
        doc=_EN_BATCH + "db-mgnt/dbImport.html",
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)
    file_path: str = attrs.field(validator=file_path_field)
    file_type: FileType = attrs.field(default=FileType.JSON, converter=FileType)
    stop_on_error: bool = False
    conflict_mode: ConflictMode = attrs.field(default=ConflictMode.INSERT, converter=ConflictMode)


@attrs.frozen
class BatchDbExport(Method[int]):
    """Export what a ``get()`` statement matches to a file; returns the job id. Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        file_path: ``file_path``, where the file is written in the environment's storage (a non-empty string).
        query: ``query``, the statement text: a `wxtcb.db.Statement` ending in ``get()`` (or its text,
            non-empty).
        file_type: ``file_type``, `FileType.JSON` (1) or `FileType.CSV` (2); an integer is converted.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbexport",
        token=TokenKind.COMPONENT,
        idempotent=False,
        result_key="job_id",
        doc=_EN_BATCH + "db-mgnt/dbExport.html",
    )

    env: str = attrs.field(validator=env_id)
    file_path: str = attrs.field(validator=file_path_field)
    query: str = attrs.field(converter=get_statement)
    file_type: FileType = attrs.field(default=FileType.JSON, converter=FileType)


@attrs.frozen
class BatchMigrationState(Method[MigrationJob]):
    """The state of an import or export job (``err_msg`` or ``error_msg``).

    Attributes:
        env: ``env``, the environment id (non-empty).
        job_id: ``job_id``, the id `BatchDbImport` or `BatchDbExport` returned (a non-negative integer).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbmigrationstate",
        token=TokenKind.COMPONENT,
        doc=_THIRD + "dbmigrationstate.html",
    )

    env: str = attrs.field(validator=env_id)
    job_id: int = attrs.field(validator=non_negative_field)

    __decode__ = staticmethod(DatabaseMigrateQueryInfo.__decode__)


# --- storage --------------------------------------------------------------------------------


@attrs.frozen
class BatchUploadFile(Method[UploadLink]):
    """Get a link to upload a file to *path* (step one; `BatchStorage.upload` does both).

    Attributes:
        env: ``env``, the environment id (non-empty).
        path: ``path``, the file's path in the bucket (``avatars/1.png``; checked by
            `wxtcb.storage.check_cloud_path`).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/uploadfile",
        token=TokenKind.COMPONENT,
        doc=_EN_BATCH + "file-mgnt/getUploadFileLink.html",
    )

    env: str = attrs.field(validator=env_id)
    path: str = attrs.field(validator=storage.cloud_path_field)

    @staticmethod
    def __decode__(value: object) -> UploadLink:
        value = _renamed(value, "token", "Token")
        if isinstance(value, Mapping) and "cos_file_id" not in value:
            value = {**value, "cos_file_id": ""}
        return structure(value, UploadLink)


@attrs.frozen
class BatchDownloadFile(Method[list[FileLink]]):
    """Get download links for up to 50 files (`BatchStorage.download_urls` takes any number).

    Attributes:
        env: ``env``, the environment id (non-empty).
        file_list: ``file_list``, 1 to 50 `wxtcb.storage.FileRequest` (a file id and how long its link lives).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchdownloadfile",
        token=TokenKind.COMPONENT,
        result_key="file_list",
        doc=_EN_BATCH + "file-mgnt/getDownloadFileLink.html",
    )

    env: str = attrs.field(validator=env_id)
    file_list: list[FileRequest] = attrs.field(converter=storage.file_request_list, validator=storage.batch_sized)

    @staticmethod
    def __decode__(value: object) -> list[FileLink]:
        return structure(_items_renamed(value, "fileid", "files"), list[FileLink])


@attrs.frozen
class BatchDeleteFile(Method[DeleteAnswer]):
    """Delete up to 50 files (`BatchStorage.delete` takes any number); not retried.

    Attributes:
        env: ``env``, the environment id (non-empty).
        fileid_list: ``fileid_list``, 1 to 50 ``cloud://`` file ids (non-empty strings; a list, not one
            string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchdeletefile",
        token=TokenKind.COMPONENT,
        idempotent=False,
        # No batch-mode page of its own was found: the common-mode page (same body and answer).
        doc=_DOCS + "en/openApi/OpenApiDoc/cloudbase-common/file-management/deleteTcbCloudFile.html",
    )

    env: str = attrs.field(validator=env_id)
    fileid_list: list[str] = attrs.field(converter=storage.file_id_list, validator=storage.batch_sized)

    @staticmethod
    def __decode__(value: object) -> DeleteAnswer:
        if isinstance(value, Mapping):
            value = {**value, "delete_list": _items_renamed(value.get("delete_list", []), "fileid", "files")}
        return structure(value, DeleteAnswer)


# --- static hosting -------------------------------------------------------------------------


@attrs.frozen
class CreateStaticStore(Method[None]):
    """Open static website hosting for *env*. Never resent.

    Attributes:
        env: ``env``, the environment to open static hosting for (a non-empty id).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/createstaticstore",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=_EN_BATCH + "staticstore-management/createStaticStore.html",
    )

    env: str = attrs.field(validator=env_id)


@attrs.frozen
class StaticUploadFile(Method[StaticUploadLink]):
    """Get a signed URL to PUT a static website file (`StaticHosting.upload` does both steps).

    Attributes:
        env: ``env``, the environment id (non-empty).
        filename: ``filename``, the file's path on the static site (``index.html``; checked as a cloud path).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/staticuploadfile",
        token=TokenKind.COMPONENT,
        doc=_EN_BATCH + "staticstore-management/getUploadStaticStoreFile.html",
    )

    env: str = attrs.field(validator=env_id)
    filename: str = attrs.field(validator=storage.cloud_path_field)

    @staticmethod
    def __decode__(value: object) -> StaticUploadLink:
        return structure(_renamed(value, "token", "Token"), StaticUploadLink)


# --- cloud-run environments and functions ---------------------------------------------------


@attrs.frozen(kw_only=True)
class CreateCloudbaseRunEnv(Method[CreatedRunEnv]):
    """Create a cloud-run (微信云托管) environment; every argument is optional. Never resent.

    Attributes:
        alias: ``alias``, the environment's name: starts with a-z, holds only ``[a-zA-Z0-9-]``; sent only when
            given.
        vpc_id: ``vpc_id``, a non-empty string; sent only when given.
        sub_net_ids: ``sub_net_ids``, a list of non-empty strings; sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/createcloudbaserunenv",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=_DOCS + "openApi/cloudrun-batch/cloudenv-mgnt/api_createcloudbaseenv.html",
    )

    alias: str | None = attrs.field(
        default=None, validator=_optional_alias, metadata=wire(omit_if_default=True)
    )
    vpc_id: str | None = attrs.field(
        default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )
    sub_net_ids: list[str] | None = attrs.field(
        default=None, converter=_optional_strings, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class DescribeCloudbaseRunEnvs(Method[list[RunEnvInfo]]):
    """List the platform's cloud-run environments."""

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/describecloudbaserunenvs",
        token=TokenKind.COMPONENT,
        result_key="env_list",
        doc=_EN_RUN + "getWxCloudBaseRunEnvs.html",
    )


@attrs.frozen
class BatchUploadScf(Method[list[EnvError]]):
    """Create a cloud function in several environments from a zip (up to 20 MB); returns the
    environments where it failed. Never resent.

    Attributes:
        functionname: ``functionname``, the cloud function's name (a non-empty string).
        envs: ``envs``, the environments to create it in: a non-empty list of non-empty strings.
        zipfile: ``zipfile``, the zip as base64 text: bytes (at most 20 MB) are encoded here. Hidden from the
            repr.
        vpcid: ``vpcid``, a non-empty string; sent only when given.
        subnetid: ``subnetid``, a non-empty string; sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchuploadscf",
        token=TokenKind.COMPONENT,
        idempotent=False,
        result_key="fail_env_list",
        doc=_EN_BATCH + "scf-mgnt/batchuUloadCloudFunction.html",
    )

    functionname: str = attrs.field(validator=lambda _i, _a, v: db.checked_name(v, "functionname"))
    envs: list[str] = attrs.field(converter=_strings, validator=_non_empty)
    zipfile: str = attrs.field(converter=_zipfile, repr=False)
    vpcid: str | None = attrs.field(
        default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )
    subnetid: str | None = attrs.field(
        default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )


# --- namespaces -----------------------------------------------------------------------------


def _engine_of(send: object) -> Pipeline:
    """The engine behind a namespace's sender: a `wxtcb.Client`'s, or a `wxtcb.Platform`'s."""
    owner = getattr(send, "__self__", None)
    engine = getattr(owner, "_engine", None)
    if engine is None:
        engine = getattr(getattr(owner, "_client", None), "_engine", None)
    if engine is None:
        raise TypeError("platform.batch transfers need a wxtcb.Platform")
    return cast("Pipeline", engine())


class _BatchSender:
    """Sends storage's common-mode method objects as their batch-mode twins, so that
    `wxtcb.storage.Storage`'s transfers (links, batches, retries) run on the component token."""

    __slots__ = ("_send",)

    def __init__(self, send: Any) -> None:
        self._send = send

    def _engine(self) -> Pipeline:
        return _engine_of(self._send)

    def send(self, method: Method[T]) -> Awaitable[T]:
        twin: Method[Any] = method
        if isinstance(method, storage.UploadFile):
            twin = BatchUploadFile(method.env, method.path)
        elif isinstance(method, storage.BatchDownloadFile):
            twin = BatchDownloadFile(method.env, method.file_list)
        elif isinstance(method, storage.BatchDeleteFile):
            twin = BatchDeleteFile(method.env, method.fileid_list)
        return cast("Awaitable[T]", self._send(twin))


class BatchCollections(Namespace):
    """``platform.batch.database.collections``: ``componenttcb/dbcollection``."""

    __slots__ = ()

    create = endpoint(BatchCollectionAdd)
    drop = endpoint(BatchCollectionDelete)
    list = endpoint(BatchCollectionGet)


class BatchDatabase(Namespace):
    """``platform.batch.database``: records, aggregation and migrations of a batch environment."""

    __slots__ = ()

    insert = endpoint(BatchDbInsert)
    delete = endpoint(BatchDbDelete)
    update = endpoint(BatchDbUpdate)
    query = endpoint(BatchDbQuery)
    aggregate = endpoint(BatchDbAggregate)
    migrate_import = endpoint(BatchDbImport)
    migrate_export = endpoint(BatchDbExport)
    migration = endpoint(BatchMigrationState)
    #: Collections: `BatchCollections`.
    collections = namespace(BatchCollections)


class BatchStorage(Namespace):
    """``platform.batch.storage``: files of a batch environment, with `wxtcb.storage.Storage`'s
    transfers (streamed uploads, batches of 50 in order, fresh links on retry)."""

    __slots__ = ()

    get_upload_link = endpoint(BatchUploadFile)
    get_download_links = endpoint(BatchDownloadFile)
    delete_files = endpoint(BatchDeleteFile)

    def _storage(self) -> storage.Storage:
        return storage.Storage(_BatchSender(self._send).send)

    async def upload(
        self,
        env: str,
        path: str,
        data: bytes | str | os.PathLike[str] | AsyncIterable[bytes],
        *,
        timeout: float | None = None,
    ) -> UploadedFile:
        """Upload *data* to *path* in *env*; see `wxtcb.storage.Storage.upload`."""
        return await self._storage().upload(env, path, data, timeout=timeout)

    async def download_urls(
        self, env: str, file_ids: Iterable[str], *, max_age: int = storage.DEFAULT_MAX_AGE
    ) -> FileResults[FileLink]:
        """Download links for any number of files, in order; see `wxtcb.storage.Storage.download_urls`."""
        return await self._storage().download_urls(env, file_ids, max_age=max_age)

    async def download(
        self,
        env: str,
        file_id: str,
        *,
        max_size: int = storage.DEFAULT_MAX_DOWNLOAD,
        max_age: int = 600,
        timeout: float | None = None,
    ) -> bytes:
        """The file's bytes; see `wxtcb.storage.Storage.download`."""
        return await self._storage().download(
            env, file_id, max_size=max_size, max_age=max_age, timeout=timeout
        )

    async def download_to(
        self,
        env: str,
        file_id: str,
        dest: str | os.PathLike[str],
        *,
        max_size: int | None = None,
        max_age: int = 600,
        timeout: float | None = None,
    ) -> int:
        """Stream the file to *dest*; see `wxtcb.storage.Storage.download_to`."""
        return await self._storage().download_to(
            env, file_id, dest, max_size=max_size, max_age=max_age, timeout=timeout
        )

    def iter_download(
        self,
        env: str,
        file_id: str,
        *,
        max_size: int | None = None,
        max_age: int = 600,
        timeout: float | None = None,
    ) -> AsyncIterator[bytes]:
        """The file's bytes chunk by chunk; see `wxtcb.storage.Storage.iter_download`."""
        return self._storage().iter_download(
            env, file_id, max_size=max_size, max_age=max_age, timeout=timeout
        )

    async def delete(self, env: str, file_ids: Iterable[str]) -> FileResults[DeletedFile]:
        """Delete any number of files, in batches of 50; see `wxtcb.storage.Storage.delete`."""
        return await self._storage().delete(env, file_ids)


class StaticHosting(Namespace):
    """``platform.batch.static``: static website hosting (静态网站托管) of a batch environment."""

    __slots__ = ()

    create_store = endpoint(CreateStaticStore)
    get_upload_link = endpoint(StaticUploadFile)

    async def upload(
        self, env: str, filename: str, data: bytes | str | os.PathLike[str], *, timeout: float | None = None
    ) -> int:
        """Upload *data* (bytes or a path, streamed) as the website file *filename*; returns its size.

        Asks ``staticuploadfile`` for a signed URL, then PUTs the file there with the
        ``x-cos-security-token`` header, through the platform's session. A failed PUT (network,
        timeout, HTTP 5xx) asks for a fresh URL and tries again within the RetryPolicy; COS's
        XML errors become `StorageError`.
        """
        method = StaticUploadFile(env, filename)  # validates env and filename
        source = storage.transfer_source(data)
        if not isinstance(source, bytes | Path):
            raise InvalidRequestError("data must be bytes or a file path")
        size = storage.source_size(source)
        engine = _engine_of(self._send)
        limit = engine.timeout if timeout is None else timeout
        runner = storage.Storage(_BatchSender(self._send).send)

        async def attempt(_: int) -> int:
            link: StaticUploadLink = await runner.request_link(method)
            secrets = [link.signed_url, link.token]
            status, body = await engine.transport.put(
                link.signed_url,
                source,
                headers={"x-cos-security-token": link.token},
                secrets=secrets,
                timeout=limit,
            )
            if status not in (200, 201, 204):
                raise parse_cos_error(
                    status, body, request=foreign_summary("PUT", link.signed_url), secrets=secrets
                )
            return size

        return cast(int, await runner.two_step_transfer("cos/static-upload", attempt))


class CloudRunEnvs(Namespace):
    """``platform.batch.cloudrun``: cloud-run (微信云托管) environments."""

    __slots__ = ()

    create_env = endpoint(CreateCloudbaseRunEnv)
    describe_envs = endpoint(DescribeCloudbaseRunEnvs)


class Batch(Namespace):
    """``platform.batch``: CloudBase batch mode (``componenttcb/*``) on the component token."""

    __slots__ = ()

    create_env = endpoint(CreateEnv)
    describe_envs = endpoint(DescribeEnvs)
    get_env_ids = endpoint(BatchGetEnvId)
    share_env = endpoint(BatchShareEnv)
    modify_env = endpoint(BatchModifyEnv)
    upload_functions = endpoint(BatchUploadScf)
    #: Records, collections and migrations: `BatchDatabase`.
    database = namespace(BatchDatabase)
    #: Files: `BatchStorage`.
    storage = namespace(BatchStorage)
    #: Static website hosting: `StaticHosting`.
    static = namespace(StaticHosting)
    #: Cloud-run environments: `CloudRunEnvs`.
    cloudrun = namespace(CloudRunEnvs)

    async def wait_env_ready(
        self, env: str, *, interval: float = 2.0, timeout: float = 300.0
    ) -> BatchEnvInfo:
        """Poll ``describeenvs`` every *interval* seconds until *env* is ``NORMAL``; returns it.

        WeChat says a new environment must be ``NORMAL`` before collections or data are made in
        it. Raises `EnvNotReadyError` (a `TimeoutError`, naming the last status) when *timeout*
        seconds pass first; the first poll is always made.
        """
        if not isinstance(env, str) or not env.strip():
            raise InvalidRequestError("env must be a non-empty CloudBase environment id")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise InvalidRequestError("timeout must be a positive number of seconds")
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
            raise InvalidRequestError("interval must be a number of seconds, 0 or more")
        deadline = time.monotonic() + timeout
        status = ""
        while True:
            envs = await self._send(DescribeEnvs())
            found = next((e for e in envs if e.env == env), None)
            status = found.status if found is not None else ""
            if found is not None and found.ready:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                shown = repr(status) if status else "not listed"
                raise EnvNotReadyError(
                    f"environment {env} is {shown} after {timeout:g} s", env=env, status=status
                )
            await asyncio.sleep(min(interval, left))
