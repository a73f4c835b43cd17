"""Contract rows of the token endpoints the providers use."""

from __future__ import annotations

from tests.contract import Row
from wxtcb.methods import TokenKind
from wxtcb.tokens.endpoints import (
    AccessToken,
    AuthorizerAccessToken,
    AuthorizerTokenMethod,
    ClassicTokenMethod,
    ComponentAccessToken,
    ComponentTokenMethod,
    StableTokenMethod,
)

ROWS = [
    Row(
        method=StableTokenMethod("wxapp", "app-secret"),
        path="cgi-bin/stable_token",
        token=TokenKind.NONE,
        idempotent=True,
        query={},
        body={"grant_type": "client_credential", "appid": "wxapp", "secret": "app-secret"},
        answer={"access_token": "ACCESS_TOKEN", "expires_in": 7200},
        result=AccessToken("ACCESS_TOKEN", 7200),
    ),
    Row(
        method=ClassicTokenMethod("wxapp", "app-secret"),
        path="cgi-bin/token",
        token=TokenKind.NONE,
        idempotent=True,
        query={"grant_type": "client_credential", "appid": "wxapp", "secret": "app-secret"},
        body=None,
        answer={"access_token": "ACCESS_TOKEN", "expires_in": 7200},
        result=AccessToken("ACCESS_TOKEN", 7200),
    ),
    Row(
        method=ComponentTokenMethod("wxcomponent", "component-secret", "ticket@@@x"),
        path="cgi-bin/component/api_component_token",
        token=TokenKind.NONE,
        idempotent=True,
        query={},
        body={
            "component_appid": "wxcomponent",
            "component_appsecret": "component-secret",
            "component_verify_ticket": "ticket@@@x",
        },
        answer={"component_access_token": "COMPONENT_TOKEN", "expires_in": 7200},
        result=ComponentAccessToken("COMPONENT_TOKEN", 7200),
    ),
    Row(
        method=AuthorizerTokenMethod("wxcomponent", "wxmerchant", "refreshtoken@@@x"),
        path="cgi-bin/component/api_authorizer_token",
        token=TokenKind.COMPONENT,
        idempotent=True,
        query={},
        body={
            "component_appid": "wxcomponent",
            "authorizer_appid": "wxmerchant",
            "authorizer_refresh_token": "refreshtoken@@@x",
        },
        answer={
            "authorizer_access_token": "AUTHORIZER_TOKEN",
            "expires_in": 7200,
            "authorizer_refresh_token": "refreshtoken@@@y",
        },
        result=AuthorizerAccessToken("AUTHORIZER_TOKEN", 7200, "refreshtoken@@@y"),
    ),
]
