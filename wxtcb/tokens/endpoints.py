"""The token endpoints providers fetch from, and their answers.

Their answers are validated before anything is cached: a token that is empty, not a string,
absurdly long or with spaces, and a lifetime that is not a positive 32-bit number, are a
`DecodeError`, so that a hostile answer can never be cached for hours.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.wire import wire

__all__ = [
    "MAX_EXPIRES_IN",
    "MAX_TOKEN_LENGTH",
    "AccessToken",
    "AuthorizerAccessToken",
    "AuthorizerTokenMethod",
    "ClassicTokenMethod",
    "ComponentAccessToken",
    "ComponentTokenMethod",
    "StableTokenMethod",
]

#: The longest token wxtcb accepts from a token endpoint. WeChat documents 512 characters for
#: access tokens; the headroom admits a longer format without admitting an absurd one.
MAX_TOKEN_LENGTH = 2048
#: The longest ``expires_in`` that is a lifetime at all (WeChat's fields are 32-bit integers);
#: providers clamp what they use to what WeChat documents (7200 s).
MAX_EXPIRES_IN = 2**31 - 1

_MP_DOCS = "https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/"
_OP_DOCS = "https://developers.weixin.qq.com/doc/oplatform/openApi/ticket-token/"


def _token_text(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    # The message never shows the value: it is a credential.
    if not value or len(value) > MAX_TOKEN_LENGTH:
        raise ValueError(f"{attribute.name} must be 1 to {MAX_TOKEN_LENGTH} characters")
    if not value.isprintable() or any(c.isspace() for c in value):
        raise ValueError(f"{attribute.name} must be printable and without spaces")


def _optional_token_text(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value:  # absent or empty: "unchanged"
        _token_text(_, attribute, value)


_expires_in = [attrs.validators.gt(0), attrs.validators.le(MAX_EXPIRES_IN)]


@attrs.frozen
class AccessToken:
    """Answer of cgi-bin/token and cgi-bin/stable_token.

    Attributes:
        access_token: The token (never shown in a repr).
        expires_in: Seconds it is valid for.
    """

    access_token: str = attrs.field(repr=False, validator=_token_text)
    expires_in: int = attrs.field(validator=_expires_in)


@attrs.frozen
class ComponentAccessToken:
    """Answer of cgi-bin/component/api_component_token.

    Attributes:
        component_access_token: The platform's token (never shown in a repr).
        expires_in: Seconds it is valid for.
    """

    component_access_token: str = attrs.field(repr=False, validator=_token_text)
    expires_in: int = attrs.field(validator=_expires_in)


@attrs.frozen
class AuthorizerAccessToken:
    """Answer of cgi-bin/component/api_authorizer_token.

    Attributes:
        authorizer_access_token: The merchant's token (never shown in a repr).
        expires_in: Seconds it is valid for.
        authorizer_refresh_token: The refresh token, when WeChat rotated it; absent or empty
            means unchanged.
    """

    authorizer_access_token: str = attrs.field(repr=False, validator=_token_text)
    expires_in: int = attrs.field(validator=_expires_in)
    authorizer_refresh_token: str | None = attrs.field(
        default=None, repr=False, validator=_optional_token_text
    )


@attrs.frozen
class StableTokenMethod(Method[AccessToken]):
    """cgi-bin/stable_token: the access token in normal mode (the same token until it rotates).

    Attributes:
        appid: ``appid``, the mini program's appid.
        secret: ``secret``, its AppSecret (hidden from the repr).
        force_refresh: ``force_refresh``; left out of the body when False (the default).
        grant_type: ``grant_type``, always ``"client_credential"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/stable_token", token=TokenKind.NONE, doc=_MP_DOCS + "getStableAccessToken.html"
    )

    appid: str
    secret: str = attrs.field(repr=False)
    force_refresh: bool = attrs.field(default=False, metadata=wire(omit_if_default=True))
    grant_type: str = attrs.field(default="client_credential", init=False)


@attrs.frozen
class ClassicTokenMethod(Method[AccessToken]):
    """cgi-bin/token: every fetch rotates the token (the old one lives five more minutes).

    Attributes:
        grant_type: ``grant_type`` in the query string, always ``"client_credential"`` (not an argument).
        appid: ``appid`` in the query string, the mini program's appid.
        secret: ``secret`` in the query string, its AppSecret (hidden from the repr).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/token", token=TokenKind.NONE, http_method="GET", doc=_MP_DOCS + "getAccessToken.html"
    )

    grant_type: str = attrs.field(default="client_credential", init=False, metadata=wire(query=True))
    appid: str = attrs.field(metadata=wire(query=True))
    secret: str = attrs.field(repr=False, metadata=wire(query=True))


@attrs.frozen
class ComponentTokenMethod(Method[ComponentAccessToken]):
    """cgi-bin/component/api_component_token: the third-party platform's own token.

    Attributes:
        component_appid: ``component_appid``, the platform's appid.
        component_appsecret: ``component_appsecret``, its secret (hidden from the repr).
        ticket: ``component_verify_ticket``, the latest ticket WeChat pushed (hidden from the repr).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/component/api_component_token",
        token=TokenKind.NONE,
        doc=_OP_DOCS + "api_getcomponentaccesstoken",
    )

    component_appid: str
    component_appsecret: str = attrs.field(repr=False)
    ticket: str = attrs.field(repr=False, metadata=wire("component_verify_ticket"))


@attrs.frozen
class AuthorizerTokenMethod(Method[AuthorizerAccessToken]):
    """cgi-bin/component/api_authorizer_token: a merchant's token, paid for with its refresh token.

    Takes the component token; a 40001 here means the *component* token was rejected (it is
    refreshed and the call replayed), not a wrong secret.

    Attributes:
        component_appid: ``component_appid``, the platform's appid.
        authorizer_appid: ``authorizer_appid``, the merchant's appid.
        refresh_token: ``authorizer_refresh_token``, the merchant's refresh token (hidden from the repr).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/component/api_authorizer_token",
        token=TokenKind.COMPONENT,
        doc=_OP_DOCS + "api_getauthorizeraccesstoken.html",
    )

    component_appid: str
    authorizer_appid: str
    refresh_token: str = attrs.field(repr=False, metadata=wire("authorizer_refresh_token"))
