"""Cloud functions against the emulator over real sockets: invoke, delayed tasks, config, and no resend."""

from __future__ import annotations

from typing import Any

import pytest

import wxtcb
from wxtcb.functions import FunctionConfigType
from wxtcb.testing import Emulator, Fault
from wxtcb.testing.cloudbase import CloudBase, DelayedTask

INVOKE = "tcb/invokecloudfunction"


async def test_invoke_passes_the_payload_and_decodes_the_answer(
    emulator: Emulator, client: wxtcb.Client
) -> None:
    """The function gets the payload as its event; what it returns comes back decoded."""
    seen: list[object] = []

    def login(event: Any) -> dict[str, Any]:
        seen.append(event)
        return {"openid": "o-" + event["code"], "ok": True}

    emulator.add_function("login", login)
    value = await client.functions.invoke("prod", "login", {"code": "x1"})
    assert value == {"openid": "o-x1", "ok": True}
    assert seen == [{"code": "x1"}]


async def test_async_function_and_none_payload(emulator: Emulator, client: wxtcb.Client) -> None:
    """An async handler is awaited; data=None sends {} (WeChat's own sample body)."""

    async def echo(event: Any) -> Any:
        return event

    emulator.add_function("echo", echo, env="prod")
    assert await client.functions.invoke("prod", "echo") == {}
    assert await client.functions.invoke("prod", "echo", [1, "二", None]) == [1, "二", None]


async def test_env_and_name_are_url_encoded(emulator: Emulator, client: wxtcb.Client) -> None:
    """env and name travel in the query string, encoded, whatever they contain."""
    emulator.add_function("a&b=c d", lambda event: "named", env="e/n v")
    assert await client.functions.invoke("e/n v", "a&b=c d", {}) == "named"


async def test_resp_data_that_is_not_json_comes_back_as_text(
    emulator: Emulator, client: wxtcb.Client
) -> None:
    """A resp_data WeChat sends that is not JSON text is returned as the string."""
    emulator.fault(INVOKE, Fault.raw(b'{"errcode":0,"errmsg":"ok","resp_data":"plain <text>"}'))
    assert await client.functions.invoke("prod", "any") == "plain <text>"


async def test_function_errors_are_typed(emulator: Emulator, client: wxtcb.Client) -> None:
    """A function that raises answers -504002 (FunctionError); an unknown one -501009 (CloudBaseError)."""

    def broken(event: Any) -> None:
        raise RuntimeError("boom")

    emulator.add_function("broken", broken)
    with pytest.raises(wxtcb.FunctionError) as info:
        await client.functions.invoke("prod", "broken")
    assert info.value.errcode == -504002
    assert info.value.rid
    with pytest.raises(wxtcb.CloudBaseError) as missing:
        await client.functions.invoke("prod", "nowhere")
    assert missing.value.errcode == -501009


@pytest.mark.parametrize(
    "fault", [Fault.error(-1), Fault.error(-501001), Fault.http(502), Fault.reset()], ids=str
)
async def test_invoke_is_never_resent_after_a_transient_failure(
    emulator: Emulator, client: wxtcb.Client, fault: Fault
) -> None:
    """Invoking has effects: one request only, and the error says it was not resent."""
    calls: list[object] = []
    emulator.add_function("pay", calls.append)
    emulator.fault(INVOKE, fault)
    with pytest.raises(wxtcb.WxTcbError) as info:
        await client.functions.invoke("prod", "pay", {"amount": 1})
    assert info.value.transient
    assert "not resent" in str(info.value)
    assert emulator.calls[INVOKE] == 1
    assert calls == []


async def test_reads_are_still_retried(emulator: Emulator, client: wxtcb.Client) -> None:
    """getfuncconfig is a read: a transient failure is retried and the error text is untouched."""
    emulator.add_function("echo", lambda e: e)
    emulator.state(CloudBase).function_configs[("echo", 2)] = {
        "triggers": [{"name": "t", "config": "0 0 * * * * *"}]
    }
    emulator.fault("tcb/getfuncconfig", Fault.error(-501002))
    config = await client.functions.get_config("prod", "echo", FunctionConfigType.TIMER)
    assert config == {"triggers": [{"name": "t", "config": "0 0 * * * * *"}]}
    assert emulator.calls["tcb/getfuncconfig"] == 2


async def test_delayed_task_is_recorded_once(emulator: Emulator, client: wxtcb.Client) -> None:
    """A delayed task sends data as JSON text; after a transient failure it is not resent."""
    await client.functions.add_delayed_task("prod", "echo", {"test": True}, 10)
    assert emulator.state(CloudBase).delayed == [DelayedTask("prod", "echo", {"test": True}, 10)]
    emulator.fault("tcb/adddelayedfunctiontask", Fault.error(-1))
    with pytest.raises(wxtcb.BusyError, match="not resent"):
        await client.functions.add_delayed_task("prod", "echo", None, 60)
    assert emulator.calls["tcb/adddelayedfunctiontask"] == 2


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("invoke", ("", "login")),
        ("invoke", ("prod", " ")),
        ("invoke", ("prod", "login", {1, 2})),
        ("invoke", ("prod", "login", float("nan"))),
        ("add_delayed_task", ("prod", "echo", {}, 5)),
        ("add_delayed_task", ("prod", "echo", {}, 30 * 24 * 3600 + 1)),
        ("add_delayed_task", ("prod", "", {}, 10)),
        ("get_config", ("prod", "echo", 0)),
    ],
)
async def test_bad_input_is_refused_before_io(
    emulator: Emulator, client: wxtcb.Client, call: str, args: tuple[Any, ...]
) -> None:
    """Empty names, payloads that are not JSON and delays out of range never reach the emulator."""
    with pytest.raises(wxtcb.InvalidRequestError):
        await getattr(client.functions, call)(*args)
    assert sum(emulator.calls.values()) == 0
