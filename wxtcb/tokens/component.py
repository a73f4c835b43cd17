"""Third-party platform tokens: the component's own token and each merchant's authorizer token.

The durable credentials here are the ones users lose in every other SDK: the
``component_verify_ticket`` (pushed by WeChat every 10 minutes, no pull API) and each merchant's
``authorizer_refresh_token`` (lose it and the merchant must authorize again). Both are kept in
the store's durable space, never with the cached tokens, and never replaced by an older value.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from wxtcb.errors import InvalidRequestError, TicketMissingError
from wxtcb.events import RefreshTokenRotated
from wxtcb.methods import AuthorizerTokenMethod, ComponentTokenMethod
from wxtcb.stores import Credential, TokenStore
from wxtcb.tokens.base import CachingTokenProvider, TokenContext, await_hook

__all__ = ["AuthorizerTokenProvider", "ComponentTokenProvider", "RefreshTokenHook"]

#: ``async def hook(authorizer_appid, new_refresh_token)``: told after a rotated token is stored.
RefreshTokenHook = Callable[[str, str], Awaitable[Any]]


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
    """

    kind = "component"

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
        stamp = self._clock() if create_time is None else float(create_time)
        kept = await self.store.put_credential(self.ticket_key, Credential(ticket, stamp))
        return kept.value == ticket

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
    the store has none. When WeChat answers with a different refresh token, the new one is written
    to the store before the new access token is used, then ``on_refresh_token(appid, new)`` is
    awaited.
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
    ) -> None:
        super().__init__(
            _non_empty("authorizer_appid", authorizer_appid),
            store=store if store is not None else component.store,
            margin=margin,
            clock=clock if clock is not None else component._clock,
        )
        self.component = component
        self._seed = None if refresh_token is None else _non_empty("refresh_token", refresh_token)
        self._on_refresh_token = on_refresh_token
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
        """Record a refresh token obtained elsewhere (api_query_auth, getAuthorizerList)."""
        kept = await self.store.put_credential(
            self.refresh_key, Credential(_non_empty("refresh_token", refresh_token), self._clock())
        )
        return kept.value == refresh_token

    async def _fetch(self, ctx: TokenContext) -> tuple[str, int]:
        used = await self.refresh_token()
        method = AuthorizerTokenMethod(self.component.appid, self.appid, used)
        # The component token rides in the query: a rejected one is refreshed and replayed once.
        answer = await ctx.call(method, self.component)
        new = answer.authorizer_refresh_token
        if new and new != used:
            await self.store.put_credential(self.refresh_key, Credential(new, self._clock()))
            ctx.emit(RefreshTokenRotated(self.component.appid, self.appid))
            await await_hook(self._on_refresh_token, self.appid, new)
        return answer.authorizer_access_token, answer.expires_in
