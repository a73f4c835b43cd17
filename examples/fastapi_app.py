"""A FastAPI app that opens one wxtcb.Client in its lifespan.

pip install fastapi uvicorn
WXTCB_BASE_URL=http://127.0.0.1:PORT uvicorn examples.fastapi_app:app   # e.g. against `wxtcb emulator`
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException, Request

import wxtcb
from wxtcb import testing


def create_app(appid: str, secret: str, base_url: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with wxtcb.Client(wxtcb.AppTokenProvider(appid, secret), base_url=base_url) as client:
            app.state.wxtcb = client
            yield

    app = FastAPI(lifespan=lifespan)

    def get_client(request: Request) -> wxtcb.Client:
        client: wxtcb.Client = request.app.state.wxtcb
        return client

    @app.get("/push-config")
    async def push_config(client: wxtcb.Client = Depends(get_client)) -> dict[str, object]:  # noqa: B008
        try:
            config = await client.get_callback_config()
        except wxtcb.WxTcbError as exc:
            raise HTTPException(status_code=502, detail=type(exc).__name__) from None
        container = config.container_config
        return {"cloud_run_push": bool(container and container.enable)}

    return app


app = create_app(
    os.environ.get("WXTCB_APPID", testing.DEMO_APPID),
    os.environ.get("WXTCB_SECRET", testing.DEMO_SECRET),
    os.environ.get("WXTCB_BASE_URL", "https://api.weixin.qq.com"),
)
