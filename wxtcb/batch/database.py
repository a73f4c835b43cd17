"""Batch-mode database (``componenttcb/dbrecord``, ``dbcollection``, ``dbmigration*``, ``dbindex``,
``dbgetacl``, ``dbmodifyacl``): records, collections, aggregation, migrations, indexes and
collection permissions of a batch environment.

- ``dbindex`` is one path with ``action`` ``create``/``delete`` (one method object each). Its
  ``indexes[].keys[].direction`` is the string ``"1"``, ``"-1"`` or ``"2dsphere"`` (as in
  ``tcb/updateindex``: `wxtcb.database.IndexKey` is reused), and the page has no ``unique``: an
  `wxtcb.database.Index` with ``unique=True`` is refused before sending. ``keys`` is sent for
  ``create`` only (the page: keys are filled in for create, not needed for delete).
- ``dbgetacl`` answers ``acl_tag`` and ``rule``, the custom rule as JSON *text* inside the JSON;
  it is kept as the string WeChat sent (``""`` when absent). ``dbmodifyacl`` was read on the
  English page only (no Chinese copy was found); its table marks ``rule`` required for every
  ``acl_tag``: wxtcb always sends it, ``""`` unless the tag is ``CUSTOM``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs

from wxtcb import db
from wxtcb.batch.common import (
    BATCH_DOCS,
    EN_BATCH_DOCS,
    OPLATFORM_DOCS,
    THIRD_PARTY_DOCS,
)
from wxtcb.converter import structure
from wxtcb.database import (
    ACCUMULATES,
    CollectionInfo,
    DatabaseAggregate,
    DatabaseMigrateExport,
    DatabaseMigrateImport,
    DatabaseMigrateQueryInfo,
    Index,
    IndexKey,
    MigrationJob,
    QueryResult,
    UpdateResult,
    add_statement,
    aggregate_statement,
    capitalised_pager,
    collection_name_field,
    get_statement,
    non_negative_field,
    remove_statement,
    update_statement,
)
from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint, namespace
from wxtcb.validators import env_id

__all__ = [
    "AclTag",
    "BatchCollectionAdd",
    "BatchCollectionDelete",
    "BatchCollectionGet",
    "BatchCollectionList",
    "BatchCollections",
    "BatchDatabase",
    "BatchDbAggregate",
    "BatchDbDelete",
    "BatchDbExport",
    "BatchDbGetAcl",
    "BatchDbImport",
    "BatchDbInsert",
    "BatchDbModifyAcl",
    "BatchDbQuery",
    "BatchDbUpdate",
    "BatchIndexCreate",
    "BatchIndexDelete",
    "BatchIndexes",
    "BatchMigrationState",
    "CollectionAcl",
]


@attrs.frozen
class BatchCollectionList:
    """A page of ``componenttcb/dbcollection`` ``get``.

    Attributes:
        collections: The collections on this page (`wxtcb.database.CollectionInfo`).
        total: How many collections there are in all.
    """

    collections: tuple[CollectionInfo, ...] = ()
    total: int = 0


# --- database -------------------------------------------------------------------------------

_DBRECORD = BATCH_DOCS.replace("OpenApiDoc/", "") + "db-mgnt/api_dbrecordmanage.html"
_DBCOLLECTION = OPLATFORM_DOCS + "openApi/OpenApiDoc/cloudbase-common/db-management/dbcollectionManage.html"


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
        doc=THIRD_PARTY_DOCS + "dbaggregate.html",
    )

    env: str = attrs.field(validator=env_id)
    query: str = attrs.field(converter=aggregate_statement)

    __decode__ = staticmethod(DatabaseAggregate.__decode__)


@attrs.frozen
class BatchDbImport(DatabaseMigrateImport):
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
        doc=EN_BATCH_DOCS + "db-mgnt/dbImport.html",
    )

    # tcb/databasemigrateimport's fields, checks and answer: only the path and the token differ.


@attrs.frozen
class BatchDbExport(DatabaseMigrateExport):
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
        doc=EN_BATCH_DOCS + "db-mgnt/dbExport.html",
    )

    # tcb/databasemigrateexport's fields, checks and answer: only the path and the token differ.


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
        doc=THIRD_PARTY_DOCS + "dbmigrationstate.html",
    )

    env: str = attrs.field(validator=env_id)
    job_id: int = attrs.field(validator=non_negative_field)

    __decode__ = staticmethod(DatabaseMigrateQueryInfo.__decode__)


# --- indexes and collection permissions -----------------------------------------------------

_DBINDEX = BATCH_DOCS.replace("OpenApiDoc/", "") + "db-mgnt/api_dbindexmanage"
_DBGETACL = THIRD_PARTY_DOCS + "dbGetACL.html"
_DBMODIFYACL = EN_BATCH_DOCS + "db-mgnt/setPermission.html"


@attrs.frozen
class _CreatedIndex:
    """One item of ``dbindex`` ``create``'s ``indexes``: `wxtcb.database.Index` without ``unique``."""

    name: str
    keys: tuple[IndexKey, ...]


@attrs.frozen
class _DroppedIndex:
    """One item of ``dbindex`` ``delete``'s ``indexes``: the name alone."""

    name: str = attrs.field(validator=lambda _i, _a, v: db.checked_name(v, "index name"))


def _created_indexes(value: Iterable[Index]) -> tuple[_CreatedIndex, ...]:
    if isinstance(value, Index):
        value = [value]
    items = tuple(value)
    if not items:
        raise InvalidRequestError("indexes is empty: give one or more wxtcb.database.Index")
    if not all(isinstance(i, Index) for i in items):
        raise InvalidRequestError("indexes takes wxtcb.database.Index objects")
    if any(i.unique for i in items):
        # The batch page has no unique field: sending it would be ignored or refused, never honoured.
        raise InvalidRequestError("componenttcb/dbindex has no unique field: use Index(..., unique=False)")
    return tuple(_CreatedIndex(i.name, i.keys) for i in items)


def _dropped_indexes(value: Iterable[str]) -> tuple[_DroppedIndex, ...]:
    if isinstance(value, str | bytes):
        raise InvalidRequestError("indexes takes a list of index names, not one string")
    items = tuple(_DroppedIndex(name) for name in value)
    if not items:
        raise InvalidRequestError("indexes is empty: give one or more index names")
    return items


@attrs.frozen
class BatchIndexCreate(Method[None]):
    """Create indexes on a collection (``dbindex`` ``action`` ``"create"``). Never resent (a repeat
    would find the index already there).

    Attributes:
        env: ``env``, the environment id (non-empty).
        collection_name: ``collection_name``, the collection (a non-empty string).
        indexes: ``indexes``, one or more `wxtcb.database.Index` (name and `wxtcb.database.IndexKey`
            fields; ``unique`` must stay False: the batch page has no such field); sent as
            ``{"name", "keys": [{"name", "direction"}]}``.
        action: ``action``, always ``"create"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbindex", token=TokenKind.COMPONENT, idempotent=False, doc=_DBINDEX
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)
    indexes: tuple[_CreatedIndex, ...] = attrs.field(converter=_created_indexes)
    action: str = attrs.field(default="create", init=False)


@attrs.frozen
class BatchIndexDelete(Method[None]):
    """Drop indexes of a collection by name (``dbindex`` ``action`` ``"delete"``). Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        collection_name: ``collection_name``, the collection (a non-empty string).
        indexes: ``indexes``, one or more index names (a list, not one string); sent as
            ``[{"name": …}]`` without ``keys``, as the page says for ``delete``.
        action: ``action``, always ``"delete"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbindex", token=TokenKind.COMPONENT, idempotent=False, doc=_DBINDEX
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)
    indexes: tuple[_DroppedIndex, ...] = attrs.field(converter=_dropped_indexes)
    action: str = attrs.field(default="delete", init=False)


class AclTag(enum.StrEnum):
    """A collection's permission (``acl_tag``), the values WeChat's pages list."""

    #: 公有读, 私有写: everyone reads, the creator writes.
    READONLY = "READONLY"
    #: 私有读写: the creator reads and writes.
    PRIVATE = "PRIVATE"
    #: 仅管理员可写: everyone reads, administrators write.
    ADMINWRITE = "ADMINWRITE"
    #: 仅管理员可操作: administrators only.
    ADMINONLY = "ADMINONLY"
    #: 自定义规则: the custom rule in ``rule`` decides.
    CUSTOM = "CUSTOM"


@attrs.frozen
class CollectionAcl:
    """What ``componenttcb/dbgetacl`` answers.

    Attributes:
        acl_tag: ``acl_tag``: ``"READONLY"``, ``"PRIVATE"``, ``"ADMINWRITE"``, ``"ADMINONLY"`` or
            ``"CUSTOM"`` (compare with `AclTag`; another value WeChat may add is kept as it came).
        rule: ``rule``, the custom rule as the JSON text WeChat sends
            (``'{"read": true, "write": "doc._openid == auth.openid"}'``); ``""`` when absent (the
            page does not say what comes for a tag other than ``CUSTOM``). ``json.loads`` it to read it.
    """

    acl_tag: str
    rule: str = ""


def _acl_tag(value: AclTag | str) -> AclTag:
    try:
        return AclTag(value)
    except ValueError:
        raise InvalidRequestError(
            "acl_tag is READONLY, PRIVATE, ADMINWRITE, ADMINONLY or CUSTOM (wxtcb.batch.AclTag)"
        ) from None


def _rule(value: str | Mapping[str, Any]) -> str:
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False)
    if not isinstance(value, str):
        raise InvalidRequestError("rule is JSON text or a dict")
    return value


def _rule_fits_tag(instance: BatchDbModifyAcl, _: attrs.Attribute[str], value: str) -> None:
    if instance.acl_tag is AclTag.CUSTOM:
        try:
            parsed = json.loads(value)
        except ValueError:
            raise InvalidRequestError("rule must be JSON text (an object) for acl_tag CUSTOM") from None
        if not isinstance(parsed, dict) or not parsed:
            raise InvalidRequestError("rule must be a non-empty JSON object for acl_tag CUSTOM")
    elif value:
        raise InvalidRequestError("rule is only for acl_tag CUSTOM; leave it empty for the other tags")


@attrs.frozen
class BatchDbGetAcl(Method[CollectionAcl]):
    """Read a collection's permission (``acl_tag`` and the custom ``rule``).

    Attributes:
        env: ``env``, the environment id (non-empty).
        collection_name: ``collection_name``, the collection (a non-empty string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbgetacl", token=TokenKind.COMPONENT, doc=_DBGETACL
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)

    @staticmethod
    def __decode__(value: object) -> CollectionAcl:
        if isinstance(value, Mapping) and value.get("rule") is None:
            value = {**value, "rule": ""}
        return structure(value, CollectionAcl)


@attrs.frozen
class BatchDbModifyAcl(Method[None]):
    """Set a collection's permission. Resent after a transient failure: setting the same
    permission twice leaves it as setting it once.

    Attributes:
        env: ``env``, the environment id (non-empty).
        collection_name: ``collection_name``, the collection (a non-empty string).
        acl_tag: ``acl_tag``, an `AclTag` (or its name as a string).
        rule: ``rule``, always sent (the page marks it required): for `AclTag.CUSTOM` a non-empty
            JSON object, as text or as a dict (sent as its JSON text); ``""`` for the other tags
            (anything else is refused before sending).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/dbmodifyacl", token=TokenKind.COMPONENT, doc=_DBMODIFYACL
    )

    env: str = attrs.field(validator=env_id)
    collection_name: str = attrs.field(validator=collection_name_field)
    acl_tag: AclTag = attrs.field(converter=_acl_tag)
    rule: str = attrs.field(default="", converter=_rule, validator=_rule_fits_tag)


# --- namespaces ---


class BatchCollections(Namespace):
    """``platform.batch.database.collections``: ``componenttcb/dbcollection``."""

    __slots__ = ()

    create = endpoint(BatchCollectionAdd)
    drop = endpoint(BatchCollectionDelete)
    list = endpoint(BatchCollectionGet)


class BatchIndexes(Namespace):
    """``platform.batch.database.indexes``: ``componenttcb/dbindex``."""

    __slots__ = ()

    create = endpoint(BatchIndexCreate)
    drop = endpoint(BatchIndexDelete)


class BatchDatabase(Namespace):
    """``platform.batch.database``: records, aggregation, migrations, indexes and permissions of a
    batch environment."""

    __slots__ = ()

    insert = endpoint(BatchDbInsert)
    delete = endpoint(BatchDbDelete)
    update = endpoint(BatchDbUpdate)
    query = endpoint(BatchDbQuery)
    aggregate = endpoint(BatchDbAggregate)
    migrate_import = endpoint(BatchDbImport)
    migrate_export = endpoint(BatchDbExport)
    migration = endpoint(BatchMigrationState)
    get_acl = endpoint(BatchDbGetAcl)
    set_acl = endpoint(BatchDbModifyAcl)
    #: Collections: `BatchCollections`.
    collections = namespace(BatchCollections)
    #: Indexes: `BatchIndexes`.
    indexes = namespace(BatchIndexes)
