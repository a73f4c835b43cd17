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
from wxtcb.testing.emulator import Call, Emulator, _error, route

__all__ = ["AuthorizationState", "Grant"]

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


def _component(emulator: Emulator, call: Call) -> str | dict[str, Any]:
    assert call.issued is not None
    if call.data.get("component_appid") != call.issued.appid:
        return _error(61011, "invalid component")
    return call.issued.appid


def _func_info(ids: tuple[int, ...]) -> list[dict[str, Any]]:
    return [{"funcscope_category": {"id": i}} for i in ids]


@route("cgi-bin/component/api_create_preauthcode", TokenKind.COMPONENT)
def _create_preauthcode(emulator: Emulator, call: Call) -> dict[str, Any]:
    component = _component(emulator, call)
    if isinstance(component, dict):
        return component
    code = "preauthcode@@@" + secrets.token_urlsafe(24)
    emulator.state(AuthorizationState).pre_auth_codes[code] = (component, emulator.now() + PRE_AUTH_TTL)
    return {"pre_auth_code": code, "expires_in": PRE_AUTH_TTL}


@route("cgi-bin/component/api_query_auth", TokenKind.COMPONENT)
def _query_auth(emulator: Emulator, call: Call) -> dict[str, Any]:
    component = _component(emulator, call)
    if isinstance(component, dict):
        return component
    state = emulator.state(AuthorizationState)
    grant = state.grants.pop(str(call.data.get("authorization_code", "")), None)
    if grant is None or grant.component_appid != component or grant.expires_at <= emulator.now():
        return _error(61010, "code is expired or invalid")
    authorizer = emulator.authorizers[grant.authorizer_appid]
    token, ttl = emulator._rotate("authorizer", grant.authorizer_appid)
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
def _authorizer_list(emulator: Emulator, call: Call) -> dict[str, Any]:
    component = _component(emulator, call)
    if isinstance(component, dict):
        return component
    offset, count = call.data.get("offset"), call.data.get("count")
    if not isinstance(offset, int) or not isinstance(count, int) or offset < 0 or count < 1:
        return _error(40097, "invalid args")
    if count > 500:
        return _error(40170, "args count exceed count limit")
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
def _authorizer_info(emulator: Emulator, call: Call) -> dict[str, Any]:
    component = _component(emulator, call)
    if isinstance(component, dict):
        return component
    appid = call.data.get("authorizer_appid")
    authorizer = emulator.authorizers.get(str(appid))
    if authorizer is None or authorizer.component_appid != component:
        return _error(61003, "component is not authorized by this account")
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
