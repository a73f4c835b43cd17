"""client.envs against the emulator over real sockets: create, list, share, convert, and the
cloudbase_access_token switch with its optimistic version."""

from __future__ import annotations

import pytest

import wxtcb
from wxtcb.environments import CloudAccessTokenConfig
from wxtcb.testing import Emulator


async def test_created_env_is_listed_and_shared(client: wxtcb.Client) -> None:
    """createenvandresource answers envid; getenvinfo lists it (all, or that one); shareenv accepts it."""
    created = await client.envs.create("myalias")
    assert created.envid.startswith("myalias-")
    (info,) = await client.envs.info(created.envid)
    assert (info.env, info.alias, info.status) == (created.envid, "myalias", "NORMAL")
    await client.envs.convert("console-env-1")
    assert {e.env for e in await client.envs.info()} == {created.envid, "console-env-1"}
    await client.envs.share(created.envid, "wx5fe6bb43205e9e70")
    with pytest.raises(wxtcb.APIError) as caught:
        await client.envs.share("unknown-env", "wx5fe6bb43205e9e70")
    assert caught.value.errcode == 40097


async def test_cloud_access_token_set_needs_the_version_get_returned(client: wxtcb.Client) -> None:
    """set with the version get returned changes the switch; a stale version is refused by WeChat."""
    first = await client.envs.get_cloud_access_token("env-a")
    assert first == CloudAccessTokenConfig(True, ["/*"], first.version)
    await client.envs.set_cloud_access_token(
        env="env-a", open=False, api_whitelist=["/tcb/databasequery"], version=first.version
    )
    second = await client.envs.get_cloud_access_token("env-a")
    assert (second.open, second.api_whitelist) == (False, ["/tcb/databasequery"])
    assert second.version != first.version
    with pytest.raises(wxtcb.APIError):
        await client.envs.set_cloud_access_token(
            env="env-a", open=True, api_whitelist=["/*"], version=first.version
        )
    assert (await client.envs.get_cloud_access_token("env-a")).open is False


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.envs.create(""),
        lambda c: c.envs.convert(" "),
        lambda c: c.envs.share("env", ""),
        lambda c: c.envs.info(""),
        lambda c: c.envs.get_cloud_access_token(""),
        lambda c: c.envs.set_cloud_access_token(env="e", open="yes", api_whitelist=["/*"], version=1),
        lambda c: c.envs.set_cloud_access_token(env="e", open=True, api_whitelist="/*", version=1),
        lambda c: c.envs.set_cloud_access_token(env="e", open=True, api_whitelist=["/*"], version=-1),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    emulator: Emulator, client: wxtcb.Client, call: object
) -> None:
    """Empty ids, a non-bool switch, a string whitelist, a negative version: refused, nothing sent."""
    with pytest.raises(wxtcb.InvalidRequestError):
        await call(client)  # type: ignore[operator]
    assert sum(emulator.calls.values()) == 0
