"""The aggregation pipeline: the stages ``match``, ``sort``, ``skip``, ``limit`` and ``project``."""

from __future__ import annotations

import datetime as _dt
from typing import Final

from wxtcb.testing.docdb.errors import INVALID_PARAMETER, DocDBError, invalid
from wxtcb.testing.docdb.match import matches
from wxtcb.testing.docdb.query import int_arg, order, project, projection_spec
from wxtcb.testing.docdb.statement import Call
from wxtcb.testing.docdb.values import Document, resolve

__all__ = [
    "run_pipeline",
]

_AGGREGATE_STAGES: Final = frozenset({"match", "sort", "skip", "limit", "project"})


def run_pipeline(docs: list[Document], stages: tuple[Call, ...], now: _dt.datetime) -> list[Document]:
    """Run the aggregate *stages* (between ``aggregate()`` and ``end()``) over *docs*, in order."""
    for stage in stages:
        if stage.name not in _AGGREGATE_STAGES:
            invalid(f"statement: the emulator does not implement the aggregate stage {stage.name}()")
        if stage.name == "match":
            if len(stage.args) != 1:
                invalid("statement: match() takes one condition")
            condition = resolve(stage.args[0], now)
            docs = [d for d in docs if matches(d, condition)]
        elif stage.name == "sort":
            if len(stage.args) != 1 or not isinstance(stage.args[0], dict) or not stage.args[0]:
                invalid("statement: sort() takes {field: 1 | -1}")
            keys = [(p, _direction(v)) for p, v in stage.args[0].items()]
            docs = order(docs, keys)
        elif stage.name == "skip":
            docs = docs[int_arg(stage, 0) :]
        elif stage.name == "limit":
            docs = docs[: int_arg(stage, 1)]
        else:
            spec = projection_spec(stage.args, "project")
            docs = [project(d, spec) for d in docs]
    return docs


def _direction(value: object) -> bool:
    if value in (1, -1) and not isinstance(value, bool):
        return value == -1
    raise DocDBError(INVALID_PARAMETER, "statement: sort() directions are 1 or -1")
