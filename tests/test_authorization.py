"""Third-party authorization, whole: from pre-auth code to revocation, recovery by re-sync, and the
event URL that verifies every push, on MemoryTokenStore and RedisTokenStore."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest
from aiohttp import web

import wxtcb
from tests.conftest import assert_no_secret, demo_component, log_texts, until
from tests.redis_server import RedisServer
from wxtcb.authorization import AuthorizationInfo, authorization_url
from wxtcb.push import PushCrypto
from wxtcb.stores import Credential
from wxtcb.testing import (
    DEMO_COMPONENT_APPID,
    DEMO_ENCODING_AES_KEY,
    DEMO_PUSH_TOKEN,
    INSTANT_RETRY,
    Emulator,
    Fault,
)
from wxtcb.testing.authorization import AuthorizationState
from wxtcb.webhooks import AuthorizationEvents, AuthorizationFailure

MERCHANT = "wxnewmerchant0001"
QUERY_AUTH = "cgi-bin/component/api_query_auth"


@attrs.define
class Recorded:
    """What the hooks were told."""

    authorized: list[AuthorizationInfo] = attrs.Factory(list)
    updated: list[AuthorizationInfo] = attrs.Factory(list)
    unauthorized: list[str] = attrs.Factory(list)
    failures: list[AuthorizationFailure] = attrs.Factory(list)
    other: list[dict[str, str]] = attrs.Factory(list)


def crypto() -> PushCrypto:
    """The demo platform's push crypto."""
    return PushCrypto(
        token=DEMO_PUSH_TOKEN, encoding_aes_key=DEMO_ENCODING_AES_KEY, appid=DEMO_COMPONENT_APPID
    )


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[wxtcb.TokenStore]:
    """The fleet's store: in memory, or a real redis-server."""
    if request.param == "memory":
        yield wxtcb.MemoryTokenStore()
        return
    import redis.asyncio

    from wxtcb.redis import RedisTokenStore

    server: RedisServer = request.getfixturevalue("redis_server")
    connection = redis.asyncio.Redis(unix_socket_path=server.socket)
    await connection.flushall()
    yield RedisTokenStore(connection, prefix="auth")
    await connection.aclose()


@attrs.define
class Service:
    """A platform service: the platform, its event URL served on loopback, and what its hooks saw."""

    platform: wxtcb.Platform
    events: AuthorizationEvents
    url: str
    seen: Recorded


@pytest.fixture
async def service(emulator: Emulator, store: wxtcb.TokenStore) -> AsyncIterator[Service]:
    """A platform with its authorization-event URL on a free loopback port."""
    seen = Recorded()

    async def authorized(info: AuthorizationInfo) -> None:
        seen.authorized.append(info)

    async def updated(info: AuthorizationInfo) -> None:
        seen.updated.append(info)

    async def unauthorized(appid: str) -> None:
        seen.unauthorized.append(appid)

    async def failure(failure: AuthorizationFailure) -> None:
        seen.failures.append(failure)

    async def other(fields: dict[str, str]) -> None:
        seen.other.append(fields)

    platform = wxtcb.Platform(demo_component(store=store), base_url=emulator.url, retry=INSTANT_RETRY)
    events = AuthorizationEvents(
        platform,
        crypto(),
        on_authorized=authorized,
        on_updated=updated,
        on_unauthorized=unauthorized,
        on_failure=failure,
        on_other=other,
        clock=emulator.now,
    )
    app = web.Application()
    app.router.add_post("/wechat/component", events.handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        async with platform:
            yield Service(
                platform, events, f"http://127.0.0.1:{runner.addresses[0][1]}/wechat/component", seen
            )
            await events.aclose()
    finally:
        await runner.cleanup()


async def stored_refresh_token(platform: wxtcb.Platform, appid: str) -> str | None:
    """The refresh token the fleet's store holds for *appid*."""
    provider = platform.component.authorizer(appid)
    credential = await provider.store.get_credential(provider.refresh_key)
    return None if credential is None else credential.value


async def test_a_merchant_from_pre_auth_code_to_revocation(emulator: Emulator, service: Service) -> None:
    """Pre-auth code and link, authorized event (refresh token stored, hook told), first call,
    a refresh-token rotation, then unauthorized: credentials gone and the next call refused."""
    link = await service.platform.authorization_url("https://platform.example/back", auth_type=2)
    query = parse_qs(urlsplit(link).query)
    assert query["pre_auth_code"][0] in emulator.state(AuthorizationState).pre_auth_codes
    assert query["auth_type"] == ["2"]

    await emulator.authorize(MERCHANT, func_info=(18, 49), event_url=service.url)
    await until(lambda: len(service.seen.authorized) == 1)
    info = service.seen.authorized[0]
    assert info.authorizer_appid == MERCHANT
    assert info.permission_sets == {18, 49}
    assert await stored_refresh_token(service.platform, MERCHANT) == emulator.refresh_token_of(MERCHANT)

    merchant = service.platform.merchant(MERCHANT)
    assert await merchant.get_callback_config() == wxtcb.CallbackConfig()
    assert emulator.calls["cgi-bin/component/api_authorizer_token"] == 0, "query_auth's token was cached"

    emulator.rotate_refresh_tokens = True
    emulator.expire_tokens()
    await merchant.get_callback_config()
    assert await stored_refresh_token(service.platform, MERCHANT) == emulator.refresh_token_of(MERCHANT)

    await emulator.unauthorize(MERCHANT, event_url=service.url)
    await until(lambda: service.seen.unauthorized == [MERCHANT])
    assert await stored_refresh_token(service.platform, MERCHANT) is None
    with pytest.raises(wxtcb.InvalidRequestError, match="no authorizer_refresh_token"):
        await service.platform.merchant(MERCHANT).get_callback_config()


async def test_an_updated_authorization_reports_the_new_permission_sets(
    emulator: Emulator, service: Service
) -> None:
    """updateauthorized runs query_auth again and hands the changed permission sets to its hook."""
    await emulator.authorize(MERCHANT, func_info=(18,), event_url=service.url)
    await emulator.authorize(MERCHANT, func_info=(18, 49, 64), event_url=service.url, update=True)
    await until(lambda: len(service.seen.updated) == 1)
    assert service.seen.updated[0].permission_sets == {18, 49, 64}


async def test_a_lost_refresh_token_is_recovered_by_resync(
    emulator: Emulator, service: Service, store: wxtcb.TokenStore
) -> None:
    """A merchant's refresh token wiped from the store: a stale seed meets 61023; the re-sync
    from api_get_authorizer_list restores it and the next call succeeds."""
    code = await emulator.authorize(MERCHANT)
    await service.platform.query_auth(code)
    provider = service.platform.component.authorizer(MERCHANT)
    await store.delete_credential(provider.refresh_key)
    await store.clear_cache()

    stale = service.platform.merchant(MERCHANT, refresh_token="refreshtoken@@@long-dead")
    with pytest.raises(wxtcb.RefreshTokenInvalidError):
        await stale.get_callback_config()

    report = await service.platform.resync_authorizers()
    assert MERCHANT in report.updated
    assert report.merchants == len(emulator.authorizers)
    assert await stale.get_callback_config() == wxtcb.CallbackConfig()


async def test_resync_keeps_a_token_rotated_while_the_list_was_read(
    emulator: Emulator, service: Service
) -> None:
    """A stored refresh token newer than the list (rotated meanwhile) is kept, not overwritten."""
    code = await emulator.authorize(MERCHANT)
    await service.platform.query_auth(code)
    provider = service.platform.component.authorizer(MERCHANT)
    newer = Credential("refreshtoken@@@rotated-meanwhile", provider.clock() + 60)
    await provider.store.put_credential(provider.refresh_key, newer)
    report = await service.platform.resync_authorizers()
    assert MERCHANT in report.kept
    assert await stored_refresh_token(service.platform, MERCHANT) == "refreshtoken@@@rotated-meanwhile"


async def test_resync_pages_through_every_merchant(emulator: Emulator, service: Service) -> None:
    """More merchants than one page holds (500): every one is listed and stored."""
    for n in range(620):
        emulator.add_authorizer(DEMO_COMPONENT_APPID, f"wxfleet{n:010d}", f"refreshtoken@@@fleet{n}")
    report = await service.platform.resync_authorizers()
    assert report.merchants == len(emulator.authorizers)
    assert emulator.calls["cgi-bin/component/api_get_authorizer_list"] == 2
    assert await stored_refresh_token(service.platform, "wxfleet0000000619") == "refreshtoken@@@fleet619"


async def test_a_failed_query_auth_reaches_the_failure_hook_with_its_code(
    emulator: Emulator, service: Service
) -> None:
    """An authorized push whose query_auth fails: answered success, the code handed to on_failure."""
    emulator.fault(QUERY_AUTH, Fault.error(61010, "code is expired"), times=5)
    code = await emulator.authorize(MERCHANT, event_url=service.url)
    await until(lambda: len(service.seen.failures) == 1)
    failure = service.seen.failures[0]
    assert (failure.authorizer_appid, failure.authorization_code) == (MERCHANT, code)
    assert isinstance(failure.error, wxtcb.APIError)
    assert code not in repr(failure)
    assert service.seen.authorized == []


async def test_forged_stale_and_replayed_pushes(emulator: Emulator, service: Service) -> None:
    """A bad signature and a stale timestamp are refused (403) and store nothing; a resend of the
    same push is answered success without a second query_auth."""
    code = await emulator.authorize(MERCHANT)
    fields = {"InfoType": "authorized", "AuthorizerAppid": MERCHANT, "AuthorizationCode": code}
    body, params = emulator.event_push(fields)

    forged = {**params, "msg_signature": "0" * 40}
    assert await emulator.send_push(service.url, body, forged) == (403, "invalid push")
    stale_body, stale_params = emulator.event_push(fields, create_time=int(emulator.now()) - 3600)
    assert await emulator.send_push(service.url, stale_body, stale_params) == (403, "invalid push")
    assert emulator.calls[QUERY_AUTH] == 0
    assert await stored_refresh_token(service.platform, MERCHANT) is None

    assert await emulator.send_push(service.url, body, params) == (200, "success")
    assert await emulator.send_push(service.url, body, params) == (200, "success")
    await until(lambda: len(service.seen.authorized) == 1)
    assert emulator.calls[QUERY_AUTH] == 1


async def test_unauthorized_for_an_unknown_merchant_is_a_no_op(emulator: Emulator, service: Service) -> None:
    """Revocation of a merchant the platform never stored: success, nothing breaks."""
    await emulator.unauthorize("wxneverseen000001", event_url=service.url)
    await until(lambda: service.seen.unauthorized == ["wxneverseen000001"])


async def test_ticket_and_other_events_share_the_url(emulator: Emulator, service: Service) -> None:
    """The same URL records tickets and hands other InfoTypes to on_other."""
    ticket_body, ticket_params, ticket = emulator.ticket_push()
    assert await emulator.send_push(service.url, ticket_body, ticket_params) == (200, "success")
    assert await service.platform.component.ticket() == ticket
    body, params = emulator.event_push({"InfoType": "notify_third_fasteregister", "status": 0})
    assert await emulator.send_push(service.url, body, params) == (200, "success")
    await until(lambda: len(service.seen.other) == 1)
    assert service.seen.other[0]["InfoType"] == "notify_third_fasteregister"


async def test_a_slow_hook_never_makes_wechat_wait(emulator: Emulator, store: wxtcb.TokenStore) -> None:
    """The answer comes while the hook is still blocked; the hook then finishes."""
    release = asyncio.Event()
    finished: list[str] = []

    async def slow(info: AuthorizationInfo) -> None:
        await release.wait()
        finished.append(info.authorizer_appid)

    async with wxtcb.Platform(
        demo_component(store=store), base_url=emulator.url, retry=INSTANT_RETRY
    ) as platform:
        events = AuthorizationEvents(platform, crypto(), on_authorized=slow, clock=emulator.now)
        code = await emulator.authorize(MERCHANT)
        body, params = emulator.event_push(
            {"InfoType": "authorized", "AuthorizerAppid": MERCHANT, "AuthorizationCode": code}
        )
        assert await events.feed(params, body) == (200, "success")
        assert finished == []
        assert await stored_refresh_token(platform, MERCHANT) is not None, "stored before the answer"
        release.set()
        await events.aclose()
    assert finished == [MERCHANT]


async def test_query_auth_stores_before_returning_and_logs_no_secret(
    emulator: Emulator, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """platform.query_auth: refresh token in the store when it returns; no token in logs or repr."""
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY) as platform:
        code = await emulator.authorize(MERCHANT)
        info = await platform.query_auth(code)
        stored = await stored_refresh_token(platform, MERCHANT)
    assert stored == emulator.refresh_token_of(MERCHANT) == info.authorizer_refresh_token
    assert_no_secret([repr(info), *log_texts(wxtcb_logs)], [stored, code])


async def test_a_store_that_fails_keeps_the_authorization_in_the_error(emulator: Emulator) -> None:
    """The store refuses the refresh token three times: AuthorizationNotStoredError holds it."""

    class Refusing(wxtcb.MemoryTokenStore):
        async def put_credential(self, key: str, credential: Credential) -> Credential:
            if key.startswith("refresh:"):
                raise wxtcb.CredentialStoreError("store down")
            return await super().put_credential(key, credential)

    platform = wxtcb.Platform(demo_component(store=Refusing()), base_url=emulator.url, retry=INSTANT_RETRY)
    async with platform:
        code = await emulator.authorize(MERCHANT)
        with pytest.raises(wxtcb.AuthorizationNotStoredError) as caught:
            await platform.query_auth(code)
    assert caught.value.authorization.authorizer_refresh_token == emulator.refresh_token_of(MERCHANT)
    assert emulator.refresh_token_of(MERCHANT) not in str(caught.value) + repr(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "base", "expected"),
    [
        ({}, "https://mp.weixin.qq.com/cgi-bin/componentloginpage", {"auth_type": ["3"]}),
        (
            {"mobile": True},
            "https://mp.weixin.qq.com/safe/bindcomponent",
            {"action": ["bindcomponent"], "no_scan": ["1"]},
        ),
        (
            {"auth_type": None, "biz_appid": "wxonly"},
            "https://mp.weixin.qq.com/cgi-bin/componentloginpage",
            {"biz_appid": ["wxonly"]},
        ),
    ],
)
def test_authorization_url(kwargs: dict[str, Any], base: str, expected: dict[str, list[str]]) -> None:
    """The PC page and the mobile link, with the redirect URI encoded."""
    url = authorization_url("wxcomponent", "preauthcode@@@x", "https://p.example/back?x=1&y=2", **kwargs)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == base
    query = parse_qs(parts.query)
    assert query["redirect_uri"] == ["https://p.example/back?x=1&y=2"]
    assert query["component_appid"] == ["wxcomponent"]
    for key, value in expected.items():
        assert query[key] == value
    assert ("auth_type" in query) == (kwargs.get("auth_type", 3) is not None)
    assert url.endswith("#wechat_redirect") == bool(kwargs.get("mobile"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"redirect_uri": ""},
        {"redirect_uri": "ftp://x"},
        {"auth_type": 4},
        {"pre_auth_code": " "},
    ],
)
def test_authorization_url_refuses_bad_input(kwargs: dict[str, Any]) -> None:
    """A link that cannot work is refused with InvalidRequestError."""
    arguments: dict[str, Any] = {
        "component_appid": "wxc",
        "pre_auth_code": "code",
        "redirect_uri": "https://p.example/back",
    }
    arguments.update(kwargs)
    with pytest.raises(wxtcb.InvalidRequestError):
        authorization_url(**arguments)


async def test_a_cancelled_query_auth_still_stores_the_refresh_token(emulator: Emulator) -> None:
    """The caller of query_auth times out while the store is slow: the spent code's refresh token
    is stored all the same."""
    gate = asyncio.Event()

    class Slow(wxtcb.MemoryTokenStore):
        async def put_credential(self, key: str, credential: Credential) -> Credential:
            if key.startswith("refresh:"):
                await gate.wait()
            return await super().put_credential(key, credential)

    store = Slow()
    async with wxtcb.Platform(
        demo_component(store=store), base_url=emulator.url, retry=INSTANT_RETRY
    ) as platform:
        code = await emulator.authorize(MERCHANT)
        call = asyncio.ensure_future(platform.query_auth(code))
        await until(lambda: emulator.calls[QUERY_AUTH] == 1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        gate.set()
        await until(lambda: MERCHANT in {k.split(":")[-1] for k in store._credentials})
        assert await stored_refresh_token(platform, MERCHANT) == emulator.refresh_token_of(MERCHANT)


async def test_the_same_code_exchanged_twice_is_exchanged_once(emulator: Emulator) -> None:
    """The redirect page and the authorized push both complete one authorization: one exchange,
    the same answer for both."""
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY) as platform:
        code = await emulator.authorize(MERCHANT)
        first, second = await asyncio.gather(platform.query_auth(code), platform.query_auth(code))
        again = await platform.query_auth(code)
    assert first == second == again
    assert emulator.calls[QUERY_AUTH] == 1
