"""The wxtcb command: it works, and every expected failure is one clear line with nothing sent."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import STATIC_SECRETS, assert_no_secret
from wxtcb.cli import main
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, Emulator, Fault


class ThreadedEmulator:
    """An emulator on its own loop in a thread, for CLI runs that start their own loop."""

    def __init__(self) -> None:
        self.emulator = Emulator()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Emulator:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.emulator.start(), self.loop).result(10)
        return self.emulator

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.emulator.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def served() -> Iterator[Emulator]:
    """An emulator the CLI can reach while it runs its own event loop."""
    with ThreadedEmulator() as emulator:
        yield emulator


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in this process; returns exit code, stdout, stderr."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def creds(emulator: Emulator, secret: str = DEMO_SECRET) -> list[str]:
    return ["--appid", DEMO_APPID, "--secret", secret, "--base-url", emulator.url]


def test_readme_command_works() -> None:
    """`wxtcb callback-config get --emulator` (the README's first command) prints the configuration."""
    done = subprocess.run(
        [sys.executable, "-m", "wxtcb", "callback-config", "get", "--emulator"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert config["container_config"]["qbase_container_path"] == "/container-echo"
    assert config["function_config"]["callbacks"][0]["msgType"] == "event"


def test_third_party_demo_works(capsys: pytest.CaptureFixture[str]) -> None:
    """--emulator --third-party acts for the demo merchant through component and authorizer tokens."""
    code, out, err = run(capsys, "callback-config", "get", "--emulator", "--third-party", "-vv")
    assert code == 0, err
    assert "container_config" in json.loads(out)
    assert "authorizer" in err
    assert_no_secret([out, err], STATIC_SECRETS)


def test_get_and_set_against_a_server(
    capsys: pytest.CaptureFixture[str], served: Emulator, tmp_path: Path
) -> None:
    """set --file sends the wire-format JSON; get prints it back."""
    wire = {
        "container_config": {
            "enable": True,
            "qbase_env": "env-9",
            "qbase_container_path": "/hook",
            "text_mode": 2,
        }
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(wire))
    code, out, err = run(capsys, "callback-config", "set", "--file", str(path), *creds(served))
    assert code == 0, err
    assert json.loads(out)["container_config"] == wire["container_config"]
    assert served.configs[DEMO_APPID]["container_config"] == wire["container_config"]
    code, out, _ = run(capsys, "callback-config", "get", *creds(served))
    assert code == 0
    assert json.loads(out) == wire


def test_credentials_come_from_the_environment(
    capsys: pytest.CaptureFixture[str], served: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WXTCB_APPID and WXTCB_SECRET stand in for the flags."""
    monkeypatch.setenv("WXTCB_APPID", DEMO_APPID)
    monkeypatch.setenv("WXTCB_SECRET", DEMO_SECRET)
    code, out, err = run(capsys, "callback-config", "get", "--base-url", served.url)
    assert code == 0, err
    assert json.loads(out) == {}


BAD_FILES = [
    ("not json", "{oops"),
    ("missing field", '{"container_config": {"enable": true, "qbase_env": "e"}}'),
    ("wrong type", '{"container_config": {"enable": "yes", "qbase_env": "e", "qbase_container_path": "/p"}}'),
    (
        "unknown key",
        '{"container_config": {"enable": true, "qbase_env": "e", "qbase_container_path": "/p", "typo": 1}}',
    ),
    (
        "relative path",
        '{"container_config": {"enable": true, "qbase_env": "e", "qbase_container_path": "p"}}',
    ),
    ("empty", "{}"),
    ("a list", "[]"),
]


@pytest.mark.parametrize(("case", "text"), BAD_FILES, ids=[c for c, _ in BAD_FILES])
def test_bad_files_are_one_line_and_send_nothing(
    capsys: pytest.CaptureFixture[str], served: Emulator, tmp_path: Path, case: str, text: str
) -> None:
    """A file that is not a valid configuration exits 2 with one line; no request is made."""
    path = tmp_path / "bad.json"
    path.write_text(text)
    code, out, err = run(capsys, "callback-config", "set", "--file", str(path), *creds(served))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("wxtcb: error:")
    assert sum(served.calls.values()) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["callback-config", "get"],
        ["callback-config", "get", "--appid", DEMO_APPID],
        ["callback-config", "get", "--component-appid", "wxc"],
        ["callback-config", "set", "--file", "/nonexistent/file.json", "--appid", "a", "--secret", "b"],
        ["callback-config", "get", "--no-such-flag"],
        ["callback-config"],
        ["nonsense"],
    ],
)
def test_usage_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Missing credentials, unknown flags and unreadable files: exit 2, one line, no traceback."""
    for name in ("WXTCB_APPID", "WXTCB_SECRET", "WXTCB_COMPONENT_APPID"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.error(40164, "invalid ip 203.0.113.7, not in whitelist"), "IPNotAllowedError"),
        (Fault.error(45009, "reach max api daily quota limit"), "QuotaError"),
        (Fault.error(40125, "invalid appsecret"), "BadCredentialsError"),
    ],
)
def test_expected_api_failures_are_one_line(
    capsys: pytest.CaptureFixture[str], served: Emulator, fault: Fault, expected: str
) -> None:
    """Bad credentials, a missing whitelist entry and quota: exit 1, one line naming the problem."""
    served.fault("cgi-bin/stable_token", fault)
    code, out, err = run(capsys, "callback-config", "get", *creds(served))
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err


def test_wrong_secret_is_not_printed(capsys: pytest.CaptureFixture[str], served: Emulator) -> None:
    """Even verbose output of a failed run carries no secret."""
    code, out, err = run(capsys, "callback-config", "get", "-vv", *creds(served, secret="wrong-secret-value"))
    assert code == 1
    assert "BadCredentialsError" in err
    assert_no_secret([out, err], ["wrong-secret-value", *served.issued_tokens()])


def test_emulator_command_serves(tmp_path: Path) -> None:
    """`wxtcb emulator` prints its URL and answers token requests until stopped."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "wxtcb", "emulator", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in first
        url = first.split()[-1]
        code = main(
            ["callback-config", "get", "--appid", DEMO_APPID, "--secret", DEMO_SECRET, "--base-url", url]
        )
        assert code == 0
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture
def no_credentials_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No WXTCB_* variable leaks in from the shell running the tests."""
    for name in (
        "WXTCB_APPID",
        "WXTCB_SECRET",
        "WXTCB_COMPONENT_APPID",
        "WXTCB_COMPONENT_SECRET",
        "WXTCB_COMPONENT_TICKET",
        "WXTCB_AUTHORIZER_APPID",
        "WXTCB_AUTHORIZER_REFRESH_TOKEN",
        "WXTCB_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


SECRET_LOOKING = "0123456789abcdef0123456789abcdef"

#: (flags, words the one line must contain): each credential mistake names what is wrong.
CREDENTIAL_MISTAKES: list[tuple[list[str], list[str]]] = [
    (["--appid", "wx1234567890abcdef"], ["--appid is given", "pass --secret", "WXTCB_SECRET"]),
    (["--secret", "s3cr3t-value"], ["--secret is given", "pass --appid", "WXTCB_APPID"]),
    ([], ["no credentials", "--appid and --secret", "--emulator"]),
    (["--appid", "98765", "--secret", "s"], ["--appid is not a WeChat appid", "does not start with 'wx'"]),
    (["--appid", "wx123", "--secret", "s"], ["--appid is not a WeChat appid", "5 characters, not 18"]),
    (["--appid", "WX1234567890ABCDEF", "--secret", "s"], ["does not start with 'wx'"]),
    (["--appid", "wx1234567890ABCDEF", "--secret", "s"], ["upper-case"]),
    (["--appid", "wx1234567890abcdeg", "--secret", "s"], ["other than 0-9 and a-f"]),
    (["--appid", SECRET_LOOKING, "--secret", "s"], ["shape of an AppSecret"]),
    (
        ["--component-appid", "wx1234567890abcdef", "--component-secret", "c"],
        ["acting for a merchant needs --ticket, --authorizer-appid, --refresh-token"],
    ),
    (
        [
            *["--component-appid", "comp", "--component-secret", "c", "--ticket", "t"],
            *["--authorizer-appid", "wx1234567890abcdef", "--refresh-token", "r"],
        ],
        ["--component-appid is not a WeChat appid"],
    ),
    (["--emulator", "--appid", "wx1234567890abcdef", "--secret", "s"], ["--emulator", "--appid, --secret"]),
    (["--emulator", "--base-url", "http://127.0.0.1:9"], ["--emulator", "--base-url would be ignored"]),
    (
        ["--third-party", "--appid", "wx1234567890abcdef", "--secret", "s"],
        ["--third-party goes with --emulator"],
    ),
]


@pytest.mark.parametrize(
    ("flags", "words"), CREDENTIAL_MISTAKES, ids=[" ".join(f) for f, _ in CREDENTIAL_MISTAKES]
)
def test_credential_mistakes_name_what_is_wrong(
    capsys: pytest.CaptureFixture[str], no_credentials_in_env: None, flags: list[str], words: list[str]
) -> None:
    """A missing half, an appid WeChat cannot have issued, or credentials given with --emulator: exit 2,
    one line that says which flag is wrong and how, with no network (no DNS error) and no value echoed."""
    code, out, err = run(capsys, "callback-config", "get", *flags)
    assert code == 2, err
    assert out == ""
    line = err.strip()
    assert len(line.splitlines()) == 1, err
    for word in words:
        assert word in line, (word, line)
    assert "TransportError" not in line
    assert_no_secret([line], [SECRET_LOOKING, "s3cr3t-value", "98765"])


def test_emulator_ignores_credentials_in_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --emulator, WXTCB_* variables (set for real work) are not used: the demo app answers."""
    monkeypatch.setenv("WXTCB_APPID", "wx1234567890abcdef")
    monkeypatch.setenv("WXTCB_SECRET", "real-secret-from-the-shell")
    monkeypatch.setenv("WXTCB_COMPONENT_APPID", "wxabcdefabcdefabcd")
    monkeypatch.setenv("WXTCB_BASE_URL", "http://127.0.0.1:9")
    code, out, err = run(capsys, "callback-config", "get", "--emulator")
    assert code == 0, err
    assert f"as {DEMO_APPID}" in err
    assert json.loads(out)["container_config"]["enable"] is True


def test_an_appid_of_another_shape_is_accepted_by_another_host(
    capsys: pytest.CaptureFixture[str], served: Emulator
) -> None:
    """The appid check applies to WeChat's host only: an emulator's demo appid works with its --base-url."""
    code, _out, err = run(capsys, "callback-config", "get", *creds(served))
    assert code == 0, err


def test_emulator_command_prints_credentials_a_curl_user_can_paste() -> None:
    """`wxtcb emulator` prints the demo appid and secret as values, and a curl line that fetches a token."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "wxtcb", "emulator", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    url = lines[0].split()[-1]
    # The demo secret is a public value of the emulator (it is in wxtcb's source), not a user's secret.
    assert lines[1].strip() == f"demo app: appid {DEMO_APPID}, secret {DEMO_SECRET}"
    assert lines[2].startswith(f"a token: curl -s {url}/cgi-bin/stable_token -d '")
    body = json.loads(lines[2].split(" -d ", 1)[1].strip().strip("'"))
    assert body == {"grant_type": "client_credential", "appid": DEMO_APPID, "secret": DEMO_SECRET}
    assert "wxtcb.testing.DEMO_SECRET" not in "".join(lines)


def test_db_query_without_get_is_a_usage_error_naming_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    """`wxtcb db query` with a statement that does not end in .get() says so and what to add: exit 2."""
    code, out, err = run(
        capsys, "db", "query", "--emulator", "prod", 'db.collection("todos").where({done:false})'
    )
    assert code == 2
    assert out == ""
    line = err.strip().splitlines()[-1]
    assert "does not end in one: end it with .get()" in line, line
