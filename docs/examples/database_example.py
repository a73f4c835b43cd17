"""Add to, query, update and page through a collection with statements built by wxtcb.db."""

from __future__ import annotations

from typing import Any

import wxtcb
from wxtcb import db

_ = db.command


async def add_todos(client: wxtcb.Client, env: str, titles: list[str]) -> list[str]:
    """Insert one open todo per title; returns the new documents' ids, in order.

    ``add()`` takes one dict or a list of dicts. An add is never resent after a transient
    failure (a repeat would insert twice): the error says ``not resent``.
    """
    q = db.collection("todos").add([{"title": title, "done": False} for title in titles])
    return await client.database.add(env, q)


async def find_by_title(client: wxtcb.Client, env: str, title: str) -> list[dict[str, Any]]:
    """Documents whose title is exactly *title*, whatever it contains.

    Never build the statement with an f-string: a title such as ``"}).remove(); db.collection("x``
    would become code. The builder sends it as one JSON literal.
    """
    q = db.collection("todos").where({"title": title}).limit(10).get()
    page = await client.database.query(env, q)
    return page.data


async def postpone(client: wxtcb.Client, env: str, todo_id: str, days: int) -> int:
    """Push a todo's due date back; returns how many documents changed.

    An update with ``_.inc`` is never resent after a transient failure (a repeat would add twice).
    """
    q = db.collection("todos").where({"_id": todo_id}).update({"due": _.inc(days * 86400)})
    result = await client.database.update(env, q)
    return result.modified


async def open_todos(client: wxtcb.Client, env: str) -> list[dict[str, Any]]:
    """Every open todo, 100 per request, in a stable order."""
    q = db.collection("todos").where({"done": False}).order_by("_id", "asc")
    return [doc async for doc in client.database.iterate(env, q, page_size=100)]
