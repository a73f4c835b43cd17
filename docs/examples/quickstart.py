"""Quickstart: read and change the message-push configuration of your own mini program."""

import asyncio

import wxtcb


async def main(
    appid: str, secret: str, *, base_url: str = "https://api.weixin.qq.com"
) -> wxtcb.CallbackConfig:
    provider = wxtcb.AppTokenProvider(appid, secret)  # cgi-bin/stable_token, cached and refreshed
    async with wxtcb.Client(provider, base_url=base_url) as client:
        config = await client.get_callback_config()
        print(config.container_config)

        # Route pushes to a cloud-run service path, encoded as JSON.
        await client.set_callback_config(
            container_config=wxtcb.ContainerConfig(
                enable=True,
                qbase_env="prod-env-1a2b3c",
                qbase_container_path="/wechat/push",
                text_mode=wxtcb.TextMode.JSON,
            )
        )
        return await client.get_callback_config()


async def try_it() -> None:
    """Run main() against a local emulator: no WeChat account needed."""
    from wxtcb.testing import DEMO_APPID, DEMO_SECRET, Emulator

    async with Emulator() as emulator:
        emulator.seed_demo()  # a new Emulator() is empty; this is the data `wxtcb emulator` serves
        config = await main(DEMO_APPID, DEMO_SECRET, base_url=emulator.url)
        print(config.container_config)


if __name__ == "__main__":
    # `python quickstart.py` runs against the emulator, never your app: main() changes the push
    # configuration, and an example's values are not what your app should receive.
    asyncio.run(try_it())
