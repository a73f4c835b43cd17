"""pytest plugin: ``wxtcb_emulator`` and ``wxtcb_client`` fixtures for your own tests.

Registered automatically (entry point ``pytest11``) when wxtcb is installed; the fixtures are
async, so they need pytest-asyncio::

    async def test_my_handler(wxtcb_emulator, wxtcb_client):
        wxtcb_emulator.fault("tcb/getcallbackconfig", Fault.error(-1))
        config = await my_code(wxtcb_client)
        assert wxtcb_emulator.calls["tcb/getcallbackconfig"] == 2
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator

from wxtcb.client import Client
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, INSTANT_RETRY, Emulator
from wxtcb.tokens import AppTokenProvider

__all__: list[str] = []

# The fixtures are async and need pytest-asyncio; without it the plugin defines none.
if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    @pytest_asyncio.fixture
    async def wxtcb_emulator() -> AsyncIterator[Emulator]:
        """A running `wxtcb.testing.Emulator` on a free loopback port, empty (`seed_demo` fills it)."""
        async with Emulator() as emulator:
            yield emulator

    @pytest_asyncio.fixture
    async def wxtcb_client(wxtcb_emulator: Emulator) -> AsyncIterator[Client]:
        """A `wxtcb.Client` for the emulator's demo app, with retries that do not wait."""
        provider = AppTokenProvider(DEMO_APPID, DEMO_SECRET)
        async with Client(provider, base_url=wxtcb_emulator.url, retry=INSTANT_RETRY, timeout=5.0) as client:
            yield client
