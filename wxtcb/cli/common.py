"""What every subcommand shares: credentials flags, the provider they make, the emulator switch."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
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
    "check_appid",
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
        # The help names the variable, never its value: %(default)s would print a secret. The
        # default stays None so that a flag given with --emulator can be told from the environment
        # (see _from_environment).
        groups[group].add_argument(flag, default=None, help=f"{what} [{env}]")
    groups["own"].add_argument(
        "--classic", action="store_true", help="use cgi-bin/token instead of cgi-bin/stable_token"
    )
    c = creds.add_argument_group("connection")
    c.add_argument("--base-url", default=None, help=f"API host (default {DEFAULT_BASE_URL}) [WXTCB_BASE_URL]")
    c.add_argument("--timeout", type=float, default=10.0, help="seconds per attempt (default 10)")
    c.add_argument(
        "--emulator",
        action="store_true",
        help="run against an embedded emulator as its demo app (no WeChat account needed; "
        "takes no credentials or --base-url)",
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


#: What WeChat issues: "wx" and 16 lower-case hex digits (mini programs, official accounts and
#: platforms alike). WeChat's pages define no pattern; every appid they and the console show has this
#: shape, and 40013's text asks to check the appid "avoiding odd characters, minding case".
_APPID = re.compile(r"wx[0-9a-f]{16}")
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def _from_environment(args: argparse.Namespace) -> None:
    """Fill the credential and host flags left out from their WXTCB_* variables."""
    if args.emulator:
        return  # the demo app's credentials and host are set already; the environment's are not used
    for _group, flag, env, _what in _CREDENTIAL_FLAGS:
        dest = flag.removeprefix("--").replace("-", "_")
        if getattr(args, dest) is None:
            setattr(args, dest, os.environ.get(env) or None)
    if args.base_url is None:
        args.base_url = os.environ.get("WXTCB_BASE_URL") or DEFAULT_BASE_URL


def check_appid(flag: str, value: str, base_url: str) -> None:
    """Refuse, before anything is sent, an appid WeChat cannot have issued.

    Only against WeChat's own host: an emulator or a proxy (another ``--base-url``) may use
    appids of its own, such as the demo app's. The value is never echoed (it may be a secret pasted
    in the wrong place); the message says what is wrong with it.
    """
    if base_url.rstrip("/") != DEFAULT_BASE_URL or _APPID.fullmatch(value):
        return
    if _HEX32.fullmatch(value):
        why = "it has the shape of an AppSecret (32 hex digits): pass that as the secret"
    elif not value.startswith("wx"):
        why = f"it does not start with 'wx' ({len(value)} characters)"
    elif len(value) != 18:
        why = f"it has {len(value)} characters, not 18"
    elif value != value.lower():
        why = "it has upper-case letters (WeChat's appids are lower case)"
    else:
        why = "it has characters other than 0-9 and a-f after 'wx'"
    raise UsageError(
        f"{flag} is not a WeChat appid: {why}; an appid is 'wx' and 16 hex digits, e.g. "
        "wx1234567890abcdef (mp.weixin.qq.com: 开发 > 开发管理 > 开发设置)"
    )


def _refuse_with_emulator(args: argparse.Namespace) -> None:
    """--emulator acts as the demo app on its own host: credentials or a host given with it are refused."""
    given = [
        flag
        for _group, flag, _env, _what in _CREDENTIAL_FLAGS
        if getattr(args, flag.removeprefix("--").replace("-", "_")) is not None
    ]
    if args.base_url is not None:
        given.append("--base-url")
    if given:
        raise UsageError(
            f"--emulator uses the embedded emulator's demo app, so {', '.join(given)} would be ignored: "
            "leave them out, or drop --emulator to use them (a served emulator: `wxtcb emulator`, "
            "then --base-url with its URL)"
        )


def provider(args: argparse.Namespace) -> TokenProvider:
    """The token provider the credentials flags (then the WXTCB_* variables) describe."""
    _from_environment(args)
    if args.third_party and not args.emulator:
        raise UsageError(
            "--third-party goes with --emulator (it picks the demo platform); alone it does nothing"
        )
    third_party = {
        "--component-appid": args.component_appid,
        "--component-secret": args.component_secret,
        "--ticket": args.ticket,
        "--authorizer-appid": args.authorizer_appid,
        "--refresh-token": args.refresh_token,
    }
    if any(third_party.values()):
        missing = [flag for flag, value in third_party.items() if not value]
        if missing:
            raise UsageError(
                f"acting for a merchant needs {', '.join(missing)} too (or their WXTCB_* variables)"
            )
        check_appid("--component-appid", args.component_appid, args.base_url)
        check_appid("--authorizer-appid", args.authorizer_appid, args.base_url)
        component = ComponentTokenProvider(args.component_appid, args.component_secret, ticket=args.ticket)
        return component.authorizer(args.authorizer_appid, refresh_token=args.refresh_token)
    if not args.appid and not args.secret:
        raise UsageError(
            "no credentials: pass --appid and --secret (or WXTCB_APPID and WXTCB_SECRET), "
            "or --emulator to try wxtcb against the embedded emulator"
        )
    if not args.secret:
        raise UsageError("--appid is given but its secret is missing: pass --secret (or set WXTCB_SECRET)")
    if not args.appid:
        raise UsageError("--secret is given but the appid is missing: pass --appid (or set WXTCB_APPID)")
    check_appid("--appid", args.appid, args.base_url)
    return AppTokenProvider(args.appid, args.secret, stable=not args.classic)


#: Called with the embedded emulator and the appid acting on it, before the command runs:
#: a subcommand seeds what it wants to show, with `wxtcb.testing.Emulator.seed_demo`.
Seed = Callable[[object, str], None]


@contextlib.asynccontextmanager
async def client(args: argparse.Namespace, seed: Seed | None = None) -> AsyncIterator[Client]:
    """A client from the flags; with --emulator, on an embedded emulator with demo credentials."""
    if args.emulator:
        _refuse_with_emulator(args)
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
