"""mkdocs hooks (``hooks:`` in mkdocs.yml): pages generated from the code at build time."""

from __future__ import annotations

import html as _html
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import endpoint_index  # (scripts/ is not a package)

__all__ = ["MARKER", "label_cells", "on_page_content", "on_page_markdown", "soft_breaks"]

#: Replaced by the endpoint index, generated from the method objects.
MARKER = "<!-- endpoint-index -->"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Put the generated endpoint index where a page asks for it."""
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, endpoint_index.markdown())
    return markdown


# Inline code (not a code block: those open with <pre><span></span><code>, and hold spans).
_INLINE_CODE = re.compile(r"(?<!</span>)<code>([^<]+)</code>")
_BREAK_AFTER = re.compile(r"([./(,_])(?=[^./(,_)\s\d])")
#: A run with a hyphen and no space (``cgi-bin``, ``--base-url``, ``prod-1a2b3c``): kept on one line.
_HYPHENATED = re.compile(r"[^\s<>]*-[^\s<>]*")
#: Shorter code never needs a break of its own.
_LONG = 16


def _keep_whole(match: re.Match[str]) -> str:
    return f'<span class="wxtcb-nobreak">{match[0]}</span>'


def _soften(match: re.Match[str]) -> str:
    text = match[1]
    if "-" not in text and len(text) < _LONG:
        return match[0]
    if len(text) >= _LONG:
        text = _BREAK_AFTER.sub(r"\1<wbr>", text)
    pieces = [_HYPHENATED.sub(_keep_whole, piece) for piece in text.split("<wbr>")]
    return "<code>" + "<wbr>".join(pieces) + "</code>"


def soft_breaks(html: str) -> str:
    """Let long inline code wrap after ``.``, ``/``, ``(``, ``,`` or ``_``, never at a hyphen or mid-word.

    A ``<wbr>`` is an opportunity, not a break: code that fits is unchanged on screen, and copying
    is unchanged (no character is added). A browser may break a line after a hyphen, which would
    split ``cgi-bin`` or ``--base-url``; each hyphenated run is put in a ``wxtcb-nobreak`` span
    (``white-space: nowrap`` in extra.css). Tables get the same treatment, so that a wide one (the
    endpoint index) fits the column instead of hiding its last columns.
    """
    return _INLINE_CODE.sub(_soften, html)


_TABLE = re.compile(r"<table>(.*?)</table>", re.S)
_TH = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_TD = re.compile(r"<td\b")
_TAG = re.compile(r"<[^>]+>")


def label_cells(html: str) -> str:
    """Give each cell of a Markdown table its column's heading as ``data-label``.

    On a phone, extra.css shows a table of three or more columns as one block per row, each cell
    under its label, instead of a table wider than the screen whose last columns hide off the edge.
    """

    def table(match: re.Match[str]) -> str:
        heads = [
            _html.escape(_html.unescape(_TAG.sub("", h)).strip(), quote=True) for h in _TH.findall(match[1])
        ]

        def row(r: re.Match[str]) -> str:
            column = iter(heads)
            return "<tr>" + _TD.sub(lambda _td: f'<td data-label="{next(column, "")}"', r[1]) + "</tr>"

        return "<table>" + _ROW.sub(row, match[1]) + "</table>"

    return _TABLE.sub(table, html)


def on_page_content(html: str, **kwargs: Any) -> str:
    """Soft breaks in long inline code (see `soft_breaks`), labelled table cells (`label_cells`)."""
    return label_cells(soft_breaks(html))
