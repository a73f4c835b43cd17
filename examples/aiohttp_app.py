"""An aiohttp web app that opens one wxtcb.Client at startup and closes it at cleanup.

python examples/aiohttp_app.py      # serves on 127.0.0.1:8080 against the embedded emulator
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

from aiohttp import web

import wxtcb
from wxtcb import testing

CLIENT = web.AppKey("wxtcb_client", wxtcb.Client)


def create_app(appid: str, secret: str, base_url: str) -> web.Application:
    async def wxtcb_client(app: web.Application) -> AsyncIterator[None]:
        # One client (one connection pool, one token cache) for the whole app.
        async with wxtcb.Client(wxtcb.AppTokenProvider(appid, secret), base_url=base_url) as client:
            app[CLIENT] = client
            yield

    async def show_config(request: web.Request) -> web.Response:
        try:
            config = await request.app[CLIENT].get_callback_config()
        except wxtcb.WxTcbError as exc:
            return web.json_response({"error": type(exc).__name__}, status=502)
        container = config.container_config
        return web.json_response(
            {
                "cloud_run_push": bool(container and container.enable),
                "path": container and container.qbase_container_path,
            }
        )

    app = web.Application()
    app.cleanup_ctx.append(wxtcb_client)
    app.router.add_get("/push-config", show_config)
    return app


async def demo() -> web.Application:
    """The app wired to an embedded emulator (for trying it without a WeChat account)."""
    emulator = testing.Emulator()
    await emulator.start()
    app = create_app(testing.DEMO_APPID, testing.DEMO_SECRET, emulator.url)

    async def stop_emulator(app: web.Application) -> None:
        await emulator.close()

    app.on_cleanup.append(stop_emulator)
    return app


if __name__ == "__main__":
    if os.environ.get("WXTCB_APPID"):
        web.run_app(
            create_app(os.environ["WXTCB_APPID"], os.environ["WXTCB_SECRET"], "https://api.weixin.qq.com")
        )
    else:
        web.run_app(demo(), host="127.0.0.1", port=8080)
