"""Contract rows of the environments domain (common mode), with the samples of WeChat's pages."""

from __future__ import annotations

from tests.contract import Row
from wxtcb.environments import (
    CloudAccessTokenConfig,
    CreatedEnv,
    CreateEnvAndResource,
    EnvInfo,
    GetCloudAccessToken,
    GetEnvInfo,
    ModifyEnv,
    SetCloudAccessToken,
    ShareEnv,
)
from wxtcb.methods import TokenKind

OK = {"errcode": 0, "errmsg": "ok"}

ROWS = [
    Row(
        method=CreateEnvAndResource("test-env"),
        path="tcb/createenvandresource",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={"alias": "test-env", "type": "CreatePostpayPackage"},
        answer={"errcode": 0, "errmsg": "ok", "envid": "test-env-xxxxxx"},
        result=CreatedEnv("test-env-xxxxxx"),
    ),
    Row(
        method=ModifyEnv("test-env-0001"),
        path="tcb/modifyenv",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"env": "test-env-0001"},
        answer=OK,
        result=None,
    ),
    Row(
        method=ShareEnv("mytestv-4gl1pvzp25d960df", "wx5fe6bb43205e9e70"),
        path="tcb/shareenv",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"env": "mytestv-4gl1pvzp25d960df", "appid": "wx5fe6bb43205e9e70"},
        answer=OK,
        result=None,
    ),
    Row(
        method=GetEnvInfo(),
        path="tcb/getenvinfo",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={},
        answer={
            "errcode": 0,
            "errmsg": "ok",
            "info_list": [
                {
                    "env": "test2-4a89da",
                    "alias": "test2",
                    "create_time": "2019-04-04 14:10:28",
                    "update_time": "2019-04-04 14:10:36",
                    "status": "NORMAL",
                    "package_id": "basic",
                    "package_name": "基础版 1",
                }
            ],
        },
        result=[
            EnvInfo(
                "test2-4a89da",
                "test2",
                "2019-04-04 14:10:28",
                "2019-04-04 14:10:36",
                "NORMAL",
                "basic",
                "基础版 1",
            )
        ],
    ),
    Row(
        method=GetCloudAccessToken("myttest-8gu57so0bd9f9e8a"),
        path="tcb/usecloudaccesstoken",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"env": "myttest-8gu57so0bd9f9e8a", "action": "get"},
        answer={"errcode": 0, "errmsg": "ok", "open": True, "api_whitelist": ["/*"], "version": 2},
        result=CloudAccessTokenConfig(True, ["/*"], 2),
    ),
    Row(
        method=SetCloudAccessToken(
            env="myttest-8gu57so0bd9f9e8a", open=True, api_whitelist=["/*"], version=6
        ),
        path="tcb/usecloudaccesstoken",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={
            "env": "myttest-8gu57so0bd9f9e8a",
            "open": True,
            "api_whitelist": ["/*"],
            "version": 6,
            "action": "set",
        },
        answer=OK,
        result=None,
    ),
]
