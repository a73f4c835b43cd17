"""Property-based tests: decoding never fails untyped, models round-trip, validation is exact."""

from __future__ import annotations

import contextlib
import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wxtcb
from wxtcb.converter import make_converter, structure, unstructure
from wxtcb.message_push import GetCallbackConfig, SetCallbackConfig
from wxtcb.protocol import build_request, check, decode, parse

REQUEST = build_request(GetCallbackConfig(), "token")
TYPED = (wxtcb.DecodeError, wxtcb.APIError, wxtcb.TransportError)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=6)
    ),
    max_leaves=30,
)
# Bodies shaped like WeChat's: an object, often with errcode and a data object holding the parts.
config_like = st.fixed_dictionaries(
    {},
    optional={
        "errcode": st.one_of(st.integers(-2000, 90000), st.sampled_from([0, -1, 40001]), json_values),
        "errmsg": st.text(max_size=40) | json_values,
        "data": st.fixed_dictionaries(
            {},
            optional={
                "function_config": json_values
                | st.fixed_dictionaries(
                    {},
                    optional={
                        "enable": json_values,
                        "callbacks": st.lists(
                            json_values
                            | st.dictionaries(
                                st.sampled_from(["msgType", "event", "env", "functionName", "enable"]),
                                json_values,
                            ),
                            max_size=3,
                        ),
                    },
                ),
                "container_config": json_values
                | st.dictionaries(
                    st.sampled_from(
                        ["enable", "qbase_env", "qbase_container_path", "qbase_container_path ", "text_mode"]
                    ),
                    json_values,
                ),
            },
        )
        | json_values,
    },
)


def outcome(body: bytes) -> object:
    data = parse(200, body, REQUEST)
    check(data, GetCallbackConfig(), REQUEST)
    return decode(data, GetCallbackConfig(), REQUEST)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, config_like))
def test_any_json_body_decodes_or_raises_typed(value: Any) -> None:
    """Any JSON body yields a CallbackConfig or DecodeError/APIError/TransportError, nothing else."""
    try:
        result = outcome(json.dumps(value).encode())
    except TYPED:
        return
    assert isinstance(result, wxtcb.CallbackConfig)


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_raise_typed(body: bytes) -> None:
    """Any byte string yields a model or a typed error."""
    try:
        result = outcome(body)
    except TYPED:
        return
    assert isinstance(result, wxtcb.CallbackConfig)


@settings(max_examples=100)
@given(st.integers(100, 599), st.binary(max_size=50))
def test_any_status_is_typed(status: int, body: bytes) -> None:
    """A non-200 status is a TransportError, transient exactly for 5xx."""
    if status == 200:
        with contextlib.suppress(*TYPED):
            parse(status, body, REQUEST)
        return
    with pytest.raises(wxtcb.TransportError) as info:
        parse(status, body, REQUEST)
    assert info.value.transient == (status >= 500)


texts = st.text(max_size=20)
callbacks = st.builds(wxtcb.FunctionCallback, texts, texts, texts, texts, st.booleans())
function_configs = st.builds(wxtcb.FunctionConfig, st.booleans(), st.lists(callbacks, max_size=4).map(tuple))
text_modes = st.sampled_from(list(wxtcb.TextMode)) | st.integers(-5, 10)
container_configs = st.builds(wxtcb.ContainerConfig, st.booleans(), texts, texts, text_modes)
configs = st.builds(wxtcb.CallbackConfig, st.none() | function_configs, st.none() | container_configs)


@given(configs)
def test_models_round_trip_through_the_wire(config: wxtcb.CallbackConfig) -> None:
    """Every model survives unstructure → JSON → structure (strictly) unchanged."""
    wire = json.loads(json.dumps(unstructure(config)))
    assert structure(wire, wxtcb.CallbackConfig, conv=make_converter(strict=True)) == config


def valid_callback(cb: wxtcb.FunctionCallback) -> bool:
    return bool(cb.msg_type.strip() and cb.function_name.strip() and cb.env.strip()) and (
        cb.msg_type != "event" or bool(cb.event.strip())
    )


def valid_container(c: wxtcb.ContainerConfig) -> bool:
    return (
        bool(c.qbase_env.strip())
        and c.qbase_container_path.startswith("/")
        and not isinstance(c.text_mode, bool)
        and c.text_mode in (1, 2)
    )


path_like = st.text(alphabet=string.ascii_letters + "/-_ ", max_size=10)
callbacks_v = st.builds(
    wxtcb.FunctionCallback,
    st.sampled_from(["event", "image", "text", "", " "]),
    texts,
    texts | st.just("env-1"),
    texts,
)
containers_v = st.builds(
    wxtcb.ContainerConfig, st.booleans(), texts | st.just("env-1"), path_like, text_modes
)


@settings(max_examples=300)
@given(
    st.none() | st.builds(wxtcb.FunctionConfig, st.booleans(), st.lists(callbacks_v, max_size=3).map(tuple)),
    st.none() | containers_v,
)
def test_validation_accepts_exactly_the_valid_configurations(
    function_config: wxtcb.FunctionConfig | None, container_config: wxtcb.ContainerConfig | None
) -> None:
    """SetCallbackConfig refuses a configuration if and only if the independent rules say it is invalid."""
    valid = (function_config is not None or container_config is not None) and (
        (function_config is None or all(valid_callback(cb) for cb in function_config.callbacks))
        and (container_config is None or valid_container(container_config))
    )
    try:
        SetCallbackConfig(function_config=function_config, container_config=container_config)
    except wxtcb.InvalidRequestError:
        assert not valid
    else:
        assert valid
