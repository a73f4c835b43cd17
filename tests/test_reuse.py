"""`Client(reuse_unchanged=True)`: a poller's unchanged answer is not decoded again.

The request goes out every time; only parsing and decoding are saved, and only where handing one
result to several callers is safe: immutable all the way down, no secret, a method that may be
resent, a bounded answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import wxtcb
from tests.conftest import OFFICIAL_CONFIG as OFFICIAL
from tests.conftest import Answering
from wxtcb.pipeline import REUSE_MAX_BYTES
from wxtcb.protocol import reusable
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, INSTANT_RETRY, Emulator, Fault

GET = "tcb/getcallbackconfig"


@pytest.fixture
async def poller(emulator: Emulator) -> AsyncIterator[wxtcb.Client]:
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with wxtcb.Client(
        provider, base_url=emulator.url, retry=INSTANT_RETRY, timeout=2.0, reuse_unchanged=True
    ) as c:
        yield c


async def test_an_unchanged_answer_gives_the_same_object_and_is_still_fetched(
    emulator: Emulator, poller: wxtcb.Client
) -> None:
    """Two polls of the same configuration: two requests, one decoded object."""
    emulator.configs[DEMO_APPID] = OFFICIAL
    first = await poller.get_callback_config()
    second = await poller.get_callback_config()
    assert emulator.calls[GET] == 2
    assert second is first
    assert first.container_config is not None
    assert first.container_config.qbase_container_path == "/container-echo"


async def test_a_changed_answer_is_decoded_anew(emulator: Emulator, poller: wxtcb.Client) -> None:
    """A change, however small, gives a new object equal to what a fresh decode gives."""
    emulator.configs[DEMO_APPID] = OFFICIAL
    first = await poller.get_callback_config()
    changed = {**OFFICIAL["container_config"], "enable": False}
    emulator.configs[DEMO_APPID] = {**OFFICIAL, "container_config": changed}
    second = await poller.get_callback_config()
    assert second is not first
    assert second.container_config is not None
    assert second.container_config.enable is False
    emulator.configs[DEMO_APPID] = OFFICIAL
    third = await poller.get_callback_config()
    assert third == first
    assert third is not first  # one result kept per method class: the first is gone
    assert third is not second


async def test_errors_are_never_reused(emulator: Emulator, poller: wxtcb.Client) -> None:
    """An error answer between two identical ones raises; the next identical answer is reused."""
    emulator.configs[DEMO_APPID] = OFFICIAL
    first = await poller.get_callback_config()
    emulator.fault(GET, Fault.error(45009, "reach max api daily quota limit"))
    with pytest.raises(wxtcb.APIError) as raised:
        await poller.get_callback_config()
    assert raised.value.errcode == 45009
    assert await poller.get_callback_config() is first


async def test_without_the_option_every_answer_is_decoded(emulator: Emulator, client: wxtcb.Client) -> None:
    """By default nothing is kept: equal answers give equal, distinct objects."""
    emulator.configs[DEMO_APPID] = OFFICIAL
    first = await client.get_callback_config()
    second = await client.get_callback_config()
    assert second == first
    assert second is not first


async def test_a_large_answer_is_not_kept(emulator: Emulator, poller: wxtcb.Client) -> None:
    """Answers over REUSE_MAX_BYTES are decoded every time: what is kept stays small."""
    emulator.configs[DEMO_APPID] = {**OFFICIAL, "padding": "x" * REUSE_MAX_BYTES}
    first = await poller.get_callback_config()
    second = await poller.get_callback_config()
    assert second == first
    assert second is not first


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        (wxtcb.message_push.GetCallbackConfig, True),  # frozen models all the way down
        (wxtcb.database.DatabaseCount, True),  # an int
        (wxtcb.database.DatabaseQuery, False),  # documents are dicts: a caller may change them
        (wxtcb.functions.InvokeCloudFunction, False),  # whatever the function returned
        (wxtcb.storage.UploadFile, False),  # holds the upload signature: a secret
        (wxtcb.authorization.QueryAuth, False),  # holds tokens and the refresh token
        (wxtcb.message_push.SetCallbackConfig, False),  # returns nothing
    ],
)
def test_only_immutable_secret_free_results_are_reused(method: Any, expected: bool) -> None:
    """Which results may be handed to several callers, by the rules the option documents."""
    assert reusable(method) is expected


def test_the_option_is_a_bool() -> None:
    """A truthy non-bool is refused before anything is opened."""
    with pytest.raises(wxtcb.InvalidRequestError, match="reuse_unchanged"):
        wxtcb.Client(wxtcb.StaticTokenProvider("t"), reuse_unchanged="yes")  # type: ignore[arg-type]


async def test_a_refilled_buffer_is_never_taken_for_an_unchanged_answer() -> None:
    """A transport may hand back one mutable buffer: only immutable bytes are kept, so a changed
    answer in the same buffer is decoded anew."""
    transport = Answering(bytearray())
    provider = wxtcb.StaticTokenProvider("t")
    async with wxtcb.Client(provider, transport=transport, reuse_unchanged=True) as c:  # type: ignore[arg-type]
        transport.answer(OFFICIAL)
        first = await c.get_callback_config()
        transport.answer({**OFFICIAL, "container_config": {**OFFICIAL["container_config"], "enable": False}})
        second = await c.get_callback_config()
    assert first.container_config is not None
    assert first.container_config.enable is True
    assert second.container_config is not None
    assert second.container_config.enable is False


async def test_the_same_bytes_with_another_status_are_not_reused() -> None:
    """An HTTP error whose body happens to be the kept answer is an error, not the kept result."""
    transport = Answering()
    transport.answer(OFFICIAL)
    provider = wxtcb.StaticTokenProvider("t")
    retry = wxtcb.RetryPolicy(attempts=1)
    async with wxtcb.Client(provider, transport=transport, reuse_unchanged=True, retry=retry) as c:  # type: ignore[arg-type]
        await c.get_callback_config()
        transport.status = 502
        with pytest.raises(wxtcb.TransportError, match="HTTP 502"):
            await c.get_callback_config()


async def test_a_retried_call_returns_the_right_result(emulator: Emulator, poller: wxtcb.Client) -> None:
    """A transient failure, then the same answer: the retry's result is the configuration."""
    emulator.configs[DEMO_APPID] = OFFICIAL
    first = await poller.get_callback_config()
    emulator.fault(GET, Fault.error(-1, "system busy"))
    again = await poller.get_callback_config()
    assert again == first
    assert emulator.calls[GET] == 3
