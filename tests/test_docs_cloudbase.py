"""The examples of docs/functions.md and docs/database.md run against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

import wxtcb
from tests.conftest import load_module
from tests.test_docs_examples import DOCS
from wxtcb.testing import Emulator, Fault

ENV = "prod-env"


async def test_functions_example(
    emulator: Emulator, client: wxtcb.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """login() returns the function's answer, and None (logged) when the function fails or the call is lost."""
    example = load_module(DOCS / "examples" / "functions_example.py")
    emulator.add_function("login", lambda event: {"openid": "o-" + event["code"]})
    assert await example.login(client, ENV, "abc") == {"openid": "o-abc"}
    emulator.fault("tcb/invokecloudfunction", Fault.error(-504002, "function execution failed"))
    assert await example.login(client, ENV, "abc") is None
    emulator.fault("tcb/invokecloudfunction", Fault.error(-501002))
    assert await example.login(client, ENV, "abc") is None
    messages = [r.getMessage() for r in caplog.records]
    assert any("failed in the function" in m for m in messages)
    assert any("not resent" in m for m in messages)


async def test_database_example(emulator: Emulator, client: wxtcb.Client) -> None:
    """The injection attempt matches only itself; postpone increments once; paging returns every open todo."""
    example = load_module(DOCS / "examples" / "database_example.py")
    hostile = '"}).remove(); db.collection("x'
    docs: list[dict[str, Any]] = [
        {"_id": f"t{i:03d}", "title": f"t{i}", "done": i % 3 == 0, "due": 0} for i in range(250)
    ]
    docs.append({"_id": "evil", "title": hostile, "done": True, "due": 0})
    emulator.seed_collection(ENV, "todos", docs)
    assert await example.find_by_title(client, ENV, hostile) == [
        {"_id": "evil", "title": hostile, "done": True, "due": 0}
    ]
    assert len(emulator.collection_documents(ENV, "todos")) == 251
    assert await example.postpone(client, ENV, "t001", 2) == 1
    assert emulator.collection_documents(ENV, "todos")[1]["due"] == 2 * 86400
    open_ids = [d["_id"] for d in await example.open_todos(client, ENV)]
    assert open_ids == [d["_id"] for d in docs if not d["done"]]
    assert emulator.calls["tcb/databasequery"] == 1 + 2  # find_by_title, then two pages of 100 (166 open)


async def test_database_example_add(emulator: Emulator, client: wxtcb.Client) -> None:
    """add_todos() inserts one open todo per title with one databaseadd call and returns their ids in order."""
    example = load_module(DOCS / "examples" / "database_example.py")
    emulator.seed_collection(ENV, "todos", [])
    ids = await example.add_todos(client, ENV, ["write", 'say "hi"'])
    assert len(ids) == 2
    assert len(set(ids)) == 2
    stored = emulator.collection_documents(ENV, "todos")
    assert [(d["_id"], d["title"], d["done"]) for d in stored] == [
        (ids[0], "write", False),
        (ids[1], 'say "hi"', False),
    ]
    assert emulator.calls["tcb/databaseadd"] == 1
