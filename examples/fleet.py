"""A third-party platform reads the push configuration of many merchants at once.

One `wxtcb.Platform` is the engine of the whole fleet: one aiohttp session, one pipeline, one
component provider (so the component token is fetched once). Each merchant's client costs a token
provider and nothing more; a semaphore bounds concurrency, and a merchant that fails is reported
without stopping the others.

    python examples/fleet.py            # against the embedded emulator, 200 demo merchants
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import wxtcb
from wxtcb import testing


async def fetch_all(
    platform: wxtcb.Platform,
    merchants: Sequence[tuple[str, str]],
    *,
    concurrency: int = 50,
) -> tuple[dict[str, wxtcb.CallbackConfig], dict[str, wxtcb.WxTcbError]]:
    """Fetch every merchant's callback configuration; returns (results, failures) by appid."""
    results: dict[str, wxtcb.CallbackConfig] = {}
    failures: dict[str, wxtcb.WxTcbError] = {}
    bound = asyncio.Semaphore(concurrency)

    async def one(appid: str, refresh_token: str) -> None:
        merchant = platform.merchant(appid, refresh_token=refresh_token)
        async with bound:
            try:
                results[appid] = await merchant.get_callback_config()
            except wxtcb.WxTcbError as exc:
                failures[appid] = exc

    await asyncio.gather(*(one(appid, rt) for appid, rt in merchants))
    return results, failures


async def main(count: int = 200) -> tuple[int, int]:
    async with testing.Emulator() as emulator:
        merchants = [(f"wxmerchant{i:05d}", f"refresh-{i:05d}") for i in range(count)]
        for appid, rt in merchants[:-2]:
            emulator.add_authorizer(testing.DEMO_COMPONENT_APPID, appid, rt)
        # The last two merchants revoked their authorization: WeChat answers 61023 for them.
        component = wxtcb.ComponentTokenProvider(
            testing.DEMO_COMPONENT_APPID, testing.DEMO_COMPONENT_SECRET, ticket=testing.DEMO_TICKET
        )
        async with wxtcb.Platform(component, base_url=emulator.url) as platform:
            results, failures = await fetch_all(platform, merchants)
        print(f"{len(results)} merchants read, {len(failures)} failed")
        for appid, exc in sorted(failures.items()):
            print(
                f"  {appid}: {type(exc).__name__} ({exc.errcode if isinstance(exc, wxtcb.APIError) else '-'})"
            )
        print(f"component tokens fetched: {emulator.calls['cgi-bin/component/api_component_token']}")
        return len(results), len(failures)


if __name__ == "__main__":
    asyncio.run(main())
