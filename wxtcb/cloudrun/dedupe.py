"""Resends: where a bot remembers the pushes it has seen, in this process or in Redis."""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from typing import Any, Protocol

__all__ = [
    "DedupeStore",
    "MemoryDedupe",
    "RedisDedupe",
]

# --- resends ------------------------------------------------------------------------------------


class DedupeStore(Protocol):
    """Remembers which pushes were seen, for *window* seconds, so a resend is handled once."""

    async def first_seen(self, key: str, window: float) -> bool:
        """Record *key*; True if it was not already recorded within its window."""
        ...

    async def forget(self, key: str) -> None:
        """Drop *key* (its push was not handled after all: let a resend through)."""
        ...


class MemoryDedupe:
    """A `DedupeStore` in this process (the default): one replica, or tests.

    Args:
        max_keys: The most keys kept; the oldest go first when it is reached.
        clock: Monotonic seconds.
    """

    def __init__(self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._seen: collections.OrderedDict[str, float] = collections.OrderedDict()
        self._max = max_keys
        self._clock = clock

    async def first_seen(self, key: str, window: float) -> bool:
        now = self._clock()
        seen = self._seen
        while seen:  # drop expired keys, oldest first
            oldest, expires = next(iter(seen.items()))
            if expires > now and len(seen) < self._max:
                break
            del seen[oldest]
        known = seen.get(key)
        if known is not None and known > now:
            return False
        seen[key] = now + window
        seen.move_to_end(key)
        return True

    async def forget(self, key: str) -> None:
        self._seen.pop(key, None)


class RedisDedupe:
    """A `DedupeStore` shared by every replica through Redis (``SET key 1 NX PX window``).

    Each push is one key and every command touches one key, so it works unchanged on a Redis
    Cluster (the keys spread over the slots) and on a Sentinel primary. Through a failover, a key
    the old primary had not yet replicated may be lost: that push is then handled twice, never
    dropped.

    Args:
        redis: A ``redis.asyncio.Redis`` client (``pip install 'wxtcb[redis]'``), a
            ``redis.asyncio.RedisCluster``, or a Sentinel primary (``Sentinel.master_for``).
        prefix: The key prefix.

    Attributes:
        prefix: The key prefix (``"wxtcb:push"`` by default).
    """

    def __init__(self, redis: Any, *, prefix: str = "wxtcb:push") -> None:
        self._redis = redis
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"<RedisDedupe prefix={self.prefix!r}>"

    async def first_seen(self, key: str, window: float) -> bool:
        done = await self._redis.set(f"{self.prefix}:{key}", b"1", nx=True, px=max(1, int(window * 1000)))
        return bool(done)

    async def forget(self, key: str) -> None:
        await self._redis.delete(f"{self.prefix}:{key}")
