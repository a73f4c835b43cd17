"""Batch-mode cloud-run services and container services (componenttcb/*) against the emulator over
real sockets: what is sent, what is refused before sending, partial failures, tolerant decoding."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import wxtcb
from tests.conftest import demo_component, load_module
from wxtcb.batch import (
    CloudBaseEsInfo,
    CloudBaseRunVpcInfo,
    ContainerBatchError,
    ContainerServiceVpc,
    CsFlowRatio,
    CsServiceFlow,
    CsVersionRef,
    DelCsVersion,
    EstablishCloudbaseRunServer,
    GetCsList,
)
from wxtcb.errors import InvalidRequestError
from wxtcb.testing import DEMO_AUTHORIZER_APPID, DEMO_REFRESH_TOKEN, INSTANT_RETRY, Emulator, Fault
from wxtcb.testing.batch_run import BatchRunState


@pytest.fixture
async def platform(emulator: Emulator) -> AsyncIterator[wxtcb.Platform]:
    """The demo platform on the emulator with instant retries."""
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY, timeout=2.0) as p:
        yield p


async def _run_env(platform: wxtcb.Platform) -> str:
    return (await platform.batch.cloudrun.create_env(alias="run")).env_id


async def test_cloudrun_service_lifecycle(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """A service is created with its nested settings sent as the page names them; a release moves
    all traffic to one version; deleting the last version with is_delete_server drops the service."""
    run = platform.batch.cloudrun
    env = await _run_env(platform)
    await run.open_microservices(env)
    await run.create_service(
        env,
        "api",
        True,
        remark="",
        log_type="es",
        es_info=CloudBaseEsInfo(id=1, ip="10.0.0.2", port=9200, password="es-secret"),
        vpc_info=CloudBaseRunVpcInfo(vpc_id="vpc-1", subnet_ids=["subnet-1"], create_type=1),
        public_access=1,
    )
    state = emulator.state(BatchRunState)
    assert env in state.microservices
    service = state.run_services[(env, "api")]
    assert service["es_info"] == {"id": 1, "ip": "10.0.0.2", "port": 9200, "password": "es-secret"}
    assert service["vpc_info"] == {"vpc_id": "vpc-1", "subnet_ids": ["subnet-1"], "create_type": 1}
    assert (service["is_public"], service["public_access"], service["remark"]) == (True, 1, "")
    assert "image_repo" not in service  # optional fields not given are not sent
    state.add_run_version(env, "api", "api-001", flow_ratio=100)
    state.add_run_version(env, "api", "api-002")
    released = await run.release_version(env, "api", "api-002")
    assert released.ok
    assert released.release_order_id > 0
    assert {n: v["flow_ratio"] for n, v in service["versions"].items()} == {"api-001": 0, "api-002": 100}
    deleted = await run.delete_version(env, "api", "api-001")
    assert deleted.ok
    assert (env, "api") in state.run_services
    last = await run.delete_version(env, "api", "api-002", is_delete_server=True, is_delete_image=True)
    assert last.result == "succ"
    assert (env, "api") not in state.run_services


async def test_cloudrun_errors_are_api_errors(platform: wxtcb.Platform) -> None:
    """An unknown version is WeChat's 40097, raised as an APIError with its errcode."""
    env = await _run_env(platform)
    with pytest.raises(wxtcb.APIError) as caught:
        await platform.batch.cloudrun.release_version(env, "nosuch", "v1")
    assert caught.value.errcode == 40097


def test_es_password_is_not_in_reprs() -> None:
    """The ES password of es_info never shows in the repr of the model or of the method object."""
    info = CloudBaseEsInfo(account="elastic", password="es-secret-1")
    method = EstablishCloudbaseRunServer("env", "api", False, es_info=info)
    assert "es-secret-1" not in repr(info)
    assert "es-secret-1" not in repr(method)


@pytest.mark.parametrize(
    ("call", "args", "kwargs"),
    [
        ("create_service", ("", "api", True), {}),
        ("create_service", ("env", " ", True), {}),
        ("create_service", ("env", "api", "yes"), {}),
        ("create_service", ("env", "api", True), {"log_type": "file"}),
        ("create_service", ("env", "api", True), {"public_access": 2}),
        ("create_service", ("env", "api", True), {"es_info": {"id": 1}}),
        ("create_service", ("env", "api", True), {"vpc_info": {"vpc_id": "v"}}),
        ("delete_version", ("env", "api", ""), {}),
        ("delete_version", ("env", "api", "v1"), {"is_delete_server": 1}),
        ("release_version", ("env", "", "v1"), {}),
        ("open_microservices", ("",), {}),
    ],
)
async def test_cloudrun_bad_input_is_refused_before_sending(
    platform: wxtcb.Platform, emulator: Emulator, call: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Each bad argument raises InvalidRequestError and no request reaches the emulator."""
    with pytest.raises(InvalidRequestError):
        await getattr(platform.batch.cloudrun, call)(*args, **kwargs)
    assert sum(emulator.calls.values()) == 0


async def test_container_service_and_versions(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """A container service is created and listed (paged); its seeded versions are listed and
    described; a configuration change shows in the detail; a deleted version leaves the list."""
    cs = platform.batch.cloudrun.containers
    env = await _run_env(platform)
    await cs.create_service(env, "echo", remark="test", vpc=ContainerServiceVpc("vpc-9", ["subnet-9"], 0))
    await cs.create_service(env, "web")
    first = await cs.list_services(env, limit=1)
    assert first.total == 2
    assert [s.server_name for s in first.cslist] == ["echo"]
    assert first.cslist[0].vpcid == "vpc-9"
    second = await cs.list_services(env, limit=1, offset=1)
    assert [s.server_name for s in second.cslist] == ["web"]
    state = emulator.state(BatchRunState)
    state.add_cs_version(env, "echo", "echo-001", flow_ratio=100, status="build_fail")
    state.add_cs_version(env, "echo", "echo-002")
    versions = await cs.list_versions(env, "echo")
    assert versions.total == 2
    assert [(v.version_name, v.flow_ratio, v.status) for v in versions.items] == [
        ("echo-001", 100, "build_fail"),
        ("echo-002", 0, "normal"),
    ]
    await cs.configure_version(env, "echo", "echo-002", minnum=1, maxnum=3, env_params="A=1", remark="r")
    detail = await cs.get_version(env, "echo", "echo-002")
    assert (detail.minnum, detail.maxnum, detail.env_params, detail.remark) == (1, 3, "A=1", "r")
    assert (detail.cpu, detail.mem, detail.container_port) == (0.5, 1.0, 80)
    await cs.delete_version(env, "echo", "echo-001")
    after = await cs.list_versions(env, "echo")
    assert [v.version_name for v in after.items] == ["echo-002"]


async def test_batch_delete_surfaces_the_failed_items(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """batchdelcsversion answers errcode 0 with a fail_list: the result is not ok, names each
    failure, and raise_for_failures raises ContainerBatchError, a PartialFailureError; the items
    that succeeded are deleted all the same."""
    env = await _run_env(platform)
    state = emulator.state(BatchRunState)
    state.add_cs_version(env, "echo", "echo-001")
    result = await platform.batch.cloudrun.containers.delete_versions(
        [CsVersionRef(env, "echo", "echo-001"), CsVersionRef(env, "echo", "echo-404")]
    )
    assert not result.ok
    assert [(i.env, i.service_name, i.version_name) for i in result.succ_list] == [(env, "echo", "echo-001")]
    assert [(f.key, f.errmsg) for f in result.fail_list] == [(f"{env}/echo/echo-404", "version not found")]
    assert state.cs_services[(env, "echo")]["versions"] == {}
    with pytest.raises(wxtcb.PartialFailureError) as caught:
        result.raise_for_failures()
    assert isinstance(caught.value, ContainerBatchError)
    assert caught.value.failures == tuple(result.fail_list)
    assert caught.value.failed == ((f"{env}/echo/echo-404", 0, "version not found"),)
    assert "1 of 2 items failed" in str(caught.value)


async def test_batch_traffic_split(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """batchsetcspropotion sets each named version's share; a service it cannot find is in fail_list."""
    env = await _run_env(platform)
    state = emulator.state(BatchRunState)
    state.add_cs_version(env, "echo", "echo-001", flow_ratio=100)
    state.add_cs_version(env, "echo", "echo-002")
    result = await platform.batch.cloudrun.containers.set_flow_ratios(
        [
            CsServiceFlow(env, "echo", [CsFlowRatio("echo-001", 80), CsFlowRatio("echo-002", 20)]),
            CsServiceFlow(env, "gone", [CsFlowRatio("gone-001", 100)]),
        ]
    )
    assert [(i.service_name, i.version_name) for i in result.succ_list] == [("echo", "")]
    assert [f.key for f in result.fail_list] == [f"{env}/gone"]
    versions = state.cs_services[(env, "echo")]["versions"]
    assert {n: v["flow_ratio"] for n, v in versions.items()} == {"echo-001": 80, "echo-002": 20}
    ok = await platform.batch.cloudrun.containers.set_flow_ratios(
        [CsServiceFlow(env, "echo", [CsFlowRatio("echo-001", 100)])]
    )
    assert ok.raise_for_failures() is ok


@pytest.mark.parametrize(
    ("call", "args", "kwargs"),
    [
        ("create_service", ("", "echo"), {}),
        ("create_service", ("env", "echo"), {"vpc": {"vpcid": "v"}}),
        ("list_services", ("env",), {"limit": -1}),
        ("list_versions", ("env", "echo"), {"offset": True}),
        ("get_version", ("env", "echo", ""), {}),
        ("configure_version", ("env", "echo", "v1"), {"maxnum": 51}),
        ("configure_version", ("env", "echo", "v1"), {"minnum": 3, "maxnum": 2}),
        ("configure_version", ("env", "echo", "v1"), {"container_port": 0}),
        ("delete_version", ("env", " ", "v1"), {}),
        ("delete_versions", ([],), {}),
        ("delete_versions", ([("env", "echo", "v1")],), {}),
        ("set_flow_ratios", ([],), {}),
    ],
)
async def test_container_bad_input_is_refused_before_sending(
    platform: wxtcb.Platform, emulator: Emulator, call: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Each bad argument raises InvalidRequestError and no request reaches the emulator."""
    with pytest.raises(InvalidRequestError):
        await getattr(platform.batch.cloudrun.containers, call)(*args, **kwargs)
    assert sum(emulator.calls.values()) == 0


def test_bad_items_are_refused_when_built() -> None:
    """A ratio outside 0..100, an empty ratio list or a bad subnet list fails when the item is built."""
    with pytest.raises(InvalidRequestError):
        CsFlowRatio("v1", 101)
    with pytest.raises(InvalidRequestError):
        CsFlowRatio("v1", 50.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        CsServiceFlow("env", "echo", [])
    with pytest.raises(InvalidRequestError):
        ContainerServiceVpc("vpc", [], 0)
    with pytest.raises(InvalidRequestError):
        CloudBaseRunVpcInfo(subnet_ids="subnet-1")
    with pytest.raises(InvalidRequestError):
        CloudBaseEsInfo(port="9200")  # type: ignore[arg-type]


async def test_numbers_sent_as_strings_are_read(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """Numbers typed as numbers on the pages are read from numeric strings too (detail, version
    list, release order), and a batch answer's null lists read as empty."""
    cs = platform.batch.cloudrun.containers
    detail = {"errcode": 0, "errmsg": "ok", "cpu": "0.5", "mem": "1", "minnum": "0", "container_port": "80"}
    emulator.fault("componenttcb/getcsversiondetail", Fault.raw(json.dumps(detail).encode()))
    got = await cs.get_version("env", "echo", "v1")
    assert (got.cpu, got.mem, got.minnum, got.container_port) == (0.5, 1.0, 0, 80)
    listing = {
        "errcode": 0,
        "errmsg": "ok",
        "total": "1",
        "items": [{"version_name": "v1", "flow_ratio": "30"}],
    }
    emulator.fault("componenttcb/getcsversionlist", Fault.raw(json.dumps(listing).encode()))
    page = await cs.list_versions("env", "echo")
    assert (page.total, page.items[0].flow_ratio) == (1, 30)
    released = {"errcode": 0, "errmsg": "ok", "result": "success", "release_order_id": "26182"}
    emulator.fault("componenttcb/releasecloudbaserunversion", Fault.raw(json.dumps(released).encode()))
    assert (await platform.batch.cloudrun.release_version("env", "api", "v1")).release_order_id == 26182
    empty = {"errcode": 0, "errmsg": "ok", "succ_list": None, "fail_list": None}
    emulator.fault("componenttcb/batchdelcsversion", Fault.raw(json.dumps(empty).encode()))
    result = await cs.delete_versions([CsVersionRef("env", "echo", "v1")])
    assert result.ok
    assert result.succ_list == []


async def test_a_word_where_a_number_belongs_is_a_decode_error(
    platform: wxtcb.Platform, emulator: Emulator
) -> None:
    """A non-numeric string in a number field is not guessed: DecodeError names the field."""
    listing = {"errcode": 0, "errmsg": "ok", "total": "many", "cslist": []}
    emulator.fault("componenttcb/getcslist", Fault.raw(json.dumps(listing).encode()))
    with pytest.raises(wxtcb.DecodeError, match="total"):
        await platform.batch.cloudrun.containers.list_services("env")


@pytest.mark.parametrize("fault", [Fault.error(-1), Fault.http(502)], ids=str)
async def test_writers_are_never_resent(platform: wxtcb.Platform, emulator: Emulator, fault: Fault) -> None:
    """Deleting a version has effects: after a transient failure it is not resent; a listing is."""
    emulator.fault("componenttcb/delcsversion", fault)
    with pytest.raises(wxtcb.WxTcbError, match="not resent"):
        await platform.batch.cloudrun.containers.delete_version("env", "echo", "v1")
    assert emulator.calls["componenttcb/delcsversion"] == 1
    env = await _run_env(platform)
    emulator.fault("componenttcb/getcslist", fault)
    assert (await platform.batch.cloudrun.containers.list_services(env)).total == 0
    assert emulator.calls["componenttcb/getcslist"] == 2


async def test_a_merchant_cannot_send_them(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """These calls take the component token: a merchant's client sending one sends nothing."""
    merchant = platform.merchant(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    for method in (GetCsList("env"), DelCsVersion("env", "echo", "v1")):
        with pytest.raises(InvalidRequestError, match="component"):
            await merchant(method)
    assert sum(emulator.calls.values()) == 0


async def test_the_docs_example_switches_traffic(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """docs/examples/batch_run.py gives the new version all the traffic and deletes the old ones."""
    env = await _run_env(platform)
    state = emulator.state(BatchRunState)
    for name, ratio in (("echo-001", 60), ("echo-002", 40), ("echo-003", 0)):
        state.add_cs_version(env, "echo", name, flow_ratio=ratio)
    example = load_module(Path(__file__).parent.parent / "docs" / "examples" / "batch_run.py")
    assert await example.switch_to(platform, env, "echo", "echo-003") == []
    versions = state.cs_services[(env, "echo")]["versions"]
    assert {n: v["flow_ratio"] for n, v in versions.items()} == {"echo-003": 100}
