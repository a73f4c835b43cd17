"""The docs' runnable examples run as written and print what the docs say; the documented pytest
configuration is the project's own, and with it the documented test passes in a new project."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "docs" / "examples"
TESTING_PAGE = ROOT / "docs" / "testing.md"

#: What each runnable example prints, exactly.
EXPECTED = {
    "quickstart": (
        "ContainerConfig(enable=True, qbase_env='test-env-6gni9ity244a6ea3', "
        "qbase_container_path='/container-echo', text_mode=<TextMode.JSON: 1>)\n"
        "ContainerConfig(enable=True, qbase_env='prod-env-1a2b3c', "
        "qbase_container_path='/wechat/push', text_mode=<TextMode.JSON: 1>)\n"
    ),
    "emulator_script": "['try wxtcb']\n1 query, 1 token issued\n",
}
#: Runnable examples whose output varies (trace ids, durations), each checked by the test named.
CHECKED_ELSEWHERE = {
    "opentelemetry_console": "tests/test_otel.py::test_console_example_prints_spans_and_metrics",
}


def runnable(path: Path) -> bool:
    """Whether *path* has an ``if __name__ == "__main__":`` block."""
    return 'if __name__ == "__main__":' in path.read_text()


def defines_main(path: Path) -> bool:
    """Whether *path* defines a top-level ``main`` (what a reader expects to run)."""
    tree = ast.parse(path.read_text())
    return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == "main" for n in tree.body)


def environment() -> dict[str, str]:
    """This process's environment, with this checkout first on the path, no pytest state, and
    not in development mode (as a reader runs it: dev mode's asyncio debug logs any step slower
    than 0.1 s to stderr, which on a busy machine says nothing about the example)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_") and k not in ("PYTHONDEVMODE", "PYTHONASYNCIODEBUG")
    }
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def test_every_example_with_a_main_runs_and_is_checked() -> None:
    """An example that defines main() can be run as a script, and each runnable one has its
    expected output here (a new one cannot go unchecked)."""
    for path in EXAMPLES.glob("*.py"):
        if defines_main(path):
            assert runnable(path), f"{path.name} defines main() but running it does nothing"
    assert {p.stem for p in EXAMPLES.glob("*.py") if runnable(p)} == set(EXPECTED) | set(CHECKED_ELSEWHERE)
    for name, test in CHECKED_ELSEWHERE.items():
        path, _, function = test.partition("::")
        assert f"def {function}(" in (ROOT / path).read_text(), f"{name}: {test} is gone"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_runnable_example_prints_what_it_shows(name: str, tmp_path: Path) -> None:
    """`python docs/examples/<name>.py` exits 0, prints exactly the expected lines and nothing
    on stderr, with warnings as errors, from a directory that is not the project's."""
    done = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / f"{name}.py")],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == EXPECTED[name]


def test_the_testing_page_shows_the_scripts_real_output() -> None:
    """The output docs/testing.md shows for the script example is what the script prints."""
    text = TESTING_PAGE.read_text()
    after = text.split('--8<-- "docs/examples/emulator_script.py"', 1)[1]
    shown = re.search(r"```text\n(.*?)```", after, re.S)
    assert shown is not None
    assert shown[1] == EXPECTED["emulator_script"]


def documented_configuration() -> str:
    """The pytest configuration block of docs/testing.md, as shown."""
    blocks = re.findall(r"```toml\n(.*?)```", TESTING_PAGE.read_text(), re.S)
    assert len(blocks) == 1
    return str(blocks[0])


def test_the_documented_configuration_comes_before_the_first_test_and_is_the_projects() -> None:
    """docs/testing.md shows pytest's configuration before its first test example, and it holds
    the project's own asyncio and warning settings."""
    text = TESTING_PAGE.read_text()
    assert text.index("```toml") < text.index('--8<-- "docs/examples/testing_example.py"')
    shown = tomllib.loads(documented_configuration())["tool"]["pytest"]["ini_options"]
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert set(shown) == {"asyncio_mode", "asyncio_default_fixture_loop_scope", "filterwarnings"}
    assert shown == {key: ours[key] for key in shown}


def test_the_documented_test_passes_in_a_new_project_without_warnings(tmp_path: Path) -> None:
    """A new project with only the documented configuration and the documented test: pytest
    passes it and reports no warning (pytest-asyncio before 1.0 warns when its loop scope is unset)."""
    (tmp_path / "pyproject.toml").write_text(documented_configuration())
    shutil.copy(EXAMPLES / "testing_example.py", tmp_path / "test_example.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rw"],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b1 passed\b", done.stdout), done.stdout
    assert "warning" not in done.stdout.lower(), done.stdout
