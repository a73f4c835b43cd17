"""The endpoint index: every method object wxtcb declares, as a Markdown table.

Generated from the method objects themselves (their ``__endpoint__`` and return type) and from
the namespaces that carry them, so the table cannot drift from the code. The docs build calls
`markdown()` (``scripts/docs_hooks.py``); ``python scripts/endpoint_index.py`` prints it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import typing
from collections.abc import Iterator

import wxtcb
from wxtcb.methods import Method, TokenKind
from wxtcb.namespaces import endpoint, namespace

__all__ = ["calls", "markdown", "method_classes"]

#: Where the namespaces hang: the root object a user holds, and how they write it.
ROOTS: list[tuple[type, str]] = [(wxtcb.Client, "client"), (wxtcb.Platform, "platform")]

TOKEN = {
    TokenKind.ACCESS: "access",
    TokenKind.COMPONENT: "component",
    TokenKind.NONE: "none (a token endpoint)",
}


def method_classes() -> list[type[Method[typing.Any]]]:
    """Every concrete method class in the package (those with an ``__endpoint__``), by path."""
    found: dict[str, type[Method[typing.Any]]] = {}
    for info in pkgutil.walk_packages(wxtcb.__path__, "wxtcb."):
        if ".testing" in info.name or ".cli" in info.name or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Method) and "__endpoint__" in vars(obj) and obj.__module__ == info.name:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return sorted(found.values(), key=lambda c: (c.__endpoint__.path, c.__qualname__))


def _walk(cls: type, prefix: str, depth: int = 0) -> Iterator[tuple[str, type]]:
    for name, value in vars(cls).items():
        if isinstance(value, endpoint):
            yield f"{prefix}.{name}()", value.method  # type: ignore[misc]
        elif isinstance(value, namespace) and depth < 3:
            yield from _walk(value.cls, f"{prefix}.{name}", depth + 1)


def calls() -> dict[type, list[str]]:
    """For each method class, the namespace calls that send it (``client.functions.invoke()``, …)."""
    found: dict[type, list[str]] = {}
    for root, prefix in ROOTS:
        for call, method in _walk(root, prefix):
            found.setdefault(method, []).append(call)
    return found


def _type_name(tp: object) -> str:
    if tp is None:
        return "None"
    if isinstance(tp, type) and not typing.get_args(tp):
        return tp.__name__
    # Qualified names (typing.Any, wxtcb.storage.FileLink): keep the last part only.
    return re.sub(r"\b(?:\w+\.)+(\w+)", r"\1", repr(tp))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """The index as a Markdown table, one row per method object."""
    by_method = calls()
    rows = [
        "| WeChat path | wxtcb call | Method object | Returns | Token | Idempotent |",
        "|---|---|---|---|---|---|",
    ]
    for cls in method_classes():
        ep = cls.__endpoint__
        default = "sent by the token providers" if cls.__module__ == "wxtcb.tokens.endpoints" else ""
        where = by_method.get(cls) or [default or "`await client(…)`"]
        call = "<br>".join(w if w.startswith("`") or " " in w else f"`{w}`" for w in where)
        path = f"[`{ep.path}`]({ep.doc})" if ep.doc.startswith("https://") else f"`{ep.path}`"
        rows.append(
            f"| {path} | {call} | `{cls.__module__}.{cls.__qualname__}` "
            f"| `{_cell(_type_name(cls.__returns__))}` | {TOKEN[ep.token]} "
            f"| {'yes' if ep.idempotent else 'no'} |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
