"""One emulator fixture, a client on it, and helpers that look for secrets where they must not be."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import hypothesis
import pytest

import wxtcb
from tests.redis_server import RedisServer
from wxtcb.testing import (
    DEMO_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_COMPONENT_SECRET,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    DEMO_TICKET,
    INSTANT_RETRY,
    Emulator,
)

STATIC_SECRETS = (DEMO_SECRET, DEMO_COMPONENT_SECRET, DEMO_TICKET, DEMO_REFRESH_TOKEN)

# Property tests check behaviour, not speed: no per-example deadline and no "too slow" health
# check, which a busy machine would trip. Tests that pass their own settings inherit this profile.
hypothesis.settings.register_profile(
    "wxtcb", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("wxtcb")


#: The official getcallbackconfig sample's ``data`` (its spaced ``"qbase_container_path "`` key kept).
OFFICIAL_CONFIG: dict[str, Any] = json.loads(
    (Path(__file__).parent / "samples" / "getcallbackconfig.json").read_text()
)["data"]


class Answering:
    """A `wxtcb.Transport` for the pipeline's own rules, where no server is needed: every request
    is answered with *status* and *body* (bytes, or a buffer the test refills), and counted."""

    def __init__(self, body: bytes | bytearray = b"", status: int = 200) -> None:
        self.body = body
        self.status = status
        self.sent = 0

    def answer(self, data: object) -> None:
        """Answer ``{"errcode": 0, "errmsg": "ok", "data": data}`` from now on, in the same buffer
        when the body is a bytearray."""
        encoded = json.dumps({"errcode": 0, "errmsg": "ok", "data": data}).encode()
        if isinstance(self.body, bytearray):
            self.body[:] = encoded
        else:
            self.body = encoded

    async def send(self, request: object, *, timeout: float) -> tuple[int, bytes | bytearray]:
        self.sent += 1
        return self.status, self.body

    async def aclose(self) -> None:
        pass


def demo_component(
    store: wxtcb.TokenStore | None = None, ticket: str | None = DEMO_TICKET
) -> wxtcb.ComponentTokenProvider:
    """The emulator's demo third-party platform, with its ticket unless told otherwise."""
    return wxtcb.ComponentTokenProvider(
        DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, ticket=ticket, store=store
    )


@pytest.fixture
def emulator(wxtcb_emulator: Emulator) -> Emulator:
    """The WeChat emulator on a free loopback port (the plugin's fixture, as users get it)."""
    return wxtcb_emulator


@pytest.fixture
def provider() -> wxtcb.AppTokenProvider:
    """The demo app's stable-token provider."""
    return wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)


@pytest.fixture
async def client(emulator: Emulator, provider: wxtcb.AppTokenProvider) -> AsyncIterator[wxtcb.Client]:
    """A client on the emulator with instant retries."""
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY, timeout=2.0) as c:
        yield c


@pytest.fixture
def wxtcb_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record of the wxtcb logger, from DEBUG up."""
    caplog.set_level(logging.DEBUG, logger="wxtcb")
    return caplog


def assert_no_secret(texts: Iterable[str], secrets: Iterable[str]) -> None:
    """Fail if any of *secrets* appears in any of *texts*."""
    texts = list(texts)
    for secret in secrets:
        assert secret, "an empty secret would match everything"
        for text in texts:
            assert secret not in text, f"secret leaked into: {text[:200]!r}"


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Rendered messages and every extra field of the captured records."""
    out = []
    for record in caplog.records:
        out.append(record.getMessage())
        out.extend(repr(v) for k, v in vars(record).items() if k.startswith("wxtcb_"))
        if record.exc_info and record.exc_info[1] is not None:
            out.append(str(record.exc_info[1]))
    return out


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the session, on a unix socket."""
    server = RedisServer(Path(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis_client(redis_server: RedisServer) -> AsyncIterator[object]:
    """A redis.asyncio client on an empty database."""
    import redis.asyncio

    client = redis.asyncio.Redis(unix_socket_path=redis_server.socket)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def new_store(
    request: pytest.FixtureRequest, redis_server: RedisServer
) -> AsyncIterator[Callable[[], Any]]:
    """A factory of empty stores of one kind: in memory, or on the real redis-server."""
    import redis.asyncio

    from wxtcb.redis import RedisTokenStore

    connections: list[Any] = []

    async def make() -> wxtcb.TokenStore:
        if request.param == "memory":
            return wxtcb.MemoryTokenStore()
        connection = redis.asyncio.Redis(unix_socket_path=redis_server.socket)
        connections.append(connection)
        await connection.flushall()
        return RedisTokenStore(connection)

    yield make
    for c in connections:
        await c.aclose()


async def until(condition: Callable[[], bool], *, limit: float = 60.0) -> None:
    """Yield to the loop until *condition* holds: synchronisation, not a timing assumption.

    The bound only ends a test that would otherwise hang; it is generous so that a loaded machine
    never reaches it while the condition is on its way.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.005)


def load_module(path: Path) -> ModuleType:
    """Import a file that is not in a package (an example) as a module."""
    spec = importlib.util.spec_from_file_location(f"loaded_{path.parent.name}_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class _AsyncioErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection built (modules, parametrized rows, hypothesis strategies): the
    collection that `no_asyncio_errors` runs after every test then walks only what tests made,
    not the whole heap (it took about 90 ms a test, most of the suite's time)."""
    import gc

    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def no_asyncio_errors() -> Iterator[None]:
    """Fail any test after which asyncio reported a destroyed pending task, an unclosed session or a lost exception."""
    handler = _AsyncioErrors()
    log = logging.getLogger("asyncio")
    log.addHandler(handler)
    yield
    import gc

    gc.collect()
    log.removeHandler(handler)
    messages = [r.getMessage() for r in handler.records]
    assert messages == [], messages
