"""The ``wxtcb`` command: read and set the message-push configuration, or serve the emulator.

Expected failures (bad credentials, IP not whitelisted, quota, bad input) print one line on
stderr and exit non-zero; secrets never reach the output.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from wxtcb.client import DEFAULT_BASE_URL, Client
from wxtcb.converter import make_converter, structure, unstructure
from wxtcb.errors import InvalidRequestError, WxTcbError
from wxtcb.message_push import CallbackConfig, SetCallbackConfig
from wxtcb.tokens import AppTokenProvider, ComponentTokenProvider, TokenProvider

__all__ = ["main"]

EXIT_ERROR = 1
EXIT_USAGE = 2

_strict = make_converter(strict=True)


class UsageError(Exception):
    """Bad command-line input: exit 2 with one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other failure, instead of argparse's usage block.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


#: group, flag, environment variable, what it is
_CREDENTIAL_FLAGS = [
    ("own", "--appid", "WXTCB_APPID", "mini program appid"),
    ("own", "--secret", "WXTCB_SECRET", "AppSecret"),
    ("third", "--component-appid", "WXTCB_COMPONENT_APPID", "platform appid"),
    ("third", "--component-secret", "WXTCB_COMPONENT_SECRET", "platform secret"),
    ("third", "--ticket", "WXTCB_COMPONENT_TICKET", "component_verify_ticket"),
    ("third", "--authorizer-appid", "WXTCB_AUTHORIZER_APPID", "merchant appid"),
    ("third", "--refresh-token", "WXTCB_AUTHORIZER_REFRESH_TOKEN", "merchant's authorizer_refresh_token"),
]


def _parser() -> argparse.ArgumentParser:
    creds = _Parser(add_help=False)
    groups = {
        "own": creds.add_argument_group("credentials (flags win over the environment)"),
        "third": creds.add_argument_group("third-party platform (acting for a merchant)"),
    }
    for group, flag, env, what in _CREDENTIAL_FLAGS:
        # The help names the variable, never its value: %(default)s would print a secret.
        groups[group].add_argument(flag, default=os.environ.get(env), help=f"{what} [{env}]")
    groups["own"].add_argument(
        "--classic", action="store_true", help="use cgi-bin/token instead of cgi-bin/stable_token"
    )
    c = creds.add_argument_group("connection")
    c.add_argument(
        "--base-url",
        default=os.environ.get("WXTCB_BASE_URL", DEFAULT_BASE_URL),
        help="API host [WXTCB_BASE_URL]",
    )
    c.add_argument("--timeout", type=float, default=10.0, help="seconds per attempt (default 10)")
    c.add_argument(
        "--emulator",
        action="store_true",
        help="run against an embedded emulator with demo credentials (no WeChat account needed)",
    )
    c.add_argument(
        "--third-party",
        action="store_true",
        help="with --emulator: act as the demo third-party platform",
    )
    c.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log requests to stderr (-vv for every attempt)",
    )

    parser = _Parser(prog="wxtcb", description="WeChat CloudBase (tcb) from the command line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    cc = sub.add_parser("callback-config", help="the message-push configuration")
    ccsub = cc.add_subparsers(dest="action", required=True, parser_class=_Parser)
    ccsub.add_parser("get", parents=[creds], help="print the configuration as JSON")
    setp = ccsub.add_parser("set", parents=[creds], help="set it from a wire-format JSON file")
    setp.add_argument("--file", required=True, help="JSON file ('-' for stdin), as printed by 'get'")
    emu = sub.add_parser("emulator", help="serve the WeChat emulator for other programs")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=int, default=0, help="0 picks a free port")
    emu.add_argument("--rotate-refresh-tokens", action="store_true")
    return parser


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
        config = structure(data, CallbackConfig, conv=_strict)
    except WxTcbError as exc:
        raise UsageError(f"{path}: {exc}") from None
    return SetCallbackConfig(function_config=config.function_config, container_config=config.container_config)


def _provider(args: argparse.Namespace) -> TokenProvider:
    third_party = [args.component_appid, args.component_secret, args.authorizer_appid]
    if any(third_party):
        missing = [
            flag
            for flag, value in (
                ("--component-appid", args.component_appid),
                ("--component-secret", args.component_secret),
                ("--ticket", args.ticket),
                ("--authorizer-appid", args.authorizer_appid),
                ("--refresh-token", args.refresh_token),
            )
            if not value
        ]
        if missing:
            raise UsageError(f"acting for a merchant needs {', '.join(missing)} (or their WXTCB_* variables)")
        component = ComponentTokenProvider(args.component_appid, args.component_secret, ticket=args.ticket)
        return component.authorizer(args.authorizer_appid, refresh_token=args.refresh_token)
    if not args.appid or not args.secret:
        raise UsageError(
            "no credentials: pass --appid and --secret (or WXTCB_APPID and WXTCB_SECRET), "
            "or --emulator to try wxtcb against the embedded emulator"
        )
    return AppTokenProvider(args.appid, args.secret, stable=not args.classic)


@contextlib.asynccontextmanager
async def _target(args: argparse.Namespace) -> AsyncIterator[None]:
    """With --emulator, start one and point the arguments at it with demo credentials."""
    if not args.emulator:
        yield
        return
    from wxtcb import testing

    async with testing.Emulator() as emulator:
        args.base_url = emulator.url
        if args.third_party:
            args.component_appid = testing.DEMO_COMPONENT_APPID
            args.component_secret = testing.DEMO_COMPONENT_SECRET
            args.ticket = testing.DEMO_TICKET
            args.authorizer_appid = testing.DEMO_AUTHORIZER_APPID
            args.refresh_token = testing.DEMO_REFRESH_TOKEN
        else:
            args.appid, args.secret = testing.DEMO_APPID, testing.DEMO_SECRET
            args.component_appid = args.component_secret = args.authorizer_appid = None
        who = args.authorizer_appid if args.third_party else args.appid
        print(f"wxtcb: using the embedded emulator at {emulator.url} as {who}", file=sys.stderr)
        if args.action == "get":
            # Something to show: the configuration the official documentation uses as its sample.
            emulator.configs[who] = _SAMPLE
        yield


_SAMPLE: dict[str, Any] = {
    "function_config": {
        "enable": True,
        "callbacks": [
            {
                "msgType": "event",
                "event": "user_enter_tempsession",
                "env": "test-env-6gni9ity244a6ea3",
                "functionName": "callback",
                "enable": False,
            },
            {
                "msgType": "image",
                "event": "",
                "env": "test-env-6gni9ity244a6ea3",
                "functionName": "callback",
                "enable": True,
            },
        ],
    },
    "container_config": {
        "enable": True,
        "qbase_env": "test-env-6gni9ity244a6ea3",
        "qbase_container_path": "/container-echo",
        "text_mode": 1,
    },
}


def _dump(config: CallbackConfig) -> str:
    data = {k: v for k, v in unstructure(config).items() if v is not None}
    return json.dumps(data, ensure_ascii=False, indent=2)


async def _callback_config(args: argparse.Namespace) -> None:
    method = _read_config(args.file) if args.action == "set" else None
    async with _target(args):
        provider = _provider(args)
        async with Client(provider, base_url=args.base_url, timeout=args.timeout) as client:
            if method is not None:
                await client(method)
                print("wxtcb: callback configuration set", file=sys.stderr)
            print(_dump(await client.get_callback_config()))


async def _serve_emulator(args: argparse.Namespace) -> None:
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = _parser().parse_args(argv)
    handler = None
    log = logging.getLogger("wxtcb")
    level = log.level
    if getattr(args, "verbose", 0):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG if args.verbose > 1 else logging.INFO)
    try:
        if args.command == "emulator":
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(_serve_emulator(args))
            return 0
        asyncio.run(_callback_config(args))
    except (UsageError, InvalidRequestError) as exc:
        print(f"wxtcb: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WxTcbError as exc:
        print(f"wxtcb: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if handler is not None:
            log.removeHandler(handler)
            log.setLevel(level)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
