"""The layers hold: no module uses another object's private name, and cheap imports stay cheap.

A domain module uses only what the core offers every domain through public seams
(`wxtcb.namespaces.engine_of`, `wxtcb.Client.on_engine`, a provider's ``clock`` and
``release_hold``…), never ``x._name`` where *x* is not ``self`` or ``cls``, nor
``from wxtcb.m import _name``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import wxtcb

PACKAGE = Path(wxtcb.__file__).parent

#: The few private names used across objects, each inside the core or the emulator, with why.
#: An entry no longer needed is harmless; a new use must be added here with its reason.
ALLOWED: dict[tuple[str, str], str] = {
    # The descriptors of the core read the sender their owner (a Client, a Platform, a namespace)
    # exposes to them, on behalf of that owner.
    ("namespaces.py", "obj._send"): "endpoint/namespace descriptors read their owner's sender",
    # Client.on_engine is an alternative constructor: it fills the slots of the instance it made.
    ("client.py", "client._pipeline"): "Client.on_engine fills the new client's slots",
    ("client.py", "client._owns_pipeline"): "Client.on_engine fills the new client's slots",
    ("client.py", "client._state"): "Client.on_engine fills the new client's slots",
    # Enum's own lookup table, the documented way to make a lenient enum lookup cheap.
    ("converter.py", "lenient._value2member_map_"): "the enum's value table (stdlib API)",
}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(source: str) -> list[str]:
    """Each use in *source* of another object's or module's private name, as written."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            found.append(ast.unparse(node))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wxtcb"):
            found.extend(f"from {node.module} import {a.name}" for a in node.names if _private(a.name))
    return found


def test_the_scanner_sees_what_it_must() -> None:
    """The check itself: another object's private attribute and a private import are found;
    self's and cls's, and dunders, are not."""
    source = (
        "from wxtcb.client import _pipeline\n"
        "x = client._pipeline\n"
        "y = self._own\n"
        "z = cls._own\n"
        "w = self._client._state\n"
        "v = obj.__class__\n"
    )
    assert private_uses(source) == [
        "from wxtcb.client import _pipeline",
        "client._pipeline",
        "self._client._state",
    ]


def test_no_module_uses_another_objects_private_name() -> None:
    """Every module of wxtcb: no ``x._name`` on anything but self/cls, no private import, beyond
    the short list above; and every entry of that list is still needed."""
    offences = []
    seen = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        for use in private_uses(path.read_text(encoding="utf-8")):
            seen.add((where, use))
            if (where, use) not in ALLOWED:
                offences.append(f"{where}: {use}")
    assert offences == []
    assert set(ALLOWED) <= seen, f"stale entries on the allowed list: {set(ALLOWED) - seen}"


def test_the_allowed_list_stays_inside_the_core_and_the_emulator() -> None:
    """No domain module (batch, storage, platform, cloudrun…) is on the allowed list."""
    core = {"namespaces.py", "client.py", "converter.py"}
    for where, _ in ALLOWED:
        assert where in core or where.startswith("testing/"), where


def test_importing_cloudrun_does_not_load_the_aiohttp_server() -> None:
    """`import wxtcb.cloudrun` (a cold start) leaves aiohttp.web unloaded; Bot.handler loads it."""
    code = "import sys, wxtcb, wxtcb.cloudrun; print('aiohttp.web' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
