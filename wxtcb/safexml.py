"""The one parser of untrusted XML: pushes (their envelope and their decrypted message), cloud-run
bots' XML pushes, and COS's error answers all go through `parse_untrusted`.

Built on ``defusedxml``: a DTD, an entity declaration or an external reference is refused, never
expanded ("billion laughs", external entities). The text is decoded as UTF-8 before parsing, so a
UTF-16 body (whose declaration would make expat read past a byte-level check) fails as bad UTF-8;
its size and nesting are bounded.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import Any

__all__ = ["DEFAULT_MAX_DEPTH", "DEFAULT_MAX_SIZE", "UnsafeXMLError", "parse_untrusted"]

#: The largest XML read unless the caller says otherwise, in bytes (WeChat's pushes and COS's
#: error answers are a few hundred bytes).
DEFAULT_MAX_SIZE = 64 * 1024
#: Deeper nesting than this is not a push nor an error answer.
DEFAULT_MAX_DEPTH = 32


class UnsafeXMLError(ValueError):
    """XML refused: too large, not UTF-8, malformed, too deep, or carrying a DTD or an entity.

    The message says which, never the XML's content. Each caller turns it into its own answer (a
    push refused with 403 or 400; a COS error read from its HTTP status alone).
    """


def parse_untrusted(
    data: bytes | str, *, max_size: int = DEFAULT_MAX_SIZE, max_depth: int = DEFAULT_MAX_DEPTH
) -> ElementTree.Element:
    """The root element of *data*, parsed without DTDs, entities or external references.

    Raises:
        UnsafeXMLError: *data* is over *max_size* bytes, not UTF-8, not well-formed XML, nested
            deeper than *max_depth*, or holds a DTD, an entity declaration or an external
            reference.
    """
    if isinstance(data, str):
        # Bounded in UTF-8 bytes, as the bytes are: a CJK character is three. The cheap check
        # first (a character is at least one byte), the exact one only for text that may fit.
        if len(data) > max_size or len(data.encode("utf-8", "surrogatepass")) > max_size:
            raise UnsafeXMLError(f"XML over {max_size} bytes")
        text = data
    else:
        if len(data) > max_size:
            raise UnsafeXMLError(f"XML over {max_size} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeXMLError("XML that is not UTF-8") from None
    # A UTF-8 byte-order mark is allowed before the XML, as XML allows it.
    if not text.lstrip("\ufeff \t\r\n").startswith("<"):
        raise UnsafeXMLError("not XML")
    # Imported here: `import wxtcb` does not pay for it; only code that reads XML does.
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root: Any = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise UnsafeXMLError("XML with a DTD, an entity or an external reference") from None
    except (ElementTree.ParseError, ValueError):
        raise UnsafeXMLError("malformed XML") from None
    _check_depth(root, max_depth)
    return root  # type: ignore[no-any-return]


def _check_depth(root: ElementTree.Element, max_depth: int) -> None:
    # Iterative: a recursive walk of hostile nesting would hit Python's recursion limit first.
    stack = [(root, 0)]
    while stack:
        element, depth = stack.pop()
        if depth > max_depth:
            raise UnsafeXMLError(f"XML nested deeper than {max_depth}")
        stack.extend((child, depth + 1) for child in element)
