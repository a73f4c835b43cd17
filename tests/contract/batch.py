"""Contract rows of CloudBase batch mode (componenttcb/*, component token), with the samples of
WeChat's pages (developers.weixin.qq.com/doc/oplatform/…/cloudbase-batch/*, cloudrun-batch/*).

Where a page has no sample answer (dbrecord insert/delete/update/query, dbcollection get's tail,
createcloudbaserunenv, describecloudbaserunenvs), the answer is built from its table's fields.
"""

from __future__ import annotations

from typing import Any

from tests.contract import Row
from wxtcb import db
from wxtcb.batch import (
    BatchCollectionAdd,
    BatchCollectionDelete,
    BatchCollectionGet,
    BatchCollectionList,
    BatchDbAggregate,
    BatchDbDelete,
    BatchDbExport,
    BatchDbImport,
    BatchDbInsert,
    BatchDbQuery,
    BatchDbUpdate,
    BatchDeleteFile,
    BatchDownloadFile,
    BatchEnvInfo,
    BatchGetEnvId,
    BatchMigrationState,
    BatchModifyEnv,
    BatchShareEnv,
    BatchUploadFile,
    BatchUploadScf,
    CreateCloudbaseRunEnv,
    CreatedBatchEnv,
    CreatedRunEnv,
    CreateEnv,
    CreateStaticStore,
    DescribeCloudbaseRunEnvs,
    DescribeEnvs,
    EnvError,
    EnvRelation,
    EnvRelations,
    RunEnvInfo,
    ShareConfirmation,
    ShareResult,
    ShareTarget,
    StaticUploadFile,
    StaticUploadLink,
)
from wxtcb.database import (
    CollectionInfo,
    ConflictMode,
    FileType,
    MigrationJob,
    Pager,
    QueryResult,
    UpdateResult,
)
from wxtcb.methods import TokenKind
from wxtcb.storage import DeleteAnswer, FileLink, FileRequest, UploadLink

ENV = "test2-4a89da"
OK = {"errcode": 0, "errmsg": "ok"}
FILE = "cloud://test2-4a89da.7465-test2-4a89da/A.png"
SIGNED = (
    "https://b8b3-static-myttest-8gu57so0bd9f9e8a-1304480914.cos.ap-shanghai.myqcloud.com/zcy.py?sign=q-sign"
)


def row(
    method: Any, path: str, body: object, answer: dict[str, Any], result: object, idempotent: bool = True
) -> Row:
    """A batch-mode row: component token, no query parameters."""
    return Row(method, path, TokenKind.COMPONENT, idempotent, {}, body, answer, result)


ROWS = [
    row(
        BatchModifyEnv("test-env-6gni9ity244a6ea3"),
        "tcb/modifyenv",
        {"env": "test-env-6gni9ity244a6ea3"},
        {"errcode": 0, "errmsg": "ok"},
        None,
    ),
    row(
        CreateEnv("mytestenv"),
        "componenttcb/createenv",
        {"alias": "mytestenv", "EnvType": "run"},
        {**OK, "tranid": "20201030189770", "env": "mytestenv-7gfwxe92efb3aa38"},
        CreatedBatchEnv("mytestenv-7gfwxe92efb3aa38", "20201030189770"),
        idempotent=False,
    ),
    row(
        DescribeEnvs(),
        "componenttcb/describeenvs",
        {},
        {
            **OK,
            "info_list": [
                {
                    "env": "test2-4a89da",
                    "alias": "test2",
                    "create_time": "2020-04-04 14:10:28",
                    "update_time": "2020-04-04 14:10:36",
                    "status": "NORMAL",
                    "package_id": "basic",
                    "package_name": "基础版 1",
                    "dbinstance_id": "tnt-fpbvu9gpc",
                    "bucket_id": "6d79-myttest3-9gyi5pwab13c4d59-1304480914",
                }
            ],
        },
        [
            BatchEnvInfo(
                "test2-4a89da",
                "test2",
                "2020-04-04 14:10:28",
                "2020-04-04 14:10:36",
                "NORMAL",
                "basic",
                "基础版 1",
                "tnt-fpbvu9gpc",
                "6d79-myttest3-9gyi5pwab13c4d59-1304480914",
            )
        ],
    ),
    row(
        BatchGetEnvId(["wx075cf85bf347b6df", "wx5fe6bb43205e9e70"]),
        "componenttcb/batchgetenvid",
        {"appids": ["wx075cf85bf347b6df", "wx5fe6bb43205e9e70"]},
        {
            **OK,
            "relation_data": [
                {
                    "appid": "wx075cf85bf347b6df",
                    "env_list": ["mytestenv-7gfwxe92efb3aa38", "test-env-6gni9ity244a6ea3"],
                },
                {"appid": "wx5fe6bb43205e9e70", "env_list": ["test-env-6gni9ity244a6ea3"]},
            ],
            "err_list": [],
        },
        EnvRelations(
            [
                EnvRelation(
                    "wx075cf85bf347b6df", ["mytestenv-7gfwxe92efb3aa38", "test-env-6gni9ity244a6ea3"]
                ),
                EnvRelation("wx5fe6bb43205e9e70", ["test-env-6gni9ity244a6ea3"]),
            ],
            [],
        ),
    ),
    row(
        BatchShareEnv(
            [ShareTarget("test-env-6gni9ity244a6ea3", ["wx5fe6bb43205e9e07", "wx075cf85bf347b6df"])]
        ),
        "componenttcb/batchshareenv",
        {
            "data": [
                {"env": "test-env-6gni9ity244a6ea3", "appids": ["wx5fe6bb43205e9e07", "wx075cf85bf347b6df"]}
            ]
        },
        {
            **OK,
            "err_list": [
                {
                    "env": "test-env-6gni9ity244a6ea3",
                    "appid": "wx5fe6bb43205e9e07",
                    "errmsg": "not same entity",
                }
            ],
            "msg_info_list": [{"appid": "wx075cf85bf347b6df", "url": "https://mp.weixin.qq.com/confirm?x=1"}],
        },
        ShareResult(
            [EnvError("test-env-6gni9ity244a6ea3", "wx5fe6bb43205e9e07", "not same entity")],
            [ShareConfirmation("wx075cf85bf347b6df", "https://mp.weixin.qq.com/confirm?x=1")],
        ),
        idempotent=False,
    ),
    row(
        BatchDbInsert(ENV, db.collection("geo").add([{"description": "item1", "due": 1}])),
        "componenttcb/dbrecord",
        {
            "action": "insert",
            "env": ENV,
            "query": 'db.collection("geo").add({data:[{"description":"item1","due":1}]})',
        },
        {**OK, "id_list": ["be62d9c4-43ec-4dc6-8ca1-30b206eeed57"]},
        ["be62d9c4-43ec-4dc6-8ca1-30b206eeed57"],
        idempotent=False,
    ),
    row(
        BatchDbDelete(ENV, 'db.collection("geo").where({done:false}).remove()'),
        "componenttcb/dbrecord",
        {"action": "delete", "env": ENV, "query": 'db.collection("geo").where({done:false}).remove()'},
        {**OK, "deleted": 1},
        1,
    ),
    row(
        BatchDbUpdate(ENV, 'db.collection("geo").where({age:14}).update({data:{age:_.inc(1)}})'),
        "componenttcb/dbrecord",
        {
            "action": "update",
            "env": ENV,
            "query": 'db.collection("geo").where({age:14}).update({data:{age:_.inc(1)}})',
        },
        {**OK, "matched": 1, "modified": 1, "id": ""},
        UpdateResult(1, 1, None),
    ),
    row(
        BatchDbQuery(ENV, 'db.collection("geo").where({done:true}).limit(10).skip(1).get()'),
        "componenttcb/dbrecord",
        {
            "action": "query",
            "env": ENV,
            "query": 'db.collection("geo").where({done:true}).limit(10).skip(1).get()',
        },
        {
            **OK,
            "pager": {"offset": 1, "limit": 10, "total": 2},
            "data": ['{"_id":"W5xrtdyHuWrSzkd-","done":true,"due":"2018-09-01"}'],
        },
        QueryResult([{"_id": "W5xrtdyHuWrSzkd-", "done": True, "due": "2018-09-01"}], Pager(1, 10, 2)),
    ),
    row(
        BatchCollectionAdd("dev-3gewtf9c10f60c76", "testcollection"),
        "componenttcb/dbcollection",
        {"action": "add", "env": "dev-3gewtf9c10f60c76", "collection_name": "testcollection"},
        OK,
        None,
        idempotent=False,
    ),
    row(
        BatchCollectionDelete("dev-3gewtf9c10f60c76", "testcollection"),
        "componenttcb/dbcollection",
        {"action": "del", "env": "dev-3gewtf9c10f60c76", "collection_name": "testcollection"},
        OK,
        None,
        idempotent=False,
    ),
    row(
        BatchCollectionGet("test-env1"),
        "componenttcb/dbcollection",
        {"action": "get", "env": "test-env1", "limit": 20, "offset": 0},
        {
            **OK,
            "collections": [
                {"name": "testcollection", "count": 0, "size": 0, "index_count": 2, "index_size": 8192}
            ],
            "total": 1,
        },
        BatchCollectionList((CollectionInfo("testcollection", 0, 0, 2, 8192),), 1),
    ),
    row(
        BatchDbAggregate(
            ENV, 'db.collection("test_collection").aggregate().match({tags:"cloud"}).limit(10).end()'
        ),
        "componenttcb/dbaggregate",
        {
            "env": ENV,
            "query": 'db.collection("test_collection").aggregate().match({tags:"cloud"}).limit(10).end()',
        },
        {
            **OK,
            "data": [
                '{"_id":"f77e039f","location":{"type":"Point","coordinates":[{"$numberDouble":"113.0"},'
                '{"$numberDouble":"23.0"}]},"done":false,"tags":["cloud","database"]}'
            ],
        },
        [
            {
                "_id": "f77e039f",
                "location": {"type": "Point", "coordinates": [113.0, 23.0]},
                "done": False,
                "tags": ["cloud", "database"],
            }
        ],
    ),
    row(
        BatchDbImport("qbasetest-a5c40e", "test1", "test_import", FileType.JSON, False, ConflictMode.UPSERT),
        "componenttcb/dbimport",
        {
            "env": "qbasetest-a5c40e",
            "collection_name": "test1",
            "file_path": "test_import",
            "file_type": 1,
            "stop_on_error": False,
            "conflict_mode": 2,
        },
        {**OK, "job_id": 100074947},
        100074947,
        idempotent=False,
    ),
    row(
        BatchDbExport(ENV, "test_export", 'db.collection("geo").where({name:"x"}).limit(10).get()'),
        "componenttcb/dbexport",
        {
            "env": ENV,
            "file_path": "test_export",
            "query": 'db.collection("geo").where({name:"x"}).limit(10).get()',
            "file_type": 1,
        },
        {**OK, "job_id": 100074947},
        100074947,
        idempotent=False,
    ),
    row(
        BatchMigrationState(ENV, 100071736),
        "componenttcb/dbmigrationstate",
        {"env": ENV, "job_id": 100071736},
        {
            **OK,
            "status": "success",
            "record_success": 3,
            "record_fail": 0,
            "error_msg": "导出完成.",
            "file_url": "https://tcb-mongodb-data-1254135806.cos.ap-shanghai.myqcloud.com/...",
        },
        MigrationJob(
            "success",
            3,
            0,
            "导出完成.",
            "https://tcb-mongodb-data-1254135806.cos.ap-shanghai.myqcloud.com/...",
        ),
    ),
    row(
        BatchUploadFile(ENV, "this/is/a/example/file.path"),
        "componenttcb/uploadfile",
        {"env": ENV, "path": "this/is/a/example/file.path"},
        {
            **OK,
            "url": "https://cos.ap-shanghai.myqcloud.com/7465-test2-4a89da-1258717764/testupload",
            "token": "Cukha70zkXIBqkh1OhUIFqjUmXLXeSWq7dff61099221bb270522b8e0cf21d72e0aWCfGXEIDT5bKVJgykF",
            "authorization": "q-sign-algorithm=sha1&q-ak=AKID9",
            "file_id": "cloud://test2-4a89da.7465-test2-4a89da-1258717764/testupload",
            "cos_file_id": "HDze32/qZENCwWi5N5akgoHevTEqR4QjjCUHLvfq6KA4",
        },
        UploadLink(
            "https://cos.ap-shanghai.myqcloud.com/7465-test2-4a89da-1258717764/testupload",
            "Cukha70zkXIBqkh1OhUIFqjUmXLXeSWq7dff61099221bb270522b8e0cf21d72e0aWCfGXEIDT5bKVJgykF",
            "q-sign-algorithm=sha1&q-ak=AKID9",
            "cloud://test2-4a89da.7465-test2-4a89da-1258717764/testupload",
            "HDze32/qZENCwWi5N5akgoHevTEqR4QjjCUHLvfq6KA4",
        ),
    ),
    row(
        BatchDownloadFile(ENV, [FileRequest(FILE, 7200)]),
        "componenttcb/batchdownloadfile",
        {"env": ENV, "file_list": [{"fileid": FILE, "max_age": 7200}]},
        {
            **OK,
            "file_list": [
                {
                    "files": FILE,
                    "download_url": "https://7465-test2-4a89da-1258717764.tcb.qcloud.la/A.png",
                    "status": 0,
                    "errmsg": "ok",
                }
            ],
        },
        [FileLink(FILE, "https://7465-test2-4a89da-1258717764.tcb.qcloud.la/A.png", 0, "ok")],
    ),
    row(
        BatchDeleteFile(ENV, [FILE]),
        "componenttcb/batchdeletefile",
        {"env": ENV, "fileid_list": [FILE]},
        {**OK, "delete_list": [{"files": FILE, "status": 0, "errmsg": "ok"}]},
        DeleteAnswer([{"files": FILE, "status": 0, "errmsg": "ok", "fileid": FILE}]),
        idempotent=False,
    ),
    row(
        CreateStaticStore("test-env1"),
        "componenttcb/createstaticstore",
        {"env": "test-env1"},
        OK,
        None,
        idempotent=False,
    ),
    row(
        StaticUploadFile("myttest-8gu57so0bd9f9e8a", "zcy.py"),
        "componenttcb/staticuploadfile",
        {"env": "myttest-8gu57so0bd9f9e8a", "filename": "zcy.py"},
        {**OK, "signed_url": SIGNED, "token": "CtAAY4i5meYdojAxhMKe70QIZWAPqDUa141d7416063bda"},
        StaticUploadLink(SIGNED, "CtAAY4i5meYdojAxhMKe70QIZWAPqDUa141d7416063bda"),
    ),
    row(
        CreateCloudbaseRunEnv(alias="prod", vpc_id="vpc-45olnsxx", sub_net_ids=["subnet-n17bt4yb"]),
        "componenttcb/createcloudbaserunenv",
        {"alias": "prod", "vpc_id": "vpc-45olnsxx", "sub_net_ids": ["subnet-n17bt4yb"]},
        {**OK, "env_id": "prod-3g69bdvme2ac11cb", "tran_id": "0ow89eea326"},
        CreatedRunEnv("prod-3g69bdvme2ac11cb", "0ow89eea326"),
        idempotent=False,
    ),
    row(
        DescribeCloudbaseRunEnvs(),
        "componenttcb/describecloudbaserunenvs",
        {},
        {
            **OK,
            "env_list": [
                {
                    "env_id": "prod-3g69bdvme2ac11cb",
                    "source": "miniapp",
                    "alias": "prod",
                    "create_time": "2021-03-01 10:00:00",
                    "update_time": "2021-03-01 10:05:00",
                    "status": "NORMAL",
                    "databases": [{"instance_id": "tnt-1", "status": "RUNNING", "region": "ap-shanghai"}],
                    "storages": [],
                    "pay_mode": "postpaid",
                }
            ],
        },
        [
            RunEnvInfo(
                "prod-3g69bdvme2ac11cb",
                "miniapp",
                "prod",
                "2021-03-01 10:00:00",
                "2021-03-01 10:05:00",
                "NORMAL",
                [{"instance_id": "tnt-1", "status": "RUNNING", "region": "ap-shanghai"}],
                [],
            )
        ],
    ),
    row(
        BatchUploadScf(
            "testfunc", ["dev-3gewtf9c10f60c76", "mytestenv-7gniuaq95b51dcdc"], "UEsDBBQACAAIALB="
        ),
        "componenttcb/batchuploadscf",
        {
            "functionname": "testfunc",
            "envs": ["dev-3gewtf9c10f60c76", "mytestenv-7gniuaq95b51dcdc"],
            "zipfile": "UEsDBBQACAAIALB=",
        },
        {**OK, "fail_env_list": [{"env": "mytestenv-7gniuaq95b51dcdc", "errmsg": "function exists"}]},
        [EnvError("mytestenv-7gniuaq95b51dcdc", "", "function exists")],
        idempotent=False,
    ),
]
