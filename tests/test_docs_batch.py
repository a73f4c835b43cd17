"""The batch-mode example of docs/third-party.md runs against the emulator."""

from __future__ import annotations

from pathlib import Path

import aiohttp

import wxtcb
from tests.conftest import demo_component, load_module
from wxtcb import db
from wxtcb.testing import INSTANT_RETRY, Emulator
from wxtcb.testing.batch import BatchState

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "batch.py"


async def test_batch_example_onboards_a_merchant(emulator: Emulator) -> None:
    """The example's environment becomes NORMAL, holds its data and page, and is shared once confirmed."""
    emulator.state(BatchState).ready_after_polls = 0
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY) as platform:
        env, links = await load_module(EXAMPLE).onboard(platform, "shop", "wx075cf85bf347b6df")
        page = await platform.batch.database.query(env, db.collection("products").get())
        assert [d["name"] for d in page.data] == ["tea"]
        assert emulator.state(BatchState).static_files[(env, "index.html")] == b"<h1>Welcome</h1>"
        async with aiohttp.ClientSession() as session, session.get(links[0]) as answer:
            assert answer.status == 200
        relations = await platform.batch.get_env_ids(["wx075cf85bf347b6df"])
        assert relations.relation_data[0].env_list == [env]
