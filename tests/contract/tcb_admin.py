"""Contract rows of function management (tcb/listfunctions, downloadfunction, createfunction,
uploadfuncconfig, getcodesecret, getuploadsignature, describeextensionuploadinfo), the older app
config (tcb/getappconfig), CloudBase WeChat Pay (tcb/wxpaylist, wxpayopenauth) and open data
(wxa/getopendata, wxa/getvoipsign). Samples are the official pages' unless a comment says why not."""

from __future__ import annotations

from tests.contract import Row
from wxtcb.functions_admin import (
    CodeSecret,
    CreateFunction,
    DescribeExtensionUploadInfo,
    ExtensionFile,
    ExtensionFileType,
    ExtensionUpload,
    ExtensionUploadInfo,
    FunctionDownload,
    FunctionInfo,
    FunctionList,
    GetCodeSecret,
    GetFunctionDownload,
    GetUploadSignature,
    ListFunctions,
    UploadFunctionConfig,
    UploadSignature,
)
from wxtcb.message_push import FunctionCallback, FunctionConfig, GetAppConfig
from wxtcb.methods import TokenKind
from wxtcb.open_data import GetOpenData, GetVoipSign, OpenDataItem
from wxtcb.wechat_pay import ApplyWechatPayAuth, ListWechatPayMerchants, PayAuthAction, PayMerchant

_DOWNLOAD_URL = (
    "https://lambdash-1253665810.cos.ap-shanghai.myqcloud.com/1258717764/qbasetest-a5c40e/login/login_LATEST.zip"
    "?sign=q-sign-algorithm%3Dsha1%26q-ak%3DAKIDqbBtfGe4eSSK8CExGjmC0e8Qcnswv6yj%26q-sign-time%3D1562247164%3B"
    "1562257224%26q-key-time%3D1562247164%3B1562257224%26q-header-list%3D%26q-url-param-list%3D%26q-signature"
    "%3Dfd43be65f7381293315269dbf18cd99e143fab48&response-content-type=application/octet-stream"
)
_HASH = "0" * 63 + "1"
_STEPS = {"cloudID": "xxx", "data": {"stepInfoList": [{"timestamp": 1603641600, "step": 1234}]}}

ROWS = [
    Row(
        # getFuntionList: the old and new pages' samples (the same request and answer).
        method=ListFunctions("test-777bb9", 20, 0),
        path="tcb/listfunctions",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"env": "test-777bb9", "limit": 20, "offset": 0},
        answer={
            "errcode": 0,
            "errmsg": "ok",
            "total_count": 1,
            "functions": [
                {
                    "mod_time": "2019-06-21 15:23:54",
                    "add_time": "2019-02-27 15:34:59",
                    "runtime": "Nodejs8.9",
                    "name": "login",
                    "status": "Active",
                }
            ],
        },
        result=FunctionList(
            1, [FunctionInfo("login", "Nodejs8.9", "Active", "2019-02-27 15:34:59", "2019-06-21 15:23:54")]
        ),
    ),
    Row(
        # getFuntionLink: the old page's sample ("\/" escapes decoded; the new page's is invalid JSON).
        method=GetFunctionDownload("test-777bb9", "login"),
        path="tcb/downloadfunction",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"env": "test-777bb9", "function_name": "login"},
        answer={
            "errcode": 0,
            "errmsg": "ok",
            "url": _DOWNLOAD_URL,
            "checksum": "bf657f327e477652d137b45b08b6400ab16947b4aaf92e2b04a5fbe5a4582b46",
        },
        result=FunctionDownload(
            _DOWNLOAD_URL, "bf657f327e477652d137b45b08b6400ab16947b4aaf92e2b04a5fbe5a4582b46"
        ),
    ),
    Row(
        # createFunction: the page's sample answer ends in a trailing comma (invalid JSON): dropped.
        method=CreateFunction("test-777bb9", "function1"),
        path="tcb/createfunction",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={"env": "test-777bb9", "function_name": "function1"},
        answer={"errcode": 0, "errmsg": "ok"},
        result=None,
    ),
    Row(
        # uploadFuncConfig: the old page's sample (its answer's trailing comma dropped).
        method=UploadFunctionConfig("env_id", "func", 3, {"timeout": 5}),
        path="tcb/uploadfuncconfig",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={"env": "env_id", "function_name": "func", "type": 3, "config": '{"timeout":5}'},
        answer={"errcode": 0, "errmsg": "ok"},
        result=None,
    ),
    Row(
        # getCodeSecret: no body; the page's answer sample is cut, its table gives codesecret.
        method=GetCodeSecret(),
        path="tcb/getcodesecret",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={},
        answer={"errcode": 0, "errmsg": "ok", "codesecret": "t44gXCQQdVCFcMWKrCsSwQ5uV94Op3HiqoZQ1H972pyM"},
        result=CodeSecret("t44gXCQQdVCFcMWKrCsSwQ5uV94Op3HiqoZQ1H972pyM"),
    ),
    Row(
        # getYploadSignature: the sample's hashed_payload is a placeholder ("abc123"), refused here;
        # its answer is cut after the start of headers, completed with a made-up signature.
        method=GetUploadSignature(_HASH),
        path="tcb/getuploadsignature",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"hashed_payload": _HASH},
        answer={
            "errcode": 0,
            "errmsg": "ok",
            "headers": "Authorization:TC3-HMAC-SHA256 Credential=AKIDNS5S-8S5Y7dxxv8",
        },
        result=UploadSignature("Authorization:TC3-HMAC-SHA256 Credential=AKIDNS5S-8S5Y7dxxv8"),
    ),
    Row(
        # describeExtensionUploadInfo: the page's HTTPS samples, "PostData" and "Response" wrappers included.
        method=DescribeExtensionUploadInfo([ExtensionFile(ExtensionFileType.SMS, "gongzi.csv")]),
        path="tcb/describeextensionuploadinfo",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"PostData": {"ExtensionFiles": [{"FileType": "SMS", "FileName": "gongzi.csv"}]}},
        answer={
            "Response": {
                "FilesData": [
                    {
                        "CodeUri": "extension://xxx.zip",
                        "UploadUrl": "https://xxx",
                        "CustomKey": "",
                        "MaxSize": 30,
                    }
                ],
                "RequestId": "83793d78-b90b-4b1e-9454-d7b4f5317f01",
            }
        },
        result=ExtensionUploadInfo(
            [ExtensionUpload("extension://xxx.zip", "https://xxx", "", 30)],
            "83793d78-b90b-4b1e-9454-d7b4f5317f01",
        ),
    ),
    Row(
        # getAppConfig: the page's request ({"type": 1,} with a trailing comma) and answer.
        method=GetAppConfig(),
        path="tcb/getappconfig",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"type": 1},
        answer={
            "errcode": 0,
            "errmsg": "ok",
            "config": '{"enable":true,"callbacks":[{"msgType":"msg","event":"event","env":"env",'
            '"functionName":"func"}]}',
        },
        result=FunctionConfig(True, [FunctionCallback("msg", "event", "env", "func")]),
    ),
    Row(
        # getWechatPayList: the page's sample as far as it is readable (its second item is cut).
        method=ListWechatPayMerchants(),
        path="tcb/wxpaylist",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={},
        answer={
            "errcode": 0,
            "errmsg": "ok",
            "list": [
                {
                    "merchant_code": "1900006511",
                    "merchant_name": "MIOKKK市区政府-test_mdm",
                    "company_name": "weapp政府111",
                    "mch_relation_state": "RELATION_BINDED",
                    "jsapi_auth_state": "AUTH_AUTHORIZED",
                    "refund_auth_state": "AUTH_AUTHORIZED",
                }
            ],
        },
        result=[
            PayMerchant(
                "1900006511",
                "MIOKKK市区政府-test_mdm",
                "weapp政府111",
                "RELATION_BINDED",
                "AUTH_AUTHORIZED",
                "AUTH_AUTHORIZED",
            )
        ],
    ),
    Row(
        # getWechatPayAuth: the page's samples.
        method=ApplyWechatPayAuth(PayAuthAction.BIND, "1900006511"),
        path="tcb/wxpayopenauth",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={"action": "bind", "merchant_code": "1900006511"},
        answer={"errcode": 0, "errmsg": "ok"},
        result=None,
    ),
    Row(
        # getOpenData: the page's samples (openid in the URL, json an object in the answer).
        method=GetOpenData(["xxx"], openid="OPENID"),
        path="wxa/getopendata",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={"openid": "OPENID"},
        body={"cloudid_list": ["xxx"]},
        answer={"errcode": 0, "errmsg": "ok", "data_list": [{"cloud_id": "xxx", "json": _STEPS}]},
        result=[OpenDataItem("xxx", _STEPS)],
    ),
    Row(
        # getCloudBaseVoIPSign: the page's samples.
        method=GetVoipSign("xxx", 12312312312, "yyy"),
        path="wxa/getvoipsign",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"group_id": "xxx", "nonce": "yyy", "timestamp": 12312312312},
        answer={"errcode": 0, "errmsg": "ok", "signature": "xxxx"},
        result="xxxx",
    ),
]
