"""Third-party platform tokens: the component's own token and each merchant's authorizer token.

The durable credentials here are the ones users lose in every other SDK: the
``component_verify_ticket`` (pushed by WeChat every 10 minutes, no pull API) and each merchant's
``authorizer_refresh_token`` (lose it and the merchant must authorize again). Both are kept in
the store's durable space, never with the cached tokens, and never replaced by an older value.

A pushed ticket is ordered by its ``CreateTime``; a rotated refresh token replaces exactly the
value its refresh used (compare-and-set), so the clocks of the hosts never decide which refresh
token is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from wxtcb.errors import CredentialStoreError, InvalidRequestError, TicketMissingError
from wxtcb.events import RefreshTokenRotated
from wxtcb.methods import TokenKind
from wxtcb.stores import Credential, TokenStore
from wxtcb.tokens.base import CachingTokenProvider, TokenContext
from wxtcb.tokens.endpoints import AuthorizerTokenMethod, ComponentTokenMethod

__all__ = ["AuthorizerTokenProvider", "ComponentTokenProvider", "RefreshTokenHook"]

logger = logging.getLogger("wxtcb")

#: ``async def hook(authorizer_appid, new_refresh_token)``: told of every refresh token WeChat
#: rotates for this provider, after it is stored, or instead of it when the store cannot take it.
RefreshTokenHook = Callable[[str, str], Awaitable[Any]]

#: Pauses between the tries of writing a rotated refresh token (so three tries in all). Each try is
#: bounded by the store itself (`wxtcb.redis.RedisTokenStore` ``timeout=``).
WRITE_BACKOFF = (0.05, 0.25)

#: Seconds over which the refresh ahead of a fleet's authorizer tokens is spread (see
#: `CachingTokenProvider`): 100 000 merchants authorized in the same minute are refreshed over 30
#: minutes (about 56 a second), not in one minute two hours later. WeChat asks that
#: ``api_authorizer_token`` be called only when the 2-hour token runs out, for a daily limit it does
#: not number (the api_authorizer_token page of the third-party platform docs): each merchant
#: still refreshes once per token lifetime, at most 30 minutes early.
REFRESH_SPREAD = 1800.0

#: Writes of rotated refresh tokens that outlive a cancelled or timed-out caller.
_KEEPING: set[asyncio.Task[Any]] = set()


def _non_empty(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{name} must be a non-empty string")
    return value


class ComponentTokenProvider(CachingTokenProvider):
    """The third-party platform's ``component_access_token``.

    Args:
        component_appid: The platform's appid.
        component_appsecret: Its secret.
        ticket: The latest ``component_verify_ticket`` if you have one at hand; it seeds the store
            only when the store has none (a stored, newer ticket wins).
        store: Where tokens and the ticket live. Share one across processes.

    Attributes:
        kind: ``"component"``.
        token_kind: `TokenKind.COMPONENT`.
        ticket_key: The store key of the ``component_verify_ticket``: ``ticket:<component_appid>``.
        cache_key: The store key of the cached token: ``token:component:<component_appid>``.
    """

    kind = "component"
    token_kind = TokenKind.COMPONENT

    def __init__(
        self,
        component_appid: str,
        component_appsecret: str,
        *,
        ticket: str | None = None,
        store: TokenStore | None = None,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            _non_empty("component_appid", component_appid), store=store, margin=margin, clock=clock
        )
        self._secret = _non_empty("component_appsecret", component_appsecret)
        self._seed_ticket = None if ticket is None else _non_empty("ticket", ticket)
        self._key = f"token:component:{component_appid}"
        self.ticket_key = f"ticket:{component_appid}"

    @property
    def cache_key(self) -> str:
        return self._key

    async def set_ticket(self, ticket: str, *, create_time: float | None = None) -> bool:
        """Record a pushed ``component_verify_ticket``; True if it is now the stored one.

        *create_time* is the push's ``CreateTime``: a push that arrives late never replaces a
        newer ticket.
        """
        _non_empty("ticket", ticket)
        stamp = self.clock() if create_time is None else float(create_time)
        kept = await self.store.put_credential(self.ticket_key, Credential(ticket, stamp))
        if kept.value == ticket:
            self.release_hold()
        return kept.value == ticket

    async def current_credential(self) -> object:
        return await _stored_value(self.store, self.ticket_key, self._seed_ticket)

    async def ticket(self) -> str:
        """The latest ticket, or `TicketMissingError`."""
        stored = await self.store.get_credential(self.ticket_key)
        if stored is None and self._seed_ticket is not None:
            stored = await self.store.put_credential(self.ticket_key, Credential(self._seed_ticket, 0.0))
        if stored is None:
            raise TicketMissingError(self.appid)
        return stored.value

    async def _fetch(self, ctx: TokenContext) -> tuple[str, int]:
        method = ComponentTokenMethod(self.appid, self._secret, await self.ticket())
        answer = await ctx.fetch(method)
        return answer.component_access_token, answer.expires_in

    def authorizer(
        self,
        authorizer_appid: str,
        *,
        refresh_token: str | None = None,
        on_refresh_token: RefreshTokenHook | None = None,
    ) -> AuthorizerTokenProvider:
        """A provider for one merchant, sharing this component provider and its store."""
        return AuthorizerTokenProvider(
            self, authorizer_appid, refresh_token=refresh_token, on_refresh_token=on_refresh_token
        )


class AuthorizerTokenProvider(CachingTokenProvider):
    """A merchant's ``authorizer_access_token``, paid for with its ``authorizer_refresh_token``.

    The refresh token is a durable credential in the store; *refresh_token* seeds it only when
    the store has none. When WeChat answers with a different refresh token, the new one replaces
    the one the refresh used (compare-and-set, never decided by a clock) before the new access
    token is used, then ``on_refresh_token(appid, new)`` is awaited. The hook gets every token
    WeChat rotates for this provider, also one the store could not take: then the hook runs first,
    this provider keeps the token and writes it before its next refresh, and `CredentialStoreError`
    is raised instead of returning the new access token (the store still holds the old refresh
    token, which WeChat stops accepting after a grace period: failing now beats two hours of
    working calls followed by 61023).

    Refresh ahead is spread (*spread*, `REFRESH_SPREAD` seconds by default): each merchant's token
    is refreshed at a point of the 30 minutes before the margin fixed by its store key, so a fleet
    authorized in the same minute does not refresh in the same minute two hours later.

    Attributes:
        kind: ``"authorizer"``.
        component: The platform's `ComponentTokenProvider`, whose token pays for this one.
        refresh_key: The store key of the refresh token: ``refresh:<component_appid>:<authorizer_appid>``.
        cache_key: The store key of the cached token:
            ``token:authorizer:<component_appid>:<authorizer_appid>``.
    """

    kind = "authorizer"

    def __init__(
        self,
        component: ComponentTokenProvider,
        authorizer_appid: str,
        *,
        refresh_token: str | None = None,
        store: TokenStore | None = None,
        on_refresh_token: RefreshTokenHook | None = None,
        margin: float = 300.0,
        clock: Callable[[], float] | None = None,
        spread: float = REFRESH_SPREAD,
    ) -> None:
        super().__init__(
            _non_empty("authorizer_appid", authorizer_appid),
            store=store if store is not None else component.store,
            margin=margin,
            clock=clock if clock is not None else component.clock,
            spread=spread,
        )
        self.component = component
        self._seed = None if refresh_token is None else _non_empty("refresh_token", refresh_token)
        self._on_refresh_token = on_refresh_token
        #: ``(replaced, rotated)``: a refresh token WeChat rotated that the store did not take.
        self._unsaved: tuple[str, str] | None = None
        self._key = f"token:authorizer:{component.appid}:{authorizer_appid}"
        self.refresh_key = f"refresh:{component.appid}:{authorizer_appid}"

    @property
    def cache_key(self) -> str:
        return self._key

    async def refresh_token(self) -> str:
        """The stored refresh token (seeded from the constructor when the store has none)."""
        stored = await self.store.get_credential(self.refresh_key)
        if stored is None and self._seed is not None:
            stored = await self.store.put_credential(self.refresh_key, Credential(self._seed, 0.0))
        if stored is None:
            raise InvalidRequestError(
                f"no authorizer_refresh_token for {self.appid}: pass refresh_token= or store one"
            )
        return stored.value

    async def set_refresh_token(self, refresh_token: str) -> bool:
        """Record a refresh token obtained elsewhere (api_query_auth, getAuthorizerList).

        Nothing tells which of two such tokens WeChat issued last, so this one write is ordered
        by this host's clock (newer wins); rotations by a refresh are compare-and-set instead.
        """
        kept = await self.store.put_credential(
            self.refresh_key, Credential(_non_empty("refresh_token", refresh_token), self.clock())
        )
        if kept.value == refresh_token:
            self.release_hold()
        return kept.value == refresh_token

    async def forget(self) -> None:
        """Forget this merchant: its refresh token and its cached access token (it revoked the
        platform). Its next call has no refresh token until one is stored again."""
        self._unsaved = None
        await self.store.delete_credential(self.refresh_key)
        local = self._local
        if local is not None:
            await self.invalidate(local.value)
        cached = await self.store.get_token(self.cache_key)
        if cached is not None:
            await self.store.delete_token(self.cache_key, cached.value)

    async def current_credential(self) -> object:
        # A fetch held after 61023 goes out again as soon as another refresh token is stored
        # (for example the hook's copy, put back with set_refresh_token on any instance); one
        # held because the component's ticket was refused, as soon as a new ticket is stored.
        refresh = await _stored_value(self.store, self.refresh_key, self._seed)
        return refresh, await self.component.current_credential()

    async def _fetch(self, ctx: TokenContext) -> tuple[str, int]:
        used = await self.refresh_token()
        if self._unsaved is not None:
            used = await self._store_unsaved(ctx, used)
        method = AuthorizerTokenMethod(self.component.appid, self.appid, used)
        # The component token rides in the query: a rejected one is refreshed and replayed once.
        answer = await ctx.call(method, self.component)
        new = answer.authorizer_refresh_token
        if new and new != used:
            # Shielded: a caller cancelled or timed out now must not drop a token WeChat already
            # rotated; the write and the hook finish in the background.
            task = asyncio.get_running_loop().create_task(self._keep_rotated(ctx, used, new))
            _KEEPING.add(task)
            task.add_done_callback(_kept)
            await asyncio.shield(task)
        return answer.authorizer_access_token, answer.expires_in

    async def _keep_rotated(self, ctx: TokenContext, used: str, new: str) -> None:
        """Store *new* over *used*, hand it to the hook, and raise if the store did not take it.

        The write is compare-and-set on *used*, the value this refresh read: which host's clock is
        ahead never matters. Three outcomes:

        * stored: `RefreshTokenRotated` is emitted, then the hook gets *new*;
        * another writer replaced *used* first (a refresh elsewhere, or `set_refresh_token`): the
          stored value stays (its writer already told the hook), no event, and the hook still gets
          *new*, which WeChat issued and which may well be the one it honours now: the
          application's copy is the only place it survives;
        * the store failed on every try: the hook gets *new*, this provider keeps it in memory and
          writes it before its next refresh, and `CredentialStoreError` is raised.

        In the last case the access token WeChat just issued is *not* returned, although the hook
        may hold the new refresh token: the store still holds the old one, which WeChat stops
        accepting after a grace period, so every other process (and this one after a restart) is
        headed for 61023. Returning would hide that behind two hours of working calls; raising
        makes it loud while the grace period still lets the next refresh recover.
        """
        try:
            kept = await self._write_refresh(used, new)
        except CredentialStoreError as exc:
            self._unsaved = (used, new)
            handed = await self._hand_to_hook(new)
            raise CredentialStoreError(
                f"WeChat rotated the authorizer_refresh_token of {self.appid}, but the token store "
                f"did not take the new one after {len(WRITE_BACKOFF) + 1} tries (the store still "
                f"holds the old one, which WeChat stops accepting after a grace period); "
                f"{_HANDED[handed]}; this provider writes it to the store before its next refresh"
            ) from exc
        except BaseException:
            # Not a store failure we know (a custom store's bug, a cancelled loop): the store may
            # not have the token, so the application's copy must.
            await self._hand_to_hook(new)
            raise
        if kept.value == new:
            ctx.emit(RefreshTokenRotated(self.component.appid, self.appid))
        else:
            logger.warning(
                "authorizer_refresh_token of %s was replaced in the store while this refresh was in "
                "flight; the stored one stays and on_refresh_token gets the one this refresh received",
                self.appid,
            )
        await self._hand_to_hook(new)

    async def _store_unsaved(self, ctx: TokenContext, stored: str) -> str:
        """Write the token an earlier refresh could not store; the refresh token to use now."""
        assert self._unsaved is not None
        replaced, pending = self._unsaved
        if stored != replaced:
            # The store moved on (another process rotated it, or the application put one back).
            self._unsaved = None
            return stored
        try:
            kept = await self._write_refresh(replaced, pending)
        except CredentialStoreError as exc:
            raise CredentialStoreError(
                f"the authorizer_refresh_token of {self.appid} that WeChat rotated earlier is still "
                "not in the token store (it was handed to on_refresh_token, if set); no new "
                "refresh until the store takes it"
            ) from exc
        self._unsaved = None
        if kept.value == pending:
            ctx.emit(RefreshTokenRotated(self.component.appid, self.appid))
        return kept.value

    async def _write_refresh(self, used: str, new: str) -> Credential:
        """Compare-and-set *new* over *used*, tried a few times a short pause apart."""
        for pause in WRITE_BACKOFF:
            try:
                return await self._write_refresh_once(used, new)
            except CredentialStoreError:
                logger.warning(
                    "writing the rotated authorizer_refresh_token of %s failed; trying again",
                    self.appid,
                )
            await asyncio.sleep(pause)
        return await self._write_refresh_once(used, new)

    async def _write_refresh_once(self, used: str, new: str) -> Credential:
        credential = Credential(new, self.clock())
        replace = getattr(self.store, "replace_credential", None)
        if replace is None:  # a store written before replace_credential: the clock decides
            return await self.store.put_credential(self.refresh_key, credential)
        kept: Credential = await replace(self.refresh_key, used, credential)
        return kept

    async def _hand_to_hook(self, new: str) -> str:
        """Await the hook with *new*: ``"given"``, ``"failed"`` (it raised) or ``"none"``."""
        if self._on_refresh_token is None:
            return "none"
        tracked = _Tracked(self._on_refresh_token)
        await await_hook(tracked, self.appid, new)
        return "given" if tracked.done else "failed"


_HANDED = {
    "given": "the new one was handed to on_refresh_token: put it back with set_refresh_token() "
    "if this process ends before the store recovers",
    "failed": "on_refresh_token raised too, so the new one lives only in this process",
    "none": "no on_refresh_token hook is set, so the new one lives only in this process",
}


class _Tracked:
    """A user hook that remembers whether it returned (`await_hook` logs and swallows failures)."""

    def __init__(self, hook: RefreshTokenHook) -> None:
        self.func = getattr(hook, "func", hook)  # what `await_hook` names in its log line
        self._hook = hook
        self.done = False

    async def __call__(self, appid: str, new: str) -> None:
        await self._hook(appid, new)
        self.done = True


async def _stored_value(store: TokenStore, key: str, seed: str | None) -> str | None:
    """The credential a fetch pays with (stored, else the seed); a store failure surfaces in the fetch."""
    try:
        stored = await store.get_credential(key)
    except CredentialStoreError:
        return None
    return seed if stored is None else stored.value


def _kept(task: asyncio.Task[Any]) -> None:
    _KEEPING.discard(task)
    # The caller that awaited it got the error already, unless it was cancelled meanwhile.
    if not task.cancelled() and task.exception() is not None:
        logger.debug("storing a rotated refresh token failed: %s", type(task.exception()).__name__)


async def await_hook(hook: Callable[..., Awaitable[Any]] | None, *args: Any) -> None:
    """Await a user hook; its failure is logged, never allowed to lose what was already stored.

    The log names the hook's function and the exception's class only: the hook was handed a
    credential, so its exception text (or a partial's bound arguments) may carry secrets.
    """
    if hook is None:
        return
    try:
        await hook(*args)
    except Exception as exc:
        function = getattr(hook, "func", hook)  # functools.partial: name the function, not its args
        name = getattr(function, "__qualname__", type(function).__name__)
        logger.error("user hook %s raised %s; the stored credential is unaffected", name, type(exc).__name__)
