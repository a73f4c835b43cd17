"""Contract rows of batch-mode cloud functions and the batch twins on the component token
(componenttcb/batchuploadscfcode, updatescfconfig, deletescf, getscflist, gettriggers,
batchupdatetriggers, batchunshareenv; tcb/invokecloudfunction and tcb/usecloudaccesstoken with the
component token), with the samples of WeChat's pages (developers.weixin.qq.com/doc/oplatform/…).

Where a page's sample is not readable (updatescfconfig's request after ``env`` and its answer;
usecloudaccesstoken's ``set`` answer) the row is built from the page's tables.
"""

from __future__ import annotations

import base64
from typing import Any

from tests.contract import Row
from wxtcb.batch import (
    BatchGetCloudAccessToken,
    BatchInvokeCloudFunction,
    BatchSetCloudAccessToken,
    BatchUnshareEnv,
    BatchUpdateTriggers,
    BatchUploadScfCode,
    DeleteScf,
    EnvError,
    EnvVariable,
    GetScfList,
    GetTriggers,
    PublicNetConfig,
    ScfInfo,
    ScfList,
    ScfStatusReason,
    ShareTarget,
    Trigger,
    UpdateScfConfig,
    VpcConfig,
)
from wxtcb.environments import CloudAccessTokenConfig
from wxtcb.methods import TokenKind

OK = {"errcode": 0, "errmsg": "ok"}

#: batchuploadscfcode's sample zipfile: complete in the English copy, where every "+" became a
#: space (a crawl artefact; the Chinese copies show the "+"); restored, it is a 286-byte zip
#: holding one index.js.
SAMPLE_ZIP_BASE64 = (
    "UEsDBBQACAAIALB+WU4AAAAAAAAAAAAAAAAIABAAaW5kZXguanNVWAwAAZ9zXPuec1z1ARQAdY7BCsIwEETv+Yoll6ZQ+wOhnv0DD+"
    "IhxkWC664kWwmI/27V3IpzGuYNw3RzQSiaU9TOG6x3yVrGW0gMEzh8IOsAUVixfkwgOoV47WHawtPAooUVIRxJLs7ukEhgL5nOtl/"
    "h79qf+GBZeIM1FbXHdac9aKC9cDwTDfCb9eblzRtQSwcI6+pcr4AAAADOAAAAUEsBAhUDFAAIAAgAsH5ZTuvqXK+AAAAAzgAAAAgA"
    "DAAAAAAAAAAAQKSBAAAAAGluZGV4LmpzVVgIAAGfc1z7nnNcUEsFBgAAAAABAAEAQgAAAMYAAAAAAA=="
)
SAMPLE_ZIP = base64.b64decode(SAMPLE_ZIP_BASE64)


def row(
    method: Any,
    path: str,
    body: object,
    answer: dict[str, Any],
    result: object,
    idempotent: bool = True,
    query: dict[str, str] | None = None,
) -> Row:
    """A batch-mode row: component token."""
    return Row(method, path, TokenKind.COMPONENT, idempotent, query or {}, body, answer, result)


ROWS = [
    # invokeCloudFunction (batch folder page): curl -d '{}' '…?access_token=…&env=ENV&name=login'
    row(
        BatchInvokeCloudFunction("ENV", "login"),
        "tcb/invokecloudfunction",
        {},
        {
            **OK,
            "resp_data": '{"event":{"userInfo":{"appId":"SAMPLE_APPID"}},"appid":"SAMPLE_APPID"}',
        },
        {"event": {"userInfo": {"appId": "SAMPLE_APPID"}}, "appid": "SAMPLE_APPID"},
        idempotent=False,
        query={"env": "ENV", "name": "login"},
    ),
    # setCloudAccessToken: the page's get sample has a trailing comma (invalid JSON), fixed here.
    row(
        BatchGetCloudAccessToken("myttest-8gu57so0bd9f9e8a"),
        "tcb/usecloudaccesstoken",
        {"action": "get", "env": "myttest-8gu57so0bd9f9e8a"},
        {**OK, "open": True, "api_whitelist": ["/*"], "version": 2},
        CloudAccessTokenConfig(True, ["/*"], 2),
    ),
    # The set answer is not readable on any copy; the tables give errcode/errmsg only.
    row(
        BatchSetCloudAccessToken(env="myttest-8gu57so0bd9f9e8a", open=True, api_whitelist=["/*"], version=6),
        "tcb/usecloudaccesstoken",
        {
            "action": "set",
            "open": True,
            "env": "myttest-8gu57so0bd9f9e8a",
            "api_whitelist": ["/*"],
            "version": 6,
        },
        OK,
        None,
        idempotent=False,
    ),
    row(
        BatchUploadScfCode(
            "testfunc",
            ["dev-3gewtf9c10f60c76", "mytestenv-7gniuaq95b51dcdc", "mytestenv-7gniuaq95b51dcdc22"],
            SAMPLE_ZIP,
        ),
        "componenttcb/batchuploadscfcode",
        {
            "functionname": "testfunc",
            "envs": ["dev-3gewtf9c10f60c76", "mytestenv-7gniuaq95b51dcdc", "mytestenv-7gniuaq95b51dcdc22"],
            "zipfile": SAMPLE_ZIP_BASE64,
        },
        OK,  # the sample answer: no fail_list at all
        [],
        idempotent=False,
    ),
    row(
        UpdateScfConfig(
            env="myttest-8gu57so0bd9f9e8a",
            functionname="testfunc1",
            memorysize=512,
            timeout=2,
            environment_variables=[EnvVariable("test", "true")],
            public_net_config=PublicNetConfig("DISABLE", "DISABLE"),
            vpc_config=VpcConfig("vpc-a9ejy7oi", "subnet-oqw8aqbd"),
        ),
        "componenttcb/updatescfconfig",
        {
            "env": "myttest-8gu57so0bd9f9e8a",
            "functionname": "testfunc1",
            "memorysize": 512,
            "timeout": 2,
            "environment_variables": [{"key": "test", "value": "true"}],
            "public_net_config": {"public_net_status": "DISABLE", "eip_status": "DISABLE"},
            "vpc_config": {"vpcid": "vpc-a9ejy7oi", "subnetid": "subnet-oqw8aqbd"},
        },
        OK,
        None,
        idempotent=False,
    ),
    row(
        DeleteScf("test-env-6gni9ity244a6ea3", "getwxcode"),
        "componenttcb/deletescf",
        {"functionname": "getwxcode", "env": "test-env-6gni9ity244a6ea3"},
        OK,
        None,
        idempotent=False,
    ),
    # getCloudFunctionList: the stored page stops before the sample's last "}", "]", "}".
    row(
        GetScfList("myttest-8gu57so0bd9f9e8a"),
        "componenttcb/getscflist",
        {"env": "myttest-8gu57so0bd9f9e8a"},
        {
            **OK,
            "total_count": 2,
            "functions": [
                {
                    "mod_time": "2021-07-29 15:04:19",
                    "add_time": "2021-07-29 15:04:19",
                    "runtime": "Nodejs8.9",
                    "name": "testfunc5",
                    "status": "CreateFailed",
                    "status_reason": [
                        {
                            "errcode": "ResourceNotFound.File",
                            "errmsg": "未找到函数执行入口文件,请确认代码包入口文件名和 handler 设置是否对应或代码压缩包是否正常。",
                        }
                    ],
                },
                {
                    "mod_time": "2021-07-29 14:41:43",
                    "add_time": "2021-07-29 14:41:43",
                    "runtime": "Nodejs8.9",
                    "name": "testfunc4",
                    "status": "Active",
                    "status_reason": [],
                },
            ],
        },
        ScfList(
            2,
            [
                ScfInfo(
                    "testfunc5",
                    "Nodejs8.9",
                    "CreateFailed",
                    [
                        ScfStatusReason(
                            "ResourceNotFound.File",
                            "未找到函数执行入口文件,请确认代码包入口文件名和 handler 设置是否对应或代码压缩包是否正常。",
                        )
                    ],
                    "2021-07-29 15:04:19",
                    "2021-07-29 15:04:19",
                ),
                ScfInfo("testfunc4", "Nodejs8.9", "Active", [], "2021-07-29 14:41:43", "2021-07-29 14:41:43"),
            ],
        ),
    ),
    row(
        GetTriggers("test-env1", "testfunc"),
        "componenttcb/gettriggers",
        {"funcname": "testfunc", "env": "test-env1"},
        {**OK, "triggers": [{"trigger_name": "myTrigger", "config": "0 0 2 1 * * *", "type": "timer"}]},
        [Trigger("myTrigger", "0 0 2 1 * * *", "timer")],
    ),
    row(
        BatchUpdateTriggers(
            "testfunc", ["test-env1", "test-env2"], [Trigger("trigger_name1", "0 0 2 2 * * *")]
        ),
        "componenttcb/batchupdatetriggers",
        {
            "funcname": "testfunc",
            "envs": ["test-env1", "test-env2"],
            "triggers": [{"trigger_name": "trigger_name1", "type": "Timer", "config": "0 0 2 2 * * *"}],
        },
        {**OK, "err_list": [{"env": "test-env2", "errmsg": "can't find the env"}]},
        [EnvError(env="test-env2", errmsg="can't find the env")],
        idempotent=False,
    ),
    # unshareCloudbaseEnv: the sample request lacks the comma before "source_type", fixed here.
    row(
        BatchUnshareEnv(
            [ShareTarget("test-env-6gni9ity244a6ea3", ["wx5fe6bb43205e9e07", "wx075cf85bf347b7df"])], 1
        ),
        "componenttcb/batchunshareenv",
        {
            "data": [
                {"env": "test-env-6gni9ity244a6ea3", "appids": ["wx5fe6bb43205e9e07", "wx075cf85bf347b7df"]}
            ],
            "source_type": 1,
        },
        {
            **OK,
            "err_list": [
                {"env": "mytestenv-7gfwxe92efb3aa38", "appid": "wx5fe6bb43205e9e7", "errmsg": "invalid appid"}
            ],
        },
        [EnvError("mytestenv-7gfwxe92efb3aa38", "wx5fe6bb43205e9e7", "invalid appid")],
        idempotent=False,
    ),
]
