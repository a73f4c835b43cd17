"""A fleet on a Sentinel-managed primary: give the store the primary, never a replica."""

from redis.asyncio.sentinel import Sentinel

import wxtcb
from wxtcb.redis import RedisTokenStore


async def worker(
    appid: str,
    secret: str,
    sentinels: list[tuple[str, int]],
    *,
    service: str = "mymaster",
    base_url: str = "https://api.weixin.qq.com",
) -> None:
    sentinel = Sentinel(sentinels)
    primary = sentinel.master_for(service)
    store = RedisTokenStore(primary, prefix="myapp", durable_replicas=1)
    provider = wxtcb.AppTokenProvider(appid, secret, stable=False, store=store)
    async with wxtcb.Client(provider, base_url=base_url) as client:
        await client.get_callback_config()
    await primary.aclose()
    for connection in sentinel.sentinels:
        await connection.aclose()
