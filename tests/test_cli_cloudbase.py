"""``wxtcb functions invoke`` and ``wxtcb db query``: JSON out, --emulator works, bad input is one line."""

from __future__ import annotations

import json

import pytest

from wxtcb.cli import main


def test_functions_invoke_on_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    """invoke prints what the (seeded echo) function returned, as JSON."""
    assert main(["functions", "invoke", "--emulator", "prod", "login", "--data", '{"code": "x"}']) == 0
    assert json.loads(capsys.readouterr().out) == {"event": {"code": "x"}}


def test_db_query_on_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    """db query prints the page's documents and pager as JSON."""
    statement = 'db.collection("todos").where({done:false}).limit(1).get()'
    assert main(["db", "query", "--emulator", "prod", statement]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pager"] == {"offset": 0, "limit": 1, "total": 2}
    assert [d["_id"] for d in out["data"]] == ["todo-1"]


def test_db_query_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A statement the database refuses is one line on stderr with the errcode, exit 1."""
    assert main(["db", "query", "--emulator", "prod", 'db.collection("nope").get()']) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("wxtcb: error: CloudBaseError: errcode -502005")


@pytest.mark.parametrize(
    "argv",
    [
        ["functions", "invoke", "--emulator", "prod", "login", "--data", "{not json"],
        ["db", "query", "--emulator", "prod", "  "],
    ],
)
def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """Bad JSON or an empty statement is a usage error: exit 2, one line."""
    assert main(argv) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("wxtcb: error:")
