"""The examples run against the emulator and do what they say."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


def load(name: str) -> ModuleType:
    """Import examples/<name>.py as a module."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_fleet_reports_failures_without_stopping(capsys: pytest.CaptureFixture[str]) -> None:
    """200 merchants at a bound of 50: 198 read, the 2 revoked ones reported with 61023."""
    ok, failed = await load("fleet").main(200)
    assert (ok, failed) == (198, 2)
    out = capsys.readouterr().out
    assert out.count("RefreshTokenInvalidError (61023)") == 2
    assert "component tokens fetched: 1" in out
