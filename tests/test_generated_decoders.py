"""The generated decoders: the same models and the same DecodeError text as the cattrs path."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wxtcb
from tests.conftest import OFFICIAL_CONFIG as OFFICIAL
from wxtcb import message_push
from wxtcb.converter import _slot_setters, decoder_for, make_converter, structure

MODELS = [
    message_push.CallbackConfig,
    message_push.FunctionConfig,
    message_push.FunctionCallback,
    message_push.ContainerConfig,
]
#: A converter built like wxtcb's but not it: `structure` runs cattrs alone with it.
CATTRS_ONLY = make_converter()


def outcome(data: object, cls: type[Any], *, fast: bool) -> tuple[str, object]:
    """What decoding *data* gives: ``("ok", model)`` or ``("error", DecodeError text)``."""
    try:
        if fast:
            return "ok", structure(data, cls, root="$.data")
        return "ok", structure(data, cls, conv=CATTRS_ONLY, root="$.data")
    except wxtcb.DecodeError as exc:
        return "error", str(exc)


def test_message_push_models_have_generated_decoders() -> None:
    """Every message-push model is decoded by a generated decoder, not cattrs' hook layers."""
    for model in MODELS:
        assert decoder_for(model) is not None, model


def test_official_sample_decodes_the_same() -> None:
    """The official sample (its spaced ``qbase_container_path `` key included), and the sample
    with fields wxtcb does not know on every object, give the same models on both paths."""
    noisy = copy.deepcopy(OFFICIAL)
    noisy["ext_info"] = {"a": 1}
    noisy["function_config"]["update_time"] = 1
    for cb in noisy["function_config"]["callbacks"]:
        cb["rule_id"] = "r"
    noisy["container_config"]["service_name"] = "echo"
    for data in (OFFICIAL, noisy):
        fast = outcome(data, message_push.CallbackConfig, fast=True)
        slow = outcome(data, message_push.CallbackConfig, fast=False)
        assert fast == slow
        assert fast[0] == "ok"
        config = fast[1]
        assert isinstance(config, message_push.CallbackConfig)
        assert config.container_config is not None
        assert config.container_config.qbase_container_path == "/container-echo"
        assert config.container_config.text_mode is message_push.TextMode.JSON


def _broken(path: list[Any], value: object) -> dict[str, Any]:
    data = copy.deepcopy(OFFICIAL)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["container_config", "enable"], "false"),  # bool("false") must not become True
        (["container_config", "qbase_env"], KeyError),  # a required field missing
        (["container_config", "qbase_container_path "], 7),  # the spaced key, wrong type
        (["container_config", "text_mode"], 1.5),
        (["container_config", "text_mode"], 9),  # an unknown value: the plain int, not an error
        (["container_config", "enable"], 1),  # 0/1 as a boolean: cattrs' leniency, kept
        (["function_config", "callbacks"], "abc"),
        (["function_config", "callbacks"], {"0": {}}),
        (["function_config", "callbacks", 1, "functionName"], None),
        (["function_config", "callbacks", 0, "msgType"], KeyError),
        (["function_config", "callbacks", 0, "enable "], False),  # a spaced twin wins, as in cattrs
        (["function_config", "enable"], 2),
        (["function_config"], []),
        (["container_config"], None),
    ],
)
def test_bad_inputs_give_the_same_result_or_error_text(path: list[Any], value: object) -> None:
    """Wrong types, missing keys and spaced twins give the same model, or the same DecodeError
    text naming the same wire key, on both paths."""
    data = _broken(path, value)
    assert outcome(data, message_push.CallbackConfig, fast=True) == outcome(
        data, message_push.CallbackConfig, fast=False
    )


def _keys(names: list[str]) -> st.SearchStrategy[str]:
    """A model's wire keys, sometimes with stray whitespace, and unknown ones."""
    known = st.sampled_from(names)
    return known | known.map(lambda k: k + " ") | known.map(lambda k: " " + k) | st.text(max_size=6)


scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.text(max_size=4)


def _object(names: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_keys(names), values, max_size=len(names) + 2)


callback = _object(["msgType", "event", "env", "functionName", "enable"], scalars)
function_config = _object(
    ["enable", "callbacks"], scalars | st.lists(callback | scalars, max_size=3) | callback
)
container_config = _object(["enable", "qbase_env", "qbase_container_path", "text_mode"], scalars)
callback_config = _object(
    ["function_config", "container_config"], scalars | function_config | container_config
)
# Valid-looking objects too, so the successful paths are exercised, not only the failures.
valid_callback = st.fixed_dictionaries(
    {"msgType": st.text(max_size=3), "event": st.text(max_size=3), "env": st.text(max_size=3)},
    optional={"functionName": st.text(max_size=3), "enable": st.booleans(), "x": scalars},
).map(lambda d: {**d, "functionName": d.get("functionName", "f")})
valid_config = st.fixed_dictionaries(
    {},
    optional={
        "function_config": st.fixed_dictionaries(
            {}, optional={"enable": st.booleans(), "callbacks": st.lists(valid_callback, max_size=3)}
        ),
        "container_config": st.fixed_dictionaries(
            {"enable": st.booleans(), "qbase_env": st.text(max_size=3)},
            optional={"text_mode": st.integers(0, 4), "y": scalars},
        ).map(lambda d: {**d, "qbase_container_path ": "/p"}),
    },
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(MODELS),
    callback_config | function_config | container_config | callback | valid_config | scalars,
)
def test_generated_decoders_agree_with_cattrs(model: type[Any], data: object) -> None:
    """For any JSON-shaped input and any message-push model, the generated decoder gives what
    cattrs gives: an equal model, or a DecodeError with the same text."""
    assert outcome(data, model, fast=True) == outcome(data, model, fast=False)


@settings(max_examples=200)
@given(valid_config)
def test_valid_configs_decode_on_the_fast_path(data: dict[str, Any]) -> None:
    """Valid answers are taken by the generated decoder itself (no cattrs fallback needed)."""
    fast = decoder_for(message_push.CallbackConfig)
    assert fast is not None
    assert fast(data) == CATTRS_ONLY.structure(data, message_push.CallbackConfig)


@attrs.frozen
class _Validated:
    name: str = attrs.field(validator=attrs.validators.min_len(2))


@attrs.frozen
class _PostInit:
    name: str
    seen: list[str] = attrs.field(factory=list, eq=False)

    def __attrs_post_init__(self) -> None:
        self.seen.append(self.name)


@attrs.frozen
class _Converted:
    names: tuple[str, ...] = attrs.field(converter=tuple)


class _Allocating:
    made = 0

    def __new__(cls, *args: object, **kwargs: object) -> Any:
        _Allocating.made += 1
        return super().__new__(cls)


@attrs.frozen
class _OwnNew(_Allocating):
    name: str


@attrs.frozen
class _Parent:
    a: str


@attrs.frozen(init=False)
class _InheritsInit(_Parent):
    b: str = "b"


def test_which_models_the_decoders_build_slot_by_slot() -> None:
    """Slot by slot only where ``__init__`` would do nothing else: not with a validator, a hook,
    an ``__init__`` of another class, or a ``__new__`` of its own."""
    assert _slot_setters(message_push.FunctionConfig) is not None  # a plain converter is applied
    assert _slot_setters(_Converted) is not None
    for model in (_Validated, _PostInit, _OwnNew, _InheritsInit):
        assert _slot_setters(model) is None, model


def test_a_model_with_its_own_new_or_an_inherited_init_decodes_as_cattrs_does() -> None:
    """A user's model with its own ``__new__`` gets it called; one whose ``__init__`` is its
    parent's is refused as cattrs refuses it."""
    before = _Allocating.made
    assert structure({"name": "x"}, _OwnNew) == _OwnNew("x")
    assert _Allocating.made > before
    assert outcome({"a": "x", "b": "y"}, _InheritsInit, fast=True) == outcome(
        {"a": "x", "b": "y"}, _InheritsInit, fast=False
    )


@pytest.mark.parametrize(
    ("model", "data", "expected"),
    [
        (_Validated, {"name": "ab"}, _Validated("ab")),
        (_PostInit, {"name": "x"}, _PostInit("x")),
        (_Converted, {"names": ["a", "b"]}, _Converted(("a", "b"))),
        (message_push.FunctionConfig, {"callbacks": []}, message_push.FunctionConfig(True, ())),
    ],
)
def test_generated_decoders_build_what_init_builds(model: type[Any], data: object, expected: object) -> None:
    """Where the decoder sets slots itself instead of calling ``__init__`` it gives the same
    object; a model with a validator or an ``__init__`` hook is built through its ``__init__``."""
    result = structure(data, model)
    assert result == expected
    assert type(result) is model
    assert attrs.asdict(result) == attrs.asdict(expected)  # type: ignore[arg-type]
    if isinstance(result, _PostInit):
        assert result.seen == ["x"]  # the hook ran


def test_a_validator_still_refuses_on_the_generated_path() -> None:
    """A field's validator runs on the generated path: a too-short name is a DecodeError."""
    assert decoder_for(_Validated) is not None
    with pytest.raises(wxtcb.DecodeError):
        structure({"name": "a"}, _Validated)


# --- request bodies: the encoder that spares a first request cattrs ----------------------------


def _every_row_method() -> list[Any]:
    import tests.contract
    from tests.test_contract import ROWS

    assert tests.contract  # the rows' modules are imported by test_contract
    return [row.method for row in ROWS]


@pytest.mark.parametrize("method", _every_row_method(), ids=lambda m: type(m).__name__)
def test_request_bodies_are_what_cattrs_gives(method: Any) -> None:
    """For every endpoint's method object in the contract table, the body `unstructure` builds
    without cattrs is, as JSON, the one cattrs builds."""
    from wxtcb.converter import unstructure

    assert unstructure(method) == CATTRS_ONLY.unstructure(method)


ENCODED_MODELS = [
    message_push.CallbackConfig(
        function_config=message_push.FunctionConfig(
            True, [message_push.FunctionCallback("text", "", "env-1", "echo")]
        ),
        container_config=message_push.ContainerConfig(True, "env-1", "/p", 7),
    ),
    message_push.ContainerConfig(True, "env-1", "/p", message_push.TextMode.XML),
    message_push.SetCallbackConfig(container_config=message_push.ContainerConfig(True, "e", "/p")),
]


@pytest.mark.parametrize("model", ENCODED_MODELS, ids=lambda m: type(m).__name__)
def test_models_encode_as_cattrs_encodes_them(model: Any) -> None:
    """Models with wire names, nested models, enums, unknown enum values kept as ints and fields
    left out at their default encode as cattrs encodes them."""
    from wxtcb.converter import unstructure

    assert unstructure(model) == CATTRS_ONLY.unstructure(model)


@attrs.frozen
class Dated:
    """A model with a field of a class the encoder does not know."""

    day: datetime.date


def test_a_value_the_encoder_does_not_know_is_left_to_cattrs() -> None:
    """A field value of a class that is not a scalar, enum, container or attrs class (a date) is
    encoded by cattrs, not refused and not passed through unencoded."""
    from wxtcb.converter import unstructure

    day = datetime.date(2026, 12, 3)
    assert unstructure(Dated(day)) == CATTRS_ONLY.unstructure(Dated(day))
