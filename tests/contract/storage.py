"""Contract rows of the storage domain (tcb/uploadfile, batchdownloadfile, batchdeletefile, getqcloudtoken).

Answers are WeChat's samples (developers.weixin.qq.com, reference-http-api/storage/*, utils/getQcloudToken).
"""

from __future__ import annotations

from tests.contract import Row
from wxtcb.methods import TokenKind
from wxtcb.storage import (
    BatchDeleteFile,
    BatchDownloadFile,
    DeleteAnswer,
    FileLink,
    FileRequest,
    GetQcloudToken,
    QcloudToken,
    UploadFile,
    UploadLink,
)

FILE = "cloud://test2-4a89da.7465-test2-4a89da/A.png"

ROWS = [
    Row(
        method=UploadFile("test2-4a89da", "this/is/a/example/file.path"),
        path="tcb/uploadfile",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"env": "test2-4a89da", "path": "this/is/a/example/file.path"},
        answer={
            "errcode": 0,
            "errmsg": "ok",
            "url": "https://cos.ap-shanghai.myqcloud.com/8888-werun-id-1300000000/web/test.zip",
            "token": "cbl3vhld2EFYnNHa0ndCvDrmd24d6GPa9",
            "authorization": "q-sign-algorithm=sha1&q-ak=AKIDFnbuKfk_qeIIhWcEFWN",
            "file_id": "cloud://werun-id.8888-werun-id-1300000000/web/test.zip",
            "cos_file_id": "HIqJeJmHDQoHMIlxshGWJR2mdCaaJZ96bxm==",
        },
        result=UploadLink(
            "https://cos.ap-shanghai.myqcloud.com/8888-werun-id-1300000000/web/test.zip",
            "cbl3vhld2EFYnNHa0ndCvDrmd24d6GPa9",
            "q-sign-algorithm=sha1&q-ak=AKIDFnbuKfk_qeIIhWcEFWN",
            "cloud://werun-id.8888-werun-id-1300000000/web/test.zip",
            "HIqJeJmHDQoHMIlxshGWJR2mdCaaJZ96bxm==",
        ),
    ),
    Row(
        method=BatchDownloadFile("test2-4a89da", [FileRequest(FILE, 7200)]),
        path="tcb/batchdownloadfile",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"env": "test2-4a89da", "file_list": [{"fileid": FILE, "max_age": 7200}]},
        answer={
            "errcode": 0,
            "errmsg": "ok",
            "file_list": [
                {
                    "fileid": FILE,
                    "download_url": "https://7465-test2-4a89da-1258717764.tcb.qcloud.la/A.png",
                    "status": 0,
                    "errmsg": "ok",
                }
            ],
        },
        result=[FileLink(FILE, "https://7465-test2-4a89da-1258717764.tcb.qcloud.la/A.png", 0, "ok")],
    ),
    Row(
        method=BatchDeleteFile("test2-4a89da", [FILE]),
        path="tcb/batchdeletefile",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={"env": "test2-4a89da", "fileid_list": [FILE]},
        answer={"errcode": 0, "errmsg": "ok", "delete_list": [{"fileid": FILE, "status": 0, "errmsg": "ok"}]},
        result=DeleteAnswer([{"fileid": FILE, "status": 0, "errmsg": "ok"}]),
    ),
    Row(
        method=GetQcloudToken(7200),
        path="tcb/getqcloudtoken",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={"lifespan": 7200},
        answer={
            "errcode": 0,
            "errmsg": "ok",
            "secretid": "SECRETID",
            "secretkey": "SECRETKEY",
            "token": "TOKEN",
            "expired_time": 1557310488,
        },
        result=QcloudToken("SECRETID", "SECRETKEY", "TOKEN", 1557310488),
    ),
]
