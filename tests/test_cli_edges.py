"""The CLI's rough edges: each one ends in one line on stderr and a documented exit code."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.test_cli import ThreadedEmulator, run
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, Emulator, Fault

CMD = [sys.executable, "-m", "wxtcb"]
#: The CLI with SIGINT handled as in a terminal. A process started in the background by a
#: non-interactive shell (a CI runner, `nox … &`) inherits SIGINT *ignored*, and Python keeps it
#: ignored: there, Ctrl-C could not reach the CLI at all.
AS_IN_A_TERMINAL = [
    sys.executable,
    "-c",
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler);"
    " sys.argv[0] = 'wxtcb'; runpy.run_module('wxtcb', run_name='__main__', alter_sys=True)",
]


@pytest.fixture
def served() -> Iterator[Emulator]:
    """An emulator the CLI can reach while it runs its own event loop."""
    with ThreadedEmulator() as emulator:
        yield emulator


def one_line(err: str) -> str:
    """The single line of *err*, which must hold no traceback."""
    lines = [line for line in err.splitlines() if not line.startswith("wxtcb: using the embedded emulator")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_emulator_on_a_port_in_use_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    """`wxtcb emulator --port <taken>` says the port is taken, in one line, and exits 1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "emulator", "--port", str(port))
    assert code == 1
    assert out == ""
    assert one_line(err) == f"wxtcb: error: cannot listen on 127.0.0.1:{port}: Address already in use"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--timeout", "0"], "timeout must be a positive number of seconds"),
        (["--base-url", "api.weixin.qq.com"], "its scheme must be http or https"),
    ],
)
def test_bad_connection_flags_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    """--timeout 0 and a --base-url without a scheme are refused before anything is sent: exit 2."""
    appid = "wx1234567890abcdef"  # the shape WeChat's host needs (the demo appid is the emulator's)
    code, out, err = run(capsys, "callback-config", "get", "--appid", appid, "--secret", "s", *flags)
    assert code == 2
    assert out == ""
    assert message in one_line(err)


def test_v_logs_every_request(capsys: pytest.CaptureFixture[str], served: Emulator) -> None:
    """-v shows each request (the RequestFinished events, DEBUG) besides the token fetch; -vv adds nothing secret."""
    argv = [
        "callback-config",
        "get",
        "--appid",
        DEMO_APPID,
        "--secret",
        DEMO_SECRET,
        "--base-url",
        served.url,
    ]
    code, _, err = run(capsys, *argv, "-v")
    assert code == 0
    assert "tcb/getcallbackconfig attempt 1: ok" in err
    assert "cgi-bin/stable_token attempt 1: ok" in err
    assert "fetched stable token" in err
    code, _, quiet = run(capsys, *argv)
    assert code == 0
    assert "attempt" not in quiet  # without -v, nothing is logged


def test_ctrl_c_during_a_call_is_one_line_and_exit_130(served: Emulator) -> None:
    """SIGINT while a call hangs: `wxtcb: interrupted`, exit 130, no traceback."""
    # Every attempt hangs, not only the first: however late the signal is handled, the call
    # cannot have finished by then.
    served.fault("cgi-bin/stable_token", Fault.hang(), times=100)
    argv = [
        "callback-config",
        "get",
        "--appid",
        DEMO_APPID,
        "--secret",
        DEMO_SECRET,
        "--base-url",
        served.url,
    ]
    proc = subprocess.Popen(
        [*AS_IN_A_TERMINAL, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while served.calls["cgi-bin/stable_token"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)  # wait for the request to hang in the emulator
        assert served.calls["cgi-bin/stable_token"] == 1
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (out, err)
    assert out == ""
    assert one_line(err) == "wxtcb: interrupted"


def test_a_closed_pipe_is_quiet_and_exit_1() -> None:
    """`wxtcb … | head -0`: the reader is gone before the output; no BrokenPipeError, exit 1."""
    read, write = os.pipe()
    os.close(read)  # the reader went away before anything was written
    try:
        proc = subprocess.run(
            [*CMD, "callback-config", "get", "--emulator"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "BrokenPipe" not in proc.stderr
