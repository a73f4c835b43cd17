"""Contract rows of the message-push domain (tcb/getcallbackconfig, tcb/setcallbackconfig)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.contract import Row
from wxtcb.message_push import (
    CallbackConfig,
    ContainerConfig,
    FunctionCallback,
    FunctionConfig,
    GetCallbackConfig,
    SetCallbackConfig,
    TextMode,
)
from wxtcb.methods import TokenKind

# WeChat's own sample, with its key that ends in a space.
SAMPLE = json.loads((Path(__file__).parent.parent / "samples" / "getcallbackconfig.json").read_text())
ENV = "test-env-6gni9ity244a6ea3"

ROWS = [
    Row(
        method=GetCallbackConfig(),
        path="tcb/getcallbackconfig",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={},
        answer=SAMPLE,
        result=CallbackConfig(
            function_config=FunctionConfig(
                enable=False,
                callbacks=(
                    FunctionCallback("event", "user_enter_tempsession", ENV, "callback", enable=False),
                    FunctionCallback("image", "", ENV, "callback", enable=True),
                ),
            ),
            container_config=ContainerConfig(True, ENV, "/container-echo", TextMode.JSON),
        ),
    ),
    Row(
        method=SetCallbackConfig(
            function_config=FunctionConfig(callbacks=[FunctionCallback("text", "", "prod", "onText")]),
            container_config=ContainerConfig(True, "prod", "/push", TextMode.XML),
        ),
        path="tcb/setcallbackconfig",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={
            "function_config": {
                "enable": True,
                "callbacks": [
                    {"msgType": "text", "event": "", "env": "prod", "functionName": "onText", "enable": True}
                ],
            },
            "container_config": {
                "enable": True,
                "qbase_env": "prod",
                "qbase_container_path": "/push",
                "text_mode": 2,
            },
        },
        answer={"errcode": 0, "errmsg": "ok"},
        result=None,
    ),
]
