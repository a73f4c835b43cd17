"""The ``wxtcb`` command: one subcommand per domain, and the emulator.

Expected failures (bad credentials, IP not whitelisted, quota, bad input) print one line on
stderr and exit non-zero; secrets never reach the output. Each domain's subcommands live in a
module of this package that registers them (``register(subparsers, credentials)``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from wxtcb.cli import cloudbase, cloudrun, emulator, message_push, storage
from wxtcb.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CommandError,
    Parser,
    UsageError,
    credentials_parser,
)
from wxtcb.errors import InvalidRequestError, WxTcbError

__all__ = ["main"]

#: The modules whose subcommands the command has, in the order --help lists them.
_COMMANDS = [message_push, cloudbase, storage, cloudrun, emulator]


def _parser() -> Parser:
    parser = Parser(prog="wxtcb", description="WeChat CloudBase (tcb) from the command line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    creds = credentials_parser()
    for module in _COMMANDS:
        module.register(sub, creds)
    return parser


def _events_only(record: logging.LogRecord) -> bool:
    """``-v`` shows wxtcb's events (requests are DEBUG) and warnings, not its other debug records."""
    return hasattr(record, "wxtcb_event") or record.levelno >= logging.INFO


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = _parser().parse_args(argv)
    handler = None
    log = logging.getLogger("wxtcb")
    level = log.level
    if getattr(args, "verbose", 0):
        # -v: every event (each request, token fetch, retry, replay); -vv: every record.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        if args.verbose == 1:
            handler.addFilter(_events_only)
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
    try:
        asyncio.run(args.run(args))
    except BrokenPipeError:
        # The reader went away (`wxtcb … | head`): stop quietly, and keep Python from printing
        # another error when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except KeyboardInterrupt:
        if args.command == "emulator":
            return 0  # Ctrl-C is how a served emulator stops
        print("wxtcb: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, InvalidRequestError) as exc:
        print(f"wxtcb: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WxTcbError as exc:
        print(f"wxtcb: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except CommandError as exc:
        print(f"wxtcb: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if handler is not None:
            log.removeHandler(handler)
            log.setLevel(level)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
