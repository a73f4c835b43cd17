"""CloudBase batch mode (componenttcb/*) against the emulator over real sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

import wxtcb
from tests.conftest import demo_component
from wxtcb import db
from wxtcb.batch import BatchDbQuery, DescribeEnvs, EnvNotReadyError, ShareTarget
from wxtcb.database import DatabaseQuery
from wxtcb.errors import InvalidRequestError, StorageError
from wxtcb.testing import DEMO_AUTHORIZER_APPID, DEMO_REFRESH_TOKEN, INSTANT_RETRY, Emulator, Fault
from wxtcb.testing.batch import BatchState

MERCHANT = "wx075cf85bf347b6df"


@pytest.fixture
async def platform(emulator: Emulator) -> AsyncIterator[wxtcb.Platform]:
    """The demo platform on the emulator with instant retries."""
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY, timeout=2.0) as p:
        yield p


async def _ready_env(platform: wxtcb.Platform, alias: str = "shop") -> str:
    created = await platform.batch.create_env(alias)
    await platform.batch.wait_env_ready(created.env, interval=0)
    return created.env


async def test_create_env_then_wait_until_normal(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """A new environment is INITIALIZING; the wait polls describeenvs until it reports NORMAL."""
    emulator.state(BatchState).ready_after_polls = 2
    created = await platform.batch.create_env("mytestenv")
    assert created.env.startswith("mytestenv-")
    assert created.tranid
    first = await platform.batch.describe_envs()
    assert [e.status for e in first if e.env == created.env] == ["INITIALIZING"]
    info = await platform.batch.wait_env_ready(created.env, interval=0)
    assert info.ready
    assert info.status == "NORMAL"
    assert info.alias == "mytestenv"
    assert emulator.calls["componenttcb/describeenvs"] == 3


async def test_wait_is_bounded(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """An environment that never turns NORMAL raises EnvNotReadyError naming its last status."""
    state = emulator.state(BatchState)
    state.ready_after_polls, state.ready_after_seconds = 10**9, 1e12
    created = await platform.batch.create_env("slow")
    with pytest.raises(EnvNotReadyError) as caught:
        await platform.batch.wait_env_ready(created.env, interval=0.01, timeout=0.05)
    assert caught.value.env == created.env
    assert caught.value.status == "INITIALIZING"
    assert isinstance(caught.value, TimeoutError)
    assert isinstance(caught.value, wxtcb.WxTcbError)
    with pytest.raises(EnvNotReadyError, match="not listed"):
        await platform.batch.wait_env_ready("nosuch-env", interval=0.01, timeout=0.05)


async def test_env_turns_normal_when_the_clock_passes(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """Moving the emulator's clock past the set-up time makes the environment NORMAL on the next poll."""
    state = emulator.state(BatchState)
    state.ready_after_polls, state.ready_after_seconds = 10**9, 600
    created = await platform.batch.create_env("later")
    emulator.advance(601)
    info = await platform.batch.wait_env_ready(created.env, interval=0, timeout=5)
    assert info.status == "NORMAL"
    assert emulator.calls["componenttcb/describeenvs"] == 1


def test_describe_envs_reads_the_old_pages_spelling() -> None:
    """The older page's update_ime lands in update_time; update_time wins when both come."""
    (old,) = DescribeEnvs.__decode__([{"env": "e", "update_ime": "2020-01-01 00:00:00"}])
    assert old.update_time == "2020-01-01 00:00:00"
    (new,) = DescribeEnvs.__decode__([{"env": "e", "update_time": "b", "update_ime": "a"}])
    assert new.update_time == "b"


async def test_bad_alias_is_refused_before_io(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """An alias that does not start with a-z or holds other characters never reaches WeChat."""
    for alias in ("1shop", "Shop", "shop_1", ""):
        with pytest.raises(InvalidRequestError):
            await platform.batch.create_env(alias)
    assert emulator.calls["componenttcb/createenv"] == 0


async def test_share_needs_the_admins_confirmation(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """A share answers a confirmation URL; the merchant sees the environment only once it is opened."""
    env = await _ready_env(platform)
    result = await platform.batch.share_env(
        [ShareTarget(env, [MERCHANT]), ShareTarget("nosuch-env", ["wxother"])]
    )
    assert [c.appid for c in result.msg_info_list] == [MERCHANT]
    assert [(e.env, e.appid) for e in result.err_list] == [("nosuch-env", "wxother")]
    before = await platform.batch.get_env_ids([MERCHANT])
    assert before.relation_data[0].env_list == []
    async with aiohttp.ClientSession() as session, session.get(result.msg_info_list[0].url) as answer:
        assert answer.status == 200
    after = await platform.batch.get_env_ids([MERCHANT], source_type=1)
    assert after.relation_data[0].env_list == [env]


async def test_records_with_the_statement_builder(platform: wxtcb.Platform) -> None:
    """insert, query (lower-case pager), update, delete and aggregate run on dbrecord/dbaggregate."""
    env = await _ready_env(platform)
    await platform.batch.database.collections.create(env, "todos")
    ids = await platform.batch.database.insert(
        env, db.collection("todos").add([{"n": 1}, {"n": 2}, {"n": 3}])
    )
    assert len(ids) == 3
    page = await platform.batch.database.query(
        env, db.collection("todos").order_by("n", "asc").limit(2).get()
    )
    assert [d["n"] for d in page.data] == [1, 2]
    assert page.pager.total == 3
    assert page.pager.limit == 2
    res = await platform.batch.database.update(
        env, db.collection("todos").where({"n": 1}).update({"done": True})
    )
    assert (res.matched, res.modified) == (1, 1)
    assert await platform.batch.database.delete(env, db.collection("todos").where({"n": 3}).remove()) == 1
    rows = await platform.batch.database.aggregate(
        env, 'db.collection("todos").aggregate().match({n:2}).end()'
    )
    assert [r["n"] for r in rows] == [2]
    with pytest.raises(InvalidRequestError):
        await platform.batch.database.query(env, db.collection("todos").count())


async def test_collections_and_migrations(platform: wxtcb.Platform) -> None:
    """Collections are added, listed with a total and dropped; an export's job reports its records."""
    env = await _ready_env(platform)
    await platform.batch.database.collections.create(env, "a")
    await platform.batch.database.insert(env, db.collection("a").add([{"x": 1}]))
    listing = await platform.batch.database.collections.list(env)
    assert [c.name for c in listing.collections] == ["a"]
    assert listing.total == 1
    job_id = await platform.batch.database.migrate_export(env, "out.json", db.collection("a").get())
    job = await platform.batch.database.migration(env, job_id)
    while not job.done:
        job = await platform.batch.database.migration(env, job_id)
    assert job.status == "success"
    assert job.record_success == 1
    assert await platform.batch.database.migrate_import(env, "a", "out.json") > 0
    await platform.batch.database.collections.drop(env, "a")
    assert (await platform.batch.database.collections.list(env)).total == 0


async def test_storage_round_trip(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """Batch storage uploads, links, downloads and deletes through storage's two-step transfers."""
    env = await _ready_env(platform)
    up = await platform.batch.storage.upload(env, "docs/a.txt", b"hello batch")
    assert up.file_id.startswith(f"cloud://{env}.")
    assert up.size == 11
    links = await platform.batch.storage.download_urls(env, [up.file_id, "cloud://nope.b/x"])
    assert [link.ok for link in links] == [True, False]
    assert await platform.batch.storage.download(env, up.file_id) == b"hello batch"
    gone = await platform.batch.storage.delete(env, [up.file_id])
    assert gone.ok
    assert emulator.calls["componenttcb/uploadfile"] == 1
    assert emulator.calls["tcb/uploadfile"] == 0


async def test_static_hosting_puts_the_file(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """Static hosting opens once; a file goes with a PUT carrying x-cos-security-token, and a bad token is refused."""
    env = await _ready_env(platform)
    await platform.batch.static.create_store(env)
    with pytest.raises(wxtcb.APIError):
        await platform.batch.static.create_store(env)
    assert await platform.batch.static.upload(env, "index.html", b"<h1>hi</h1>") == 11
    assert emulator.state(BatchState).static_files[(env, "index.html")] == b"<h1>hi</h1>"
    link = await platform.batch.static.get_upload_link(env, "x.html")
    assert link.token not in repr(link)
    assert link.signed_url not in repr(link)
    async with (
        aiohttp.ClientSession() as session,
        session.put(link.signed_url, data=b"x", headers={"x-cos-security-token": "wrong"}) as answer,
    ):
        assert answer.status == 403
    assert (env, "x.html") not in emulator.state(BatchState).static_files


async def test_static_upload_error_is_a_storage_error(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """COS's XML refusal of the PUT becomes StorageError with COS's code, and no secret in its text."""
    env = await _ready_env(platform)
    await platform.batch.static.create_store(env)
    body = b"<?xml version='1.0'?><Error><Code>AccessDenied</Code><Message>denied</Message></Error>"
    emulator.fault(f"_static/{env}/a.html", Fault.http(403, body), times=10)
    with pytest.raises(StorageError) as caught:
        await platform.batch.static.upload(env, "a.html", b"x")
    assert caught.value.code == "AccessDenied"
    token = emulator.state(BatchState).static_links[(env, "a.html")]
    assert token not in str(caught.value)
    assert "sign=" not in str(caught.value)


async def test_cloudrun_envs_and_functions(platform: wxtcb.Platform) -> None:
    """A cloud-run environment is created and listed; a function upload reports the environments it failed in."""
    created = await platform.batch.cloudrun.create_env(alias="prod", vpc_id="vpc-1", sub_net_ids=["subnet-1"])
    envs = await platform.batch.cloudrun.describe_envs()
    assert [(e.env_id, e.status) for e in envs] == [(created.env_id, "NORMAL")]
    env = await _ready_env(platform)
    failed = await platform.batch.upload_functions("login", [env, "nosuch-env"], b"PK\x03\x04zip")
    assert [f.env for f in failed] == ["nosuch-env"]
    again = await platform.batch.upload_functions("login", [env], b"PK\x03\x04zip")
    assert [f.env for f in again] == [env]
    with pytest.raises(InvalidRequestError):
        await platform.batch.upload_functions("login", [env], b"")


async def test_wrong_token_kind_is_refused_before_io(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """A merchant's client sending a batch method, or a platform sending a tcb/* method, sends nothing."""
    merchant = platform.merchant(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    with pytest.raises(InvalidRequestError, match="component"):
        await merchant(BatchDbQuery("env", db.collection("a").get()))
    with pytest.raises(InvalidRequestError):
        await platform(DatabaseQuery("env", db.collection("a").get()))
    async with wxtcb.Client(wxtcb.StaticTokenProvider("t"), base_url=emulator.url) as client:
        with pytest.raises(InvalidRequestError):
            await client(DescribeEnvs())
    assert sum(emulator.calls.values()) == 0


async def test_modify_env_takes_either_token_on_its_one_path(
    platform: wxtcb.Platform, emulator: Emulator
) -> None:
    """tcb/modifyenv: the platform sends it with the component token (batch mode), a merchant with
    its own token (common mode); the emulator takes both kinds on the one path."""
    await platform.batch.modify_env("console-env-0001")
    merchant = platform.merchant(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    await merchant.envs.convert("console-env-0002")
    assert emulator.calls["tcb/modifyenv"] == 2
    with pytest.raises(InvalidRequestError):
        await merchant(wxtcb.batch.BatchModifyEnv("console-env-0003"))
    assert emulator.calls["tcb/modifyenv"] == 2
