"""Endpoints as frozen attrs method objects: what to call, with what, and what comes back.

A method object is inspectable data (tests and hooks can assert on it). It declares its API path,
the query parameter that carries its token (``None`` for token endpoints that take none), its body
and its return type; `wxtcb.protocol` turns it into bytes and the answer back into the model.
Adding a tcb endpoint is a class here plus a thin method on `wxtcb.Client`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

import attrs

from wxtcb.converter import unstructure
from wxtcb.errors import InvalidRequestError
from wxtcb.models import (
    AccessToken,
    AuthorizerAccessToken,
    CallbackConfig,
    ComponentAccessToken,
    ContainerConfig,
    FunctionConfig,
    TextMode,
)

__all__ = [
    "AuthorizerTokenMethod",
    "ClassicTokenMethod",
    "ComponentTokenMethod",
    "GetCallbackConfig",
    "Method",
    "SetCallbackConfig",
    "StableTokenMethod",
]

T = TypeVar("T")


class Method(Generic[T]):
    """Base of all method objects; subclasses are ``@attrs.frozen``."""

    __slots__ = ()

    #: The API path below the base URL.
    api: ClassVar[str]
    http_method: ClassVar[str] = "POST"
    #: The query parameter that carries the token, or None when the endpoint takes no token.
    token_param: ClassVar[str | None] = "access_token"
    #: The model the answer decodes into (None: nothing beyond errcode).
    returns: ClassVar[type[Any] | None] = None
    #: The key of the answer that holds the model; None means the whole object.
    result_key: ClassVar[str | None] = None
    #: A token endpoint: there errcode 40001 means a wrong secret, not a stale token.
    token_endpoint: ClassVar[bool] = False
    #: Whether sending twice has the effect of sending once, so transient failures may be retried.
    idempotent: ClassVar[bool] = True
    doc_url: ClassVar[str] = ""
    #: The encoded body when it never changes, so it is not encoded again on every call.
    constant_body: ClassVar[bytes | None] = None

    def query(self) -> dict[str, str]:
        """Query parameters besides the token."""
        return {}

    def payload(self) -> object | None:
        """JSON body, or None for no body."""
        return None


@attrs.frozen
class GetCallbackConfig(Method[CallbackConfig]):
    """tcb/getcallbackconfig: read the message-push configuration."""

    api: ClassVar[str] = "tcb/getcallbackconfig"
    returns: ClassVar[type[Any] | None] = CallbackConfig
    result_key: ClassVar[str | None] = "data"
    doc_url: ClassVar[str] = (
        "https://developers.weixin.qq.com/doc/oplatform/openApi/cloudbase-common/msg-push/"
        "api_getcallbackconfig.html"
    )
    constant_body: ClassVar[bytes | None] = b"{}"

    def payload(self) -> object:
        # No body is documented; an empty object keeps Content-Length explicit (WeChat answers
        # 412 to chunked bodies).
        return {}


def _validate_function_config(_: object, __: attrs.Attribute[Any], value: FunctionConfig | None) -> None:
    if value is None:
        return
    if not isinstance(value, FunctionConfig):
        raise InvalidRequestError("function_config must be a wxtcb.FunctionConfig")
    for i, cb in enumerate(value.callbacks):
        where = f"function_config.callbacks[{i}]"
        if not cb.msg_type.strip():
            raise InvalidRequestError(f"{where}.msg_type is empty")
        if not cb.function_name.strip():
            raise InvalidRequestError(f"{where}.function_name is empty")
        if not cb.env.strip():
            raise InvalidRequestError(f"{where}.env is empty")
        if cb.msg_type == "event" and not cb.event.strip():
            raise InvalidRequestError(f"{where}.event is empty for msg_type 'event'")


def _validate_container_config(_: object, __: attrs.Attribute[Any], value: ContainerConfig | None) -> None:
    if value is None:
        return
    if not isinstance(value, ContainerConfig):
        raise InvalidRequestError("container_config must be a wxtcb.ContainerConfig")
    if not value.qbase_env.strip():
        raise InvalidRequestError("container_config.qbase_env is empty")
    if not value.qbase_container_path.startswith("/"):
        raise InvalidRequestError("container_config.qbase_container_path must start with '/'")
    if isinstance(value.text_mode, bool) or value.text_mode not in tuple(TextMode):
        raise InvalidRequestError("container_config.text_mode must be TextMode.JSON or TextMode.XML")


@attrs.frozen
class SetCallbackConfig(Method[None]):
    """tcb/setcallbackconfig: replace the function config, the container config, or both.

    Validated on construction: a bad configuration raises `InvalidRequestError` before any I/O.
    WeChat replaces each object sent as a whole, so sending it twice is the same as once: the
    call is idempotent and transient failures are retried.
    """

    function_config: FunctionConfig | None = attrs.field(default=None, validator=_validate_function_config)
    container_config: ContainerConfig | None = attrs.field(default=None, validator=_validate_container_config)

    api: ClassVar[str] = "tcb/setcallbackconfig"
    doc_url: ClassVar[str] = (
        "https://developers.weixin.qq.com/doc/oplatform/openApi/cloudbase-common/msg-push/"
        "api_setcallbackconfig.html"
    )

    def __attrs_post_init__(self) -> None:
        if self.function_config is None and self.container_config is None:
            raise InvalidRequestError("set_callback_config needs function_config, container_config or both")

    def payload(self) -> object:
        body: dict[str, object] = {}
        if self.function_config is not None:
            body["function_config"] = unstructure(self.function_config)
        if self.container_config is not None:
            body["container_config"] = unstructure(self.container_config)
        return body


@attrs.frozen
class StableTokenMethod(Method[AccessToken]):
    """cgi-bin/stable_token: the access token in normal mode (the same token until it rotates)."""

    appid: str
    secret: str = attrs.field(repr=False)
    force_refresh: bool = False

    api: ClassVar[str] = "cgi-bin/stable_token"
    token_param: ClassVar[str | None] = None
    returns: ClassVar[type[Any] | None] = AccessToken
    token_endpoint: ClassVar[bool] = True
    doc_url: ClassVar[str] = (
        "https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html"
    )

    def payload(self) -> object:
        body: dict[str, object] = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
        }
        if self.force_refresh:
            body["force_refresh"] = True
        return body


@attrs.frozen
class ClassicTokenMethod(Method[AccessToken]):
    """cgi-bin/token: every fetch rotates the token (the old one lives five more minutes)."""

    appid: str
    secret: str = attrs.field(repr=False)

    api: ClassVar[str] = "cgi-bin/token"
    http_method: ClassVar[str] = "GET"
    token_param: ClassVar[str | None] = None
    returns: ClassVar[type[Any] | None] = AccessToken
    token_endpoint: ClassVar[bool] = True
    doc_url: ClassVar[str] = (
        "https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html"
    )

    def query(self) -> dict[str, str]:
        return {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}


@attrs.frozen
class ComponentTokenMethod(Method[ComponentAccessToken]):
    """cgi-bin/component/api_component_token: the third-party platform's own token."""

    component_appid: str
    component_appsecret: str = attrs.field(repr=False)
    ticket: str = attrs.field(repr=False)

    api: ClassVar[str] = "cgi-bin/component/api_component_token"
    token_param: ClassVar[str | None] = None
    returns: ClassVar[type[Any] | None] = ComponentAccessToken
    token_endpoint: ClassVar[bool] = True
    doc_url: ClassVar[str] = (
        "https://developers.weixin.qq.com/doc/oplatform/openApi/ticket-token/api_getcomponentaccesstoken"
    )

    def payload(self) -> object:
        return {
            "component_appid": self.component_appid,
            "component_appsecret": self.component_appsecret,
            "component_verify_ticket": self.ticket,
        }


@attrs.frozen
class AuthorizerTokenMethod(Method[AuthorizerAccessToken]):
    """cgi-bin/component/api_authorizer_token: a merchant's token, paid for with its refresh token.

    Carries the component token in ``access_token`` as WeChat's current page says. A 40001 here
    means the *component* token was rejected, so it is not a token endpoint for errcode purposes.
    """

    component_appid: str
    authorizer_appid: str
    refresh_token: str = attrs.field(repr=False)

    api: ClassVar[str] = "cgi-bin/component/api_authorizer_token"
    returns: ClassVar[type[Any] | None] = AuthorizerAccessToken
    doc_url: ClassVar[str] = (
        "https://developers.weixin.qq.com/doc/oplatform/openApi/ticket-token/api_getauthorizeraccesstoken.html"
    )

    def payload(self) -> object:
        return {
            "component_appid": self.component_appid,
            "authorizer_appid": self.authorizer_appid,
            "authorizer_refresh_token": self.refresh_token,
        }
