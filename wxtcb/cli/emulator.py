"""``wxtcb emulator``: serve the WeChat emulator for other programs."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import Any

from wxtcb.cli.common import CommandError, Parser

__all__ = ["register"]


def register(sub: Any, creds: Parser) -> None:
    """Add ``emulator`` to the command."""
    emu = sub.add_parser("emulator", help="serve the WeChat emulator for other programs")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=int, default=0, help="0 picks a free port")
    emu.add_argument("--rotate-refresh-tokens", action="store_true")
    emu.add_argument(
        "--empty",
        action="store_true",
        help="start with no data, as wxtcb.testing.Emulator() does (default: the demo data of seed_demo())",
    )
    emu.set_defaults(run=_serve)


async def _serve(args: argparse.Namespace) -> None:
    from wxtcb import testing

    emulator = testing.Emulator(rotate_refresh_tokens=args.rotate_refresh_tokens)
    if not args.empty:
        emulator.seed_demo()
    try:
        url = await emulator.start(args.host, args.port)
    except OSError as exc:  # the port is taken, the host is not ours, …
        await emulator.close()
        reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    print(f"wxtcb emulator listening on {url}", flush=True)
    # The demo secret is printed on purpose: it is a public value of the emulator (in wxtcb's
    # source and docs), never a user's secret, and a curl user needs it to fetch a token.
    print(f"demo app: appid {testing.DEMO_APPID}, secret {testing.DEMO_SECRET}", flush=True)
    token_request = json.dumps(
        {"grant_type": "client_credential", "appid": testing.DEMO_APPID, "secret": testing.DEMO_SECRET},
        separators=(",", ":"),
    )
    print(f"a token: curl -s {url}/cgi-bin/stable_token -d '{token_request}'", flush=True)
    # Said every time: a Python Emulator() starts empty, and code tried here must not be surprised.
    if args.empty:
        print("data: none (--empty), as wxtcb.testing.Emulator() starts", flush=True)
    else:
        print(
            f"data: emulator.seed_demo(): collection todos in env {testing.DEMO_ENV}, function hello, "
            "the callback configuration; --empty starts with none, as wxtcb.testing.Emulator() does",
            flush=True,
        )
    print("Ctrl-C stops", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.close()
