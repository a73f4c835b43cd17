"""``wxtcb functions invoke`` and ``wxtcb db query``: cloud functions and the database, JSON out."""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
from typing import Any

from wxtcb.cli.common import Parser, UsageError, client

__all__ = ["register"]


def register(sub: Any, creds: Parser) -> None:
    """Add ``functions`` and ``db`` to the command."""
    functions = sub.add_parser("functions", help="cloud functions")
    fsub = functions.add_subparsers(dest="action", required=True, parser_class=Parser)
    invoke = fsub.add_parser("invoke", parents=[creds], help="invoke a function, print what it returned")
    invoke.add_argument("env", help="CloudBase environment id")
    invoke.add_argument("name", help="function name")
    invoke.add_argument("--data", default=None, help="the payload, as JSON (default: {})")
    invoke.set_defaults(run=_invoke)
    database = sub.add_parser("db", help="the database")
    dsub = database.add_subparsers(dest="action", required=True, parser_class=Parser)
    query = dsub.add_parser("query", parents=[creds], help="run a get() statement, print the page")
    query.add_argument("env", help="CloudBase environment id")
    query.add_argument(
        "statement", help="e.g. 'db.collection(\"todos\").where({done:false}).limit(10).get()'"
    )
    query.set_defaults(run=_query)


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def _print(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=_json_default))


async def _invoke(args: argparse.Namespace) -> None:
    try:
        data = None if args.data is None else json.loads(args.data)
    except ValueError as exc:
        raise UsageError(f"--data is not valid JSON: {exc}") from None

    def seed(emulator: Any, _appid: str) -> None:
        # The demo data, with the demo function under the name asked for: it echoes its payload.
        emulator.seed_demo(args.env, function=args.name)

    async with client(args, seed=seed) as c:
        _print(await c.functions.invoke(args.env, args.name, data))


async def _query(args: argparse.Namespace) -> None:
    def seed(emulator: Any, _appid: str) -> None:
        emulator.seed_demo(args.env)

    async with client(args, seed=seed) as c:
        page = await c.database.query(args.env, args.statement)
        pager = {"offset": page.pager.offset, "limit": page.pager.limit, "total": page.pager.total}
        _print({"data": page.data, "pager": pager})
