"""The token lifecycle shared by every provider that fetches: cache, refresh ahead, single-flight.

1. A cached token is used until ``expires_at - margin``. Inside the margin it is still used while
   one background refresh replaces it (refresh ahead), so request paths do not wait in steady state.
   With a *spread*, refresh ahead starts earlier by a fixed share of it drawn from the store key:
   a fleet's tokens granted in the same minute are refreshed over the whole spread, not at once.
   The provider keeps its own copy of the token, so the hot path touches neither a lock nor the
   store; the store is read once per flight, and a token another process replaced is dropped when
   WeChat rejects it (rule 4).
2. However many coroutines miss at once, one fetch task runs; each caller awaits it through
   `asyncio.shield`, so a cancelled caller cancels nothing for the others, and a failure reaches all.
3. Across processes the fetch happens under the store's lease: one owner fetches, the others
   re-read the store until the new token appears or the lease lapses.
4. Invalidation is compare-and-delete: only the token that was rejected is dropped. The provider
   also remembers the rejected value and never takes it back from the store: a refresh started by
   another caller that got the same rejection may read the store before the delete lands there
   (a Redis Cluster makes that window wide: a script's first run on a node is a ``NOSCRIPT``
   answer, a ``SCRIPT LOAD`` on every primary and a second ``EVALSHA``, while the concurrent read
   is one ``GET``), and re-adopting the dead token would fail every replay in the process.
5. Nothing WeChat answers makes a provider hammer it: a lifetime over `MAX_LIFETIME` is clamped,
   a token is used for at least `REFETCH_FLOOR` seconds unless WeChat rejects it, and a fetch that
   failed on a credential error (wrong secret, expired ticket, dead refresh token, IP not on the
   whitelist) is not sent again for `CREDENTIAL_HOLD` seconds, or until the credential changes:
   callers get the same error at once.
"""

from __future__ import annotations

import abc
import asyncio
import copy
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from wxtcb import events as _events
from wxtcb.errors import CredentialStoreError, RequestTimeout, WxTcbError, holds_fetches
from wxtcb.events import Event, TokenFetched, error_fields
from wxtcb.methods import Method, TokenKind
from wxtcb.stores import CachedToken, MemoryTokenStore, TokenStore

__all__ = ["CachingTokenProvider", "TokenContext", "TokenProvider"]

T = TypeVar("T")
logger = logging.getLogger("wxtcb")

#: Seconds a waiter sleeps between re-reads of the store while another process refreshes.
POLL_INTERVAL = 0.05
#: A token with less than this left is not used even inside the margin.
MIN_VALIDITY = 30.0
#: How many times a shared fetch that failed because its client closed is run again.
_RERUNS = 3
#: After a failed refresh ahead, the next one waits this long (the cached token is still valid).
AHEAD_BACKOFF = 10.0
#: The longest lifetime a token is cached for, whatever ``expires_in`` says: what WeChat documents.
MAX_LIFETIME = 7200
#: A provider fetches at most once per this many seconds while WeChat accepts its token, even when
#: the answer says the token lives shorter (a rejection still refreshes it at once).
REFETCH_FLOOR = 10.0
#: After a fetch failed on a credential error, further fetches fail at once for this many seconds,
#: unless the credential (ticket, refresh token) changes in the store meanwhile.
CREDENTIAL_HOLD = 30.0


class TokenContext(Protocol):
    """What a provider may use of the client that asks it for a token."""

    #: The longest one fetch can take (retry budget plus one attempt's timeout), in seconds.
    fetch_timeout: float
    #: Whether the client was closed (a fetch running on it then fails for that reason alone).
    closed: bool

    async def fetch(self, method: Method[T], token: str | None = None, token_param: str | None = None) -> T:
        """Send *method* through the retry policy (no refresh-and-replay)."""
        ...

    async def call(self, method: Method[T], provider: TokenProvider) -> T:
        """Send *method* with *provider*'s token, refreshing and replaying once on rejection."""
        ...

    def emit(self, event: Event) -> None:
        """Log an event and hand it to the user's hook."""
        ...

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run *coro* in the background, cancelled when the client closes."""
        ...


class TokenProvider(Protocol):
    """Gives the pipeline a token, and takes back one that WeChat rejected.

    A provider declares the `TokenKind` it gives and the query parameter it puts its token in;
    the pipeline refuses, before any I/O, a method that takes another kind.
    """

    #: A label for logs, events and store keys: ``"stable"``, ``"classic"``, ``"component"``,
    #: ``"authorizer"``, ``"static"``.
    kind: str
    #: The appid the token belongs to.
    appid: str
    #: The kind of token it gives.
    token_kind: TokenKind
    #: The query parameter the token goes in (``"access_token"``), or None: no token is sent.
    token_param: str | None

    async def token(self, ctx: TokenContext) -> str:
        """A token believed valid."""
        ...

    async def invalidate(self, token: str) -> None:
        """Forget *token* (if it is still the cached one): WeChat rejected it."""
        ...


class CachingTokenProvider(abc.ABC):
    """Base of the providers that fetch tokens from WeChat and cache them in a `TokenStore`.

    Attributes:
        kind: A label for logs, events and store keys (each subclass sets it).
        token_kind: The kind of token it gives (`TokenKind.ACCESS` unless a subclass says otherwise).
        token_param: The query parameter the token goes in (``"access_token"``).
        appid: The appid the token belongs to (non-empty).
        store: The `TokenStore` the token is cached in (a private `MemoryTokenStore` unless one was given).
        margin: Seconds before expiry at which the token is refreshed.
        clock: The provider's clock, seconds since the epoch (``time.time`` unless one was given).
        spread: Refresh ahead starts up to this many seconds before the margin, at a point fixed by
            the store key (the same in every process), never more than half of what the token
            lives beyond the margin. 0: at the margin.
    """

    kind: str = ""
    token_kind: TokenKind = TokenKind.ACCESS
    token_param: str | None = "access_token"

    def __init__(
        self,
        appid: str,
        *,
        store: TokenStore | None = None,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        spread: float = 0.0,
    ) -> None:
        if not appid or not isinstance(appid, str):
            raise ValueError("appid must be a non-empty string")
        if not spread >= 0:
            raise ValueError("spread must be a non-negative number of seconds")
        self.appid = appid
        self.store: TokenStore = store if store is not None else MemoryTokenStore(clock=clock)
        self.margin = margin
        # Token lifetimes and credential times are read from it: code that records a credential
        # beside the provider (`wxtcb.Platform`) uses it too.
        self.clock = clock
        self.spread = spread
        #: When refresh ahead starts for `_local`: seconds before its expiry (margin plus its share).
        self._ahead = margin
        self._inflight: asyncio.Task[str] | None = None
        self._ahead_not_before = 0.0
        #: This process's copy of the cached token: the hot path reads it without touching the store.
        self._local: CachedToken | None = None
        #: When `_local` was taken, on this provider's clock (for `REFETCH_FLOOR`).
        self._local_since = 0.0
        #: The error of a fetch refused for a credential, until when, and for which credential.
        self._hold: tuple[WxTcbError, float, object] | None = None
        #: The client the in-flight fetch runs on.
        self._inflight_ctx: TokenContext | None = None
        #: The last token WeChat rejected here: never taken back from the store (rule 4).
        self._rejected: str | None = None

    @property
    @abc.abstractmethod
    def cache_key(self) -> str:
        """The store key of this provider's cached token."""

    @abc.abstractmethod
    async def _fetch(self, ctx: TokenContext) -> tuple[str, int]:
        """Fetch a new token from WeChat: ``(value, expires_in)``."""

    async def current_credential(self) -> object:
        """The durable credential a fetch pays with (none here): a fetch held for a bad one is
        sent again as soon as it changes."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} appid={self.appid}>"

    def token_nowait(self) -> str | None:
        """This process's copy of the token when it is valid beyond the margin, else None (then
        await `token`, which refreshes). No I/O, no await: the pipeline's hot path."""
        local = self._local
        if local is not None and local.expires_at - self.clock() > self._ahead:
            return local.value
        return None

    async def token(self, ctx: TokenContext) -> str:
        # Hot path: this process's copy, no lock, no store round trip.
        local = self._local
        if local is not None:
            left = local.expires_at - self.clock()
            if left > self._ahead:
                return local.value
            if left > MIN_VALIDITY:
                self._refresh_ahead(ctx)
                telemetry = _events.telemetry
                if telemetry is not None:
                    telemetry.ahead(self.kind)
                return local.value
            if self.clock() - self._local_since < REFETCH_FLOOR:
                return local.value  # WeChat said it lives shorter than that: it will say if it died
        return await self._single_flight(ctx)

    def token_age(self) -> float | None:
        """Seconds since the token this process holds was issued (None without one): what
        `wxtcb.otel` reports as the age of the token in use."""
        local = self._local
        return None if local is None else max(self.clock() - local.issued_at, 0.0)

    def _keep(self, cached: CachedToken) -> str:
        self._local = cached
        self._local_since = self.clock()
        self._ahead = self._ahead_of(cached)
        return cached.value

    def _ahead_of(self, cached: CachedToken) -> float:
        """Seconds before *cached* expires at which its refresh ahead starts."""
        if not self.spread:
            return self.margin
        beyond = cached.expires_at - cached.issued_at - self.margin
        return self.margin + _share(self.cache_key) * min(self.spread, max(0.0, beyond / 2))

    async def invalidate(self, token: str) -> None:
        # Every token this provider hands out was its local copy. If the copy has already moved
        # on, another caller in this process invalidated *token* in the store already.
        if self._local is not None and self._local.value == token:
            # Remembered before the first await: a caller that got the same rejection meanwhile
            # finds `_local` empty and refreshes at once, maybe before the delete lands.
            self._rejected = token
            self._local = None
            await self.store.delete_token(self.cache_key, token)

    def _refresh_ahead(self, ctx: TokenContext) -> None:
        if self.clock() < self._ahead_not_before or self._running_task() is not None:
            return

        before = self._local.value if self._local is not None else None

        async def refresh() -> None:
            try:
                value = await self._single_flight(ctx, wait_for_others=False)
            except WxTcbError:
                # The cached token is still valid; callers keep using it. Try again later.
                self._ahead_not_before = self.clock() + AHEAD_BACKOFF
                return
            if value == before:
                # WeChat handed the same token back (stable_token rotates only in its own last
                # minutes): asking again on every call would only churn. Ask again later.
                self._ahead_not_before = self.clock() + AHEAD_BACKOFF

        ctx.spawn(refresh())

    def _landed(self, task: asyncio.Task[str]) -> None:
        # Drop the finished fetch and the client it ran on: a provider outlives the clients that
        # used it (a merchant's client per request), and must not keep them alive.
        if self._inflight is task:
            self._inflight = None
            self._inflight_ctx = None

    def _running_task(self) -> asyncio.Task[str] | None:
        task = self._inflight
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            return None
        return task

    async def _single_flight(self, ctx: TokenContext, *, wait_for_others: bool = True) -> str:
        telemetry = _events.telemetry
        if telemetry is not None:
            # The wait is a span of its own: the fetch started here nests under it, and a caller
            # that joined another's fetch shows how long it waited for it.
            with telemetry.waiting(self.kind, self.appid, shared=self._running_task() is not None):
                return await self._flight(ctx, wait_for_others)
        return await self._flight(ctx, wait_for_others)

    async def _flight(self, ctx: TokenContext, wait_for_others: bool) -> str:
        for rerun in range(_RERUNS, -1, -1):
            task = self._running_task()
            if task is None:
                task = asyncio.get_running_loop().create_task(self._refresh(ctx, wait_for_others))
                task.add_done_callback(_retrieve)
                task.add_done_callback(self._landed)
                self._inflight = task
                self._inflight_ctx = ctx
            runner = self._inflight_ctx
            try:
                return await asyncio.shield(task)
            except WxTcbError:
                # A fetch shared with another client ran on that client, which was closed under
                # it: that says nothing about WeChat, so fetch again (on this caller's client,
                # unless another caller started a fetch meanwhile).
                if not rerun or runner is ctx or runner is None or not runner.closed or ctx.closed:
                    raise
        raise AssertionError("unreachable: the last round raises")  # pragma: no cover

    def _usable(self, cached: CachedToken | None, *, within_margin: bool) -> bool:
        if cached is None or cached.value == self._rejected:
            return False
        left = cached.expires_at - self.clock()
        return left > (MIN_VALIDITY if within_margin else self._ahead_of(cached))

    async def _refresh(self, ctx: TokenContext, wait_for_others: bool) -> str:
        # Another process (or provider) may have stored a token this one has not seen.
        cached = await self.store.get_token(self.cache_key)
        if self._usable(cached, within_margin=False) or (
            wait_for_others and self._usable(cached, within_margin=True) and cached != self._local
        ):
            assert cached is not None
            return self._keep(cached)
        owner = uuid.uuid4().hex
        lease_ttl = ctx.fetch_timeout + 5.0
        give_up = time.monotonic() + 2 * lease_ttl
        while True:
            if await self.store.acquire_lease(self.cache_key, owner, lease_ttl):
                try:
                    return await self._refresh_as_owner(ctx)
                finally:
                    await self._release(owner)
            # Another process is refreshing: read what it stores instead of fetching.
            cached = await self.store.get_token(self.cache_key)
            if self._usable(cached, within_margin=not wait_for_others) and cached != self._local:
                assert cached is not None
                return self._keep(cached)
            if not wait_for_others and self._usable(self._local, within_margin=True):
                assert self._local is not None
                return self._local.value  # refresh ahead: the other process will store the new one
            if time.monotonic() > give_up:
                raise RequestTimeout(f"waited {2 * lease_ttl:g} s for another process to refresh {self.kind}")
            await asyncio.sleep(POLL_INTERVAL)

    async def _release(self, owner: str) -> None:
        try:
            await self.store.release_lease(self.cache_key, owner)
        except CredentialStoreError:
            # The token (if any) is stored; the lease lapses by itself after its TTL. Failing the
            # call now would report a successful refresh as a failure.
            logger.warning("could not release the refresh lease of %s; it expires by itself", self.kind)

    async def _refresh_as_owner(self, ctx: TokenContext) -> str:
        cached = await self.store.get_token(self.cache_key)
        if self._usable(cached, within_margin=False):
            assert cached is not None
            return self._keep(cached)  # someone refreshed while we waited for the lease
        credential = await self.current_credential()
        hold = self._hold
        if hold is not None:
            error, until, held_credential = hold
            if self.clock() < until and credential == held_credential:
                raise copy.copy(error)  # WeChat would refuse it again: do not ask
            self._hold = None
        started = time.perf_counter()
        try:
            async with asyncio.timeout(ctx.fetch_timeout):
                value, expires_in = await self._fetch(ctx)
        except TimeoutError:
            raise RequestTimeout(
                f"fetching the {self.kind} token took over {ctx.fetch_timeout:g} s"
            ) from None
        except WxTcbError as exc:
            _observer_fetch(ctx, self, time.perf_counter() - started, None, exc)
            if holds_fetches(exc):
                self._hold = (exc, self.clock() + CREDENTIAL_HOLD, credential)
            raise
        _observer_fetch(ctx, self, time.perf_counter() - started, expires_in, None)
        issued = self.clock()
        lifetime = min(expires_in, MAX_LIFETIME)
        fresh = CachedToken(value, expires_at=issued + lifetime, issued_at=issued)
        kept = await self.store.put_token(self.cache_key, fresh)
        if kept.value == self._rejected:
            # The store kept the token WeChat just rejected over this newer one (stamped later by
            # a host whose clock runs ahead): drop it, store this one, and use this one regardless.
            await self.store.delete_token(self.cache_key, kept.value)
            kept = await self.store.put_token(self.cache_key, fresh)
            if kept.value == self._rejected:
                kept = fresh
        return self._keep(kept)

    def release_hold(self) -> None:
        """Forget a held credential error: a new credential was just recorded.

        Code that writes a credential to the store itself (`wxtcb.Platform.resync_authorizers`)
        calls it, so the next fetch pays with the new credential at once instead of waiting out
        `CREDENTIAL_HOLD`."""
        self._hold = None


def _observer_fetch(
    ctx: TokenContext,
    provider: CachingTokenProvider,
    elapsed: float,
    expires_in: int | None,
    error: BaseException | None,
) -> None:
    ctx.emit(TokenFetched(provider.kind, provider.appid, elapsed, expires_in, *error_fields(error)))


def _share(key: str) -> float:
    """A fraction in [0, 1) fixed by *key*: the same in every process and on every host."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _retrieve(task: asyncio.Task[Any]) -> None:
    # Every waiter gets the error through shield; this only keeps asyncio from warning when a
    # background refresh failed with nobody waiting.
    if not task.cancelled() and task.exception() is not None:
        logger.debug("token refresh failed: %s", type(task.exception()).__name__)
