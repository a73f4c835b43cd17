"""Decoding WeChat's rough JSON into typed models, and refusing what does not fit with a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import wxtcb
import wxtcb.tokens.endpoints
from wxtcb.converter import make_converter, structure, unstructure
from wxtcb.testing import Emulator, Fault

SAMPLES = Path(__file__).parent / "samples"
GET = "tcb/getcallbackconfig"

EXPECTED = wxtcb.CallbackConfig(
    function_config=wxtcb.FunctionConfig(
        enable=False,
        callbacks=(
            wxtcb.FunctionCallback(
                "event", "user_enter_tempsession", "test-env-6gni9ity244a6ea3", "callback", False
            ),
            wxtcb.FunctionCallback("image", "", "test-env-6gni9ity244a6ea3", "callback", True),
        ),
    ),
    container_config=wxtcb.ContainerConfig(
        True, "test-env-6gni9ity244a6ea3", "/container-echo", wxtcb.TextMode.JSON
    ),
)


async def test_official_sample_decodes_with_its_rough_edges(emulator: Emulator, client: wxtcb.Client) -> None:
    """The documented answer (text/plain, a key with a trailing space) decodes into the models."""
    emulator.fault(GET, Fault.raw((SAMPLES / "getcallbackconfig.json").read_bytes()))
    assert await client.get_callback_config() == EXPECTED


async def test_official_sample_verbatim_is_a_typed_error(emulator: Emulator, client: wxtcb.Client) -> None:
    """The page's sample has a placeholder (初始值) that is not JSON: a TransportError, not a crash."""
    emulator.fault(GET, Fault.raw((SAMPLES / "getcallbackconfig_official.txt").read_bytes()), times=5)
    with pytest.raises(wxtcb.TransportError, match="not JSON"):
        await client.get_callback_config()


def test_fixture_decodes_strictly() -> None:
    """With extra keys forbidden the recorded fixture still decodes: the models cover every field."""
    data = json.loads((SAMPLES / "getcallbackconfig.json").read_text())["data"]
    assert structure(data, wxtcb.CallbackConfig, conv=make_converter(strict=True)) == EXPECTED


def test_models_round_trip_through_the_wire_format() -> None:
    """unstructure writes WeChat's names (msgType, functionName, ints for text_mode) and reads back equal."""
    wire = unstructure(EXPECTED)
    assert wire["function_config"]["callbacks"][0]["msgType"] == "event"
    assert wire["function_config"]["callbacks"][0]["functionName"] == "callback"
    assert wire["container_config"]["text_mode"] == 1
    assert structure(json.loads(json.dumps(wire)), wxtcb.CallbackConfig) == EXPECTED


def test_unknown_fields_and_enum_values_do_not_break_decoding() -> None:
    """New server fields are ignored and a new text_mode is kept as its int."""
    data = {
        "container_config": {
            "enable": True,
            "qbase_env": "e",
            "qbase_container_path": "/p",
            "text_mode": 7,
            "new": 1,
        },
        "brand_new_part": {"x": 1},
    }
    config = structure(data, wxtcb.CallbackConfig)
    assert config.container_config is not None
    assert config.container_config.text_mode == 7
    assert not isinstance(config.container_config.text_mode, wxtcb.TextMode)


def test_missing_parts_are_none() -> None:
    """An app with no push configuration decodes to an empty CallbackConfig."""
    assert structure({}, wxtcb.CallbackConfig) == wxtcb.CallbackConfig(None, None)


# data sent by an app whose cloud-run push was never (or only partly) configured; what it decodes to
UNCONFIGURED = [
    ({"container_config": {"enable": False}}, wxtcb.ContainerConfig(False, "", "", wxtcb.TextMode.JSON)),
    ({"container_config": {}}, wxtcb.ContainerConfig(False, "", "", wxtcb.TextMode.JSON)),
    (
        {"container_config": {"enable": False, "qbase_env": "e"}, "function_config": {"enable": False}},
        wxtcb.ContainerConfig(False, "e", "", wxtcb.TextMode.JSON),
    ),
]


@pytest.mark.parametrize(("data", "container"), UNCONFIGURED)
async def test_unconfigured_container_push_decodes(
    emulator: Emulator, client: wxtcb.Client, data: dict[str, object], container: wxtcb.ContainerConfig
) -> None:
    """An app without cloud-run push configuration gets a config, not a DecodeError: the fields
    the page lists but an unconfigured app may leave out are optional, as both .NET SDKs read them."""
    body = {"errcode": 0, "errmsg": "ok", "data": data}
    emulator.fault(GET, Fault.raw(json.dumps(body).encode()))
    config = await client.get_callback_config()
    assert config.container_config == container


async def test_an_unconfigured_container_config_is_refused_before_sending(
    emulator: Emulator, client: wxtcb.Client
) -> None:
    """Reading an unconfigured config and sending it back is refused locally: setcallbackconfig
    requires the env and the path, so nothing is sent."""
    before = emulator.calls["tcb/setcallbackconfig"]
    with pytest.raises(wxtcb.InvalidRequestError, match="qbase_env"):
        await client.set_callback_config(container_config=wxtcb.ContainerConfig(enable=False))
    assert emulator.calls["tcb/setcallbackconfig"] == before


# body, a fragment the DecodeError must contain
MISFITS = [
    (
        {
            "errcode": 0,
            "data": {
                "container_config": {
                    "enable": "yes",
                    "qbase_env": "e",
                    "qbase_container_path": "/p",
                }
            },
        },
        "$.data.container_config.enable",
    ),
    (
        {
            "errcode": 0,
            "data": {"container_config": {"enable": True, "qbase_env": 5, "qbase_container_path": "/p"}},
        },
        "$.data.container_config.qbase_env",
    ),
    (
        {"errcode": 0, "data": {"function_config": {"callbacks": [{"msgType": 1}]}}},
        "$.data.function_config.callbacks[0].msgType",
    ),
    (
        {"errcode": 0, "data": {"function_config": {"callbacks": "no"}}},
        "$.data.function_config.callbacks",
    ),
    ({"errcode": 0, "data": []}, "$.data"),
    ({"errcode": 0, "errmsg": "ok"}, "$.data"),
    ({"errcode": "0x", "data": {}}, "errcode"),
    ([1, 2, 3], "JSON object"),
]


@pytest.mark.parametrize(("body", "fragment"), MISFITS)
async def test_json_that_does_not_fit_raises_decode_error_naming_the_field(
    emulator: Emulator, client: wxtcb.Client, body: object, fragment: str
) -> None:
    """A body that does not fit raises DecodeError naming the field, never a cattrs or KeyError."""
    emulator.fault(GET, Fault.raw(json.dumps(body).encode()))
    with pytest.raises(wxtcb.DecodeError) as info:
        await client.get_callback_config()
    assert fragment in str(info.value)
    assert emulator.calls[GET] == 1, "a decode error is not retried"


@pytest.mark.parametrize(
    ("value", "ok"),
    [(True, True), (1, True), (0, True), ("false", False), (None, False), (2, False)],
)
def test_booleans_are_not_guessed(value: object, ok: bool) -> None:
    """'false' must not become True: only JSON booleans (and 0/1) are booleans."""
    data = {"enable": value, "callbacks": []}
    if ok:
        assert structure(data, wxtcb.FunctionConfig).enable is bool(value)
    else:
        with pytest.raises(wxtcb.DecodeError, match="enable"):
            structure(data, wxtcb.FunctionConfig)


async def test_errcode_missing_is_success(emulator: Emulator, client: wxtcb.Client) -> None:
    """Success is errcode missing or 0."""
    emulator.fault(GET, Fault.raw(b'{"data": {}}'))
    assert await client.get_callback_config() == wxtcb.CallbackConfig()


async def test_decode_error_never_repeats_a_value() -> None:
    """A token-shaped value in the wrong place is not echoed in the error."""
    with pytest.raises(wxtcb.DecodeError) as info:
        structure({"access_token": 12345678901234, "expires_in": 7200}, wxtcb.tokens.endpoints.AccessToken)
    assert "12345678901234" not in str(info.value)


def test_to_wire_and_from_wire_round_trip_with_wire_names() -> None:
    """Models go to and from the wire's JSON names through the one converter, not attrs.asdict's."""
    from wxtcb.converter import from_wire, to_wire

    config = wxtcb.CallbackConfig(
        function_config=wxtcb.FunctionConfig(callbacks=[wxtcb.FunctionCallback("text", "", "env", "fn")]),
        container_config=wxtcb.ContainerConfig(True, "env", "/p", wxtcb.TextMode.XML),
    )
    wire = to_wire(config)
    assert wire["function_config"]["callbacks"][0]["msgType"] == "text"
    assert wire["function_config"]["callbacks"][0]["functionName"] == "fn"
    assert wire["container_config"]["text_mode"] == 2
    assert from_wire(wire, wxtcb.CallbackConfig) == config
    with pytest.raises(wxtcb.DecodeError, match=r"\$\.function_config\.callbacks\[0\]\.functionName"):
        from_wire(
            {"function_config": {"callbacks": [{"msgType": "x", "event": "", "env": "e"}]}},
            wxtcb.CallbackConfig,
        )
