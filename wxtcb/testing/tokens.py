"""The emulator's token endpoints and the token check every other endpoint goes through.

``cgi-bin/token`` rotates on every fetch, ``stable_token`` hands back the same token until it is
near expiry, ``api_component_token`` checks the platform's ticket, ``api_authorizer_token``
checks (and, when switched on, rotates) the merchant's refresh token. ``cgi-bin/openapi/quota/get``
reports the emulator's call counts against `DAILY_LIMIT`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from wxtcb.methods import TokenKind
from wxtcb.testing.base import Call, EmulatorBase, Issued, error, route, routes

__all__ = ["DAILY_LIMIT", "check_token"]

#: The daily quota the emulator reports for every API (cgi-bin/openapi/quota/get).
DAILY_LIMIT = 100_000

#: Query parameters a token of each kind is accepted in: WeChat's older pages (and wechatpy)
#: send ``component_access_token=``, the current ones ``access_token=``; cloud-run sends
#: ``cloudbase_access_token=``.
_TOKEN_PARAMS: dict[TokenKind, tuple[str, ...]] = {
    TokenKind.ACCESS: ("access_token", "cloudbase_access_token"),
    TokenKind.COMPONENT: ("access_token", "component_access_token"),
}
#: Which issued tokens serve each kind.
_ISSUED_KINDS: dict[TokenKind, tuple[str, ...]] = {
    TokenKind.ACCESS: ("access", "authorizer"),
    TokenKind.COMPONENT: ("component",),
}


def check_token(
    emulator: EmulatorBase,
    query: Mapping[str, str],
    kinds: tuple[TokenKind, ...],
    *,
    relay: Callable[[], str | None] | None = None,
) -> Issued | dict[str, Any]:
    """The token a request's *query* carries, checked against *kinds*, or the error WeChat answers.

    A request without a token is served as the app *relay* names, when it names one (cloud-run's
    open-API relay let the request through), else answers 41001.
    """
    names = [n for kind in kinds for n in _TOKEN_PARAMS[kind]]
    token = next((query[n] for n in names if query.get(n)), None)
    if not token:
        relayed = relay() if relay is not None and TokenKind.ACCESS in kinds else None
        if relayed is not None:
            return Issued("access", relayed, float("inf"))
        return error(41001, f"{names[0]} missing")
    issued = emulator.token(token)
    if issued is None or not any(issued.kind in _ISSUED_KINDS[kind] for kind in kinds):
        return error(40001, "invalid credential, access_token is invalid or not latest")
    if issued.expires_at <= emulator.now():
        return error(42001, "access_token expired")
    return issued


@route("cgi-bin/token", TokenKind.NONE, http_method="GET")
def _token(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    q = call.request.query
    if q.get("grant_type") != "client_credential":
        return error(40002, "invalid grant_type")
    if q.get("appid") not in emulator.apps:
        return error(40013, "invalid appid")
    if emulator.apps[q["appid"]] != q.get("secret"):
        return error(40001, "invalid credential, access_token is invalid or not latest")
    token, ttl = emulator.rotate_token("access", q["appid"])
    return {"access_token": token, "expires_in": ttl}


@route("cgi-bin/stable_token", TokenKind.NONE)
def _stable_token(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    if data.get("grant_type") != "client_credential":
        return error(40002, "invalid grant_type")
    appid = data.get("appid")
    if appid not in emulator.apps:
        return error(40013, "invalid appid")
    if emulator.apps[appid] != data.get("secret"):
        return error(40125, "invalid appsecret")
    current = emulator.stable_tokens.get(appid)
    issued = emulator.token(current) if current else None
    now = emulator.now()
    if current and issued and not data.get("force_refresh") and issued.expires_at - now > emulator.grace:
        return {"access_token": current, "expires_in": int(issued.expires_at - now)}
    token, ttl = (
        emulator.rotate_token("access", appid)
        if data.get("force_refresh")
        else emulator.issue_token("access", appid)
    )
    emulator.stable_tokens[appid] = token
    return {"access_token": token, "expires_in": ttl}


@route("cgi-bin/component/api_component_token", TokenKind.NONE)
def _component_token(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    appid = data.get("component_appid")
    if appid not in emulator.components:
        return error(61011, "invalid component")
    if emulator.components[appid] != data.get("component_appsecret"):
        return error(40125, "invalid appsecret")
    ticket, valid_until = emulator.tickets.get(appid, ("", 0.0))
    if not data.get("component_verify_ticket") or data.get("component_verify_ticket") != ticket:
        return error(61006, "component ticket is invalid")
    if valid_until <= emulator.now():
        return error(61005, "component ticket is expired")
    token, ttl = emulator.rotate_token("component", appid)
    return {"component_access_token": token, "expires_in": ttl}


@route("cgi-bin/component/api_authorizer_token", TokenKind.COMPONENT)
def _authorizer_token(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data, issued = call.data, call.issued
    assert issued is not None
    if data.get("component_appid") != issued.appid:
        return error(61011, "invalid component")
    authorizer = emulator.authorizers.get(data.get("authorizer_appid", ""))
    given = data.get("authorizer_refresh_token")
    now = emulator.now()
    if (
        authorizer is None
        or authorizer.component_appid != issued.appid
        or not given
        or authorizer.refresh_tokens.get(given, 0.0) <= now
    ):
        return error(61023, "refresh_token is invalid")
    if emulator.rotate_refresh_tokens:
        new = "refreshtoken@@@" + secrets.token_urlsafe(24)
        for value in authorizer.refresh_tokens:
            authorizer.refresh_tokens[value] = min(authorizer.refresh_tokens[value], now + emulator.grace)
        authorizer.refresh_tokens[new] = float("inf")
        authorizer.current_refresh_token = new
    token, ttl = emulator.rotate_token("authorizer", data["authorizer_appid"])
    return {
        "authorizer_access_token": token,
        "expires_in": ttl,
        "authorizer_refresh_token": authorizer.current_refresh_token,
    }


@route("cgi-bin/openapi/quota/get", TokenKind.ACCESS)
def _api_quota(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    # https://developers.weixin.qq.com/doc/offiaccount/openApi/get_api_quota.html
    path = call.data.get("cgi_path")
    if not isinstance(path, str) or not path.startswith("/"):
        return error(76003, "invalid cgi_path")
    if path.strip("/") not in routes():
        return error(76021, "cgi_path not found, please check")
    used = emulator.calls[path.strip("/")]
    quota = {"daily_limit": DAILY_LIMIT, "used": used, "remain": max(DAILY_LIMIT - used, 0)}
    return {"errcode": 0, "errmsg": "ok", "quota": quota}
