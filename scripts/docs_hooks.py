"""mkdocs hooks (``hooks:`` in mkdocs.yml): pages generated from the code at build time."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import endpoint_index  # (scripts/ is not a package)

__all__ = ["MARKER", "on_page_markdown"]

#: Replaced by the endpoint index, generated from the method objects.
MARKER = "<!-- endpoint-index -->"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Put the generated endpoint index where a page asks for it."""
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, endpoint_index.markdown())
    return markdown
