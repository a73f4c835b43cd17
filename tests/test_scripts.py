"""The repository's scripts: the benchmark chart, the endpoint index, the docs build's griffe extension."""

from __future__ import annotations

import importlib.util
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).parent.parent / "scripts"


def load_module(path: Path) -> ModuleType:
    """Import a script (scripts/ is not a package); `nox -s docs` runs this file without conftest."""
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(f"script_{path.stem}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(path.parent))


REPORT = {
    "overhead": [
        {
            "concurrency": 1,
            "cpu_ratio": 1.10,
            "cpu_ratio_rounds": [1.05, 1.2],
            "throughput_ratio": 0.93,
            "throughput_ratio_rounds": [0.9, 0.97],
        },
        {
            "concurrency": 100,
            "cpu_ratio": 1.31,
            "cpu_ratio_rounds": [1.2, 1.4],
            "throughput_ratio": 0.88,
            "throughput_ratio_rounds": [0.8, 0.9],
        },
    ]
}


def test_bench_chart_draws_each_ratio_as_valid_svg(tmp_path: Path) -> None:
    """The chart is well-formed SVG with no script, one bar per ratio and level, and each value written."""
    chart = load_module(SCRIPTS / "bench_chart.py")
    results = tmp_path / "latest.json"
    results.write_text(json.dumps(REPORT))
    out = tmp_path / "chart.svg"
    assert chart.main([str(results), "-o", str(out)]) == 0
    root = ET.fromstring(out.read_text())
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    assert root.find(f".//{ns}script") is None
    bars = [
        r
        for r in root.iter(f"{ns}rect")
        if r.get("fill") in ("#2e7d32", "#1565c0") and r.get("width") != "12"
    ]
    assert len(bars) == 4
    texts = {t.text for t in root.iter(f"{ns}text")}
    assert {"1.10", "0.93", "1.31", "0.88", "concurrency 1", "concurrency 100"} <= texts


def test_bench_chart_without_results_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No results file, or one without an overhead section: exit 2 and one line, nothing written."""
    chart = load_module(SCRIPTS / "bench_chart.py")
    out = tmp_path / "chart.svg"
    assert chart.main([str(tmp_path / "missing.json"), "-o", str(out)]) == 2
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    assert chart.main([str(empty), "-o", str(out)]) == 2
    assert not out.exists()
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_endpoint_index_lists_every_method_object_once() -> None:
    """The generated index has one row per method object, with the namespace call that sends it."""
    index = load_module(SCRIPTS / "endpoint_index.py")
    table = index.markdown()
    classes = index.method_classes()
    assert len(classes) > 40
    rows = table.strip().splitlines()[2:]
    assert len(rows) == len(classes)
    assert any("`tcb/getcallbackconfig`" in r and "`client.get_callback_config()`" in r for r in rows)
    # One path, two rows: the app's call and batch mode's (component token).
    invoke = next(r for r in rows if "`tcb/invokecloudfunction`" in r and "`client.functions.invoke()`" in r)
    assert invoke.endswith("| access | no |")


def test_griffe_extension_turns_rest_literal_blocks_into_fences() -> None:
    """A paragraph ending in `::` and its indented block become a fenced block; `#:` comments are read."""
    pytest.importorskip("griffe", reason="installed by the docs dependency group; `nox -s docs` runs this")
    ext = load_module(SCRIPTS / "griffe_wxtcb.py")
    text = "Use it like this::\n\n    client = Client()\n    await client()\n\nThen more."
    assert ext.rest_to_markdown(text) == (
        "Use it like this:\n\n```python\nclient = Client()\nawait client()\n```\n\nThen more."
    )
    assert ext.comment_above(["#: The one", "#: converter.", "x = 1"], 3) == "The one converter."
    rest, items = ext.split_attributes(
        "Summary.\n\nAttributes:\n    a: First.\n    b (int): Second,\n        long.\n"
    )
    assert rest == "Summary."
    assert items == {"a": "First.", "b": "Second,\nlong."}


def test_soft_breaks_never_split_at_a_hyphen_and_keep_the_text() -> None:
    """Long inline code gets <wbr> after / . _ (in prose and tables alike), each hyphenated run is kept
    whole in a nobreak span, short code is unchanged, code blocks are untouched, and the visible text
    (what a reader copies) is exactly the original."""
    import re

    hooks = load_module(SCRIPTS / "docs_hooks.py")
    prose = "<p><code>cgi-bin/message/custom/send</code> and <code>x</code></p>"
    table = "<table><tr><td><code>platform.batch.database.collections.create()</code></td></tr></table>"
    block = '<pre><span></span><code>cgi-bin/message/custom/send = "long-enough-text"</code></pre>'
    out = hooks.soft_breaks(prose + table + block)
    assert '<code><span class="wxtcb-nobreak">cgi-bin/</span><wbr>message/<wbr>custom/<wbr>send</code>' in out
    assert "<code>x</code>" in out
    assert "<code>platform.<wbr>batch.<wbr>database.<wbr>collections.<wbr>create()</code>" in out
    assert block in out
    assert re.sub(r"<wbr>|</?span[^>]*>", "", out.replace(block, "")) == re.sub(
        r"</?span[^>]*>", "", prose + table
    )
    assert '<code><span class="wxtcb-nobreak">--base-url</span></code>' in hooks.soft_breaks(
        "<code>--base-url</code>"
    )


def test_label_cells_gives_each_cell_its_column_heading() -> None:
    """Every <td> of a Markdown table carries its column's heading (tags stripped, quotes escaped)."""
    hooks = load_module(SCRIPTS / "docs_hooks.py")
    html = (
        '<table><thead><tr><th>Provider</th><th><code>What</code> it sends</th><th>"Setup"</th></tr></thead>'
        "<tbody><tr><td>a</td><td>b</td><td>c</td></tr><tr><td>d</td><td>e</td><td>f</td></tr></tbody></table>"
        '<table class="x"><tr><td>untouched</td></tr></table>'
    )
    out = hooks.label_cells(html)
    assert out.count('<td data-label="Provider">') == 2
    assert out.count('<td data-label="What it sends">') == 2
    assert out.count('<td data-label="&quot;Setup&quot;">') == 2
    assert '<table class="x"><tr><td>untouched</td></tr></table>' in out
