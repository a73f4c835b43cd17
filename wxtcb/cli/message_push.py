"""``wxtcb callback-config get|set``: the message-push configuration."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from wxtcb.cli.common import Parser, UsageError, client
from wxtcb.converter import make_converter, structure, unstructure
from wxtcb.errors import WxTcbError
from wxtcb.message_push import CallbackConfig, SetCallbackConfig

__all__ = ["register"]


def register(sub: Any, creds: Parser) -> None:
    """Add ``callback-config`` to the command."""
    cc = sub.add_parser("callback-config", help="the message-push configuration")
    ccsub = cc.add_subparsers(dest="action", required=True, parser_class=Parser)
    get = ccsub.add_parser("get", parents=[creds], help="print the configuration as JSON")
    get.set_defaults(run=_run)
    setp = ccsub.add_parser("set", parents=[creds], help="set it from a wire-format JSON file")
    setp.add_argument("--file", required=True, help="JSON file ('-' for stdin), as printed by 'get'")
    setp.set_defaults(run=_run)


def _read_config(path: str) -> SetCallbackConfig:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("data"), dict) and "errcode" in data:
        data = data["data"]  # a whole getcallbackconfig answer
    try:
        # Built here, not at import: `wxtcb --help` and the other commands never load cattrs.
        config = structure(data, CallbackConfig, conv=make_converter(strict=True))
    except WxTcbError as exc:
        raise UsageError(f"{path}: {exc}") from None
    return SetCallbackConfig(function_config=config.function_config, container_config=config.container_config)


def _seed(emulator: Any, appid: str) -> None:
    # The demo data: the configuration is the sample of WeChat's getCallBackConfig page.
    emulator.seed_demo(appid=appid)


def _dump(config: CallbackConfig) -> str:
    data = {k: v for k, v in unstructure(config).items() if v is not None}
    return json.dumps(data, ensure_ascii=False, indent=2)


async def _run(args: argparse.Namespace) -> None:
    method = _read_config(args.file) if args.action == "set" else None
    async with client(args, seed=None if method is not None else _seed) as c:
        if method is not None:
            await c(method)
            print("wxtcb: callback configuration set", file=sys.stderr)
        print(_dump(await c.get_callback_config()))
