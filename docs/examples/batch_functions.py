"""Deploy one cloud function to several of the platform's environments, schedule it, call it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import wxtcb
from wxtcb.batch import EnvVariable, Trigger


async def deploy(platform: wxtcb.Platform, envs: list[str], name: str, zip_path: Path) -> object:
    """Create *name* where it is missing and update its code where it exists, configure it, give it
    a nightly timer, then call it once in the first environment; returns what it answered."""
    functions = platform.batch.functions
    missing = []
    for env in envs:
        page = await functions.list(env, searchkey=name)  # getscflist: a fuzzy match on the name
        if not any(f.name == name for f in page.functions):
            missing.append(env)
    failed = []
    if missing:  # batchuploadscf creates
        failed += await functions.create(name, missing, await asyncio.to_thread(zip_path.read_bytes))
    present = [env for env in envs if env not in missing]
    if present:  # batchuploadscfcode replaces the code; a path is read here, at most 15 MB
        failed += await functions.upload_code(name, present, zip_path)
    if failed:
        raise RuntimeError(f"{name} was not deployed to {[f.env for f in failed]}")

    for env in envs:
        await functions.update_config(
            env=env, functionname=name, timeout=10, environment_variables=[EnvVariable("MODE", "prod")]
        )
    refused = await functions.update_triggers(name, envs, [Trigger("nightly", "0 0 2 * * * *")])
    if refused:
        raise RuntimeError(f"no timer in {[f.env for f in refused]}")
    return await functions.invoke(envs[0], name, {"dry_run": True})  # the component token
