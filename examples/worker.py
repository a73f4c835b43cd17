"""A long-running worker (a bot, a queue consumer) that shares one client across many tasks.

python examples/worker.py           # against the embedded emulator
"""

from __future__ import annotations

import asyncio

import wxtcb
from wxtcb import testing


async def handle_job(client: wxtcb.Client, job: int) -> bool:
    """One unit of work: check that cloud-run push is on."""
    config = await client.get_callback_config()
    return bool(config.container_config and config.container_config.enable)


async def run(
    client: wxtcb.Client, jobs: asyncio.Queue[int | None], results: list[bool], workers: int = 8
) -> None:
    async def consume() -> None:
        while (job := await jobs.get()) is not None:
            try:
                results.append(await handle_job(client, job))
            except wxtcb.WxTcbError as exc:
                print(f"job {job} failed: {type(exc).__name__}")
        await jobs.put(None)  # let the next consumer see the end too

    await asyncio.gather(*(consume() for _ in range(workers)))


async def main(job_count: int = 100) -> list[bool]:
    async with testing.Emulator() as emulator:
        emulator.configs[testing.DEMO_APPID] = {
            "container_config": {
                "enable": True,
                "qbase_env": "e",
                "qbase_container_path": "/p",
                "text_mode": 1,
            }
        }
        provider = wxtcb.AppTokenProvider(testing.DEMO_APPID, testing.DEMO_SECRET)
        async with wxtcb.Client(provider, base_url=emulator.url) as client:
            jobs: asyncio.Queue[int | None] = asyncio.Queue()
            for job in range(job_count):
                jobs.put_nowait(job)
            jobs.put_nowait(None)
            results: list[bool] = []
            await run(client, jobs, results)
        print(f"{len(results)} jobs done with {emulator.calls['cgi-bin/stable_token']} token fetch")
        return results


if __name__ == "__main__":
    asyncio.run(main())
