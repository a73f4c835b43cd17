"""Batch-mode database (``componenttcb/dbrecord``, ``dbcollection``, ``dbmigration*``): records,
collections, aggregation and migrations of a batch environment (indexes and ACL belong here too)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

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
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint, namespace
from wxtcb.validators import env_id

__all__ = [
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
    "BatchMigrationState",
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
        doc=EN_BATCH_DOCS + "db-mgnt/dbImport.html",
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
        doc=EN_BATCH_DOCS + "db-mgnt/dbExport.html",
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
        doc=THIRD_PARTY_DOCS + "dbmigrationstate.html",
    )

    env: str = attrs.field(validator=env_id)
    job_id: int = attrs.field(validator=non_negative_field)

    __decode__ = staticmethod(DatabaseMigrateQueryInfo.__decode__)


# --- namespaces ---


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
