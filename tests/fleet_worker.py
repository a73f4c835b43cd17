"""One worker process of the multi-process test: many concurrent calls through one shared Redis.

Protocol on stdin/stdout, one JSON line per step: prints ``ready``; on each ``go`` line fires
CALLS concurrent calls and prints how many failed and with which errcodes; exits on EOF. The second
argument is a unix socket path, or ``cluster:PORT`` for a Redis Cluster first contacted on PORT.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import redis.asyncio

import wxtcb
from wxtcb.redis import RedisTokenStore
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, INSTANT_RETRY


async def main(url: str, socket: str, calls: int) -> None:
    loop = asyncio.get_running_loop()
    connection: Any
    if socket.startswith("cluster:"):
        # cluster:PORT: a Redis Cluster client whose first contact is the node on PORT.
        connection = redis.asyncio.RedisCluster(host="127.0.0.1", port=int(socket.split(":")[1]))
    else:
        connection = redis.asyncio.Redis(unix_socket_path=socket)
    provider = wxtcb.AppTokenProvider(
        DEMO_APPID, DEMO_SECRET, stable=False, store=RedisTokenStore(connection)
    )
    async with wxtcb.Client(provider, base_url=url, retry=INSTANT_RETRY) as client:
        print(json.dumps({"ready": True}), flush=True)
        while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "go":
            results = await asyncio.gather(
                *(client.get_callback_config() for _ in range(calls)), return_exceptions=True
            )
            errors = [r for r in results if isinstance(r, BaseException)]
            print(
                json.dumps(
                    {
                        "ok": len(results) - len(errors),
                        "errors": [f"{type(e).__name__}:{getattr(e, 'errcode', None)}" for e in errors],
                    }
                ),
                flush=True,
            )
    await connection.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
