"""Typed answers and inputs of the CloudBase message-push configuration, and of token endpoints.

Attributes are snake_case; the converter (`wxtcb.converter`) maps the wire's camelCase names.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

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


@attrs.frozen
class AccessToken:
    """Answer of cgi-bin/token and cgi-bin/stable_token."""

    access_token: str = attrs.field(repr=False)
    expires_in: int = attrs.field(validator=attrs.validators.gt(0))


@attrs.frozen
class ComponentAccessToken:
    """Answer of cgi-bin/component/api_component_token."""

    component_access_token: str = attrs.field(repr=False)
    expires_in: int = attrs.field(validator=attrs.validators.gt(0))


@attrs.frozen
class AuthorizerAccessToken:
    """Answer of cgi-bin/component/api_authorizer_token."""

    authorizer_access_token: str = attrs.field(repr=False)
    expires_in: int = attrs.field(validator=attrs.validators.gt(0))
    #: WeChat may return the refresh token changed; an absent one means "unchanged".
    authorizer_refresh_token: str | None = attrs.field(default=None, repr=False)
