"""Function management, extension uploads, the older app config, CloudBase WeChat Pay, open data
and VoIP signatures against the emulator over real sockets: what is sent, what is refused before
sending, both answer shapes, effects never resent, and no secret or openid in any text."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

import wxtcb
from tests.conftest import assert_no_secret, demo_component, load_module, log_texts
from tests.test_docs_examples import DOCS
from wxtcb.errors import InvalidRequestError
from wxtcb.functions import FunctionConfigType, InvokeCloudFunction
from wxtcb.functions_admin import ExtensionFile, ExtensionFileType, hashed_payload
from wxtcb.message_push import FunctionCallback, FunctionConfig
from wxtcb.open_data import GetOpenData
from wxtcb.protocol import build_request
from wxtcb.testing import DEMO_AUTHORIZER_APPID, DEMO_REFRESH_TOKEN, INSTANT_RETRY, Emulator, Fault
from wxtcb.testing.tcb_admin import DEMO_MERCHANT, TcbAdminState
from wxtcb.wechat_pay import PayAuthAction

ENV = "test-777bb9"
OPENID = "oGZUI0egBJY1zhBYw2KhdUfwVJJE"


@pytest.fixture
async def merchant(emulator: Emulator) -> AsyncIterator[wxtcb.Client]:
    """The demo merchant's client through the demo platform (the token these pages name)."""
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY, timeout=2.0) as p:
        yield p.merchant(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)


# --- function management -----------------------------------------------------------------------


async def test_create_then_list_then_create_again(emulator: Emulator, merchant: wxtcb.Client) -> None:
    """A created function is listed with its times as WeChat's strings; creating it again is refused."""
    emulator.add_function("echo", lambda e: e)
    await merchant.functions.create(ENV, "login")
    page = await merchant.functions.list(ENV)
    assert page.total_count == 2
    assert [f.name for f in page.functions] == ["echo", "login"]
    login = page.functions[1]
    assert (login.status, login.runtime) == ("Active", "Nodejs16.13")
    assert len(login.add_time) == len("2019-06-21 15:23:54")
    second = await merchant.functions.list(ENV, limit=1, offset=1)
    assert [f.name for f in second.functions] == ["login"]
    with pytest.raises(wxtcb.APIError) as info:
        await merchant.functions.create(ENV, "login")
    assert info.value.errcode == -501000


async def test_list_reads_run_time_as_the_old_table_spells_it(
    emulator: Emulator, merchant: wxtcb.Client
) -> None:
    """The old page's table calls the runtime run_time: it is read as runtime."""
    answer = {"errcode": 0, "total_count": 1, "functions": [{"name": "a", "run_time": "Nodejs8.9"}]}
    emulator.fault("tcb/listfunctions", Fault.raw(json.dumps(answer).encode()))
    page = await merchant.functions.list(ENV)
    assert page.functions[0].runtime == "Nodejs8.9"


@pytest.mark.parametrize("fault", [Fault.error(-1), Fault.http(502), Fault.reset()], ids=str)
async def test_create_and_upload_config_are_never_resent(
    emulator: Emulator, merchant: wxtcb.Client, fault: Fault
) -> None:
    """Creating a function and writing its config have effects: one request after a transient failure."""
    for path, call in (
        ("tcb/createfunction", lambda: merchant.functions.create(ENV, "f")),
        ("tcb/uploadfuncconfig", lambda: merchant.functions.upload_config(ENV, "f", 3, {"timeout": 5})),
    ):
        emulator.fault(path, fault)
        with pytest.raises(wxtcb.WxTcbError, match="not resent"):
            await call()
        assert emulator.calls[path] == 1
    assert emulator.state(TcbAdminState).functions == {}


async def test_uploaded_config_is_what_getfuncconfig_reads(
    emulator: Emulator, merchant: wxtcb.Client
) -> None:
    """uploadfuncconfig sends the value as JSON text; getfuncconfig reads the same configuration back."""
    await merchant.functions.create(ENV, "func")
    config = {"timeout": 5, "environment": [{"key": "MODE", "value": "prod"}]}
    await merchant.functions.upload_config(ENV, "func", 3, config)
    assert await merchant.functions.get_config(ENV, "func", 3) == config
    await merchant.functions.upload_config(ENV, "func", FunctionConfigType.TIMER, {"triggers": []})
    assert await merchant.functions.get_config(ENV, "func", FunctionConfigType.TIMER) == {"triggers": []}


async def test_download_link_gives_the_code_and_its_checksum(
    emulator: Emulator, merchant: wxtcb.Client
) -> None:
    """The signed URL serves the code whose SHA-256 the answer gives; the URL never shows in a repr."""
    await merchant.functions.create(ENV, "login")
    emulator.state(TcbAdminState).code[(ENV, "login")] = b"PK\x03\x04code"
    link = await merchant.functions.download_link(ENV, "login")
    assert link.checksum == hashed_payload(b"PK\x03\x04code")
    assert link.url not in repr(link)
    async with aiohttp.ClientSession() as session, session.get(link.url) as response:
        assert response.status == 200
        assert await response.read() == b"PK\x03\x04code"
    with pytest.raises(wxtcb.CloudBaseError) as info:
        await merchant.functions.download_link(ENV, "nowhere")
    assert info.value.errcode == -501009


async def test_code_secret_and_upload_signature_stay_out_of_reprs(
    emulator: Emulator, merchant: wxtcb.Client, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """The code secret is stable per app; it and the signed headers never show in a repr or a log."""
    secret = await merchant.functions.code_secret()
    assert (await merchant.functions.code_secret()).code_secret == secret.code_secret
    body = json.dumps({"CodeSecret": secret.code_secret, "EnvId": ENV, "FunctionName": "f"}).encode()
    signature = await merchant.functions.upload_signature(hashed_payload(body))
    assert signature.headers.startswith("Authorization:TC3-HMAC-SHA256 ")
    assert_no_secret(
        [repr(secret), repr(signature), *log_texts(wxtcb_logs)], [secret.code_secret, signature.headers]
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda c: c.functions.upload_signature("abc123"),
        lambda c: c.functions.upload_signature("A" * 64),
        lambda c: c.functions.list(ENV, limit=0),
        lambda c: c.functions.list(ENV, offset=-1),
        lambda c: c.functions.list(""),
        lambda c: c.functions.create(ENV, " "),
        lambda c: c.functions.upload_config(ENV, "f", 0, {}),
        lambda c: c.functions.upload_config(ENV, "f", True, {}),
        lambda c: c.functions.upload_config(ENV, "f", 3, {"x": float("nan")}),
        lambda c: c.functions.extension_upload_info([]),
        lambda c: c.functions.extension_upload_info([ExtensionFile(ExtensionFileType.SMS, "x" * 25)]),
        lambda c: c.functions.extension_upload_info([ExtensionFile("SMS", "a.csv")]),  # type: ignore[arg-type]
        lambda c: c.wechat_pay.apply_auth("unbind", "1900006511"),
        lambda c: c.wechat_pay.apply_auth(PayAuthAction.BIND, ""),
        lambda c: c.open_data.get("one-id-not-a-list"),
        lambda c: c.open_data.get([]),
        lambda c: c.open_data.get(["x"], openid=""),
        lambda c: c.open_data.voip_sign("room", 1, "n" * 128),
        lambda c: c.open_data.voip_sign("room", -1, "n"),
        lambda c: c.open_data.voip_sign("", 1, "n"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    emulator: Emulator, merchant: wxtcb.Client, build: object
) -> None:
    """Each bad argument raises InvalidRequestError and no request reaches the emulator."""
    with pytest.raises(InvalidRequestError):
        await build(merchant)  # type: ignore[operator]
    assert sum(emulator.calls.values()) == 0


# --- extension uploads -------------------------------------------------------------------------


async def test_extension_upload_urls_take_a_put(emulator: Emulator, merchant: wxtcb.Client) -> None:
    """PostData goes out, the Response wrapper is read, and the URL takes the file by PUT."""
    info = await merchant.functions.extension_upload_info(
        [ExtensionFile(ExtensionFileType.SMS, "gongzi.csv")]
    )
    (upload,) = info.files
    assert upload.code_uri.startswith("extension://")
    assert upload.max_size == 30
    assert upload.upload_url not in repr(info)
    async with (
        aiohttp.ClientSession() as session,
        session.put(upload.upload_url, data=b"+8612345678910,hi") as r,
    ):
        assert r.status == 200
    assert emulator.state(TcbAdminState).extension_files[upload.code_uri] == b"+8612345678910,hi"


async def test_extension_upload_info_without_the_wrapper(emulator: Emulator, merchant: wxtcb.Client) -> None:
    """An answer not wrapped in Response (the table's shape) decodes the same."""
    answer = {
        "errcode": 0,
        "FilesData": [{"CodeUri": "extension://a.zip", "UploadUrl": "https://u"}],
        "RequestId": "r",
    }
    emulator.fault("tcb/describeextensionuploadinfo", Fault.raw(json.dumps(answer).encode()))
    info = await merchant.functions.extension_upload_info(
        [ExtensionFile(ExtensionFileType.FUNCTION, "a.zip")]
    )
    assert [(f.code_uri, f.custom_key, f.max_size) for f in info.files] == [("extension://a.zip", "", 0)]


# --- the older app config ----------------------------------------------------------------------


async def test_app_config_reads_the_function_push_rules(merchant: wxtcb.Client) -> None:
    """getappconfig decodes its JSON text into the FunctionConfig setcallbackconfig wrote."""
    rule = FunctionCallback("text", "", "env", "reply", True)
    await merchant.message_push.set_callback_config(function_config=FunctionConfig(True, [rule]))
    assert await merchant.message_push.get_app_config() == FunctionConfig(True, [rule])


# --- CloudBase WeChat Pay ----------------------------------------------------------------------


async def test_merchants_read_states_as_strings_or_numbers(emulator: Emulator, client: wxtcb.Client) -> None:
    """The sample's string states are kept; numbers, as the table types them, come back as their text."""
    assert await client.wechat_pay.merchants() == []  # the emulator starts empty
    emulator.state(TcbAdminState).merchants.append(dict(DEMO_MERCHANT))
    (demo,) = await client.wechat_pay.merchants()
    assert (demo.merchant_code, demo.mch_relation_state) == (
        DEMO_MERCHANT["merchant_code"],
        "RELATION_BINDED",
    )
    answer = {"errcode": 0, "list": [{"merchant_code": "1", "mch_relation_state": 2, "jsapi_auth_state": 0}]}
    emulator.fault("tcb/wxpaylist", Fault.raw(json.dumps(answer).encode()))
    (numeric,) = await client.wechat_pay.merchants()
    assert (numeric.mch_relation_state, numeric.jsapi_auth_state, numeric.refund_auth_state) == ("2", "0", "")


async def test_apply_auth_is_sent_once(emulator: Emulator, client: wxtcb.Client) -> None:
    """wxpayopenauth sends the action's wire text; after errcode -1 it is not resent."""
    await client.wechat_pay.apply_auth(PayAuthAction.OPEN_REFUND, "1900006511")
    assert emulator.state(TcbAdminState).pay_auth_requests == [
        {"action": "openrefund", "merchant_code": "1900006511"}
    ]
    emulator.fault("tcb/wxpayopenauth", Fault.error(-1, "CheckMARelation Error"))
    with pytest.raises(wxtcb.BusyError, match="not resent"):
        await client.wechat_pay.apply_auth("bind", "1900006511")
    assert emulator.calls["tcb/wxpayopenauth"] == 2


# --- open data and VoIP signatures -------------------------------------------------------------


async def test_open_data_reads_json_as_object_or_text(emulator: Emulator, client: wxtcb.Client) -> None:
    """json comes back decoded whether WeChat sends the object (the sample) or JSON text (the table)."""
    steps = {"cloudID": "c1", "data": {"stepInfoList": [{"timestamp": 1603641600, "step": 1234}]}}
    emulator.state(TcbAdminState).open_data["c1"] = steps
    (item,) = await client.open_data.get(["c1"], openid=OPENID)
    assert (item.cloud_id, item.json) == ("c1", steps)
    assert "stepInfoList" not in repr(item)
    answer = {"errcode": 0, "data_list": [{"cloud_id": "c1", "json": json.dumps(steps)}]}
    emulator.fault("wxa/getopendata", Fault.raw(json.dumps(answer).encode()))
    (text,) = await client.open_data.get(["c1"])
    assert text.json == steps


@pytest.mark.parametrize(
    "fault", [Fault.error(40097, f"invalid openid {OPENID}"), Fault.http(502), Fault.reset()], ids=str
)
async def test_openid_never_shows_in_errors_reprs_or_logs(
    emulator: Emulator, client: wxtcb.Client, wxtcb_logs: pytest.LogCaptureFixture, fault: Fault
) -> None:
    """The openid travels in the query but is masked in the error's request summary, in an errmsg
    that echoes it, in the method object's repr and in the logs."""
    emulator.fault("wxa/getopendata", fault, times=5)
    emulator.fault("wxa/getvoipsign", fault, times=5)
    texts: list[str] = []
    for call in (
        lambda: client.open_data.get(["c1"], openid=OPENID),
        lambda: client.open_data.voip_sign("r", 1, "n", openid=OPENID),
    ):
        with pytest.raises(wxtcb.WxTcbError) as info:
            await call()
        texts += [str(info.value), repr(info.value), str(info.value.request)]
        assert "openid=***" in str(info.value.request)
    texts.append(repr(GetOpenData(["c1"], openid=OPENID)))
    assert_no_secret([*texts, *log_texts(wxtcb_logs)], [OPENID])


async def test_voip_signature_depends_on_every_field(client: wxtcb.Client) -> None:
    """The emulator signs room, timestamp and nonce: the same input gives the same signature, another a different one."""
    first = await client.open_data.voip_sign("room", 1700000000, "nonce-1")
    assert first == await client.open_data.voip_sign("room", 1700000000, "nonce-1", openid=OPENID)
    assert first != await client.open_data.voip_sign("room", 1700000000, "nonce-2")


def test_a_hidden_query_field_is_masked_in_the_summary_of_any_method() -> None:
    """The core rule the openid relies on: any method's query field hidden from its repr is masked
    in the request summary (and counted among the request's secrets); other query fields stay."""
    hidden = build_request(GetOpenData(["c1"], openid=OPENID), "TOKEN-VALUE", "access_token")
    assert str(hidden.summary) == "POST wxa/getopendata?openid=***&access_token=***"
    assert OPENID in hidden.secrets
    shown = build_request(InvokeCloudFunction("prod", "login"), "TOKEN-VALUE", "access_token")
    assert str(shown.summary) == "POST tcb/invokecloudfunction?env=prod&name=login&access_token=***"


async def test_the_docs_example_creates_once_and_configures(
    emulator: Emulator, merchant: wxtcb.Client
) -> None:
    """docs/examples/functions_admin_example.py creates a missing function once, pages past 50,
    and writes the environment configuration getfuncconfig reads back."""
    example = load_module(DOCS / "examples" / "functions_admin_example.py")
    for i in range(55):
        emulator.add_function(f"f{i:02d}", lambda e: e, env=ENV)
    assert await example.ensure_function(merchant, ENV, "f54", {"MODE": "prod"}) is False
    assert await example.ensure_function(merchant, ENV, "login", {"MODE": "prod"}) is True
    assert await example.ensure_function(merchant, ENV, "login", {"MODE": "test"}) is False
    assert emulator.calls["tcb/createfunction"] == 1
    assert await merchant.functions.get_config(ENV, "login", 3) == {
        "timeout": 20,
        "environment": [{"key": "MODE", "value": "test"}],
    }
