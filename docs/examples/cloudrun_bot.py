"""From the push configuration to a running bot (docs/cloudrun.md)."""

from __future__ import annotations

from aiohttp import web

import wxtcb
from wxtcb import cloudrun


async def route_pushes(client: wxtcb.Client, env: str) -> None:
    """Once, with the app's own credentials: send the mini program's pushes to /wechat/push as JSON."""
    await client.set_callback_config(
        container_config=wxtcb.ContainerConfig(
            enable=True, qbase_env=env, qbase_container_path="/wechat/push", text_mode=wxtcb.TextMode.JSON
        )
    )


def make_bot(client: wxtcb.Client) -> cloudrun.Bot:
    """The bot: echo text, greet users who open the chat, answer an official account passively."""
    bot = cloudrun.Bot(client)  # Bot(client, public_access=True) if the service is public

    @bot.on_text
    async def echo(message: cloudrun.TextMessage) -> None:
        await message.typing()
        await message.reply_text(message.content)  # cgi-bin/message/custom/send

    @bot.on_event("user_enter_tempsession")
    async def hello(event: cloudrun.Event) -> None:
        await event.reply_text("Hello!")

    @bot.on_message("image")
    async def image(message: cloudrun.ImageMessage) -> cloudrun.Reply:
        return cloudrun.ImageReply(message.media_id)  # passive: official accounts only

    return bot


def make_app(bot: cloudrun.Bot) -> web.Application:
    """Mount the bot on an aiohttp app; close it (draining handlers) at shutdown."""
    app = web.Application()
    app.router.add_post("/wechat/push", bot.handler)

    async def close_bot(app: web.Application) -> None:
        await bot.aclose()

    app.on_cleanup.append(close_bot)
    return app
