"""Contract rows of the cloud-functions domain (tcb/invokecloudfunction, adddelayedfunctiontask, getfuncconfig)."""

from __future__ import annotations

from tests.contract import Row
from wxtcb.functions import AddDelayedFunctionTask, FunctionConfigType, GetFunctionConfig, InvokeCloudFunction
from wxtcb.methods import TokenKind

ENV = "test-env-6gni9ity244a6ea3"

ROWS = [
    Row(
        # invokeCloudFunction page: curl -d '{}' '…/tcb/invokecloudfunction?access_token=…&env=ENV&name=login'
        method=InvokeCloudFunction("ENV", "login", {}),
        path="tcb/invokecloudfunction",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={"env": "ENV", "name": "login"},
        body={},
        answer={
            "errcode": 0,
            "errmsg": "ok",
            "resp_data": '{"event":{"userInfo":{"appId":"SAMPLE_APPID"}},"appid":"SAMPLE_APPID"}',
        },
        result={"event": {"userInfo": {"appId": "SAMPLE_APPID"}}, "appid": "SAMPLE_APPID"},
    ),
    Row(
        # addDelayedFunctionTask page's request and answer samples.
        method=AddDelayedFunctionTask(ENV, "echo", {"test": True}, 10),
        path="tcb/adddelayedfunctiontask",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={"env": ENV, "function_name": "echo", "data": '{"test":true}', "delay_time": 10},
        answer={"errcode": 0, "errmsg": "ok"},
        result=None,
    ),
    Row(
        # getFuntionConfig page has no sample answer: config is "configured json character string".
        method=GetFunctionConfig(ENV, "echo", FunctionConfigType.TIMER),
        path="tcb/getfuncconfig",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"env": ENV, "function_name": "echo", "type": 2},
        answer={"errcode": 0, "errmsg": "ok", "config": '{"triggers":[]}'},
        result={"triggers": []},
    ),
]
