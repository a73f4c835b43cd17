"""The benchmark harness runs start to finish (figures are reported, never asserted as times)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_quick_benchmark_run(tmp_path: Path) -> None:
    """`python -m benchmarks --quick --profile` completes, writes its JSON (overhead at c1, c32 and
    c100 with CPU and throughput ratios and their spread, the profile's parts, the start-up rows),
    and the stampedes cost one fetch each."""
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--profile", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    assert [row["concurrency"] for row in report["overhead"]] == [1, 32, 100]
    for row in report["overhead"]:
        assert row["cpu_ratio"] > 0
        assert row["throughput_ratio"] > 0
        low, high = row["cpu_ratio_rounds"]
        assert 0 < low <= high
        assert row["reuse_cpu_ratio"] > 0  # the poller's option, reported on its own
    assert {"decode", "parse (json.loads included)", "token lookup", "events"} <= set(
        report["profile"]["us_per_call"]
    )
    assert report["stampede"]["cold"]["token_fetches"] == 1
    assert report["stampede"]["rejected"]["token_fetches"] == 1
    assert report["fleet"]["failures"] == 0
    for row in ("client", "bot", "cli", "first_answer"):  # start-up, whole processes
        assert report["startup"][row]["ratio"] > 0
        assert report["startup"][row]["wxtcb_rss_mb"] > 0
    assert report["fleet"]["component_fetches"] == 1
    assert "CPU ratio" in done.stdout
    assert "throughput ratio" in done.stdout
    assert "reuse_unchanged=True" in done.stdout
    assert "wechatpy" in done.stdout  # a contender, or the note that it is not installed


def test_bench_answer_is_the_official_sample_as_wechat_sends_it() -> None:
    """The overhead section's answer is the official sample's data: its spaced key kept, and
    fields wxtcb does not know on every object."""
    from benchmarks.callcost import OFFICIAL, bench_config

    config = bench_config()
    assert config["container_config"]["qbase_container_path "] == "/container-echo"
    assert len(config["function_config"]["callbacks"]) == len(
        OFFICIAL["data"]["function_config"]["callbacks"]
    )
    assert "ext_info" in config
    assert "update_time" in config["function_config"]
    assert all("rule_id" in cb for cb in config["function_config"]["callbacks"])
    assert "service_name" in config["container_config"]


def test_instructions_skip_without_valgrind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without valgrind, ``--instructions`` reports that it skipped, instead of failing."""
    from benchmarks import callcost

    monkeypatch.setattr(callcost, "valgrind", lambda: None)
    report = asyncio.run(callcost.instructions("http://127.0.0.1:1", [1]))
    assert "skipped" in report
    assert "skipped" in callcost.describe_instructions(report)


@pytest.mark.slow
def test_platform_scale_quick_run(tmp_path: Path) -> None:
    """`python -m benchmarks --platform-scale --quick` completes over two simulated hours: no call
    failed, the component token was fetched at most twice for the whole fleet, every merchant was
    refreshed once and the refreshes were spread over at least 20 minutes, and a call with its token
    in hand touched Redis not at all."""
    out = tmp_path / "scale.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--platform-scale", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    scale = json.loads(out.read_text())["platform_scale"]
    assert scale["failures"] == 0
    assert scale["component_fetches"] <= 2
    assert scale["refreshes"] == scale["merchants"]
    first, last = scale["refresh_minutes"]
    assert last - first >= 20
    assert scale["redis"]["ops_per_call_token_in_hand"] == 0
    assert scale["redis"]["ops_per_refresh_ahead"] > 0
    assert "memory per merchant" in done.stdout
