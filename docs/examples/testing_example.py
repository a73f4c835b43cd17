"""Testing your own code with wxtcb's pytest fixtures (they come with `pip install wxtcb`)."""

import wxtcb
from wxtcb.testing import Emulator, Fault


async def cloud_run_enabled(client: wxtcb.Client) -> bool:
    """The code under test: is push to cloud-run switched on?"""
    config = await client.get_callback_config()
    return config.container_config is not None and config.container_config.enable


async def test_cloud_run_enabled(wxtcb_emulator: Emulator, wxtcb_client: wxtcb.Client) -> None:
    wxtcb_emulator.configs["wxdemo0000000001"] = {
        "container_config": {"enable": True, "qbase_env": "e", "qbase_container_path": "/p", "text_mode": 1}
    }
    wxtcb_emulator.fault("tcb/getcallbackconfig", Fault.error(-1))  # WeChat is busy once
    assert await cloud_run_enabled(wxtcb_client) is True
    assert wxtcb_emulator.calls["tcb/getcallbackconfig"] == 2  # retried
