"""The CloudBase name tables of docs/migrating.md and the "not wrapped yet" list of the endpoint
index stay true to the code: every wxtcb call they name exists, every path they call not yet
wrapped is declared by no method object."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_scripts import SCRIPTS, load_module

DOCS = Path(__file__).parent.parent / "docs"

#: A namespace call as the tables write it: root, attributes, the opening parenthesis.
CALL = re.compile(r"\b(client|merchant|platform)((?:\.[a-z_0-9]+)+)\(")


def section(path: Path, heading: str) -> str:
    """The text of *path* from the ``## heading`` line to the next ``## `` heading."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every Markdown table row in *text* (header and rule lines left out)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return [r for r in rows if r[0] not in ("SKIT (`WechatApiClient`)", "WeChat path")]


def known_calls() -> set[str]:
    """Every namespace call the endpoint index knows, as ``client.sms.send``."""
    index = load_module(SCRIPTS / "endpoint_index.py")
    return {call.removesuffix("()") for calls in index.calls().values() for call in calls}


def test_every_wxtcb_call_in_the_migrating_tables_exists() -> None:
    """Each row's wxtcb cell names a call some namespace has (a merchant is a client), or says not yet."""
    text = section(DOCS / "migrating.md", "From the .NET SDKs and WxJava: CloudBase names")
    rows = table_rows(text)
    assert len(rows) > 50
    known = known_calls()
    for row in rows:
        wxtcb_cell = row[-1]
        if wxtcb_cell == "not yet":
            continue
        named = [
            ("client" if root == "merchant" else root) + attrs for root, attrs in CALL.findall(wxtcb_cell)
        ]
        assert named, row
        assert named[0] in known, f"{named[0]} (row {row[0]}) is no wxtcb call"


def test_paths_not_wrapped_yet_are_declared_by_no_method_object() -> None:
    """A path the index calls not wrapped yet has no method object (else the list is stale)."""
    index = load_module(SCRIPTS / "endpoint_index.py")
    declared = {cls.__endpoint__.path for cls in index.method_classes()}
    text = section(DOCS / "reference" / "endpoints.md", "Not wrapped yet")
    # A row that starts with prose (the upload getuploadsignature signs) names a wrapped path.
    path_rows = [row[0] for row in table_rows(text) if row[0].startswith("`")]
    listed = {p for cell in path_rows for p in re.findall(r"`((?:componenttcb|tcb|wxa)/[a-z]+)`", cell)}
    assert len(listed) >= 10
    assert not listed & declared, listed & declared
    assert "componenttcb/batchsetcspropotion" in declared  # the check can see a declared path


def test_the_not_yet_list_links_to_how_to_send_any_endpoint() -> None:
    """The list tells the reader how to send an endpoint wxtcb does not wrap, and the anchor exists."""
    text = section(DOCS / "reference" / "endpoints.md", "Not wrapped yet")
    assert "(../quickstart.md#namespaces-and-any-endpoint)" in text
    assert "## Namespaces, and any endpoint\n" in (DOCS / "quickstart.md").read_text(encoding="utf-8")
