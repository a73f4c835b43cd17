"""A platform's own CloudBase environment in batch mode: create it, wait for it, fill it, share it."""

from __future__ import annotations

import wxtcb
from wxtcb import db
from wxtcb.batch import ShareTarget


async def onboard(platform: wxtcb.Platform, alias: str, merchant_appid: str) -> tuple[str, list[str]]:
    """Create an environment, seed it, publish a page, and share it with a merchant.

    Returns the environment id and the confirmation links to send to the merchant's admin.
    """
    created = await platform.batch.create_env(alias)  # componenttcb/createenv, EnvType "run"
    await platform.batch.wait_env_ready(created.env, interval=2.0, timeout=300.0)
    env = created.env

    await platform.batch.database.collections.create(env, "products")
    await platform.batch.database.insert(env, db.collection("products").add([{"name": "tea", "price": 12}]))

    await platform.batch.static.create_store(env)
    await platform.batch.static.upload(env, "index.html", b"<h1>Welcome</h1>")  # a PUT to a signed URL

    share = await platform.batch.share_env([ShareTarget(env, [merchant_appid])])
    return env, [c.url for c in share.msg_info_list]  # the share takes effect once confirmed
