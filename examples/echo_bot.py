"""An echo bot deployed the cloud-run way: aiohttp on $PORT, replies through the open-API service.

In cloud-run, route pushes to it with ``set_callback_config(container_config=ContainerConfig(True,
env, "/wechat/push", TextMode.JSON))`` and switch the open-API service on, with
``cgi-bin/message/custom/send`` and ``cgi-bin/message/custom/typing`` in the permission list.

    PORT=8080 python examples/echo_bot.py
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

from aiohttp import web

import wxtcb
from wxtcb import cloudrun

BOT = web.AppKey("bot", cloudrun.Bot)


def create_app(base_url: str | None = None) -> web.Application:
    """The bot's app; *base_url* None means the open-API service's host (production)."""

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        async with wxtcb.Client(wxtcb.OpenApiProvider(), base_url=base_url) as client:
            bot = cloudrun.Bot(client)

            @bot.on_text
            async def echo(message: cloudrun.TextMessage) -> None:
                await message.typing()
                await message.reply_text(message.content)

            @bot.on_event("user_enter_tempsession")
            async def hello(event: cloudrun.Event) -> None:
                await event.reply_text("Hello! Send me anything and I will say it back.")

            app[BOT] = bot
            yield
            await bot.aclose()  # let running handlers finish before the client closes

    async def push(request: web.Request) -> web.StreamResponse:
        return await request.app[BOT].handler(request)

    app = web.Application()
    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/wechat/push", push)
    return app


if __name__ == "__main__":
    web.run_app(create_app(), port=int(os.environ.get("PORT", "80")))
