"""A griffe extension for the docs build: what mkdocstrings' Python handler would otherwise miss.

* ``#:`` comments above an attribute (the Sphinx convention some modules use) become its
  docstring, so the attribute is documented instead of hidden.
* reST leftovers become Markdown: a paragraph ending in ``::`` (or a ``.. code-block::``
  directive) followed by an indented block becomes a fenced code block.
* A class's ``Attributes:`` section is moved onto the attributes themselves, so that each one is
  rendered once, with its type and its description (the site shows undocumented attributes too,
  with their types: every public field is visible).
* A namespace method declared as ``endpoint(SomeMethod)`` is documented as sending that method
  object, with the method's own summary.
* A method without a docstring takes the one of the method it implements: in a base class, or in
  the ``Protocol`` of the package whose every method the class has (``MemoryTokenStore.get_token``
  reads as ``TokenStore.get_token`` says), so no reference entry is left empty.
"""

from __future__ import annotations

import ast
import re
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import griffe

__all__ = ["WxtcbDocs", "comment_above", "rest_to_markdown"]

_SECTION = re.compile(r"^Attributes:\n((?:    .*\n?|\n)+)", re.M)
_ITEM = re.compile(r"^(\w+)(?: \([^)]*\))?: ?(.*)$")
_DIRECTIVE = re.compile(r"^(\s*)\.\. code-block::\s*(\w*)\s*$")


@cache
def _lines(path: str) -> list[str]:
    return Path(path).read_text(encoding="utf-8").splitlines()


def comment_above(lines: list[str], lineno: int) -> str | None:
    """The ``#:`` comment block right above line *lineno* (1-based), without its markers."""
    found: list[str] = []
    i = lineno - 2
    while i >= 0 and lines[i].lstrip().startswith("#:"):
        found.append(lines[i].lstrip()[2:].strip())
        i -= 1
    return " ".join(reversed(found)) or None


def rest_to_markdown(text: str) -> str:
    """Turn ``::`` literal blocks and ``.. code-block::`` directives into fenced code blocks."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.match(line)
        if not directive and not line.rstrip().endswith("::"):
            out.append(line)
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        if directive:
            lang = directive.group(2) or "python"
        else:
            lead = line.rstrip()[:-2].rstrip()
            lang = "python" if lead.strip() else "text"
            if lead.strip():
                out.append(lead + ":")
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        block: list[str] = []
        while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
            block.append(lines[j])
            j += 1
        while block and not block[-1].strip():
            block.pop()
        pad = " " * indent
        out += ["", f"{pad}```{lang}", *(pad + b for b in textwrap.dedent("\n".join(block)).split("\n"))]
        out += [f"{pad}```", ""]
        i = j
    return "\n".join(out)


def _field_default(source: str) -> str | None:
    """The ``default=`` of an ``attrs.field(...)`` call, as source text (None without one)."""
    try:
        call = ast.parse(source, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(call, ast.Call):
        for keyword in call.keywords:
            if keyword.arg == "default":
                return ast.unparse(keyword.value)
            if keyword.arg == "factory":
                return f"{ast.unparse(keyword.value)}()"
    return None


def split_attributes(text: str) -> tuple[str, dict[str, str]]:
    """A docstring without its ``Attributes:`` section, and the section's descriptions by name."""
    match = _SECTION.search(text)
    if match is None:
        return text, {}
    items: dict[str, str] = {}
    current = None
    for line in match[1].split("\n"):
        item = _ITEM.match(line[4:]) if line.startswith("    ") and not line.startswith("     ") else None
        if item:
            current = item[1]
            items[current] = item[2]
        elif current and line.strip():
            items[current] += "\n" + line[8:]
        elif current:
            items[current] += "\n"
    rest = (text[: match.start()] + text[match.end() :]).rstrip()
    return rest, {k: v.strip() for k, v in items.items()}


def _endpoint_doc(attr: griffe.Attribute) -> str | None:
    value = str(attr.value or "")
    match = re.fullmatch(r"endpoint\((\w+)\)", value)
    if not match:
        return None
    target = attr.parent.parent if attr.parent is not None else None  # the module
    method = None
    if target is not None and match[1] in target.members:
        method = target.members[match[1]]
    path = method.final_target.path if method is not None and method.is_alias else getattr(method, "path", "")
    summary = ""
    if method is not None and method.docstring is not None:
        summary = method.docstring.value.split("\n\n")[0].strip()
    link = f"[`{match[1]}`][{path}]" if path else f"`{match[1]}`"
    return f"{summary}\n\nSends {link}: takes its fields as arguments and returns its result.".strip()


class WxtcbDocs(griffe.Extension):
    """Documents ``#:`` attributes and turns reST literal blocks into Markdown."""

    def on_instance(self, *, node: ast.AST | griffe.ObjectNode, obj: griffe.Object, **kwargs: Any) -> None:
        """Fix one object as soon as griffe has it."""
        if obj.is_attribute and obj.docstring is None and obj.lineno and obj.filepath:
            comment = comment_above(_lines(str(obj.filepath)), obj.lineno)
            if comment:
                obj.docstring = griffe.Docstring(comment, lineno=obj.lineno, parent=obj)
        value = str(obj.value) if obj.is_attribute and obj.value is not None else ""  # type: ignore[attr-defined]
        if value.startswith(("attrs.field(", "field(")):
            # Show an attrs field's default, not the attrs.field(...) call that declares it.
            obj.value = _field_default(value)  # type: ignore[attr-defined]
        if obj.docstring is not None and ("::" in obj.docstring.value):
            obj.docstring.value = rest_to_markdown(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Once everything is loaded: move Attributes sections, document endpoint attributes."""
        protocols = [obj for obj in _walk(pkg) if obj.is_class and _is_protocol(obj)]  # type: ignore[arg-type]
        for obj in _walk(pkg):
            if obj.is_function and obj.docstring is None and obj.parent is not None and obj.parent.is_class:
                doc = _implemented_doc(obj, protocols)  # type: ignore[arg-type]
                if doc is not None:
                    obj.docstring = griffe.Docstring(doc, parent=obj)
            if obj.is_class and obj.docstring is not None:
                rest, items = split_attributes(obj.docstring.value)
                moved = {k: v for k, v in items.items() if k in obj.members and not obj.members[k].is_alias}
                if moved and set(moved) == set(items):
                    for name, text in moved.items():
                        member = obj.members[name]
                        if member.docstring is None:
                            member.docstring = griffe.Docstring(text, parent=member)
                    obj.docstring.value = rest
            elif obj.is_attribute and obj.docstring is None:
                doc = _endpoint_doc(obj)  # type: ignore[arg-type]
                if doc:
                    obj.docstring = griffe.Docstring(doc, parent=obj)


def _is_protocol(cls: griffe.Class) -> bool:
    return any(str(base).split(".")[-1].split("[")[0] == "Protocol" for base in cls.bases)


def _public_methods(cls: griffe.Class) -> set[str]:
    return {n for n, m in cls.members.items() if not n.startswith("_") and not m.is_alias and m.is_function}


def _implemented_doc(func: griffe.Function, protocols: list[griffe.Class]) -> str | None:
    """The docstring of the method *func* implements: in a base class, else in a protocol."""
    cls = func.parent
    assert isinstance(cls, griffe.Class)
    try:
        bases = cls.mro()
    except (ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        bases = []
    for base in bases:
        member = base.members.get(func.name)
        if member is not None and not member.is_alias and member.docstring is not None:
            return member.docstring.value
    for protocol in protocols:
        if protocol is cls or func.name not in protocol.members:
            continue
        member = protocol.members[func.name]
        if member.docstring is not None and _public_methods(protocol) <= set(cls.all_members):
            return member.docstring.value
    return None


def _walk(obj: griffe.Object) -> Any:
    for member in list(obj.members.values()):
        if member.is_alias:
            continue
        yield member
        if member.is_module or member.is_class:
            yield from _walk(member)
