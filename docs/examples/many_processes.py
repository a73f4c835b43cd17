"""Many processes, one token: every worker shares a RedisTokenStore."""

import redis.asyncio

import wxtcb
from wxtcb.redis import RedisTokenStore


async def worker(
    appid: str, secret: str, redis_url: str, *, base_url: str = "https://api.weixin.qq.com"
) -> None:
    connection = redis.asyncio.Redis.from_url(redis_url)
    store = RedisTokenStore(connection, prefix="myapp")
    # Classic tokens rotate on every fetch: with a shared store only one process ever fetches.
    provider = wxtcb.AppTokenProvider(appid, secret, stable=False, store=store)
    async with wxtcb.Client(provider, base_url=base_url) as client:
        await client.get_callback_config()
    await connection.aclose()
