"""A third-party platform reads the push configuration of many merchants at once.

One component provider is shared by every merchant's authorizer provider (so the component token
is fetched once), one aiohttp session is shared by every client, a semaphore bounds concurrency,
and a merchant that fails is reported without stopping the others.

    python examples/fleet.py            # against the embedded emulator, 200 demo merchants
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aiohttp

import wxtcb
from wxtcb import testing


async def fetch_all(
    component: wxtcb.ComponentTokenProvider,
    merchants: Sequence[tuple[str, str]],
    *,
    base_url: str = "https://api.weixin.qq.com",
    concurrency: int = 50,
) -> tuple[dict[str, wxtcb.CallbackConfig], dict[str, wxtcb.WxTcbError]]:
    """Fetch every merchant's callback configuration; returns (results, failures) by appid."""
    results: dict[str, wxtcb.CallbackConfig] = {}
    failures: dict[str, wxtcb.WxTcbError] = {}
    bound = asyncio.Semaphore(concurrency)

    async with aiohttp.ClientSession() as session:

        async def one(appid: str, refresh_token: str) -> None:
            provider = component.authorizer(appid, refresh_token=refresh_token)
            async with bound, wxtcb.Client(provider, base_url=base_url, session=session) as client:
                try:
                    results[appid] = await client.get_callback_config()
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
        results, failures = await fetch_all(component, merchants, base_url=emulator.url)
        print(f"{len(results)} merchants read, {len(failures)} failed")
        for appid, exc in sorted(failures.items()):
            print(
                f"  {appid}: {type(exc).__name__} ({exc.errcode if isinstance(exc, wxtcb.APIError) else '-'})"
            )
        print(f"component tokens fetched: {emulator.calls['cgi-bin/component/api_component_token']}")
        return len(results), len(failures)


if __name__ == "__main__":
    asyncio.run(main())
