"""Third-party platform: record pushed tickets, and act for a merchant with its authorizer token."""

from aiohttp import web

import wxtcb
import wxtcb.push
from wxtcb.webhooks import ticket_handler


def platform_app(component: wxtcb.ComponentTokenProvider, crypto: wxtcb.push.PushCrypto) -> web.Application:
    """The platform's web app: WeChat POSTs component_verify_ticket here every 10 minutes."""
    app = web.Application()
    app.router.add_post("/wechat/component", ticket_handler(component, crypto))
    return app


async def merchant_config(
    component: wxtcb.ComponentTokenProvider,
    authorizer_appid: str,
    refresh_token: str,
    *,
    base_url: str = "https://api.weixin.qq.com",
) -> wxtcb.CallbackConfig:
    async def remember(appid: str, new_refresh_token: str) -> None:
        # Already in the store; also keep it in your own database of merchants.
        print(f"refresh token of {appid} rotated")

    merchant = component.authorizer(authorizer_appid, refresh_token=refresh_token, on_refresh_token=remember)
    async with wxtcb.Client(merchant, base_url=base_url) as client:
        return await client.get_callback_config()
