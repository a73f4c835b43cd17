"""Batch-mode cloud functions and the component-token twins, against the emulator over real sockets."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import wxtcb
from tests.conftest import demo_component, load_module
from wxtcb.batch import (
    MAX_CODE_BASE64,
    MAX_CODE_ZIP,
    BatchInvokeCloudFunction,
    BatchUnshareEnv,
    BatchUploadScfCode,
    EnvError,
    EnvVariable,
    GetScfList,
    GetTriggers,
    PublicNetConfig,
    ShareTarget,
    Trigger,
    UpdateScfConfig,
    VpcConfig,
)
from wxtcb.converter import structure
from wxtcb.errors import InvalidRequestError
from wxtcb.functions import InvokeCloudFunction
from wxtcb.protocol import build_request
from wxtcb.testing import DEMO_AUTHORIZER_APPID, DEMO_REFRESH_TOKEN, INSTANT_RETRY, Emulator, Fault
from wxtcb.testing.batch import BatchState
from wxtcb.testing.batch_functions import BatchFunctionsState

MERCHANT = "wx075cf85bf347b6df"
EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "batch_functions.py"


def _zip(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


CODE = _zip({"index.js": "exports.main = async () => 1"})
#: A zipped folder: WeChat's note says to zip the files themselves.
FOLDER = _zip({"login/index.js": "exports.main = async () => 1"})


@pytest.fixture
async def platform(emulator: Emulator) -> AsyncIterator[wxtcb.Platform]:
    """The demo platform on the emulator with instant retries."""
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY, timeout=5.0) as p:
        yield p


async def _env(platform: wxtcb.Platform, alias: str = "shop") -> str:
    created = await platform.batch.create_env(alias)
    await platform.batch.wait_env_ready(created.env, interval=0)
    return created.env


async def test_a_function_from_creation_to_deletion(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """Create, list (Active), replace the code with a zipped folder (listed CreateFailed with the
    page's reason), configure, set and read timer triggers ("Timer" sent, "timer" read), delete."""
    env = await _env(platform)
    functions = platform.batch.functions
    assert await functions.create("login", [env], CODE) == []
    listing = await functions.list(env)
    assert listing.total_count == 1
    (info,) = listing.functions
    assert (info.name, info.status, info.status_reason) == ("login", "Active", [])
    assert len(info.add_time) == len("2021-07-29 15:04:19")

    assert await functions.upload_code("login", [env], FOLDER) == []
    (info,) = (await functions.list(env)).functions
    assert info.status == "CreateFailed"
    assert info.status_reason[0].errcode == "ResourceNotFound.File"
    assert await functions.upload_code("login", [env], CODE) == []
    assert (await functions.list(env, searchkey="LOG")).functions[0].status == "Active"
    assert (await functions.list(env, searchkey="other")).total_count == 0

    await functions.update_config(
        env=env,
        functionname="login",
        memorysize=256,
        timeout=5,
        environment_variables=[EnvVariable("MODE", "prod")],
        public_net_config=PublicNetConfig("ENABLE", "DISABLE"),
        vpc_config=VpcConfig(vpcid="vpc-1"),
    )
    meta = emulator.state(BatchFunctionsState).meta[(env, "login")]
    assert (meta["memorysize"], meta["timeout"]) == (256, 5)
    assert meta["environment_variables"] == [{"key": "MODE", "value": "prod"}]
    assert meta["vpc_config"] == {"vpcid": "vpc-1"}

    assert await functions.get_triggers(env, "login") == []
    failed = await functions.update_triggers(
        "login", [env, "nosuch-env"], [Trigger("daily", "0 0 2 1 * * *")]
    )
    assert failed == [EnvError(env="nosuch-env", errmsg="can't find the env")]
    assert await functions.get_triggers(env, "login") == [Trigger("daily", "0 0 2 1 * * *", "timer")]

    await functions.delete(env, "login")
    assert (await functions.list(env)).total_count == 0
    with pytest.raises(wxtcb.APIError) as caught:
        await functions.delete(env, "login")
    assert caught.value.errcode == 40097


async def test_listing_pages(platform: wxtcb.Platform) -> None:
    """offset and limit page the list; total_count counts them all; the defaults are not sent."""
    env = await _env(platform)
    for name in ("a", "b", "c"):
        await platform.batch.functions.create(name, [env], CODE)
    page = await platform.batch.functions.list(env, offset=1, limit=1)
    assert (page.total_count, [f.name for f in page.functions]) == (3, ["b"])
    assert "offset" not in build_request(GetScfList(env), "t", "access_token").body.decode()


async def test_code_update_reports_failures_per_env(
    platform: wxtcb.Platform, emulator: Emulator, tmp_path: Path
) -> None:
    """A path (str or Path, or a method object built in a thread) is read and sent; fail_list's
    errormsg lands in EnvError.errmsg, for an unknown environment and for one without the function."""
    env, other = await _env(platform, "one"), await _env(platform, "two")
    await platform.batch.functions.create("login", [env], CODE)
    path = tmp_path / "code.zip"
    path.write_bytes(CODE)
    failed = await platform.batch.functions.upload_code("login", [env, other, "nosuch-env"], path)
    assert [(f.env, f.errmsg) for f in failed] == [
        (other, "function login not found"),
        ("nosuch-env", "env not found"),
    ]
    assert await platform.batch.functions.upload_code("login", [env], str(path)) == []
    # The method object built off the event loop (the file read in a thread), then sent.
    method = await asyncio.to_thread(BatchUploadScfCode, "login", [env], path)
    assert await platform(method) == []
    assert emulator.state(BatchState).functions[(env, "login")] == CODE


async def test_code_upload_refused_before_sending(
    platform: wxtcb.Platform, emulator: Emulator, tmp_path: Path
) -> None:
    """Too big (bytes, or a file whose size alone says so), not a zip, no file, a directory or a
    device, an empty name or no environment: InvalidRequestError, and nothing reaches WeChat."""
    big = tmp_path / "big.zip"
    with big.open("wb") as file:  # sparse: the size is checked before anything is read
        file.write(b"PK\x03\x04")
        file.truncate(MAX_CODE_ZIP + 1)
    refused: list[Any] = [
        b"PK\x03\x04" + bytes(MAX_CODE_ZIP - 3),
        big,
        str(big),
        b"not a zip",
        b"",
        tmp_path / "missing.zip",
        tmp_path,
        "/dev/null",
        "",
        "UEsDBBQACAAIALB+WU4AAAAAAAAAAAAAAAAIABAA",  # base64 text is not taken here: a str is a path
        12,
    ]
    for zipped in refused:
        with pytest.raises(InvalidRequestError):
            await platform.batch.functions.upload_code("login", ["env"], zipped)
    with pytest.raises(InvalidRequestError):
        await platform.batch.functions.upload_code("", ["env"], CODE)
    with pytest.raises(InvalidRequestError):
        await platform.batch.functions.upload_code("login", [], CODE)
    with pytest.raises(InvalidRequestError, match="at most 15000000"):
        BatchUploadScfCode("login", ["env"], big)
    assert sum(emulator.calls.values()) == 0


def test_the_largest_zip_taken_is_20_million_base64_characters(tmp_path: Path) -> None:
    """A zip of exactly MAX_CODE_ZIP bytes is taken, and its base64 is exactly MAX_CODE_BASE64
    characters: the page's "20M", read as the base64 text, in decimal megabytes."""
    edge = tmp_path / "edge.zip"
    with edge.open("wb") as file:
        file.write(b"PK\x03\x04")
        file.truncate(MAX_CODE_ZIP)
    method = BatchUploadScfCode("login", ["env"], edge)
    assert len(method.zipfile) == MAX_CODE_BASE64 == 20_000_000
    assert method.zipfile not in repr(method)


async def test_other_bad_input_is_refused_before_sending(
    platform: wxtcb.Platform, emulator: Emulator
) -> None:
    """Configuration, listing, triggers and unsharing refuse bad input with InvalidRequestError before any request."""
    functions = platform.batch.functions
    calls: list[Any] = [
        lambda: functions.update_config(env="env", functionname="f"),  # nothing to change
        lambda: functions.update_config(env="env", functionname="f", memorysize=0),
        lambda: functions.update_config(env="env", functionname="f", timeout=True),
        lambda: functions.update_config(env="env", functionname="f", environment_variables={"a": "b"}),
        lambda: functions.update_config(env="env", functionname="f", environment_variables=[("a", "b")]),
        lambda: functions.update_config(env="env", functionname="f", public_net_config={"x": 1}),
        lambda: functions.update_config(env="", functionname="f", timeout=3),
        lambda: functions.list("env", limit=0),
        lambda: functions.list("env", offset=-1),
        lambda: functions.list("env", searchkey=""),
        lambda: functions.get_triggers("env", ""),
        lambda: functions.update_triggers("f", ["env"], []),
        lambda: functions.update_triggers("f", ["env"], [Trigger("t", "")]),
        lambda: functions.update_triggers("f", ["env"], [{"trigger_name": "t", "config": "0 * * * * * *"}]),
        lambda: functions.update_triggers("f", "env", [Trigger("t", "0 * * * * * *")]),
        lambda: functions.delete("env", ""),
        lambda: functions.invoke("env", "f", {"bad": {1, 2}}),
        lambda: platform.batch.unshare_env([ShareTarget("env", [MERCHANT])], source_type=True),
        lambda: platform.batch.unshare_env([ShareTarget("env", [MERCHANT])], source_type="1"),
        lambda: platform.batch.unshare_env([], source_type=1),
        lambda: platform.batch.set_cloud_access_token(env="env", open=1, api_whitelist=["/*"], version=1),
    ]
    for call in calls:
        with pytest.raises(InvalidRequestError):
            await call()
    for switch in ("enable", "", None):
        with pytest.raises(InvalidRequestError):
            PublicNetConfig(switch, "DISABLE")  # type: ignore[arg-type]
    assert sum(emulator.calls.values()) == 0


async def test_effects_are_never_resent(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """After a transient failure (-1) the calls with effects are sent once and raise; the list is resent and answers."""
    env = await _env(platform)
    await platform.batch.functions.create("login", [env], CODE)
    emulator.add_function("login", lambda event: event)
    sends: list[tuple[str, Any]] = [
        (
            "componenttcb/batchuploadscfcode",
            lambda: platform.batch.functions.upload_code("login", [env], CODE),
        ),
        (
            "componenttcb/updatescfconfig",
            lambda: platform.batch.functions.update_config(env=env, functionname="login", timeout=3),
        ),
        ("componenttcb/deletescf", lambda: platform.batch.functions.delete(env, "login")),
        (
            "componenttcb/batchupdatetriggers",
            lambda: platform.batch.functions.update_triggers("login", [env], [Trigger("t", "0 0 2 1 * * *")]),
        ),
        (
            "componenttcb/batchunshareenv",
            lambda: platform.batch.unshare_env([ShareTarget(env, [MERCHANT])], 1),
        ),
        ("tcb/invokecloudfunction", lambda: platform.batch.functions.invoke(env, "login", {})),
    ]
    for path, send in sends:
        emulator.fault(path, Fault.error(-1))
        with pytest.raises(wxtcb.BusyError, match="not resent"):
            await send()
        assert emulator.calls[path] == 1, path
    emulator.fault("componenttcb/getscflist", Fault.error(-1))
    assert (await platform.batch.functions.list(env)).total_count == 1
    assert emulator.calls["componenttcb/getscflist"] == 2


async def test_invoke_and_cloud_access_token_on_the_component_token(
    platform: wxtcb.Platform, emulator: Emulator
) -> None:
    """The platform invokes and reads/sets the cloud-token switch with its component token on the
    common-mode paths; a merchant's client still uses them with its own token; each refuses the
    other's method object before sending."""
    env = await _env(platform)
    emulator.add_function("sum", lambda event: {"sum": sum(event["n"])})
    assert await platform.batch.functions.invoke(env, "sum", {"n": [1, 2, 3]}) == {"sum": 6}
    config = await platform.batch.get_cloud_access_token(env)
    assert (config.open, config.api_whitelist) == (True, ["/*"])
    await platform.batch.set_cloud_access_token(
        env=env, open=False, api_whitelist=["/tcb/invokecloudfunction"], version=config.version
    )
    after = await platform.batch.get_cloud_access_token(env)
    assert (after.open, after.api_whitelist, after.version) == (
        False,
        ["/tcb/invokecloudfunction"],
        config.version + 1,
    )
    with pytest.raises(wxtcb.APIError):  # a stale version, as the emulator refuses it
        await platform.batch.set_cloud_access_token(
            env=env, open=True, api_whitelist=["/*"], version=config.version
        )

    merchant = platform.merchant(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    assert await merchant.functions.invoke(env, "sum", {"n": [4]}) == {"sum": 4}
    before = dict(emulator.calls)
    with pytest.raises(InvalidRequestError, match="component"):
        await merchant(BatchInvokeCloudFunction(env, "sum", {"n": [1]}))
    with pytest.raises(InvalidRequestError):
        await platform(InvokeCloudFunction(env, "sum", {"n": [1]}))
    assert dict(emulator.calls) == before


async def test_unshare_undoes_a_share(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """A confirmed share is undone; unsharing again reports "invalid appid"; an unconfirmed share
    is dropped, so its confirmation link no longer works; source_type is sent as given."""
    env = await _env(platform)
    share = await platform.batch.share_env([ShareTarget(env, [MERCHANT])])
    async with aiohttp.ClientSession() as session:
        async with session.get(share.msg_info_list[0].url) as answer:
            assert answer.status == 200
        assert (await platform.batch.get_env_ids([MERCHANT])).relation_data[0].env_list == [env]
        assert await platform.batch.unshare_env([ShareTarget(env, [MERCHANT])], source_type=1) == []
        assert (await platform.batch.get_env_ids([MERCHANT])).relation_data[0].env_list == []
        again = await platform.batch.unshare_env(
            [ShareTarget(env, [MERCHANT]), ShareTarget("nosuch-env", ["wx1"])], 1
        )
        assert [(e.env, e.appid, e.errmsg) for e in again] == [
            (env, MERCHANT, "invalid appid"),
            ("nosuch-env", "wx1", "env not found"),
        ]
        pending = await platform.batch.share_env([ShareTarget(env, [MERCHANT])])
        assert await platform.batch.unshare_env([ShareTarget(env, [MERCHANT])], 1) == []
        async with session.get(pending.msg_info_list[0].url) as answer:
            assert answer.status == 404
    assert emulator.state(BatchState).pending == {}


def test_answers_are_read_in_every_shape_the_pages_show() -> None:
    """fail_list absent is no failure; errormsg (the page) and errmsg (the sibling endpoint) both
    land in EnvError.errmsg; err_list absent is none; trigger types are kept as they come."""
    decode = BatchUploadScfCode.__decode__
    assert decode({"errcode": 0, "errmsg": "ok"}) == []
    assert decode({"fail_list": [{"env": "a", "errormsg": "x"}, {"env": "b", "errmsg": "y"}]}) == [
        EnvError(env="a", errmsg="x"),
        EnvError(env="b", errmsg="y"),
    ]
    assert BatchUnshareEnv.__decode__({"errcode": 0, "errmsg": "ok"}) == []
    triggers = structure([{"trigger_name": "t", "config": "c", "type": "Timer"}], list[Trigger])
    assert triggers[0].type == "Timer"
    assert GetTriggers("e", "f").functionname == "f"


def test_update_config_sends_only_what_is_given() -> None:
    """Only the settings passed are in the body; the page's key names are used."""
    request = build_request(UpdateScfConfig(env="e", functionname="f", timeout=3), "t", "access_token")
    assert request.body == b'{"env":"e","functionname":"f","timeout":3}'


async def test_docs_example(platform: wxtcb.Platform, emulator: Emulator, tmp_path: Path) -> None:
    """The batch-functions example of docs/third-party.md deploys, configures, schedules and calls a function."""
    env = await _env(platform)
    emulator.add_function("report", lambda event: {"ok": True, "event": event})
    zipped = tmp_path / "report.zip"
    zipped.write_bytes(CODE)
    example = load_module(EXAMPLE)
    answer = await example.deploy(platform, [env], "report", zipped)
    assert answer == {"ok": True, "event": {"dry_run": True}}
    assert emulator.calls["componenttcb/batchuploadscf"] == 1
    assert await example.deploy(platform, [env], "report", zipped) == answer  # now an update
    assert emulator.calls["componenttcb/batchuploadscfcode"] == 1
    assert await platform.batch.functions.get_triggers(env, "report") == [
        Trigger("nightly", "0 0 2 * * * *", "timer")
    ]
