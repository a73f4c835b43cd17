"""The storage page's example runs against the emulator."""

from __future__ import annotations

from pathlib import Path

import wxtcb
from tests.conftest import load_module

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "storage.py"


async def test_storage_example_round_trip(client: wxtcb.Client, tmp_path: Path) -> None:
    """The example uploads a file, links it, reads the same bytes back and deletes it."""
    local = tmp_path / "q3.csv"
    local.write_bytes(b"month,total\n7,42\n")
    assert await load_module(EXAMPLE).round_trip(client, "prod-env", local) == local.read_bytes()


async def test_environments_example_sets_the_whitelist(client: wxtcb.Client) -> None:
    """The example narrows cloud calls to one API with the version it just read."""
    config = await load_module(EXAMPLE).lock_down_cloud_calls(client, "prod-env")
    assert config.api_whitelist == ["/tcb/databasequery"]
