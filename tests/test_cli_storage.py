"""``wxtcb storage upload|download|delete`` with --emulator: real sockets, one-line errors, no secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from wxtcb.cli import main


def test_upload_prints_the_file_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An upload against the embedded emulator prints the cloud:// id of the new file."""
    source = tmp_path / "a.txt"
    source.write_bytes(b"hello")
    assert main(["storage", "upload", "prod-env", str(source), "docs/a.txt", "--emulator"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("cloud://prod-env.")
    assert out.endswith("/docs/a.txt")


def test_upload_of_a_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A local file that does not exist: exit 2 and one line, before anything is sent."""
    assert main(["storage", "upload", "prod-env", str(tmp_path / "none"), "a.txt", "--emulator"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_delete_reports_each_file(capsys: pytest.CaptureFixture[str]) -> None:
    """An id the emulator does not hold: its line says failed, and the exit code is non-zero."""
    assert main(["storage", "delete", "prod-env", "cloud://prod-env.b/none", "--emulator"]) == 1
    captured = capsys.readouterr()
    assert "cloud://prod-env.b/none\tfailed" in captured.out
    assert "PartialFailureError" in captured.err


def test_download_of_an_unknown_id_leaves_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Downloading an id that does not exist: an error line, exit 1, and no file written."""
    dest = tmp_path / "out.bin"
    assert main(["storage", "download", "prod-env", "cloud://prod-env.b/none", str(dest), "--emulator"]) == 1
    assert "PartialFailureError" in capsys.readouterr().err
    assert not dest.exists()
