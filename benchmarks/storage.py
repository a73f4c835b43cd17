"""Storage throughput: client.storage against raw aiohttp doing the same two steps, and peak memory.

Upload: ``tcb/uploadfile`` then the multipart form to COS; download: ``tcb/batchdownloadfile`` then
the signed GET, written to disk. Both contenders stream the file from and to disk; rounds
alternate. Figures are ratios (raw time / wxtcb time: 1.0 means as fast as raw aiohttp) and the
client's peak traced memory while streaming (tracemalloc), to compare with the file size.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import aiohttp

import wxtcb
from wxtcb import testing

ENV = "bench-env"


def _fresh(dest: Path) -> None:
    """Both contenders write a fresh file: deleting the last one (a cost of its own) is not timed."""
    dest.unlink(missing_ok=True)


async def _raw_round(
    session: aiohttp.ClientSession, url: str, token: str, src: Path, dest: Path
) -> tuple[float, float]:
    params = {"access_token": token}
    started = time.perf_counter()
    async with session.post(
        f"{url}/tcb/uploadfile", params=params, json={"env": ENV, "path": "raw.bin"}
    ) as r:
        link = json.loads(await r.read())
    form = aiohttp.FormData()
    form.add_field("key", "raw.bin")
    form.add_field("Signature", link["authorization"])
    form.add_field("x-cos-security-token", link["token"])
    form.add_field("x-cos-meta-fileid", link["cos_file_id"])
    with src.open("rb") as f:
        form.add_field("file", f, filename="raw.bin")
        async with session.post(link["url"], data=form) as r:
            assert r.status == 204, r.status
    upload = time.perf_counter() - started
    _fresh(dest)
    started = time.perf_counter()
    body = {"env": ENV, "file_list": [{"fileid": link["file_id"], "max_age": 600}]}
    async with session.post(f"{url}/tcb/batchdownloadfile", params=params, json=body) as r:
        download_url = json.loads(await r.read())["file_list"][0]["download_url"]
    async with session.get(download_url) as r:
        with dest.open("wb") as out:
            async for chunk in r.content.iter_chunked(65536):
                out.write(chunk)
    return upload, time.perf_counter() - started


async def _sdk_round(client: wxtcb.Client, src: Path, dest: Path) -> tuple[float, float]:
    started = time.perf_counter()
    uploaded = await client.storage.upload(ENV, "sdk.bin", src)
    upload = time.perf_counter() - started
    _fresh(dest)
    started = time.perf_counter()
    await client.storage.download_to(ENV, uploaded.file_id, dest)
    return upload, time.perf_counter() - started


async def storage_bench(url: str, *, quick: bool = False) -> dict[str, Any]:
    """Throughput ratios and peak memory for a 64 MB file (4 MB with *quick*)."""
    size = (4 if quick else 64) * 1024 * 1024
    rounds = 1 if quick else 7
    with tempfile.TemporaryDirectory() as tmp:
        src, dest = Path(tmp) / "src.bin", Path(tmp) / "dest.bin"
        with src.open("wb") as f:
            for _ in range(size // (1 << 20)):
                f.write(os.urandom(1 << 20))
        provider = wxtcb.AppTokenProvider(testing.DEMO_APPID, testing.DEMO_SECRET)
        async with (
            aiohttp.ClientSession() as session,
            wxtcb.Client(provider, base_url=url, timeout=300.0) as client,
        ):
            token = await provider.token(client.engine())
            raw: list[tuple[float, float]] = []
            sdk: list[tuple[float, float]] = []
            for _ in range(rounds):
                raw.append(await _raw_round(session, url, token, src, dest))
                sdk.append(await _sdk_round(client, src, dest))
            tracemalloc.start()
            await _sdk_round(client, src, dest)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    raw_up, raw_down = statistics.median(r[0] for r in raw), statistics.median(r[1] for r in raw)
    sdk_up, sdk_down = statistics.median(s[0] for s in sdk), statistics.median(s[1] for s in sdk)
    mb = size / (1 << 20)
    report = {
        "file_bytes": size,
        "raw_upload_mb_s": mb / raw_up,
        "wxtcb_upload_mb_s": mb / sdk_up,
        "upload_ratio": raw_up / sdk_up,
        "raw_download_mb_s": mb / raw_down,
        "wxtcb_download_mb_s": mb / sdk_down,
        "download_ratio": raw_down / sdk_down,
        "wxtcb_peak_bytes": peak,
        "peak_to_file": peak / size,
    }
    print(
        f"\nstorage ({mb:.0f} MB): upload {report['wxtcb_upload_mb_s']:.0f} MB/s vs raw"
        f" {report['raw_upload_mb_s']:.0f} (ratio {report['upload_ratio']:.2f}); download"
        f" {report['wxtcb_download_mb_s']:.0f} vs {report['raw_download_mb_s']:.0f} MB/s"
        f" (ratio {report['download_ratio']:.2f}); peak traced memory {peak / (1 << 20):.1f} MB"
    )
    return report
