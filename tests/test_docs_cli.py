"""docs/cli.md documents the whole command: every command, every subcommand and every flag."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from wxtcb.cli import _parser

CLI_MD = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")


def _commands(parser: argparse.ArgumentParser, prefix: str) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """(``wxtcb command subcommand``, its parser) for every leaf of the command tree."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix, parser
        return
    for name, sub in subs[0].choices.items():
        yield from _commands(sub, f"{prefix} {name}")


LEAVES = dict(_commands(_parser(), "wxtcb"))


def test_the_tree_is_what_the_page_expects() -> None:
    """The walk finds the six commands and their subcommands (so the tests below check something)."""
    assert {leaf.split()[1] for leaf in LEAVES} == {
        "callback-config",
        "functions",
        "db",
        "storage",
        "push",
        "emulator",
    }
    assert len(LEAVES) == 9


def test_every_command_and_subcommand_is_in_docs_cli() -> None:
    """Each `wxtcb COMMAND SUBCOMMAND` has a usage line in docs/cli.md and each command a section."""
    missing = [leaf for leaf in LEAVES if not re.search(rf"^{re.escape(leaf)}\b", CLI_MD, re.M)]
    assert not missing, f"no usage line in docs/cli.md for: {missing}"
    sections = {leaf.split()[1] for leaf in LEAVES}
    assert all(f"## wxtcb {s}\n" in CLI_MD for s in sections), sections


def test_every_flag_is_in_docs_cli() -> None:
    """Each long flag any subcommand takes (--help aside) is named in docs/cli.md."""
    flags = {
        option
        for parser in LEAVES.values()
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }
    missing = sorted(f for f in flags if not re.search(rf"{re.escape(f)}(?![\w-])", CLI_MD))
    assert not missing, f"flags missing from docs/cli.md: {missing}"
