"""The shape that makes endpoints cheap and safe: token kinds refused before I/O, wire names on the
fields that own them, JSON text decoded by declaration, one engine per platform."""

from __future__ import annotations

import asyncio
import gc
from typing import Any, ClassVar

import attrs
import pytest

import wxtcb
from tests.conftest import demo_component
from wxtcb.converter import structure
from wxtcb.message_push import GetCallbackConfig
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.protocol import build_request
from wxtcb.testing import (
    DEMO_APPID,
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    INSTANT_RETRY,
    Emulator,
    Fault,
)
from wxtcb.tokens.endpoints import AuthorizerTokenMethod
from wxtcb.wire import wire

GET = "tcb/getcallbackconfig"
COMPONENT_TOKEN = "cgi-bin/component/api_component_token"
DOC = "https://developers.weixin.qq.com/"


# --- token kinds ---------------------------------------------------------------------------


async def test_component_provider_on_a_tcb_call_sends_and_fetches_nothing(emulator: Emulator) -> None:
    """Client(component_provider).get_callback_config() is refused before any request or token fetch."""
    async with wxtcb.Client(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY) as client:
        with pytest.raises(wxtcb.InvalidRequestError, match="nothing was sent"):
            await client.get_callback_config()
    assert sum(emulator.calls.values()) == 0


async def test_app_provider_on_a_component_call_is_refused(emulator: Emulator) -> None:
    """A method that takes the component token, sent with an app's provider: refused before I/O."""
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        with pytest.raises(wxtcb.InvalidRequestError, match="component_access_token"):
            await client(AuthorizerTokenMethod(DEMO_COMPONENT_APPID, DEMO_AUTHORIZER_APPID, "x-refresh"))
    assert sum(emulator.calls.values()) == 0


async def test_static_component_token_goes_where_its_provider_says(emulator: Emulator) -> None:
    """A provider names its query parameter; the emulator accepts the old component_access_token= too."""
    async with wxtcb.Client(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY) as client:
        token = await client.provider.token(client._pipeline)
    provider = wxtcb.StaticTokenProvider(
        token, token_kind=TokenKind.COMPONENT, token_param="component_access_token"
    )
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        answer = await client(
            AuthorizerTokenMethod(DEMO_COMPONENT_APPID, DEMO_AUTHORIZER_APPID, DEMO_REFRESH_TOKEN)
        )
    assert answer.authorizer_access_token


# --- wire names, JSON text, free field names -----------------------------------------------


@attrs.frozen
class UpperPager:
    """The pager of tcb/databasequery: capitalised keys."""

    offset: int = attrs.field(metadata=wire("Offset"))
    limit: int = attrs.field(metadata=wire("Limit"))
    total: int = attrs.field(metadata=wire("Total"))


@attrs.frozen
class LowerPager:
    """The pager of componenttcb/dbrecord: lower-case keys."""

    offset: int
    limit: int
    total: int


@attrs.frozen
class Page:
    """A page with both pagers and JSON text items."""

    pager: UpperPager
    batch: LowerPager
    data: list[dict[str, Any]] = attrs.field(metadata=wire(json_text=True))


@pytest.mark.parametrize(
    ("answer", "path"),
    [
        (
            {
                "pager": {"Offset": 0, "Limit": 1, "Total": "x"},
                "batch": {"offset": 0, "limit": 1, "total": 1},
                "data": [],
            },
            "$.pager.Total",
        ),
        (
            {
                "pager": {"Offset": 0, "Limit": 1, "Total": 1},
                "batch": {"offset": 0, "limit": 1, "total": "x"},
                "data": [],
            },
            "$.batch.total",
        ),
        (
            {"pager": {"Offset": 0, "Limit": 1}, "batch": {"offset": 0, "limit": 1, "total": 1}, "data": []},
            "$.pager.Total",
        ),
        (
            {
                "pager": {"Offset": 0, "Limit": 1, "Total": 1},
                "batch": {"offset": 0, "limit": 1, "total": 1},
                "data": ["{}", "{oops"],
            },
            "$.data",
        ),
    ],
)
def test_decode_errors_name_the_wire_key_of_the_right_model(answer: dict[str, Any], path: str) -> None:
    """A capitalised pager and a lower-case one side by side: each error names its own model's key."""
    with pytest.raises(wxtcb.DecodeError) as caught:
        structure(answer, Page)
    assert caught.value.message.endswith(f"@ {path}")


def test_json_text_is_decoded_by_declaration() -> None:
    """A field declared json_text decodes the JSON strings inside JSON (each item of a list)."""
    answer = {
        "pager": {"Offset": 0, "Limit": 2, "Total": 2**40},
        "batch": {"offset": 0, "limit": 2, "total": 2},
        "data": ['{"_id":"a","n":1}', '{"_id":"b","tags":["x"]}'],
    }
    page = structure(answer, Page)
    assert page.data == [{"_id": "a", "n": 1}, {"_id": "b", "tags": ["x"]}]
    assert page.pager == UpperPager(0, 2, 2**40)


@attrs.frozen
class DatabaseQueryLike(Method[Page]):
    """A method whose body fields are named like the framework's old attributes."""

    __endpoint__: ClassVar[Endpoint] = Endpoint("tcb/databasequery", doc=DOC)

    env: str
    query: str
    api: str = "v1"
    returns: str = "all"


def test_a_body_field_may_be_called_query() -> None:
    """`query`, `api` and `returns` are wire fields like any other: nothing of the machinery collides."""
    request = build_request(DatabaseQueryLike("prod", 'db.collection("a").get()'), "tok", "access_token")
    assert request.body is not None
    assert (
        request.body.decode()
        == '{"env":"prod","query":"db.collection(\\"a\\").get()","api":"v1","returns":"all"}'
    )
    assert DatabaseQueryLike.__returns__ is Page


async def test_any_method_object_is_sent_with_await_client(client: wxtcb.Client) -> None:
    """`await client(method)` sends a method object directly, typed by its generic parameter."""
    config = await client(GetCallbackConfig())
    assert config == wxtcb.CallbackConfig()


def test_a_method_without_fields_is_built_once_and_arguments_are_still_refused() -> None:
    """A namespace method of a field-less method class sends one shared object (they are all
    equal and hold nothing); one with fields builds a new object per call; arguments a method
    does not take are refused as before, with nothing sent."""
    sent: list[object] = []

    def send(method: object) -> Any:
        sent.append(method)
        return None

    push = wxtcb.message_push.MessagePush(send)  # type: ignore[arg-type]
    push.get_callback_config()
    push.get_callback_config()
    assert sent[0] is sent[1] == GetCallbackConfig()
    push.set_callback_config(container_config=None, function_config=wxtcb.FunctionConfig())
    push.set_callback_config(container_config=None, function_config=wxtcb.FunctionConfig())
    assert sent[2] == sent[3]
    assert sent[2] is not sent[3]
    with pytest.raises(TypeError):
        push.get_callback_config("extra")  # type: ignore[call-arg]
    assert len(sent) == 4


# --- one engine per platform -----------------------------------------------------------------


def _merchant(emulator: Emulator, n: int) -> str:
    appid = f"wxmerchant{n:07d}"
    emulator.add_authorizer(DEMO_COMPONENT_APPID, appid, f"refreshtoken@@@{n}")
    return appid


async def test_platform_merchants_share_one_engine(emulator: Emulator) -> None:
    """Merchants of a platform share the component token: three merchants, one component fetch."""
    appids = [_merchant(emulator, n) for n in range(3)]
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY) as platform:
        merchants = [platform.merchant(a, refresh_token=f"refreshtoken@@@{n}") for n, a in enumerate(appids)]
        await asyncio.gather(*(m.get_callback_config() for m in merchants))
        assert all(m._pipeline is merchants[0]._pipeline for m in merchants)
    assert emulator.calls[COMPONENT_TOKEN] == 1
    assert emulator.calls["cgi-bin/component/api_authorizer_token"] == 3


async def test_closing_a_merchant_client_leaves_the_others_working(emulator: Emulator) -> None:
    """A merchant's client closed: it refuses calls, its neighbours keep going on the shared engine."""
    a, b = _merchant(emulator, 1), _merchant(emulator, 2)
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY) as platform:
        first = platform.merchant(a, refresh_token="refreshtoken@@@1")
        second = platform.merchant(b, refresh_token="refreshtoken@@@2")
        await first.get_callback_config()
        await first.aclose()
        with pytest.raises(RuntimeError, match="closed"):
            await first.get_callback_config()
        assert await second.get_callback_config() == wxtcb.CallbackConfig()
    with pytest.raises(RuntimeError, match="closed"):
        await second.get_callback_config()


async def test_platform_reuses_a_merchant_provider_while_it_lives(emulator: Emulator) -> None:
    """Asking again for the same merchant reuses its provider (and its cached token)."""
    a = _merchant(emulator, 1)
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY) as platform:
        first = platform.merchant(a, refresh_token="refreshtoken@@@1")
        await first.get_callback_config()
        again = platform.merchant(a)
        assert again.provider is first.provider
        await again.get_callback_config()
    assert emulator.calls["cgi-bin/component/api_authorizer_token"] == 1


@pytest.mark.parametrize("shape", ["platform", "hand-built"])
async def test_b_survives_a_cancelled_and_closed_a_mid_fetch(emulator: Emulator, shape: str) -> None:
    """A's call starts the shared component fetch; A is cancelled and closed mid-fetch; B's call still succeeds."""
    a, b = _merchant(emulator, 1), _merchant(emulator, 2)
    component = demo_component()
    emulator.fault(COMPONENT_TOKEN, Fault.hang())
    # In the platform, A's client does not own the engine: the hung fetch carries on until the
    # attempt's timeout, and its retry serves B.
    platform = wxtcb.Platform(component, base_url=emulator.url, retry=INSTANT_RETRY, timeout=2.0)
    if shape == "platform":
        client_a = platform.merchant(a, refresh_token="refreshtoken@@@1")
        client_b = platform.merchant(b, refresh_token="refreshtoken@@@2")
    else:
        client_a = wxtcb.Client(
            component.authorizer(a, refresh_token="refreshtoken@@@1"), base_url=emulator.url
        )
        client_b = wxtcb.Client(
            component.authorizer(b, refresh_token="refreshtoken@@@2"), base_url=emulator.url
        )
    call_a = asyncio.ensure_future(client_a.get_callback_config())
    await _until_called(emulator, COMPONENT_TOKEN, 1)
    call_b = asyncio.ensure_future(client_b.get_callback_config())
    call_a.cancel()
    await client_a.aclose()
    assert await asyncio.wait_for(call_b, 30) == wxtcb.CallbackConfig()
    assert call_a.cancelled()
    await client_b.aclose()
    await platform.aclose()


async def _until_called(emulator: Emulator, path: str, times: int) -> None:
    from tests.conftest import until

    await until(lambda: emulator.calls[path] >= times, limit=30)


def test_a_merchant_client_costs_a_provider_and_little_more() -> None:
    """10 000 merchants on one platform: each costs a few KB at most (measured exactly in nox -s bench)."""
    import tracemalloc

    component = demo_component()
    platform = wxtcb.Platform(component, base_url="http://127.0.0.1:1")
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    merchants = [platform.merchant(f"wxm{n:08d}", refresh_token=f"r{n:08d}") for n in range(10_000)]
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(merchants) == 10_000
    assert used / 10_000 < 4096, f"{used / 10_000:.0f} bytes per merchant"
