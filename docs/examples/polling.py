"""Polling: act on the message-push configuration only when it changed."""

import asyncio
from collections.abc import Callable

import wxtcb


async def watch(
    client: wxtcb.Client,
    apply: Callable[[wxtcb.CallbackConfig], None],
    *,
    polls: int,
    interval: float = 30.0,
) -> None:
    """Poll *polls* times; call *apply* with each configuration that differs from the last.

    Made with ``wxtcb.Client(provider, reuse_unchanged=True)``, an unchanged answer is the very
    object decoded last time, so the check below is free and nothing is decoded again.
    """
    last = None
    for _ in range(polls):
        config = await client.get_callback_config()
        if config is not last:  # a change, or the first poll
            apply(config)
            last = config
        await asyncio.sleep(interval)
