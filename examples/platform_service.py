"""A third-party platform service (aiohttp): onboarding, the authorization-event URL, a fleet job.

* ``GET /onboard`` sends the merchant's admin to WeChat's authorization page;
* ``GET /authorized?auth_code=…`` is where WeChat sends the admin back: the authorization is
  completed (the refresh token stored before anything else) and the granted permission sets shown;
* ``POST /wechat/component`` is the authorization-event URL: tickets, authorized, updateauthorized
  and unauthorized pushes, verified and decrypted;
* `nightly` re-syncs every merchant's refresh token from WeChat and reads each one's push
  configuration, a bounded number at a time.

    python examples/platform_service.py   # serves against the embedded emulator on a free port
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

import wxtcb
from wxtcb import testing
from wxtcb.authorization import AuthorizationInfo
from wxtcb.push import PushCrypto
from wxtcb.webhooks import AuthorizationEvents

PLATFORM = web.AppKey("platform", wxtcb.Platform)
EVENTS = web.AppKey("events", AuthorizationEvents)
logger = logging.getLogger("platform_service")


def create_app(platform: wxtcb.Platform, crypto: PushCrypto, public_url: str) -> web.Application:
    """The platform's web app; *public_url* is where WeChat and the merchants reach it."""

    async def authorized(info: AuthorizationInfo) -> None:
        # The refresh token is already stored; record the merchant in your own database here.
        logger.info("merchant %s authorized sets %s", info.authorizer_appid, sorted(info.permission_sets))

    async def revoked(appid: str) -> None:
        logger.info("merchant %s revoked the platform", appid)

    events = AuthorizationEvents(platform, crypto, on_authorized=authorized, on_unauthorized=revoked)

    async def onboard(request: web.Request) -> web.StreamResponse:
        link = await platform.authorization_url(f"{public_url}/authorized", auth_type=2)
        raise web.HTTPFound(link)

    async def back(request: web.Request) -> web.StreamResponse:
        code = request.query.get("auth_code", "")
        if not code:
            raise web.HTTPBadRequest(text="auth_code missing")
        info = await platform.query_auth(code)
        if 18 not in info.permission_sets:
            return web.json_response({"merchant": info.authorizer_appid, "ready": False}, status=409)
        return web.json_response({"merchant": info.authorizer_appid, "ready": True})

    async def close(app: web.Application) -> None:
        await events.aclose()

    app = web.Application()
    app[PLATFORM] = platform
    app[EVENTS] = events
    app.router.add_get("/onboard", onboard)
    app.router.add_get("/authorized", back)
    app.router.add_post("/wechat/component", events.handler)
    app.on_cleanup.append(close)
    return app


async def nightly(platform: wxtcb.Platform, *, concurrency: int = 50) -> dict[str, bool]:
    """Re-sync refresh tokens, then read every merchant's push configuration: appid -> pushes to cloud-run."""
    report = await platform.resync_authorizers()
    logger.info("re-sync: %d merchants, %d updated", report.merchants, len(report.updated))
    page = await platform.authorization.get_authorizer_list(platform.component.appid, count=500)
    bound = asyncio.Semaphore(concurrency)
    result: dict[str, bool] = {}

    async def one(appid: str) -> None:
        async with bound:
            try:
                config = await platform.merchant(appid).get_callback_config()
            except wxtcb.WxTcbError as exc:
                logger.warning("merchant %s: %s", appid, type(exc).__name__)
                return
            result[appid] = bool(config.container_config and config.container_config.enable)

    await asyncio.gather(*(one(record.authorizer_appid) for record in page.list))
    return result


async def main() -> None:  # pragma: no cover - a demo server, stopped with Ctrl-C
    logging.basicConfig(level=logging.INFO)
    async with testing.Emulator() as emulator:
        component = wxtcb.ComponentTokenProvider(
            testing.DEMO_COMPONENT_APPID, testing.DEMO_COMPONENT_SECRET, ticket=testing.DEMO_TICKET
        )
        crypto = PushCrypto(
            token=testing.DEMO_PUSH_TOKEN,
            encoding_aes_key=testing.DEMO_ENCODING_AES_KEY,
            appid=testing.DEMO_COMPONENT_APPID,
        )
        async with wxtcb.Platform(component, base_url=emulator.url) as platform:
            runner = web.AppRunner(create_app(platform, crypto, "http://127.0.0.1"))
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            print(f"platform service on http://127.0.0.1:{runner.addresses[0][1]} (emulator {emulator.url})")
            try:
                await asyncio.Event().wait()
            finally:
                await runner.cleanup()


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(main())
