"""Batch mode's container services: move all traffic to a new version, then delete the old ones."""

from __future__ import annotations

import wxtcb
from wxtcb.batch import CsFlowRatio, CsServiceFlow, CsVersionRef


async def switch_to(platform: wxtcb.Platform, env: str, service: str, version: str) -> list[str]:
    """Give *version* all of *service*'s traffic and delete its other versions.

    Returns the versions that could not be deleted (``env/service/version``).
    """
    containers = platform.batch.cloudrun.containers
    page = await containers.list_versions(env, service, limit=50)  # getcsversionlist
    old = [v.version_name for v in page.items if v.version_name != version]

    ratios = [CsFlowRatio(version, 100), *(CsFlowRatio(name, 0) for name in old)]
    moved = await containers.set_flow_ratios([CsServiceFlow(env, service, ratios)])
    moved.raise_for_failures()  # errcode 0 can still carry a fail_list: ContainerBatchError

    deleted = await containers.delete_versions([CsVersionRef(env, service, name) for name in old])
    return [failure.key for failure in deleted.fail_list]  # partial success, reported, not raised
