"""The emulator's message-push configuration: ``tcb/getcallbackconfig`` and ``setcallbackconfig``
round-trip per app, in `wxtcb.testing.base.EmulatorBase.configs`."""

from __future__ import annotations

from typing import Any

from wxtcb.methods import TokenKind
from wxtcb.testing.base import Call, EmulatorBase, error, route

__all__ = ["DEMO_CONFIG"]

#: The configuration WeChat's getCallBackConfig page uses as its sample (`seed_demo` stores it).
DEMO_CONFIG: dict[str, Any] = {
    "function_config": {
        "enable": True,
        "callbacks": [
            {
                "msgType": "event",
                "event": "user_enter_tempsession",
                "env": "test-env-6gni9ity244a6ea3",
                "functionName": "callback",
                "enable": False,
            },
            {
                "msgType": "image",
                "event": "",
                "env": "test-env-6gni9ity244a6ea3",
                "functionName": "callback",
                "enable": True,
            },
        ],
    },
    "container_config": {
        "enable": True,
        "qbase_env": "test-env-6gni9ity244a6ea3",
        "qbase_container_path": "/container-echo",
        "text_mode": 1,
    },
}


@route("tcb/getcallbackconfig", TokenKind.ACCESS)
def _get_callback_config(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    assert call.issued is not None
    return {"errcode": 0, "errmsg": "ok", "data": emulator.configs.get(call.issued.appid, {})}


@route("tcb/setcallbackconfig", TokenKind.ACCESS)
def _set_callback_config(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data, issued = call.data, call.issued
    assert issued is not None
    if "function_config" not in data and "container_config" not in data:
        return error(40101, "missing parameter")
    config = emulator.configs.setdefault(issued.appid, {})
    for part in ("function_config", "container_config"):
        if part in data:
            if not isinstance(data[part], dict):
                return error(40097, "invalid args")
            config[part] = data[part]
    return {"errcode": 0, "errmsg": "ok"}
