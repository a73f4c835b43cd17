"""The emulator is built bottom-up: its parts stand on wxtcb.testing.base and never import back up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import wxtcb.testing

PACKAGE = Path(wxtcb.testing.__file__).parent
#: What composes the parts (and what uses the composition): the only modules allowed above them.
COMPOSERS = {"__init__.py", "emulator.py", "pytest_plugin.py"}
PARTS = sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).as_posix() not in COMPOSERS)
SUBMODULES = {p.stem for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}


def imported(path: Path) -> set[str]:
    """Every module *path* imports, anywhere in it (TYPE_CHECKING blocks and functions included);
    ``from wxtcb.testing import x`` counts as importing ``wxtcb.testing.x`` when x is a submodule."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            assert node.level == 0, f"{path.name}: relative import"
            if node.module == "wxtcb.testing":
                for alias in node.names:
                    found.add(f"wxtcb.testing.{alias.name}" if alias.name in SUBMODULES else node.module)
            else:
                found.add(node.module)
    return found


def test_the_parts_are_found() -> None:
    """The check below looks at every part (a new file is checked without being listed)."""
    names = {p.relative_to(PACKAGE).as_posix() for p in PARTS}
    assert {
        "base.py",
        "tokens.py",
        "cloudbase.py",
        "batch.py",
        "docdb/__init__.py",
        "docdb/statement.py",
    } <= names


@pytest.mark.parametrize("path", PARTS, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_part_imports_the_emulator_or_the_package(path: Path) -> None:
    """No part imports wxtcb.testing.emulator, the wxtcb.testing package (which composes the parts)
    or the pytest plugin: the composition points one way, down."""
    upward = {"wxtcb.testing", "wxtcb.testing.emulator", "wxtcb.testing.pytest_plugin"}
    assert not imported(path) & upward


def test_the_base_imports_no_part() -> None:
    """wxtcb.testing.base is the bottom: it imports nothing else of wxtcb.testing."""
    assert not {m for m in imported(PACKAGE / "base.py") if m.startswith("wxtcb.testing")}


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix()
)
def test_no_module_uses_another_modules_private_name(path: Path) -> None:
    """No module of wxtcb.testing imports a private ``_name`` from another module, or reaches
    into the emulator's private attributes (``emulator._x``)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wxtcb"):
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{path.name} imports {private} from {node.module}"
        reaches_in = (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "emulator"
            and node.attr.startswith("_")
        )
        assert not reaches_in, f"{path.name}:{getattr(node, 'lineno', 0)} reaches into the emulator"


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    """The import scan sees the forms an upward import can take."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from wxtcb.testing.emulator import Emulator\n"
        "def f():\n    from wxtcb.testing import Emulator\n"
        "from wxtcb.testing import cloudbase\n"
    )
    assert imported(sample) >= {"wxtcb.testing.emulator", "wxtcb.testing", "wxtcb.testing.cloudbase"}
