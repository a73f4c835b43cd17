"""Contract rows of the database domain (every tcb/database* endpoint and tcb/updateindex).

Answers are the samples of WeChat's HTTP-API database pages where they have one.
"""

from __future__ import annotations

import datetime as dt

from tests.contract import Row
from wxtcb import db
from wxtcb.database import (
    CollectionInfo,
    CollectionList,
    ConflictMode,
    DatabaseAdd,
    DatabaseAggregate,
    DatabaseCollectionAdd,
    DatabaseCollectionDelete,
    DatabaseCollectionGet,
    DatabaseCount,
    DatabaseDelete,
    DatabaseMigrateExport,
    DatabaseMigrateImport,
    DatabaseMigrateQueryInfo,
    DatabaseQuery,
    DatabaseUpdate,
    FileType,
    Index,
    IndexKey,
    MigrationJob,
    Pager,
    QueryResult,
    UpdateIndex,
    UpdateResult,
)
from wxtcb.methods import TokenKind

ENV = "test2-4a89da"
OK = {"errcode": 0, "errmsg": "ok"}
QUERY = 'db.collection("geo").where({done:true}).limit(10).skip(1).get()'
AGGREGATE = 'db.collection("test_collection").aggregate().match({tags:"cloud"}).limit(10).end()'


def row(
    method: object, path: str, body: object, answer: dict[str, object], result: object, **kw: object
) -> Row:
    """A row of this domain: access token, no query parameters, idempotent unless said."""
    return Row(
        method=method,  # type: ignore[arg-type]
        path=path,
        token=TokenKind.ACCESS,
        idempotent=bool(kw.get("idempotent", True)),
        query={},
        body=body,
        answer=answer,
        result=result,
    )


ROWS = [
    row(
        DatabaseQuery(ENV, QUERY),
        "tcb/databasequery",
        {"env": ENV, "query": QUERY},
        {
            **OK,
            "pager": {"Offset": 1, "Limit": 10, "Total": 2},
            "data": ['{"_id":"b15498af-1a5a-40b4-a4e7-b3fc4a1df482","done":true,"name":"test"}'],
        },
        QueryResult(
            [{"_id": "b15498af-1a5a-40b4-a4e7-b3fc4a1df482", "done": True, "name": "test"}], Pager(1, 10, 2)
        ),
    ),
    row(
        DatabaseAdd(ENV, db.collection("geo").add([{"description": "item1", "done": False}])),
        "tcb/databaseadd",
        {"env": ENV, "query": 'db.collection("geo").add({data:[{"description":"item1","done":false}]})'},
        {**OK, "id_list": ["be62d9c4-43ec-4dc6-8ca1-30b206eeed2c", "0f4b8add5cdd0db1037ec1ba4afdfa05"]},
        ["be62d9c4-43ec-4dc6-8ca1-30b206eeed2c", "0f4b8add5cdd0db1037ec1ba4afdfa05"],
        idempotent=False,
    ),
    row(
        DatabaseUpdate(ENV, 'db.collection("geo").where({age:14}).update({data:{age: _.inc(1)}})'),
        "tcb/databaseupdate",
        {"env": ENV, "query": 'db.collection("geo").where({age:14}).update({data:{age: _.inc(1)}})'},
        {**OK, "matched": 1, "modified": 1, "id": ""},
        UpdateResult(1, 1, None),
    ),
    row(
        DatabaseDelete(ENV, db.collection("geo").where({"done": False}).remove()),
        "tcb/databasedelete",
        {"env": ENV, "query": 'db.collection("geo").where({"done":false}).remove()'},
        {**OK, "deleted": 1},
        1,
    ),
    row(
        DatabaseCount(ENV, db.collection("geo").where({"done": True}).count()),
        "tcb/databasecount",
        {"env": ENV, "query": 'db.collection("geo").where({"done":true}).count()'},
        {**OK, "count": 3},
        3,
    ),
    row(
        DatabaseAggregate(ENV, AGGREGATE),
        "tcb/databaseaggregate",
        {"env": ENV, "query": AGGREGATE},
        {
            **OK,
            "data": [
                '{"_id":"5d8b3ec2","author":"stark","price":{"$numberDouble":"113.0"},'
                '"due":{"$date":"2019-09-09T00:00:00.000Z"},"views":{"$numberLong":"5000000000"}}'
            ],
        },
        [
            {
                "_id": "5d8b3ec2",
                "author": "stark",
                "price": 113.0,
                "due": dt.datetime(2019, 9, 9, tzinfo=dt.UTC),
                "views": 5_000_000_000,
            }
        ],
    ),
    row(
        DatabaseCollectionAdd(ENV, "test_collection"),
        "tcb/databasecollectionadd",
        {"env": ENV, "collection_name": "test_collection"},
        OK,
        None,
        idempotent=False,
    ),
    row(
        DatabaseCollectionDelete(ENV, "test_collection"),
        "tcb/databasecollectiondelete",
        {"env": ENV, "collection_name": "test_collection"},
        OK,
        None,
        idempotent=False,
    ),
    row(
        DatabaseCollectionGet(ENV, limit=10, offset=0),
        "tcb/databasecollectionget",
        {"env": ENV, "limit": 10, "offset": 0},
        {
            **OK,
            "pager": {"Offset": 0, "Limit": 10, "Total": 1},
            "collections": [
                {"name": "geo", "count": 13, "size": 2469, "index_count": 1, "index_size": 36864}
            ],
        },
        CollectionList((CollectionInfo("geo", 13, 2469, 1, 36864),), Pager(0, 10, 1)),
    ),
    row(
        DatabaseMigrateImport(ENV, "test_import", "test.json", FileType.JSON, True, ConflictMode.UPSERT),
        "tcb/databasemigrateimport",
        {
            "env": ENV,
            "collection_name": "test_import",
            "file_path": "test.json",
            "file_type": 1,
            "stop_on_error": True,
            "conflict_mode": 2,
        },
        {**OK, "job_id": 100093275},
        100093275,
        idempotent=False,
    ),
    row(
        DatabaseMigrateExport(
            ENV, "export_test.json", 'db.collection("t_test").limit(100).get()', FileType.JSON
        ),
        "tcb/databasemigrateexport",
        {
            "env": ENV,
            "file_path": "export_test.json",
            "query": 'db.collection("t_test").limit(100).get()',
            "file_type": 1,
        },
        {**OK, "job_id": 100093277},
        100093277,
        idempotent=False,
    ),
    row(
        DatabaseMigrateQueryInfo(ENV, 100071736),
        "tcb/databasemigratequeryinfo",
        {"env": ENV, "job_id": 100071736},
        # The getDatabaseMigrateStatus page's sample (its file_url shortened).
        {
            **OK,
            "status": "success",
            "record_success": 3,
            "record_fail": 0,
            "error_msg": "Export completed.",
            "file_url": "https://tcb-mongodb-data-1254135806.cos.ap-shanghai.myqcloud.com/export.json",
        },
        MigrationJob(
            "success",
            3,
            0,
            "Export completed.",
            "https://tcb-mongodb-data-1254135806.cos.ap-shanghai.myqcloud.com/export.json",
        ),
    ),
    row(
        UpdateIndex(
            ENV,
            "test_collection",
            create_indexes=[Index("index_a", [IndexKey("a", "1"), IndexKey("b", -1)], unique=True)],
            drop_indexes=["index_b"],
        ),
        "tcb/updateindex",
        {
            "env": ENV,
            "collection_name": "test_collection",
            "create_indexes": [
                {
                    "name": "index_a",
                    "keys": [{"name": "a", "direction": "1"}, {"name": "b", "direction": "-1"}],
                    "unique": True,
                }
            ],
            "drop_indexes": [{"name": "index_b"}],
        },
        OK,
        None,
        idempotent=False,
    ),
]
