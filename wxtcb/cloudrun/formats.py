"""A push's wire formats: JSON, or XML read by `wxtcb.safexml.parse_untrusted`; replies encoded alike."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from wxtcb.safexml import UnsafeXMLError, parse_untrusted

__all__ = [
    "PushFormatError",
    "encode",
    "parse",
]

# --- wire formats -----------------------------------------------------------------------------


class PushFormatError(ValueError):
    """A push body that is neither a JSON object nor safe XML (never carries the body's content)."""


#: Deeper XML than this is not a WeChat push.
_MAX_XML_DEPTH = 32


def _element_value(element: ET.Element) -> Any:
    # The depth is bounded by `parse_untrusted` before this recursion runs.
    if len(element):
        return {child.tag.strip(): _element_value(child) for child in element}
    return (element.text or "").strip()


def parse(body: bytes) -> tuple[dict[str, Any], bool]:
    """A push body's fields and whether it was XML. Raises `PushFormatError` for anything else.

    XML is read by `wxtcb.safexml.parse_untrusted`: UTF-8 only, bounded, and a DTD or an entity
    declaration is refused, never expanded (no "billion laughs", no external entities).
    """
    start = body.lstrip()[:1]
    if start != b"{" and start != b"[":
        try:
            root = parse_untrusted(body, max_size=max(len(body), 1), max_depth=_MAX_XML_DEPTH)
        except UnsafeXMLError as exc:
            raise PushFormatError(f"neither a JSON object nor safe XML: {exc}") from None
        value = _element_value(root)
        return (value if isinstance(value, dict) else {}), True
    if start == b"{":
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise PushFormatError("malformed JSON") from None
        if isinstance(data, dict):
            return data, False
    raise PushFormatError("neither a JSON object nor XML")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml_items(fields: Mapping[str, Any]) -> str:
    out = []
    for key, value in fields.items():
        if isinstance(value, Mapping):
            inner = _xml_items(value)
        elif isinstance(value, bool):
            inner = str(int(value))
        elif isinstance(value, int | float):
            inner = str(value)
        else:
            inner = _cdata(str(value))
        out.append(f"<{key}>{inner}</{key}>")
    return "".join(out)


def encode(fields: Mapping[str, Any], *, xml: bool) -> bytes:
    """Encode wire fields as WeChat does: compact UTF-8 JSON, or ``<xml>`` with CDATA text."""
    if xml:
        return ("<xml>" + _xml_items(fields) + "</xml>").encode()
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
