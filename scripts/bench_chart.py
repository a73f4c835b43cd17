"""A chart of the benchmark ratios (wxtcb against raw aiohttp), as a self-contained SVG.

    python scripts/bench_chart.py [RESULTS.json] [-o docs/assets/bench-ratios.svg]

Reads what ``python -m benchmarks`` writes (``benchmarks/results/latest.json`` by default: the
newest ``benchmarks/results/*.json`` when no file is given) and draws, per concurrency level, the
CPU ratio and the throughput ratio with their round-by-round spread, against the line at 1.0
(raw aiohttp). Plain SVG, no script and no web font: it renders offline and on GitHub.
"""

from __future__ import annotations

import argparse
import json
import sys
from html import escape
from pathlib import Path
from typing import Any

__all__ = ["main", "newest_results", "svg"]

RESULTS = Path(__file__).parent.parent / "benchmarks" / "results"
DEFAULT_OUT = Path(__file__).parent.parent / "docs" / "assets" / "bench-ratios.svg"

#: (key in an overhead row, key of its [min, max] spread, label, colour)
SERIES = [
    ("cpu_ratio", "cpu_ratio_rounds", "CPU per call (lower is better)", "#2e7d32"),
    ("throughput_ratio", "throughput_ratio_rounds", "throughput (higher is better)", "#1565c0"),
]


def newest_results(folder: Path = RESULTS) -> Path | None:
    """The most recently written results file in *folder*, or None."""
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    return files[-1] if files else None


def svg(report: dict[str, Any], width: int = 640) -> str:
    """The chart of *report*'s overhead rows, as SVG text."""
    rows = report.get("overhead") or []
    if not rows:
        raise ValueError("the results hold no overhead section (run `python -m benchmarks`)")
    values = [v for row in rows for key, spread, _, _ in SERIES for v in (row[key], *row.get(spread, []))]
    top = max(1.25, max(values) * 1.1)
    left, right, bar, gap, head = 120, 24, 16, 18, 20 + 16 * len(SERIES)
    group = len(SERIES) * bar + gap
    height = head + len(rows) * group + 40
    scale = (width - left - right) / top

    def x(value: float) -> float:
        return left + value * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="title" font-family="system-ui, sans-serif" font-size="12">',
        '<title id="title">wxtcb against raw aiohttp: ratios per concurrency level</title>',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]
    for i, (_, _, label, colour) in enumerate(SERIES):
        ly = 6 + i * 16
        parts.append(f'<rect x="{left}" y="{ly}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{left + 18}" y="{ly + 10}">wxtcb ÷ raw aiohttp: {escape(label)}</text>')
    step = 0.25 if top <= 2 else 0.5
    tick = 0.0
    while tick <= top + 1e-9:
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{head - 6}" x2="{x(tick):.1f}" y2="{height - 30}" '
            f'stroke="{"#555" if tick == 1 else "#ddd"}" stroke-width="{2 if tick == 1 else 1}"/>'
        )
        parts.append(f'<text x="{x(tick):.1f}" y="{height - 14}" text-anchor="middle">{tick:g}</text>')
        tick += step
    for r, row in enumerate(rows):
        y0 = head + r * group
        parts.append(
            f'<text x="{left - 8}" y="{y0 + bar + 4}" text-anchor="end">'
            f"concurrency {row['concurrency']}</text>"
        )
        for s, (key, spread, _, colour) in enumerate(SERIES):
            y = y0 + s * bar
            value = row[key]
            parts.append(
                f'<rect x="{left}" y="{y + 2}" width="{value * scale:.1f}" height="{bar - 4}" '
                f'fill="{colour}"/>'
            )
            lo, hi = row.get(spread, [value, value])
            mid = y + bar / 2
            parts.append(
                f'<line x1="{x(lo):.1f}" y1="{mid}" x2="{x(hi):.1f}" y2="{mid}" '
                'stroke="#000" stroke-width="1.5"/>'
            )
            parts.append(f'<text x="{x(max(hi, value)) + 6:.1f}" y="{mid + 4}">{value:.2f}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the chart; exit 2 with one line when there are no results to draw."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs="?", type=Path, help="a results file (default: the newest)")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    source = args.results or newest_results()
    if source is None or not source.exists():
        print("bench-chart: no results: run `python -m benchmarks` first", file=sys.stderr)
        return 2
    try:
        text = svg(json.loads(source.read_text()))
    except (ValueError, KeyError) as exc:
        print(f"bench-chart: {source}: {exc}", file=sys.stderr)
        return 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"{args.output} (from {source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
