"""`Platform`: one engine for a third-party platform's whole fleet of merchants.

A platform acting for thousands of merchants wants one HTTP session, one pipeline, one component
provider and one store, and a cheap `Client` per merchant. ``platform.merchant(appid)`` is that
client: it costs an `AuthorizerTokenProvider` and nothing more, and closing it (or cancelling its
calls) never fails another merchant's work.

The platform also runs the authorization lifecycle: `authorization_url` starts one,
`query_auth` completes it (the refresh token is stored before it returns), `forget` ends it, and
`resync_authorizers` recovers every merchant's refresh token from WeChat's list.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
import attrs

from wxtcb.authorization import (
    MAX_AUTHORIZERS_PER_PAGE,
    Authorization,
    AuthorizationInfo,
    CreatePreAuthCode,
    GetAuthorizerList,
    QueryAuth,
    authorization_url,
    check_authorization_link,
)
from wxtcb.batch import Batch
from wxtcb.client import DEFAULT_BASE_URL, Client, build_engine
from wxtcb.errors import AuthorizationNotStoredError, CredentialStoreError, InvalidRequestError
from wxtcb.events import Event
from wxtcb.methods import Method
from wxtcb.namespaces import namespace
from wxtcb.pipeline import Pipeline
from wxtcb.retry import RetryPolicy
from wxtcb.stores import CachedToken, Credential
from wxtcb.tokens.component import AuthorizerTokenProvider, ComponentTokenProvider, RefreshTokenHook
from wxtcb.transport import DEFAULT_MAX_RESPONSE_SIZE, Transport

__all__ = ["Platform", "ResyncReport"]

logger = logging.getLogger("wxtcb")

#: Pauses between the tries of storing a refresh token from an authorization (three tries).
_STORE_BACKOFF = (0.05, 0.25)
#: Authorization exchanges under way: kept (and so finished) whatever happens to their callers.
_EXCHANGES: set[asyncio.Task[AuthorizationInfo]] = set()
#: How many recent authorization codes a platform remembers, to answer a second exchange of one.
_CODES_KEPT = 1024


@attrs.frozen
class ResyncReport:
    """What `Platform.resync_authorizers` did.

    Attributes:
        merchants: How many merchants WeChat listed.
        updated: Appids whose stored refresh token was missing or differed, and was replaced.
        unchanged: How many already held WeChat's token.
        kept: Appids whose stored token changed while the list was read (a rotation, or a new
            authorization): it is newer than the list, so it was kept.
    """

    merchants: int
    updated: tuple[str, ...]
    unchanged: int
    kept: tuple[str, ...]


T = TypeVar("T")


class Platform:
    """A third-party platform: the component provider, one engine, and a client per merchant.

    Args:
        component: The platform's `ComponentTokenProvider` (its store is the fleet's store).
        base_url: WeChat's API host, or an emulator's URL.
        session: An `aiohttp.ClientSession` to borrow (never closed here).
        retry: What transient failures are retried.
        timeout: Seconds each attempt may take.
        on_event: Called with every `wxtcb.events.Event`, for every merchant.
        transport: Sends the requests instead of aiohttp.
        max_response_size: The largest answer read, in bytes.

    ``await platform(method)`` sends a method object that takes the component token
    (``componenttcb/*``, ``cgi-bin/component/*``).

    Attributes:
        component: The platform's `ComponentTokenProvider`, as given.
    """

    #: The component-token calls of the authorization lifecycle: `wxtcb.authorization.Authorization`.
    authorization = namespace(Authorization)
    #: CloudBase batch mode (``componenttcb/*``): `wxtcb.batch.Batch`.
    batch = namespace(Batch)

    def __init__(
        self,
        component: ComponentTokenProvider,
        *,
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        on_event: Callable[[Event], Any] | None = None,
        transport: Transport | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        self.component = component
        self._engine = build_engine(base_url, session, retry, timeout, on_event, transport, max_response_size)
        #: The platform's own client, on the component token; closing it closes the engine.
        self._client = Client.on_engine(component, self._engine, base_url, owns=True)
        self._merchants: weakref.WeakValueDictionary[str, AuthorizerTokenProvider] = (
            weakref.WeakValueDictionary()
        )
        self._codes: collections.OrderedDict[str, asyncio.Task[AuthorizationInfo]] = collections.OrderedDict()

    def __repr__(self) -> str:
        return f"<wxtcb.Platform {self.component.appid} {self._client.base_url}>"

    def merchant(
        self,
        authorizer_appid: str,
        refresh_token: str | None = None,
        on_refresh_token: RefreshTokenHook | None = None,
    ) -> Client:
        """A client acting for one merchant, on this platform's engine.

        The merchant's provider is kept while any of its clients lives, so asking again for the
        same merchant reuses its cached token; passing *refresh_token* or *on_refresh_token*
        builds a new provider with them (the refresh token seeds the store only when the store
        has none).
        """
        provider = self._merchants.get(authorizer_appid)
        if provider is None or refresh_token is not None or on_refresh_token is not None:
            provider = self.component.authorizer(
                authorizer_appid, refresh_token=refresh_token, on_refresh_token=on_refresh_token
            )
            self._merchants[authorizer_appid] = provider
        return Client.on_engine(provider, self._engine, self._client.base_url)

    async def __call__(self, method: Method[T]) -> T:
        """Send a method object that takes the component token."""
        return await self._client(method)

    _send = __call__

    def engine(self) -> Pipeline:
        """The engine every merchant of this platform shares (see `wxtcb.Client.engine`):
        ``platform.batch``'s transfers use it. `RuntimeError` once the platform is closed."""
        return self._client.engine()

    # --- the authorization lifecycle ------------------------------------------------------

    async def authorization_url(
        self,
        redirect_uri: str,
        *,
        auth_type: int | None = 3,
        biz_appid: str | None = None,
        mobile: bool = False,
    ) -> str:
        """A fresh pre-auth code, made into the page where a merchant's admin authorizes you.

        See `wxtcb.authorization.authorization_url` for the arguments. The code lives 30 minutes:
        make a link per visit, not one for all.
        """
        # Checked first: a bad link must not cost a pre-auth code (nor a component token).
        check_authorization_link(redirect_uri, auth_type=auth_type, biz_appid=biz_appid, mobile=mobile)
        code = await self._client(CreatePreAuthCode(self.component.appid))
        return authorization_url(
            self.component.appid,
            code.pre_auth_code,
            redirect_uri,
            auth_type=auth_type,
            biz_appid=biz_appid,
            mobile=mobile,
        )

    async def query_auth(self, authorization_code: str) -> AuthorizationInfo:
        """Complete an authorization: the merchant's refresh token is stored durably before this
        returns, and its access token cached.

        The merchant may have granted only some of the permission sets you asked for: check
        ``info.permission_sets``.

        Raises:
            AuthorizationNotStoredError: the store did not take the refresh token after three
                tries (a `CredentialStoreError`). ``exc.authorization`` holds what WeChat
                returned (refresh token included, never in the error's text): keep it, the code
                is spent.
        """
        # The code is spent the moment WeChat answers: the exchange and the store run in a task of
        # their own that a cancelled or timed-out caller cannot stop halfway. The same code
        # exchanged twice here (the redirect page and the authorized push) shares that task.
        if not isinstance(authorization_code, str) or not authorization_code.strip():
            raise InvalidRequestError("authorization_code must be a non-empty string")
        exchange = self._codes.get(authorization_code)
        if exchange is None or (exchange.done() and (exchange.cancelled() or exchange.exception())):
            exchange = asyncio.get_running_loop().create_task(self._exchange(authorization_code))
            _EXCHANGES.add(exchange)
            exchange.add_done_callback(_EXCHANGES.discard)
            self._codes[authorization_code] = exchange
            while len(self._codes) > _CODES_KEPT:
                self._codes.popitem(last=False)
        return await asyncio.shield(exchange)

    async def _exchange(self, authorization_code: str) -> AuthorizationInfo:
        info = await self._client(QueryAuth(self.component.appid, authorization_code))
        if not info.authorizer_refresh_token:
            # No API permissions granted: WeChat hands out no tokens; nothing to store.
            return info
        provider = self._provider(info.authorizer_appid)
        await self._store_refresh_token(provider, info)
        if info.authorizer_access_token and info.expires_in:
            now = provider.clock()
            token = CachedToken(info.authorizer_access_token, now + min(info.expires_in, 7200), now)
            try:
                await provider.store.put_token(provider.cache_key, token)
            except CredentialStoreError:
                logger.warning("could not cache the token of %s; fetched on first use", info.authorizer_appid)
        return info

    async def _store_refresh_token(self, provider: AuthorizerTokenProvider, info: AuthorizationInfo) -> None:
        assert info.authorizer_refresh_token
        for pause in (*_STORE_BACKOFF, None):
            try:
                await provider.set_refresh_token(info.authorizer_refresh_token)
                return
            except CredentialStoreError as exc:
                if pause is None:
                    raise AuthorizationNotStoredError(
                        f"the refresh token of {info.authorizer_appid} from its authorization could not be "
                        f"stored ({exc}); it is in this error's .authorization: keep it",
                        authorization=info,
                    ) from None
                await asyncio.sleep(pause)

    async def forget(self, authorizer_appid: str) -> None:
        """Forget a merchant that revoked the platform: its refresh token and cached token.

        Its next call raises `InvalidRequestError` (no refresh token) until it authorizes again
        (or, given a stale seed, `RefreshTokenInvalidError` from WeChat).
        """
        await self._provider(authorizer_appid).forget()

    async def resync_authorizers(self) -> ResyncReport:
        """Re-read every merchant's refresh token from WeChat (``api_get_authorizer_list``) into
        the store: the cure for a refresh token lost to 61023.

        A stored token that changed while the list was being read (a rotation by a refresh, a new
        authorization) is kept: it is at least as new as the list. Otherwise WeChat's value
        replaces the stored one by compare-and-set on what was read, so a concurrent write is
        never overwritten.
        """
        updated: list[str] = []
        kept: list[str] = []
        unchanged = 0
        listed = 0
        offset = 0
        while True:
            started = self.component.clock()
            page = await self._client(
                GetAuthorizerList(self.component.appid, offset=offset, count=MAX_AUTHORIZERS_PER_PAGE)
            )
            for record in page.list:
                listed += 1
                provider = self._provider(record.authorizer_appid)
                stored = await provider.store.get_credential(provider.refresh_key)
                if stored is not None and stored.value == record.refresh_token:
                    unchanged += 1
                    continue
                if stored is not None and stored.updated_at >= started:
                    kept.append(record.authorizer_appid)
                    continue
                new = Credential(record.refresh_token, self.component.clock())
                if stored is None:
                    written = await provider.store.put_credential(provider.refresh_key, new)
                else:
                    written = await provider.store.replace_credential(provider.refresh_key, stored.value, new)
                if written.value == record.refresh_token:
                    provider.release_hold()
                    updated.append(record.authorizer_appid)
                else:
                    kept.append(record.authorizer_appid)
            offset += len(page.list)
            if not page.list or offset >= page.total_count:
                break
        return ResyncReport(listed, tuple(updated), unchanged, tuple(kept))

    def _provider(self, authorizer_appid: str) -> AuthorizerTokenProvider:
        if not isinstance(authorizer_appid, str) or not authorizer_appid:
            raise InvalidRequestError("authorizer_appid must be a non-empty string")
        provider = self._merchants.get(authorizer_appid)
        if provider is None:
            provider = self.component.authorizer(authorizer_appid)
            self._merchants[authorizer_appid] = provider
        return provider

    async def __aenter__(self) -> Platform:
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the engine: every merchant's client stops with it."""
        await self._client.aclose()
