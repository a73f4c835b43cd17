"""Where tokens and durable credentials live: the `TokenStore` protocol and `MemoryTokenStore`.

Two kinds of data with different lives:

* cached access tokens expire; losing them costs one fetch;
* durable credentials (the component_verify_ticket, each authorizer_refresh_token) do not expire,
  and losing one means waiting for a push or asking a merchant to authorize again. They are kept
  apart from the cache, and a write never replaces a newer value with an older one.

Every write that could race is conditional: tokens are put only if newer than what is stored,
invalidated only if the store still holds the rejected value (compare-and-delete), and refreshed
under a lease that only its owner releases. A rotated refresh token replaces the value its refresh
used (compare-and-set, `TokenStore.replace_credential`), so hosts whose clocks disagree cannot keep a
dead one; the clock decides only where nothing better exists (a pushed ticket's ``CreateTime``, a
refresh token recorded from ``api_query_auth``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import attrs

__all__ = ["CachedToken", "Credential", "MemoryTokenStore", "TokenStore"]


@attrs.frozen
class CachedToken:
    """An access token with its absolute expiry (epoch seconds) and when it was issued.

    Attributes:
        value: The token itself (hidden from the repr).
        expires_at: When it expires, in epoch seconds.
        issued_at: When it was issued, in epoch seconds.
    """

    value: str = attrs.field(repr=False)
    expires_at: float
    issued_at: float


@attrs.frozen
class Credential:
    """A durable credential and the time it was issued (newer wins).

    Attributes:
        value: The credential itself (a ticket, a refresh token; hidden from the repr).
        updated_at: When it was issued, in epoch seconds: a write with an older time does not replace it.
    """

    value: str = attrs.field(repr=False)
    updated_at: float


@runtime_checkable
class TokenStore(Protocol):
    """Storage shared by token providers; implement it to keep tokens somewhere else."""

    async def get_token(self, key: str) -> CachedToken | None:
        """The cached token under *key*, or None when there is none or it has expired."""
        ...

    async def put_token(self, key: str, token: CachedToken) -> CachedToken:
        """Store *token* unless a newer one (by ``issued_at``) is there; return the one kept."""
        ...

    async def delete_token(self, key: str, value: str) -> bool:
        """Delete the token under *key* only if it is still *value*; True if deleted."""
        ...

    async def acquire_lease(self, key: str, owner: str, ttl: float) -> bool:
        """Take the refresh lease of *key* for *ttl* seconds if nobody holds it."""
        ...

    async def release_lease(self, key: str, owner: str) -> bool:
        """Release the lease of *key* only if *owner* still holds it."""
        ...

    async def get_credential(self, key: str) -> Credential | None:
        """The durable credential under *key*."""
        ...

    async def put_credential(self, key: str, credential: Credential) -> Credential:
        """Store *credential* unless a newer one (by ``updated_at``) is there; return the one kept."""
        ...

    async def replace_credential(self, key: str, expected: str, new: Credential) -> Credential:
        """Store *new* only if *key* still holds *expected* (or nothing); return the one kept.

        Compare-and-set on the value, not on the clock: a rotated refresh token replaces exactly
        the token its refresh used. If *key* already holds ``new.value`` nothing changes (a retried
        write is harmless). The ``updated_at`` kept is never older than the one replaced, so later
        clock-based writes (`put_credential`) still see the chain as new. Atomic in every store.
        """
        ...

    async def delete_credential(self, key: str) -> bool:
        """Forget the durable credential under *key* (a merchant revoked the platform); True if
        there was one."""
        ...

    async def clear_cache(self) -> None:
        """Drop every cached token; durable credentials stay."""
        ...


class MemoryTokenStore:
    """A `TokenStore` in this process's memory: the default, for one process.

    Durable credentials kept here die with the process: a third-party platform wants
    `wxtcb.redis.RedisTokenStore` (or its own store) so that refresh tokens survive restarts.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._tokens: dict[str, CachedToken] = {}
        self._credentials: dict[str, Credential] = {}
        self._leases: dict[str, tuple[str, float]] = {}

    def __repr__(self) -> str:
        return f"<MemoryTokenStore tokens={len(self._tokens)} credentials={len(self._credentials)}>"

    async def get_token(self, key: str) -> CachedToken | None:
        token = self._tokens.get(key)
        if token is not None and token.expires_at <= self._clock():
            del self._tokens[key]
            return None
        return token

    async def put_token(self, key: str, token: CachedToken) -> CachedToken:
        current = self._tokens.get(key)
        if current is not None and current.issued_at > token.issued_at:
            return current
        self._tokens[key] = token
        return token

    async def delete_token(self, key: str, value: str) -> bool:
        current = self._tokens.get(key)
        if current is None or current.value != value:
            return False
        del self._tokens[key]
        return True

    async def acquire_lease(self, key: str, owner: str, ttl: float) -> bool:
        now = time.monotonic()
        held = self._leases.get(key)
        if held is not None and held[1] > now:
            return False
        self._leases[key] = (owner, now + ttl)
        return True

    async def release_lease(self, key: str, owner: str) -> bool:
        held = self._leases.get(key)
        if held is None or held[0] != owner:
            return False
        del self._leases[key]
        return True

    async def get_credential(self, key: str) -> Credential | None:
        return self._credentials.get(key)

    async def put_credential(self, key: str, credential: Credential) -> Credential:
        current = self._credentials.get(key)
        if current is not None and current.updated_at >= credential.updated_at:
            return current  # newer, or as new: the stored value stays
        self._credentials[key] = credential
        return credential

    async def replace_credential(self, key: str, expected: str, new: Credential) -> Credential:
        current = self._credentials.get(key)
        if current is not None and current.value != expected:
            return current  # another writer got there first (or ``new`` is already stored)
        if current is not None and current.updated_at > new.updated_at:
            new = Credential(new.value, current.updated_at)
        self._credentials[key] = new
        return new

    async def delete_credential(self, key: str) -> bool:
        return self._credentials.pop(key, None) is not None

    async def clear_cache(self) -> None:
        self._tokens.clear()
