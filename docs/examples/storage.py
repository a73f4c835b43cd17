"""Upload a file, hand out links, read it back and clean up (client.storage)."""

from __future__ import annotations

from pathlib import Path

import wxtcb


async def round_trip(client: wxtcb.Client, env: str, local: Path) -> bytes:
    uploaded = await client.storage.upload(env, f"reports/{local.name}", local)  # streamed from disk
    links = await client.storage.download_urls(env, [uploaded.file_id], max_age=600)
    links.raise_for_failures()  # one bad id never raises on its own
    data = await client.storage.download(env, uploaded.file_id, max_size=10 * 1024 * 1024)
    gone = await client.storage.delete(env, [uploaded.file_id])
    assert gone.ok
    return data


async def lock_down_cloud_calls(client: wxtcb.Client, env: str) -> wxtcb.environments.CloudAccessTokenConfig:
    current = await client.envs.get_cloud_access_token(env)
    await client.envs.set_cloud_access_token(
        env=env, open=True, api_whitelist=["/tcb/databasequery"], version=current.version
    )
    return await client.envs.get_cloud_access_token(env)
