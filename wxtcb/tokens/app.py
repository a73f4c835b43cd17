"""Tokens of your own mini program: `AppTokenProvider` and `StaticTokenProvider`."""

from __future__ import annotations

import time
from collections.abc import Callable

from wxtcb.errors import InvalidRequestError
from wxtcb.methods import TokenKind
from wxtcb.stores import TokenStore
from wxtcb.tokens.base import CachingTokenProvider, TokenContext
from wxtcb.tokens.endpoints import ClassicTokenMethod, StableTokenMethod

__all__ = ["AppTokenProvider", "StaticTokenProvider"]


class AppTokenProvider(CachingTokenProvider):
    """The ``access_token`` of your own mini program, fetched with its appid and AppSecret.

    By default from ``cgi-bin/stable_token`` in normal mode: repeated fetches return the same token
    until WeChat rotates it, so processes that do not share a store do not knock each other's tokens
    out, and ``force_refresh`` is never sent. ``stable=False`` uses the classic ``cgi-bin/token``,
    where every fetch rotates the token: share one store (`wxtcb.redis.RedisTokenStore`) across
    processes then.

    Args:
        appid: The mini program's appid.
        secret: Its AppSecret (never logged or shown in a repr).
        stable: Use ``cgi-bin/stable_token`` (default) or the classic ``cgi-bin/token``.
        store: Where the token is cached; a private `MemoryTokenStore` by default.
        margin: Seconds before expiry at which the token is refreshed (WeChat keeps the old token
            valid five minutes after a rotation).

    Attributes:
        stable: Whether tokens come from ``cgi-bin/stable_token`` (True) or the classic ``cgi-bin/token``.
        kind: ``"stable"`` or ``"classic"``, after *stable*.
        cache_key: The store key of the cached token: ``token:<kind>:<appid>``.
    """

    def __init__(
        self,
        appid: str,
        secret: str,
        *,
        stable: bool = True,
        store: TokenStore | None = None,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret or not isinstance(secret, str):
            raise InvalidRequestError("secret must be a non-empty string")
        super().__init__(appid, store=store, margin=margin, clock=clock)
        self._secret = secret
        self.stable = stable
        self.kind = "stable" if stable else "classic"
        self._key = f"token:{self.kind}:{appid}"

    @property
    def cache_key(self) -> str:
        return self._key

    async def _fetch(self, ctx: TokenContext) -> tuple[str, int]:
        if self.stable:
            answer = await ctx.fetch(StableTokenMethod(self.appid, self._secret))
        else:
            answer = await ctx.fetch(ClassicTokenMethod(self.appid, self._secret))
        return answer.access_token, answer.expires_in


class StaticTokenProvider:
    """A token managed elsewhere (a central token service, a token handed over by another system).

    wxtcb never refreshes it: a rejected static token raises `TokenRejectedError`.

    Args:
        token: The token.
        appid: Whose token it is, for logs and events.
        token_kind: What kind of token it is (`TokenKind.ACCESS` by default;
            `TokenKind.COMPONENT` for a platform's component_access_token).
        token_param: The query parameter it goes in.

    Attributes:
        kind: ``"static"``.
        appid: Whose token it is, for logs and events.
        token_kind: What kind of token it is, as given.
        token_param: The query parameter it goes in, as given.
    """

    kind = "static"

    def __init__(
        self,
        token: str,
        *,
        appid: str = "-",
        token_kind: TokenKind = TokenKind.ACCESS,
        token_param: str = "access_token",
    ) -> None:
        if not token or not isinstance(token, str):
            raise InvalidRequestError("token must be a non-empty string")
        if token_kind is TokenKind.NONE:
            raise InvalidRequestError("a static token is of kind ACCESS or COMPONENT")
        self._token = token
        self.appid = appid
        self.token_kind: TokenKind = token_kind
        self.token_param: str | None = token_param

    def __repr__(self) -> str:
        return f"<StaticTokenProvider appid={self.appid}>"

    async def token(self, ctx: TokenContext) -> str:
        return self._token

    async def invalidate(self, token: str) -> None:
        return None
