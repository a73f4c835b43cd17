"""One truth about installing wxtcb: the README, the site's home page and the installation page
show the same install block, and no page tells a reader to run an install that fails today."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
PAGES_WITH_THE_BLOCK = ["README.md", "docs/index.md", "docs/installation.md"]
#: An install from PyPI, where wxtcb is not published yet (the git form, ``'wxtcb[x] @ git+…'``, is fine).
PYPI_INSTALL = re.compile(r"pip install (?:wxtcb\b(?! @)|'wxtcb\[[^\]]*\]')")
_SAYS_IT_FAILS = re.compile(r"fails today|once (?:wxtcb is )?published", re.I)


def _install_block(text: str) -> str:
    """The first sh block that installs wxtcb."""
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        if "pip install" in block and "wxtcb" in block:
            return str(block)
    raise AssertionError("no install block")


def test_readme_home_page_and_installation_show_the_same_install() -> None:
    """The README's install block is, character for character, the home page's and the installation page's."""
    blocks = {
        page: _install_block((ROOT / page).read_text(encoding="utf-8")) for page in PAGES_WITH_THE_BLOCK
    }
    assert len(set(blocks.values())) == 1, blocks
    block = blocks["README.md"]
    assert "git clone https://github.com/wxtcb/wxtcb" in block
    # What runs on a fresh machine with the clone (CI's): the README's first command.
    assert "pip install . && wxtcb callback-config get --emulator" in block
    assert not PYPI_INSTALL.search(block)


def test_no_page_offers_an_install_from_pypi_as_working() -> None:
    """`pip install wxtcb` (and its extras from PyPI) appears only where a page says it fails today or
    works once published; it is in no code block."""
    pages = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]
    wrong = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r"```.*?```", text, re.S):
            wrong += [f"{page.name}: in a code block: {m[0]}" for m in PYPI_INSTALL.finditer(block)]
        prose = re.sub(r"```.*?```", "", text, flags=re.S)
        for paragraph in re.split(r"\n\s*\n", prose):
            if PYPI_INSTALL.search(paragraph) and not _SAYS_IT_FAILS.search(paragraph):
                wrong.append(f"{page.name}: {paragraph.strip()[:120]}")
    assert not wrong, "\n".join(wrong)


def test_the_check_finds_a_pypi_install() -> None:
    """The pattern above matches the installs that fail today and not the git installs that work."""
    assert PYPI_INSTALL.search("pip install wxtcb")
    assert PYPI_INSTALL.search("pip install 'wxtcb[redis]'")
    assert not PYPI_INSTALL.search("pip install 'wxtcb @ git+https://github.com/wxtcb/wxtcb'")
    assert not PYPI_INSTALL.search(
        "pip install 'wxtcb[redis,component] @ git+https://github.com/wxtcb/wxtcb'"
    )
