"""Contract rows of batch-mode indexes, collection permissions, storage listing and static-hosting
status (componenttcb/dbindex, dbgetacl, dbmodifyacl, getbucket, describestaticstore,
staticfilelist), with the samples of WeChat's pages as far as the stored copies go.

- dbindex: the sample request is cut after ``"indexes": [{"n`` and no sample answer is readable:
  the body is completed from the page's table (``keys`` for create only), the answer is the
  table's ``errcode``/``errmsg``.
- dbmodifyacl: only the English page was readable; its request sample lost the backslashes of
  ``rule`` and a comma, so ``rule`` is the Chinese dbGetACL sample's text; its answer sample ends
  with a trailing comma (invalid JSON), removed here.
- getbucket: the sample answer is cut inside its second item; the first item is verbatim and
  ``is_truncated`` (a table field the cut hides) is added as false. staticfilelist's only readable
  sample is the English copy's (a missing comma, a key with a leading space): its first item, which
  matches getbucket's Chinese sample, is used.
"""

from __future__ import annotations

from typing import Any

from tests.contract import Row
from wxtcb.batch import (
    AclTag,
    BatchDbGetAcl,
    BatchDbModifyAcl,
    BatchGetBucket,
    BatchIndexCreate,
    BatchIndexDelete,
    BucketFile,
    BucketListing,
    CollectionAcl,
    DescribeStaticStore,
    StaticFileList,
    StaticStore,
)
from wxtcb.database import Index, IndexKey
from wxtcb.methods import TokenKind

OK = {"errcode": 0, "errmsg": "ok"}
RULE = '{\n "read": true,\n "write": "doc._openid == auth.openid"\n}'
FIRST_FILE = {
    "key": "Dockerfile",
    "last_modified": "2020-12-04T08:56:59.000Z",
    "md5": "6f58c139dc7aaefe41e3b40a8cb8f219-1",
    "size": "554",
}
LISTED = BucketListing(
    (BucketFile("Dockerfile", "2020-12-04T08:56:59.000Z", "6f58c139dc7aaefe41e3b40a8cb8f219-1", 554),), False
)


def row(
    method: Any, path: str, body: object, answer: dict[str, Any], result: object, idempotent: bool = True
) -> Row:
    """A batch-mode row: component token, no query parameters."""
    return Row(method, path, TokenKind.COMPONENT, idempotent, {}, body, answer, result)


ROWS = [
    row(
        BatchIndexCreate(
            "mmtest-5g7z68c153d7ff4b",
            "test",
            [Index("name_age", [IndexKey("name", "1"), IndexKey("age", "-1")])],
        ),
        "componenttcb/dbindex",
        {
            "action": "create",
            "env": "mmtest-5g7z68c153d7ff4b",
            "collection_name": "test",
            "indexes": [
                {
                    "name": "name_age",
                    "keys": [{"name": "name", "direction": "1"}, {"name": "age", "direction": "-1"}],
                }
            ],
        },
        OK,
        None,
        idempotent=False,
    ),
    row(
        BatchIndexDelete("mmtest-5g7z68c153d7ff4b", "test", ["name_age"]),
        "componenttcb/dbindex",
        {
            "action": "delete",
            "env": "mmtest-5g7z68c153d7ff4b",
            "collection_name": "test",
            "indexes": [{"name": "name_age"}],
        },
        OK,
        None,
        idempotent=False,
    ),
    row(
        BatchDbGetAcl("myttest-8gu57so0bd9f9e8a", "test"),
        "componenttcb/dbgetacl",
        {"env": "myttest-8gu57so0bd9f9e8a", "collection_name": "test"},
        {"errcode": 0, "errmsg": "ok", "acl_tag": "CUSTOM", "rule": RULE},
        CollectionAcl("CUSTOM", RULE),
    ),
    row(
        BatchDbModifyAcl("myttest-8gu57so0bd9f9e8a", "test", AclTag.CUSTOM, RULE),
        "componenttcb/dbmodifyacl",
        {"env": "myttest-8gu57so0bd9f9e8a", "collection_name": "test", "acl_tag": "CUSTOM", "rule": RULE},
        OK,
        None,
    ),
    row(
        BatchGetBucket("test-env1"),
        "componenttcb/getbucket",
        {"env": "test-env1"},
        {"errcode": 0, "errmsg": "ok", "contents": [FIRST_FILE], "is_truncated": False},
        LISTED,
    ),
    row(
        DescribeStaticStore("test-env1"),
        "componenttcb/describestaticstore",
        {"env": "test-env1"},
        {
            "errcode": 0,
            "errmsg": "ok",
            "Data": [
                {
                    "env": "myttest-8gu57so0bd9f9e8a",
                    "domain": "myttest-8gu57so0bd9f9e8a-1304480914.tcloudbaseapp.com",
                    "bucket": "b8b3-static-myttest-8gu57so0bd9f9e8a-1304480914",
                    "regoin": "ap-shanghai",
                    "status": "online",
                }
            ],
        },
        [
            StaticStore(
                "myttest-8gu57so0bd9f9e8a",
                "myttest-8gu57so0bd9f9e8a-1304480914.tcloudbaseapp.com",
                "b8b3-static-myttest-8gu57so0bd9f9e8a-1304480914",
                "ap-shanghai",
                "online",
            )
        ],
    ),
    row(
        StaticFileList("test-env1"),
        "componenttcb/staticfilelist",
        {"env": "test-env1"},
        {"errcode": 0, "errmsg": "ok", "contents": [FIRST_FILE], "is_truncated": False},
        LISTED,
    ),
]
