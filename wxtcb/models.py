"""Typed answers and inputs of the CloudBase message-push configuration, and of token endpoints.

Attributes are snake_case; the converter (`wxtcb.converter`) maps the wire's camelCase names.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import attrs

__all__ = [
    "AccessToken",
    "AuthorizerAccessToken",
    "CallbackConfig",
    "ComponentAccessToken",
    "ContainerConfig",
    "FunctionCallback",
    "FunctionConfig",
    "TextMode",
]


class TextMode(enum.IntEnum):
    """How cloud-run pushes are encoded."""

    JSON = 1
    XML = 2


@attrs.frozen
class FunctionCallback:
    """One cloud-function push rule: messages of `msg_type` (and `event`) go to `function_name`."""

    msg_type: str
    #: The event name for ``msg_type == "event"``; WeChat sends ``""`` for plain message types.
    event: str
    env: str
    function_name: str
    enable: bool = True


def _callbacks(value: Iterable[FunctionCallback]) -> tuple[FunctionCallback, ...]:
    return tuple(value)


@attrs.frozen
class FunctionConfig:
    """Push to cloud functions: a master switch and the rules."""

    enable: bool = True
    #: Any iterable is accepted and kept as a tuple (the model is immutable).
    callbacks: tuple[FunctionCallback, ...] = attrs.field(default=(), converter=_callbacks)


@attrs.frozen
class ContainerConfig:
    """Push to a cloud-run (云托管) service path.

    `text_mode` is a `TextMode`, or the plain int WeChat sent when it is a value wxtcb does not
    know yet.
    """

    enable: bool
    qbase_env: str
    qbase_container_path: str
    text_mode: TextMode | int = TextMode.JSON


@attrs.frozen
class CallbackConfig:
    """The message-push configuration of a mini program; either part may be absent."""

    function_config: FunctionConfig | None = None
    container_config: ContainerConfig | None = None


#: The longest token wxtcb accepts from a token endpoint. WeChat documents 512 characters for
#: access tokens; the headroom admits a longer format without admitting an absurd one.
MAX_TOKEN_LENGTH = 2048
#: The longest ``expires_in`` that is a lifetime at all (WeChat's fields are 32-bit integers);
#: providers clamp what they use to what WeChat documents (7200 s).
MAX_EXPIRES_IN = 2**31 - 1


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
    """Answer of cgi-bin/token and cgi-bin/stable_token."""

    access_token: str = attrs.field(repr=False, validator=_token_text)
    expires_in: int = attrs.field(validator=_expires_in)


@attrs.frozen
class ComponentAccessToken:
    """Answer of cgi-bin/component/api_component_token."""

    component_access_token: str = attrs.field(repr=False, validator=_token_text)
    expires_in: int = attrs.field(validator=_expires_in)


@attrs.frozen
class AuthorizerAccessToken:
    """Answer of cgi-bin/component/api_authorizer_token."""

    authorizer_access_token: str = attrs.field(repr=False, validator=_token_text)
    expires_in: int = attrs.field(validator=_expires_in)
    #: WeChat may return the refresh token changed; an absent (or empty) one means "unchanged".
    authorizer_refresh_token: str | None = attrs.field(
        default=None, repr=False, validator=_optional_token_text
    )
