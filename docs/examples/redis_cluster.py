"""A fleet on Redis Cluster: any node is enough to find the rest."""

import redis.asyncio

import wxtcb
from wxtcb.redis import RedisTokenStore


async def worker(
    appid: str, secret: str, host: str, port: int, *, base_url: str = "https://api.weixin.qq.com"
) -> None:
    cluster = redis.asyncio.RedisCluster(host=host, port=port)
    # Keys carry hash tags on a cluster; durable writes wait for one replica (WAIT 1).
    store = RedisTokenStore(cluster, prefix="myapp", durable_replicas=1)
    provider = wxtcb.AppTokenProvider(appid, secret, stable=False, store=store)
    async with wxtcb.Client(provider, base_url=base_url) as client:
        await client.get_callback_config()
    await cluster.aclose()
