"""The emulator's third-party authorization: pre-auth codes, authorization codes, the authorizer
list, and the encrypted events WeChat pushes to a platform's authorization-event URL.

A test authorizes a merchant with `wxtcb.testing.Emulator.authorize` (which can push the
``authorized`` event to the platform's URL, as WeChat does) and revokes it with
`wxtcb.testing.Emulator.unauthorize`.
"""

from __future__ import annotations

import secrets
from typing import Any

import attrs

from wxtcb.methods import TokenKind
from wxtcb.testing.base import (
    DEMO_COMPONENT_APPID,
    DEMO_ENCODING_AES_KEY,
    DEMO_PUSH_TOKEN,
    Call,
    EmulatorBase,
    error,
    route,
)

__all__ = [
    "AUTH_CODE_TTL",
    "PRE_AUTH_TTL",
    "AuthorizationState",
    "Grant",
    "authorize",
    "event_push",
    "send_push",
    "ticket_push",
    "unauthorize",
]

#: How long WeChat's codes live (pre-auth: 1800 s per the current page; authorization: 3600 s).
PRE_AUTH_TTL = 1800
AUTH_CODE_TTL = 3600


@attrs.define
class Grant:
    """One authorization code waiting to be exchanged."""

    component_appid: str
    authorizer_appid: str
    expires_at: float
    func_info: tuple[int, ...]


@attrs.define
class AuthorizationState:
    """What the emulator knows of authorizations, beside its authorizers' refresh tokens."""

    pre_auth_codes: dict[str, tuple[str, float]] = attrs.Factory(dict)
    grants: dict[str, Grant] = attrs.Factory(dict)
    #: Permission sets each merchant granted, and when.
    func_info: dict[str, tuple[int, ...]] = attrs.Factory(dict)
    auth_time: dict[str, int] = attrs.Factory(dict)


def event_push(
    emulator: EmulatorBase,
    fields: dict[str, str | int],
    component_appid: str = DEMO_COMPONENT_APPID,
    *,
    token: str = DEMO_PUSH_TOKEN,
    encoding_aes_key: str = DEMO_ENCODING_AES_KEY,
    create_time: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """Encrypt an authorization event as WeChat pushes it: ``(body, query)`` (needs cryptography).

    *fields* are the event's XML elements besides ``AppId`` and ``CreateTime``.
    """
    from wxtcb.push import PushCrypto

    created = int(emulator.now()) if create_time is None else create_time
    inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    head = f"<AppId><![CDATA[{component_appid}]]></AppId><CreateTime>{created}</CreateTime>"
    xml = f"<xml>{head}{inner}</xml>"
    crypto = PushCrypto(token=token, encoding_aes_key=encoding_aes_key, appid=component_appid)
    return crypto.encrypt(xml, timestamp=str(created))


def ticket_push(
    emulator: EmulatorBase,
    component_appid: str = DEMO_COMPONENT_APPID,
    *,
    token: str = DEMO_PUSH_TOKEN,
    encoding_aes_key: str = DEMO_ENCODING_AES_KEY,
    create_time: int | None = None,
) -> tuple[bytes, dict[str, str], str]:
    """Issue a fresh ticket and encrypt it as WeChat pushes it: ``(body, query, ticket)``."""
    ticket = emulator.issue_ticket(component_appid)
    fields: dict[str, str | int] = {"InfoType": "component_verify_ticket", "ComponentVerifyTicket": ticket}
    created = int(emulator.now()) if create_time is None else create_time
    body, params = event_push(
        emulator, fields, component_appid, token=token, encoding_aes_key=encoding_aes_key, create_time=created
    )
    return body, params, ticket


async def send_push(url: str, body: bytes, params: dict[str, str]) -> tuple[int, str]:
    """POST an encrypted push to *url* (a platform's event URL): ``(status, answer text)``."""
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.post(url, params=params, data=body) as response,
    ):
        return response.status, await response.text()


async def authorize(
    emulator: EmulatorBase,
    authorizer_appid: str,
    *,
    component_appid: str = DEMO_COMPONENT_APPID,
    func_info: tuple[int, ...] = (18, 49),
    event_url: str | None = None,
    update: bool = False,
) -> str:
    """A merchant's admin authorizes the platform (see `wxtcb.testing.Emulator.authorize`)."""
    state = emulator.state(AuthorizationState)
    if not update or authorizer_appid not in emulator.authorizers:
        # A new authorization invalidates the previous refresh token (WeChat's page says so).
        refresh_token = "refreshtoken@@@" + secrets.token_urlsafe(24)
        emulator.add_authorizer(component_appid, authorizer_appid, refresh_token)
        state.auth_time[authorizer_appid] = int(emulator.now())
    state.func_info[authorizer_appid] = tuple(func_info)
    code = "queryauthcode@@@" + secrets.token_urlsafe(24)
    expires = emulator.now() + AUTH_CODE_TTL
    state.grants[code] = Grant(component_appid, authorizer_appid, expires, tuple(func_info))
    if event_url is not None:
        body, params = event_push(
            emulator,
            {
                "InfoType": "updateauthorized" if update else "authorized",
                "AuthorizerAppid": authorizer_appid,
                "AuthorizationCode": code,
                "AuthorizationCodeExpiredTime": int(emulator.now()) + AUTH_CODE_TTL,
                "PreAuthCode": "preauthcode@@@emulated",
            },
            component_appid,
        )
        await send_push(event_url, body, params)
    return code


async def unauthorize(
    emulator: EmulatorBase,
    authorizer_appid: str,
    *,
    component_appid: str = DEMO_COMPONENT_APPID,
    event_url: str | None = None,
) -> None:
    """A merchant revokes the platform (see `wxtcb.testing.Emulator.unauthorize`)."""
    emulator.authorizers.pop(authorizer_appid, None)
    if event_url is not None:
        body, params = event_push(
            emulator, {"InfoType": "unauthorized", "AuthorizerAppid": authorizer_appid}, component_appid
        )
        await send_push(event_url, body, params)


def _component(emulator: EmulatorBase, call: Call) -> str | dict[str, Any]:
    assert call.issued is not None
    if call.data.get("component_appid") != call.issued.appid:
        return error(61011, "invalid component")
    return call.issued.appid


def _func_info(ids: tuple[int, ...]) -> list[dict[str, Any]]:
    return [{"funcscope_category": {"id": i}} for i in ids]


@route("cgi-bin/component/api_create_preauthcode", TokenKind.COMPONENT)
def _create_preauthcode(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    component = _component(emulator, call)
    if isinstance(component, dict):
        return component
    code = "preauthcode@@@" + secrets.token_urlsafe(24)
    emulator.state(AuthorizationState).pre_auth_codes[code] = (component, emulator.now() + PRE_AUTH_TTL)
    return {"pre_auth_code": code, "expires_in": PRE_AUTH_TTL}


@route("cgi-bin/component/api_query_auth", TokenKind.COMPONENT)
def _query_auth(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    component = _component(emulator, call)
    if isinstance(component, dict):
        return component
    state = emulator.state(AuthorizationState)
    grant = state.grants.pop(str(call.data.get("authorization_code", "")), None)
    if grant is None or grant.component_appid != component or grant.expires_at <= emulator.now():
        return error(61010, "code is expired or invalid")
    authorizer = emulator.authorizers[grant.authorizer_appid]
    token, ttl = emulator.rotate_token("authorizer", grant.authorizer_appid)
    return {
        "authorization_info": {
            "authorizer_appid": grant.authorizer_appid,
            "authorizer_access_token": token,
            "expires_in": ttl,
            "authorizer_refresh_token": authorizer.current_refresh_token,
            "func_info": _func_info(grant.func_info),
        }
    }


@route("cgi-bin/component/api_get_authorizer_list", TokenKind.COMPONENT)
def _authorizer_list(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    component = _component(emulator, call)
    if isinstance(component, dict):
        return component
    offset, count = call.data.get("offset"), call.data.get("count")
    if not isinstance(offset, int) or not isinstance(count, int) or offset < 0 or count < 1:
        return error(40097, "invalid args")
    if count > 500:
        return error(40170, "args count exceed count limit")
    state = emulator.state(AuthorizationState)
    mine = sorted(a for a, auth in emulator.authorizers.items() if auth.component_appid == component)
    return {
        "total_count": len(mine),
        "list": [
            {
                "authorizer_appid": appid,
                "refresh_token": emulator.authorizers[appid].current_refresh_token,
                "auth_time": state.auth_time.get(appid, 0),
            }
            for appid in mine[offset : offset + count]
        ],
    }


@route("cgi-bin/component/api_get_authorizer_info", TokenKind.COMPONENT)
def _authorizer_info(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    component = _component(emulator, call)
    if isinstance(component, dict):
        return component
    appid = call.data.get("authorizer_appid")
    authorizer = emulator.authorizers.get(str(appid))
    if authorizer is None or authorizer.component_appid != component:
        return error(61003, "component is not authorized by this account")
    return {
        "authorizer_info": {
            "nick_name": f"emulated {appid}",
            "head_img": "",
            "service_type_info": {"id": 0},
            "verify_type_info": {"id": -1},
            "user_name": f"gh_{str(appid)[-12:]}",
            "alias": "",
            "qrcode_url": "",
            "principal_name": "emulated entity",
        },
        "authorization_info": {
            "authorizer_appid": appid,
            "func_info": _func_info(emulator.state(AuthorizationState).func_info.get(str(appid), ())),
        },
    }
