"""``wxtcb emulator``: serve the WeChat emulator for other programs."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from wxtcb.cli.common import Parser

__all__ = ["register"]


def register(sub: Any, creds: Parser) -> None:
    """Add ``emulator`` to the command."""
    emu = sub.add_parser("emulator", help="serve the WeChat emulator for other programs")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=int, default=0, help="0 picks a free port")
    emu.add_argument("--rotate-refresh-tokens", action="store_true")
    emu.set_defaults(run=_serve)


async def _serve(args: argparse.Namespace) -> None:
    from wxtcb import testing

    emulator = testing.Emulator(rotate_refresh_tokens=args.rotate_refresh_tokens)
    url = await emulator.start(args.host, args.port)
    print(f"wxtcb emulator listening on {url}", flush=True)
    print(
        f"demo app: {testing.DEMO_APPID} (secret: wxtcb.testing.DEMO_SECRET); Ctrl-C stops",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.close()
