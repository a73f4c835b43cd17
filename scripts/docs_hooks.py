"""mkdocs hooks (``hooks:`` in mkdocs.yml): pages generated from the code at build time."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import endpoint_index  # (scripts/ is not a package)

__all__ = ["MARKER", "on_page_content", "on_page_markdown", "soft_breaks"]

#: Replaced by the endpoint index, generated from the method objects.
MARKER = "<!-- endpoint-index -->"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Put the generated endpoint index where a page asks for it."""
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, endpoint_index.markdown())
    return markdown


# Inline code (not a code block: those open with <pre><span></span><code>) long enough to wrap.
_INLINE_CODE = re.compile(r"(?<!</span>)<code>([^<]{16,})</code>")
_TABLE = re.compile(r"(<table\b.*?</table>)", re.S)
_BREAK_AFTER = re.compile(r"([./(,_])(?=[^./(,_)\s\d])")


def _soften(match: re.Match[str]) -> str:
    return "<code>" + _BREAK_AFTER.sub(r"\1<wbr>", match[1]) + "</code>"


def soft_breaks(html: str) -> str:
    """Let long inline code in prose wrap after ``.``, ``/``, ``(``, ``,`` or ``_``, not mid-word.

    A ``<wbr>`` is an opportunity, not a break: short code is unchanged, copying is unchanged.
    Code in tables is left alone (a table scrolls sideways rather than split a call).
    """
    parts = _TABLE.split(html)  # tables (odd indexes) keep their code whole: they scroll instead
    for i in range(0, len(parts), 2):
        parts[i] = _INLINE_CODE.sub(_soften, parts[i])
    return "".join(parts)


def on_page_content(html: str, **kwargs: Any) -> str:
    """Soft breaks in long inline code (see `soft_breaks`)."""
    return soft_breaks(html)
