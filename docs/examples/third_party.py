"""Third-party platform: one engine for the fleet, the event URL, and a merchant's first call."""

from aiohttp import web

import wxtcb
from wxtcb.authorization import AuthorizationInfo
from wxtcb.push import PushCrypto
from wxtcb.webhooks import AuthorizationEvents


def platform_app(platform: wxtcb.Platform, crypto: PushCrypto) -> web.Application:
    """The platform's web app: WeChat POSTs tickets and authorization events here."""

    async def authorized(info: AuthorizationInfo) -> None:
        # The refresh token is stored already; keep your own record of the merchant too.
        print(f"{info.authorizer_appid} granted {sorted(info.permission_sets)}")

    events = AuthorizationEvents(platform, crypto, on_authorized=authorized)
    app = web.Application()
    app.router.add_post("/wechat/component", events.handler)
    return app


async def merchant_config(platform: wxtcb.Platform, authorizer_appid: str) -> wxtcb.CallbackConfig:
    # A merchant's client costs a token provider; the platform's session and pipeline serve all.
    merchant = platform.merchant(authorizer_appid)
    return await merchant.get_callback_config()
