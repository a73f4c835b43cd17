"""The built documentation site: no broken internal link or anchor, every public name in the reference.

`nox -s docs` builds the site and runs this file with ``WXTCB_SITE`` pointing at it; without
``WXTCB_SITE`` (the ordinary test run, which installs no mkdocs) the tests skip. Nothing here
touches the network.
"""

from __future__ import annotations

import importlib
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

#: Modules whose ``__all__`` is the public API (the others are the package's own machinery).
PUBLIC_MODULES = [
    "wxtcb",
    "wxtcb.authorization",
    "wxtcb.batch",
    "wxtcb.client",
    "wxtcb.cloud_users",
    "wxtcb.cloudrun",
    "wxtcb.database",
    "wxtcb.db",
    "wxtcb.environments",
    "wxtcb.errors",
    "wxtcb.events",
    "wxtcb.functions",
    "wxtcb.functions_admin",
    "wxtcb.message_push",
    "wxtcb.methods",
    "wxtcb.namespaces",
    "wxtcb.open_data",
    "wxtcb.otel",
    "wxtcb.platform",
    "wxtcb.push",
    "wxtcb.redis",
    "wxtcb.retry",
    "wxtcb.safexml",
    "wxtcb.sms",
    "wxtcb.storage",
    "wxtcb.stores",
    "wxtcb.tokens",
    "wxtcb.tokens.endpoints",
    "wxtcb.testing",
    "wxtcb.wechat_pay",
    "wxtcb.webhooks",
    "wxtcb.wire",
]

#: Names a public module exports for the package's own use; the reference leaves them out.
INTERNAL = {
    "wxtcb.__version__": "a string, shown on the changelog",
    "wxtcb.errors.api_error": "the pipeline's errcode-to-exception function",
    "wxtcb.errors.split_rid": "the pipeline's errmsg parser",
    "wxtcb.errors.holds_fetches": "the providers' reading of ERRCODES",
    "wxtcb.errors.refreshes_token": "the pipeline's reading of ERRCODES",
    "wxtcb.events.Observer": "the pipeline's logger and hook caller",
    "wxtcb.events.error_fields": "the Observer's helper",
    "wxtcb.events.Telemetry": "the seam wxtcb.otel.instrument installs",
    "wxtcb.otel.HttpGuard": "the transport's guard around a request",
    "wxtcb.otel.HttpSpan": "the guard's span of one request",
    "wxtcb.otel.http_guard": "the transport's way to get its guard",
}


_SITE_PATH = urlparse(
    re.search(r"^site_url: (\S+)", (Path(__file__).parent.parent / "mkdocs.yml").read_text(), re.M)[1]  # type: ignore[index]
).path


def _site() -> Path:
    site = os.environ.get("WXTCB_SITE")
    if not site:
        pytest.skip("run by `nox -s docs`, which builds the site and sets WXTCB_SITE")
    return Path(site)


class _Page(HTMLParser):
    """The ids and the links (href, src) of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.ids.add(value)
            elif (name == "href" and tag in ("a", "link")) or (name == "src" and tag in ("img", "script")):
                self.links.append(value)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _target(site: Path, page: Path, link: str) -> tuple[Path, str] | None:
    """The file and anchor an internal link points at; None for external links."""
    parsed = urlparse(link)
    if parsed.scheme or parsed.netloc or link.startswith(("mailto:", "javascript:")):
        return None
    path, fragment = urldefrag(link)
    path = unquote(path)
    if not path:
        return page, unquote(fragment)
    if path.startswith("/"):
        # Absolute links (the 404 page's) start with site_url's path.
        base, path = site, path.removeprefix(_SITE_PATH)
    else:
        base = page.parent
    target = (base / path.lstrip("/")).resolve()
    if target.is_dir() or path.endswith("/"):
        target = target / "index.html"
    return target, unquote(fragment)


def test_every_internal_link_and_anchor_resolves() -> None:
    """Each href/src in every built page points at a file that exists, and at an id on that page."""
    site = _site().resolve()
    pages = {p.resolve(): _parse(p) for p in site.rglob("*.html")}
    assert len(pages) > 20
    broken = []
    for path, page in pages.items():
        for link in page.links:
            target = _target(site, path, link)
            if target is None:
                continue
            file, fragment = target
            if not file.exists():
                broken.append(f"{path.relative_to(site)}: {link} (no such file)")
            elif fragment and file.suffix == ".html" and fragment not in pages[file].ids:
                broken.append(f"{path.relative_to(site)}: {link} (no such anchor)")
    assert not broken, "\n".join(broken)


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(dotted)


def test_every_public_name_is_in_the_reference() -> None:
    """Each name in wxtcb.__all__ and in each public module's __all__ has an entry in the reference."""
    site = _site()
    ids: set[str] = set()
    for page in (site / "reference").rglob("*.html"):
        ids |= {i for i in _parse(page).ids if i.startswith("wxtcb.")}
    by_last: dict[str, list[str]] = {}
    for i in ids:
        by_last.setdefault(i.rsplit(".", 1)[-1], []).append(i)
    missing, leaked = [], []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            dotted = f"{module_name}.{name}"
            if dotted in INTERNAL:
                if dotted in ids:
                    leaked.append(dotted)
                continue
            if dotted in ids:
                continue
            obj = getattr(module, name)
            candidates = by_last.get(name, [])
            if not any(_resolve(c) is obj for c in candidates):
                missing.append(dotted)
    assert not missing, f"public names missing from the reference: {missing}"
    assert not leaked, f"internal names shown in the reference: {leaked}"


def test_errcode_search_lands_on_troubleshooting() -> None:
    """Searching the site for an errcode finds its troubleshooting section, which has an anchor of its own."""
    import json

    site = _site()
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    hits = [doc["location"] for doc in index["docs"] if "40164" in doc["title"]]
    assert any(h.startswith("troubleshooting/#") for h in hits), hits
    ids = _parse(site / "troubleshooting" / "index.html").ids
    for code in ("40001", "40164", "61004", "45009", "61023", "61005", "85088"):
        assert any(code in i for i in ids), code


_OBJECT = re.compile(r'<div class="doc doc-object doc-(?:attribute|function)">')
_HEADING_ID = re.compile(r'\s*<h\d id="([^"]+)"')
_EMPTY_CONTENTS = re.compile(r'<div class="doc doc-contents ">\s*</div>')


def test_every_attribute_in_the_reference_has_a_description() -> None:
    """Each attribute and function the reference shows (fields, constants, methods) has a description.

    mkdocstrings renders one without a docstring as a bare heading; write its description in the
    class docstring's ``Attributes:`` section (or a ``#:`` comment above it), or the method's
    docstring (a method implementing a protocol takes the protocol's: scripts/griffe_wxtcb.py).
    """
    site = _site()
    bare = []
    for page in sorted((site / "reference").rglob("*.html")):
        for chunk in _OBJECT.split(page.read_text(encoding="utf-8"))[1:]:
            heading = _HEADING_ID.match(chunk)
            contents = chunk.find('<div class="doc doc-contents ">')
            if heading and contents >= 0 and _EMPTY_CONTENTS.match(chunk, contents):
                bare.append(f"{page.relative_to(site).parent}: {heading[1]}")
    assert not bare, f"{len(bare)} entries without a description:\n" + "\n".join(bare)


#: <link rel=…> values the browser fetches (canonical, next, prev… are only links).
_FETCHED_RELS = {
    "stylesheet",
    "preconnect",
    "preload",
    "prefetch",
    "dns-prefetch",
    "modulepreload",
    "icon",
    "manifest",
}
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.I)


class _Fetches(HTMLParser):
    """What loading one HTML page fetches by itself (scripts, styles, fonts, images, frames)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.repository_widget = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "link" and _FETCHED_RELS & set(a.get("rel", "").lower().split()):
            self.urls.append(a.get("href", ""))
        elif tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and a.get("src"):
            self.urls.append(a["src"])
        elif tag == "object" and a.get("data"):
            self.urls.append(a["data"])
        self.urls += [m[1] for m in _CSS_URL.finditer(a.get("style", ""))]
        # mkdocs-material's repository widget fetches its stars and forks from api.github.com.
        self.repository_widget |= a.get("data-md-component") == "source"

    def handle_data(self, data: str) -> None:
        self.urls += [m[1] for m in _CSS_URL.finditer(data)]  # inline <style> blocks


def _external(url: str) -> bool:
    return url.startswith("//") or urlparse(url).scheme in ("http", "https")


def test_no_page_fetches_from_another_host() -> None:
    """No built page loads a font, script, style, image or frame from another host (Google Fonts and
    GitHub's API are slow or blocked in mainland China, where WeChat's developers read this site),
    and no stylesheet of the site imports one; links a reader clicks are not fetches and are allowed."""
    site = _site()
    found = []
    for page in sorted(site.rglob("*.html")):
        fetches = _Fetches()
        fetches.feed(page.read_text(encoding="utf-8"))
        found += [f"{page.relative_to(site)}: {url}" for url in fetches.urls if _external(url)]
        if fetches.repository_widget:
            found.append(f"{page.relative_to(site)}: the repository widget (repo_url) calls api.github.com")
    for css in sorted(site.rglob("*.css")):
        found += [
            f"{css.relative_to(site)}: {m[1]}" for m in _CSS_URL.finditer(css.read_text(encoding="utf-8"))
        ]
    assert not found, "\n".join(found[:40])


def test_the_fetch_check_sees_what_it_must_refuse() -> None:
    """The parser behind the check above finds Google Fonts, a CDN script and the repository widget."""
    page = _Fetches()
    page.feed(
        '<link rel="preconnect" href="https://fonts.gstatic.com">'
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
        '<link rel="canonical" href="https://wxtcb.github.io/wxtcb/">'
        '<script src="//cdn.example.com/x.js"></script><a href="https://github.com/x">repo</a>'
        "<style>@import 'https://fonts.googleapis.com/css2';</style>"
        '<a class="md-source" data-md-component="source" href="https://github.com/x"></a>'
    )
    assert [u for u in page.urls if _external(u)] == [
        "https://fonts.gstatic.com",
        "https://fonts.googleapis.com/css?family=Roboto",
        "//cdn.example.com/x.js",
        "https://fonts.googleapis.com/css2",
    ]
    assert page.repository_widget
