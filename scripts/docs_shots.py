"""Screenshots of every page of the built site, at 1280 px and 390 px, with headless Chromium.

    python scripts/docs_shots.py SITE_DIR OUT_DIR [--max-height PX]

Drives Debian's ``chromium`` (``apt-get install chromium``) over the DevTools protocol, with
aiohttp (a wxtcb dependency): no network, no browser download. Each page is captured whole, as
``OUT_DIR/<page>@<width>.png``; a page taller than ``--max-height`` is captured in parts,
``<page>@<width>-1.png``, ``-2``… (nothing is cut off). Used by ``nox -s docs-shots``; the
screenshots are artefacts, kept out of git.

Each page is also measured: a table wider than its box (its last columns hidden until scrolled)
or anything wider than the screen is printed as ``clipped: <page>@<width>: …``, since a headless
screenshot shows no scrollbar. Code blocks are left out: they scroll by design (wrapping would
lose Python's indentation).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import http.server
import shutil
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp

__all__ = ["CLIPPED_JS", "WIDTHS", "clipped", "find_chromium", "main", "pages"]

#: Desktop and phone widths (CSS pixels).
WIDTHS = (1280, 390)
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The path of a Chromium (or Chrome) binary on PATH, or None."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pages(site: Path) -> list[str]:
    """Every page of a built site, as URL paths (``""``, ``"quickstart/"``, …), 404 left out."""
    found = []
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        found.append("" if rel == "." else rel + "/")
    return found


@contextlib.contextmanager
def _serve(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Tab:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        sent = self.next_id
        await self.ws.send_json({"id": sent, "method": method, "params": params})
        while True:
            message = await self.ws.receive_json(timeout=60)
            if message.get("id") == sent:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def wait_for(self, event: str) -> None:
        while True:
            message = await self.ws.receive_json(timeout=60)
            if message.get("method") == event:
                return


@contextlib.asynccontextmanager
async def _browser(chromium: str) -> AsyncIterator[_Tab]:
    profile = tempfile.mkdtemp(prefix="wxtcb-shots-")
    proc = await asyncio.create_subprocess_exec(
        chromium,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().count("\n") >= 1:
                break
            await asyncio.sleep(0.1)
        port = port_file.read_text().split("\n")[0]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            page = next(t for t in targets if t["type"] == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                tab = _Tab(ws)
                await tab.call("Page.enable")
                yield tab
    finally:
        proc.terminate()
        await proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


#: What is clipped on the page as shown: tables wider than their box, content wider than the screen.
CLIPPED_JS = r"""
(() => {
  const found = [];
  const screen = document.documentElement.clientWidth;
  for (const box of document.querySelectorAll('.md-typeset__scrollwrap')) {
    if (box.scrollWidth > box.clientWidth + 2) {
      const head = (box.querySelector('th') || box).innerText.trim().slice(0, 30);
      found.push(`table (${head}…) ${box.scrollWidth} px in ${box.clientWidth} px`);
    }
  }
  for (const el of document.querySelectorAll('.md-content *')) {
    if (el.getBoundingClientRect().right > screen + 1 && !el.closest('.md-typeset__scrollwrap, pre')) {
      const text = (el.innerText || '').trim().slice(0, 30);
      found.push(`${el.tagName.toLowerCase()} (${text}…) past the screen`);
      break;
    }
  }
  return found;
})()
"""


async def clipped(tab: _Tab) -> list[str]:
    """What the page loaded in *tab* hides at its current width (see `CLIPPED_JS`)."""
    answer = await tab.call("Runtime.evaluate", expression=CLIPPED_JS, returnByValue=True)
    found: list[str] = answer.get("result", {}).get("value", [])
    return found


async def _shoot(tab: _Tab, url: str, width: int, out: Path, max_height: int) -> list[Path]:
    mobile = width < 600
    await tab.call(
        "Emulation.setDeviceMetricsOverride", width=width, height=800, deviceScaleFactor=1, mobile=mobile
    )
    await tab.call("Page.navigate", url=url)
    await tab.wait_for("Page.loadEventFired")
    await asyncio.sleep(0.3)  # fonts and the theme's scripts settle
    for problem in await clipped(tab):
        print(f"clipped: {out.stem}: {problem}", file=sys.stderr)
    metrics = await tab.call("Page.getLayoutMetrics")
    height = int(metrics["cssContentSize"]["height"])
    await tab.call(
        "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile
    )
    parts = -(-height // max_height)
    written = []
    for i in range(parts):
        top = i * max_height
        clip = {"x": 0, "y": top, "width": width, "height": min(max_height, height - top), "scale": 1}
        shot = await tab.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        target = out if parts == 1 else out.with_name(f"{out.stem}-{i + 1}{out.suffix}")
        target.write_bytes(base64.b64decode(shot["data"]))
        written.append(target)
    return written


async def _run(site: Path, out: Path, max_height: int, chromium: str) -> int:
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240  (once, before the browser)
    with _serve(site) as base:
        async with _browser(chromium) as tab:
            for path in pages(site):
                name = path.strip("/").replace("/", "_") or "index"
                for width in WIDTHS:
                    first = out / f"{name}@{width}.png"
                    for target in await _shoot(tab, base + path, width, first, max_height):
                        print(target)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Take the screenshots; exit 2 with one line when no Chromium is installed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--max-height", type=int, default=16000, help="taller pages come in parts")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print(
            "docs-shots: no Chromium found (looked for "
            + ", ".join(CANDIDATES)
            + "); on Debian or Ubuntu: sudo apt-get install chromium",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(_run(args.site, args.out, args.max_height, chromium))


if __name__ == "__main__":
    sys.exit(main())
