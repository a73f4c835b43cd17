"""What every subcommand shares: credentials flags, the provider they make, the emulator switch."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable
from typing import NoReturn

from wxtcb.client import DEFAULT_BASE_URL, Client
from wxtcb.tokens import AppTokenProvider, ComponentTokenProvider, TokenProvider

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "CommandError",
    "Parser",
    "UsageError",
    "client",
    "credentials_parser",
    "provider",
]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad command-line input: exit 2 with one line."""


class CommandError(Exception):
    """The command could not do its job for a reason outside WeChat (a port in use): exit 1, one line."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors."""

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


def credentials_parser() -> Parser:
    """The flags every API subcommand takes (a parent parser)."""
    creds = Parser(add_help=False)
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
        help="log every request, token fetch and retry to stderr (-vv: and wxtcb's debug records)",
    )
    return creds


def provider(args: argparse.Namespace) -> TokenProvider:
    """The token provider the credentials flags describe."""
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


#: Called with the embedded emulator and the appid acting on it, before the command runs:
#: a subcommand seeds what it wants to show, with `wxtcb.testing.Emulator.seed_demo`.
Seed = Callable[[object, str], None]


@contextlib.asynccontextmanager
async def client(args: argparse.Namespace, seed: Seed | None = None) -> AsyncIterator[Client]:
    """A client from the flags; with --emulator, on an embedded emulator with demo credentials."""
    async with (
        _target(args, seed),
        Client(provider(args), base_url=args.base_url, timeout=args.timeout) as c,
    ):
        yield c


@contextlib.asynccontextmanager
async def _target(args: argparse.Namespace, seed: Seed | None) -> AsyncIterator[None]:
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
        if seed is not None:
            seed(emulator, who)
        yield
