"""Start-up: whole processes, wxtcb against the aiohttp program that does the same, side by side.

A cloud-run service scaled to zero, a CLI run and a cron job pay the start-up on every run. Each
row runs a fresh interpreter per round, contenders alternating round by round, and reports the
median wall time and peak RSS of each, and their ratio to the row's floor:

* client: ``import wxtcb``, a provider, a client and one namespace, against ``import aiohttp``;
* bot: ``from wxtcb import cloudrun; cloudrun.Bot``, against ``import aiohttp, aiohttp.web``;
* cli: ``wxtcb --help`` (``python -m wxtcb --help``), against ``import aiohttp``;
* first answer: from process start to the first decoded ``getcallbackconfig`` answer from an
  emulator already running, its token fetched first, against a raw aiohttp script doing the same
  two requests, ``json.loads`` and the errcode checks.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CLIENT = """
import wxtcb
provider = wxtcb.AppTokenProvider("wx1234567890abcdef", "app-secret")
client = wxtcb.Client(provider)
client.functions
"""

BOT = """
from wxtcb import cloudrun
cloudrun.Bot
"""

FIRST_RAW = """
import asyncio, json, sys
import aiohttp

async def main(url):
    async with aiohttp.ClientSession() as session:
        body = {"grant_type": "client_credential", "appid": sys.argv[2], "secret": sys.argv[3]}
        async with session.post(url + "/cgi-bin/stable_token", json=body) as r:
            token = json.loads(await r.read())
        assert "access_token" in token, token.get("errcode")
        params = {"access_token": token["access_token"]}
        async with session.post(url + "/tcb/getcallbackconfig", params=params, json={}) as r:
            answer = json.loads(await r.read())
        assert answer.get("errcode", 0) == 0, answer["errcode"]
        return answer["data"]

asyncio.run(main(sys.argv[1]))
"""

FIRST_WXTCB = """
import asyncio, sys
import wxtcb

async def main(url):
    provider = wxtcb.AppTokenProvider(sys.argv[2], sys.argv[3])
    async with wxtcb.Client(provider, base_url=url) as client:
        return await client.get_callback_config()

asyncio.run(main(sys.argv[1]))
"""


# Each program runs under this prologue, which reports the process's peak RSS as it exits. The
# kernel's VmHWM belongs to the program's own address space: the ru_maxrss that wait4 gives also
# counts the parent's memory when the child was started by vfork (as subprocess does).
PROLOGUE = (
    "import atexit, os, sys\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as f:\n"
    "        kb = next(line.split()[1] for line in f if line.startswith('VmHWM'))\n"
    "    os.write(2, ('\\nVmHWM ' + kb + '\\n').encode())\n"
    "atexit.register(_peak)\n"
    "code = sys.argv.pop(1)\n"
    "exec(compile(code, '<benchmark>', 'exec'), {'__name__': '__main__'})\n"
)

#: ``python -m wxtcb --help``, as a program text.
CLI_HELP = (
    "import runpy, sys\n"
    "sys.argv = ['wxtcb', '--help']\n"
    "runpy.run_module('wxtcb', run_name='__main__', alter_sys=True)\n"
)


def run_once(code: str, *args: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one fresh interpreter running *code*, which must succeed."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROLOGUE, code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - started
    errors = done.stderr.decode(errors="replace")
    if done.returncode != 0:
        raise RuntimeError(f"a start-up program failed ({done.returncode}): {errors[-800:]}")
    peak_kb = int(errors.rsplit("VmHWM ", 1)[1].split()[0])
    return wall, peak_kb / 1024


def compare(floor: list[str], contender: list[str], rounds: int) -> dict[str, Any]:
    """*rounds* alternating runs of each program (its code, then its arguments), one warm-up each
    first, not counted; medians and ratios."""
    run_once(*floor)
    run_once(*contender)
    walls: dict[str, list[float]] = {"floor": [], "wxtcb": []}
    rss: dict[str, list[float]] = {"floor": [], "wxtcb": []}
    for i in range(rounds):
        order = [("floor", floor), ("wxtcb", contender)]
        if i % 2:
            order.reverse()
        for name, argv in order:
            wall, peak = run_once(*argv)
            walls[name].append(wall)
            rss[name].append(peak)
    ratios = sorted(w / f for w, f in zip(walls["wxtcb"], walls["floor"], strict=True))
    floor_wall, wxtcb_wall = statistics.median(walls["floor"]), statistics.median(walls["wxtcb"])
    floor_rss, wxtcb_rss = statistics.median(rss["floor"]), statistics.median(rss["wxtcb"])
    return {
        "floor_s": floor_wall,
        "wxtcb_s": wxtcb_wall,
        "ratio": wxtcb_wall / floor_wall,
        "ratio_rounds": [ratios[0], ratios[-1]],
        "floor_rss_mb": floor_rss,
        "wxtcb_rss_mb": wxtcb_rss,
        "extra_rss_mb": wxtcb_rss - floor_rss,
    }


def compile_package() -> None:
    """Write wxtcb's bytecode, as ``pip install`` does for an installed package (and aiohttp has).

    An editable install under ``PYTHONDONTWRITEBYTECODE`` (set on some machines) would otherwise
    compile every wxtcb module from source in every process, and measure the compiler."""
    import compileall

    import wxtcb

    compileall.compile_dir(str(Path(wxtcb.__file__).parent), quiet=1)


def bench(url: str, appid: str, secret: str, *, quick: bool) -> dict[str, Any]:
    """Every start-up row; *url* is an emulator already running that knows *appid*/*secret*."""
    compile_package()
    rounds = 3 if quick else 15
    return {
        "rounds": rounds,
        "client": compare(["import aiohttp"], [CLIENT], rounds),
        "bot": compare(["import aiohttp, aiohttp.web"], [BOT], rounds),
        "cli": compare(["import aiohttp"], [CLI_HELP], rounds),
        "first_answer": compare([FIRST_RAW, url, appid, secret], [FIRST_WXTCB, url, appid, secret], rounds),
    }


GOALS = {"client": 1.25, "bot": 1.25, "cli": 1.25, "first_answer": 1.2}
LABELS = {
    "client": "import wxtcb, a client, one namespace  vs import aiohttp",
    "bot": "wxtcb.cloudrun.Bot                     vs import aiohttp, aiohttp.web",
    "cli": "wxtcb --help                           vs import aiohttp",
    "first_answer": "first decoded answer (token fetched) vs raw aiohttp script",
}


def describe(report: dict[str, Any]) -> str:
    lines = [
        "",
        f"start-up: whole processes, medians of {report['rounds']} alternating runs"
        " ([min-max] of the run-by-run ratios; the goal after 'goal')",
    ]
    for key, label in LABELS.items():
        row = report[key]
        low, high = row["ratio_rounds"]
        lines.append(
            f"  {label}: {row['wxtcb_s'] * 1000:6.0f} ms vs {row['floor_s'] * 1000:6.0f} ms,"
            f" ratio {row['ratio']:.2f} [{low:.2f}-{high:.2f}] goal {GOALS[key]:.2f};"
            f" peak RSS {row['wxtcb_rss_mb']:.1f} MB (+{row['extra_rss_mb']:.1f} MB)"
        )
    return "\n".join(lines)
