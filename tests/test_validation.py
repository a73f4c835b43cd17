"""Bad input to set_callback_config gets InvalidRequestError, and nothing is sent."""

from __future__ import annotations

from typing import Any

import pytest

import wxtcb
from wxtcb.testing import Emulator

OK_CALLBACK = wxtcb.FunctionCallback("image", "", "env-1", "callback")
OK_CONTAINER = wxtcb.ContainerConfig(True, "env-1", "/echo", wxtcb.TextMode.JSON)

BAD: list[tuple[str, dict[str, Any]]] = [
    ("neither", {}),
    ("empty env", {"container_config": wxtcb.ContainerConfig(True, "", "/echo")}),
    ("blank env", {"container_config": wxtcb.ContainerConfig(True, "  ", "/echo")}),
    ("relative path", {"container_config": wxtcb.ContainerConfig(True, "env-1", "echo")}),
    ("empty path", {"container_config": wxtcb.ContainerConfig(True, "env-1", "")}),
    ("text mode 3", {"container_config": wxtcb.ContainerConfig(True, "env-1", "/echo", 3)}),
    ("text mode 0", {"container_config": wxtcb.ContainerConfig(True, "env-1", "/echo", 0)}),
    ("text mode True", {"container_config": wxtcb.ContainerConfig(True, "env-1", "/echo", True)}),
    (
        "no msgType",
        {"function_config": wxtcb.FunctionConfig(True, (wxtcb.FunctionCallback("", "", "env-1", "cb"),))},
    ),
    (
        "no functionName",
        {"function_config": wxtcb.FunctionConfig(True, (wxtcb.FunctionCallback("image", "", "env-1", ""),))},
    ),
    (
        "no env",
        {"function_config": wxtcb.FunctionConfig(True, (wxtcb.FunctionCallback("image", "", "", "cb"),))},
    ),
    (
        "event without name",
        {
            "function_config": wxtcb.FunctionConfig(
                True, (wxtcb.FunctionCallback("event", "", "env-1", "cb"),)
            )
        },
    ),
    ("not a model", {"container_config": {"enable": True}}),
]


@pytest.mark.parametrize(("case", "kwargs"), BAD, ids=[c for c, _ in BAD])
async def test_bad_input_sends_nothing(
    emulator: Emulator, client: wxtcb.Client, case: str, kwargs: dict[str, Any]
) -> None:
    """Each bad configuration is refused before any request, token fetch included."""
    with pytest.raises(wxtcb.InvalidRequestError):
        await client.set_callback_config(**kwargs)
    assert sum(emulator.calls.values()) == 0, case


GOOD: list[dict[str, Any]] = [
    {"container_config": OK_CONTAINER},
    {"container_config": wxtcb.ContainerConfig(False, "env-1", "/", wxtcb.TextMode.XML)},
    {"function_config": wxtcb.FunctionConfig(True, (OK_CALLBACK,))},
    {"function_config": wxtcb.FunctionConfig(False, ())},
    {
        "function_config": wxtcb.FunctionConfig(
            True, (wxtcb.FunctionCallback("event", "user_enter_tempsession", "env-1", "cb"),)
        )
    },
    {
        "function_config": wxtcb.FunctionConfig(True, (OK_CALLBACK,)),
        "container_config": OK_CONTAINER,
    },
]


@pytest.mark.parametrize("kwargs", GOOD)
async def test_good_input_round_trips(
    emulator: Emulator, client: wxtcb.Client, kwargs: dict[str, Any]
) -> None:
    """A valid configuration is sent, and reading it back gives what was set."""
    await client.set_callback_config(**kwargs)
    config = await client.get_callback_config()
    for part, value in kwargs.items():
        assert getattr(config, part) == value


async def test_set_replaces_only_the_parts_sent(emulator: Emulator, client: wxtcb.Client) -> None:
    """A part left out keeps what WeChat had."""
    fc = wxtcb.FunctionConfig(True, (OK_CALLBACK,))
    await client.set_callback_config(function_config=fc, container_config=OK_CONTAINER)
    new_container = wxtcb.ContainerConfig(False, "env-2", "/other", wxtcb.TextMode.XML)
    await client.set_callback_config(container_config=new_container)
    assert await client.get_callback_config() == wxtcb.CallbackConfig(fc, new_container)
