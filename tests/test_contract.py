"""The contract table: every endpoint's request and decoded answer, one row each, and the rules
that keep the table, the method objects, the namespaces and the emulator in step."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import sys
from typing import Any

import pytest
import tenacity

import tests.contract
import wxtcb
from tests.conftest import Answering
from tests.contract import Row
from wxtcb.methods import Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint, namespace
from wxtcb.protocol import build_request, check, decode, parse
from wxtcb.testing import Emulator


def _rows() -> list[Row]:
    rows: list[Row] = []
    for info in pkgutil.iter_modules(tests.contract.__path__):
        rows.extend(importlib.import_module(f"tests.contract.{info.name}").ROWS)
    return rows


ROWS = _rows()
TOKEN = "THE-TOKEN"


def _all_methods() -> set[type[Method[Any]]]:
    found: set[type[Method[Any]]] = set()
    todo = list(Method.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        # The class its module holds: attrs replaces a slotted class, and the replaced one stays
        # among __subclasses__ until the garbage collector gets to it.
        module = sys.modules.get(cls.__module__)
        if cls.__module__.startswith("wxtcb.") and getattr(module, cls.__qualname__, None) is cls:
            found.add(cls)
    return found


def _namespace_endpoints() -> dict[str, type[Any]]:
    """Every ``endpoint`` on the client and on each of its namespaces, by dotted name."""
    found: dict[str, type[Any]] = {}
    owners: list[tuple[str, type[Any]]] = [("Client", wxtcb.Client), ("Platform", wxtcb.Platform)]
    for owner_name, owner in (("Client", wxtcb.Client), ("Platform", wxtcb.Platform)):
        for name, value in vars(owner).items():
            if isinstance(value, namespace):
                owners.append((f"{owner_name}.{name}", value.cls))
    for prefix, owner in owners:  # grows while it runs: nested namespaces (database.collections)
        for name, value in vars(owner).items():
            if isinstance(value, endpoint):
                found[f"{prefix}.{name}"] = value.method
            elif isinstance(value, namespace) and owner is not wxtcb.Client:
                owners.append((f"{prefix}.{name}", value.cls))
    return found


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.path)
def test_request(row: Row) -> None:
    """The method object becomes exactly this request: path, token kind, query, body, idempotency."""
    spec = row.method.__endpoint__
    assert (spec.path, spec.token, spec.idempotent) == (row.path, row.token, row.idempotent)
    param = None if row.token is TokenKind.NONE else "access_token"
    request = build_request(row.method, TOKEN if param else None, param)
    assert request.path == row.path
    query = dict(request.params)
    if param:
        assert query.pop(param) == TOKEN
    assert query == row.query
    assert (json.loads(request.body) if request.body is not None else None) == row.body
    if request.body is not None:
        assert request.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.path)
def test_answer(row: Row) -> None:
    """WeChat's sample answer (as bytes, the way it arrives) decodes into the row's result."""
    request = build_request(row.method, TOKEN, "access_token")
    data = parse(200, json.dumps(row.answer, ensure_ascii=False).encode(), request)
    check(data, row.method, request)
    assert decode(data, row.method, request) == row.result


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.path)
def test_emulator_serves_the_endpoint(row: Row) -> None:
    """The emulator answers the path, checking the same token kind and HTTP method."""
    kinds, http_method = Emulator.endpoints()[row.path]
    assert row.token in kinds
    assert http_method == row.method.__endpoint__.http_method


def test_every_method_object_has_a_row() -> None:
    """No endpoint escapes the table."""
    assert {type(r.method) for r in ROWS} == _all_methods()


@pytest.mark.parametrize("cls", sorted(_all_methods(), key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_every_method_declares_its_endpoint(cls: type[Method[Any]]) -> None:
    """Each method object declares its path, token kind, doc page and return type where no wire field can collide."""
    spec = cls.__endpoint__
    assert isinstance(spec.token, TokenKind)
    assert spec.doc.startswith("https://developers.weixin.qq.com/")
    assert spec.http_method in ("GET", "POST")
    assert cls.__returns__ is None or cls.__returns__ is not Any


def test_method_objects_leave_every_wire_name_free() -> None:
    """The machinery of a method object is all dunder: a body field may be called query, api or returns."""
    for cls in (Method, *_all_methods()):
        framework = {n for n in vars(cls) if not n.startswith("_")}
        fields = {f.name for f in getattr(cls, "__attrs_attrs__", ())}
        assert framework <= fields, f"{cls.__name__} defines {framework - fields}"


def test_every_namespace_method_maps_to_a_method_object() -> None:
    """Namespace methods are method objects and nothing else; every business endpoint has one."""
    mapped = _namespace_endpoints()
    assert mapped, "the client has namespace methods"
    assert all(inspect.isclass(m) and issubclass(m, Method) for m in mapped.values())
    business = {m for m in _all_methods() if m.__endpoint__.token is not TokenKind.NONE}
    business -= {m for m in business if m.__module__ == "wxtcb.tokens.endpoints"}
    assert business <= set(mapped.values())


def test_namespaces_are_namespaces() -> None:
    """Every namespace on the client is a Namespace subclass (one small object per access)."""
    for value in vars(wxtcb.Client).values():
        if isinstance(value, namespace):
            assert issubclass(value.cls, Namespace)
            assert value.cls.__slots__ == ()


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.path)
async def test_a_first_attempt_never_enters_the_retry_machinery(
    row: Row, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every endpoint's successful call is one request and no tenacity at all: the retry
    machinery is entered only after a failure (the hot path of every endpoint, not one)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a first attempt entered tenacity")

    monkeypatch.setattr(tenacity.AsyncRetrying, "__init__", refuse)
    transport = Answering(json.dumps(row.answer, ensure_ascii=False).encode())
    kind = TokenKind.ACCESS if row.token is TokenKind.NONE else row.token
    provider = wxtcb.StaticTokenProvider(TOKEN, token_kind=kind)
    async with wxtcb.Client(provider, transport=transport) as client:  # type: ignore[arg-type]
        if row.token is TokenKind.NONE:  # a token endpoint: what providers send, through fetch
            result = await client._pipeline.fetch(row.method)
        else:
            result = await client(row.method)
    assert result == row.result
    assert transport.sent == 1
