"""The benchmark harness runs start to finish (figures are reported, never asserted as times)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_quick_benchmark_run(tmp_path: Path) -> None:
    """`python -m benchmarks --quick` completes, writes its JSON, and the stampedes cost one fetch each."""
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    assert [row["concurrency"] for row in report["overhead"]] == [1, 100, 1000]
    assert all(row["cpu_ratio"] > 0 for row in report["overhead"])
    assert report["stampede"]["cold"]["token_fetches"] == 1
    assert report["stampede"]["rejected"]["token_fetches"] == 1
    assert report["fleet"]["failures"] == 0
    assert report["fleet"]["component_fetches"] == 1
    assert "CPU ratio" in done.stdout
