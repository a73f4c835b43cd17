"""Message push (消息推送): where WeChat routes a mini program's messages and events.

`tcb/getcallbackconfig` and `tcb/setcallbackconfig` read and replace the push configuration:
rules that send messages to cloud functions (`FunctionConfig`) and a path of a cloud-run service
that receives them (`ContainerConfig`). On every client as ``client.message_push`` (and, as the
reason wxtcb exists, as ``client.get_callback_config()`` / ``client.set_callback_config()``).

`GetAppConfig` (``tcb/getappconfig``, a third-party page marked "即将下架", about to be retired)
is the older read of the cloud-function part: ``type`` 1 ("callback配置", the only value) and the
answer's ``config`` as JSON text ``{"enable":…,"callbacks":[{msgType,event,env,functionName}]}``,
decoded into a `FunctionConfig` (its callbacks carry no ``enable``: read as on). Its writing
sibling ``tcb/uploadappconfig`` has no official page that could be read, so wxtcb does not send
it: use `SetCallbackConfig`.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from typing import Any, ClassVar

import attrs

from wxtcb.converter import structure
from wxtcb.errors import DecodeError, InvalidRequestError
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.wire import wire

__all__ = [
    "CallbackConfig",
    "ContainerConfig",
    "FunctionCallback",
    "FunctionConfig",
    "GetAppConfig",
    "GetCallbackConfig",
    "MessagePush",
    "SetCallbackConfig",
    "TextMode",
]

_DOCS = "https://developers.weixin.qq.com/doc/oplatform/openApi/cloudbase-common/msg-push/"


class TextMode(enum.IntEnum):
    """How cloud-run pushes are encoded: ``JSON`` is 1 on the wire, ``XML`` is 2.

    Attributes:
        JSON: Pushes encoded as JSON, 1 on the wire.
        XML: Pushes encoded as XML, 2 on the wire.
    """

    JSON = 1
    XML = 2


@attrs.frozen
class FunctionCallback:
    """One cloud-function push rule: messages of `msg_type` (and `event`) go to `function_name`.

    Attributes:
        msg_type: The message type, ``msgType`` on the wire (``"text"``, ``"image"``, ``"event"``…).
        event: The event name for ``msg_type == "event"``; WeChat sends ``""`` for plain messages.
        env: The CloudBase environment id of the function.
        function_name: The cloud function, ``functionName`` on the wire.
        enable: Whether this rule is on.
    """

    msg_type: str = attrs.field(metadata=wire("msgType"))
    event: str
    env: str
    function_name: str = attrs.field(metadata=wire("functionName"))
    enable: bool = True


def _callbacks(value: Iterable[FunctionCallback]) -> tuple[FunctionCallback, ...]:
    return tuple(value)


@attrs.frozen
class FunctionConfig:
    """Push to cloud functions: a master switch and the rules.

    Attributes:
        enable: The master switch.
        callbacks: The rules; any iterable is accepted and kept as a tuple (the model is immutable).
    """

    enable: bool = True
    callbacks: tuple[FunctionCallback, ...] = attrs.field(default=(), converter=_callbacks)


@attrs.frozen
class ContainerConfig:
    """Push to a cloud-run (云托管) service path.

    The page of `tcb/getcallbackconfig` lists every field but says nothing of an app that never
    configured cloud-run push, and both .NET SDKs read the fields as optional: an answer such as
    ``{"enable": false}`` decodes, with the absent strings as ``""``. Sending needs them all
    (`tcb/setcallbackconfig` marks them required): an empty `qbase_env` or a path without a
    leading ``/`` raises `InvalidRequestError` before anything is sent.

    Attributes:
        enable: Whether pushes go to the service (``False`` when WeChat leaves it out).
        qbase_env: The cloud-run environment id (``""`` when WeChat leaves it out).
        qbase_container_path: The path in the service that receives pushes (starts with ``/``;
            ``""`` when WeChat leaves it out).
        text_mode: `TextMode.JSON` (1) or `TextMode.XML` (2); the plain int WeChat sent when it is
            a value wxtcb does not know yet.
    """

    enable: bool = False
    qbase_env: str = ""
    qbase_container_path: str = ""
    text_mode: TextMode | int = TextMode.JSON


@attrs.frozen
class CallbackConfig:
    """The message-push configuration of a mini program; either part may be absent.

    Attributes:
        function_config: Push to cloud functions, or None.
        container_config: Push to a cloud-run service, or None.
    """

    function_config: FunctionConfig | None = None
    container_config: ContainerConfig | None = None


@attrs.frozen
class GetCallbackConfig(Method[CallbackConfig]):
    """Get the message-push configuration (cloud functions and cloud-run)."""

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/getcallbackconfig", result_key="data", doc=_DOCS + "api_getcallbackconfig.html"
    )


def _app_config(value: object) -> FunctionConfig:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise DecodeError("cannot decode FunctionConfig: expected JSON text @ $.config") from None
    return structure(value, FunctionConfig, root="$.config")


@attrs.frozen
class GetAppConfig(Method[FunctionConfig]):
    """Get the cloud-function push configuration the older way (``tcb/getappconfig``, about to be
    retired by WeChat: prefer `GetCallbackConfig`). Sends ``type`` 1, the only value the page lists.

    Attributes:
        type: ``type``, 1 ("callback配置"): fixed, not an argument.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/getappconfig",
        result_key="config",
        doc="https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/cloudbase/common/"
        "getAppConfig.html",
    )

    type: int = attrs.field(default=1, init=False)

    __decode__ = staticmethod(_app_config)


def _validate_function_config(_: object, __: attrs.Attribute[Any], value: FunctionConfig | None) -> None:
    if value is None:
        return
    if not isinstance(value, FunctionConfig):
        raise InvalidRequestError("function_config must be a wxtcb.FunctionConfig")
    for i, cb in enumerate(value.callbacks):
        where = f"function_config.callbacks[{i}]"
        if not isinstance(cb, FunctionCallback):
            raise InvalidRequestError(f"{where} must be a wxtcb.FunctionCallback")
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
        raise InvalidRequestError(
            "container_config.text_mode must be TextMode.JSON (1 on the wire) or TextMode.XML (2)"
        )


@attrs.frozen(kw_only=True)
class SetCallbackConfig(Method[None]):
    """Set the cloud-function push config, the cloud-run push config, or both.

    Each object sent replaces the one WeChat has; one left out is not changed, so sending it
    twice is the same as once: the call is idempotent and transient failures are retried. Bad
    input raises `InvalidRequestError` before anything is sent.

    Attributes:
        function_config: ``function_config``, the cloud-function push config to set; left out when None (kept
            as it is).
        container_config: ``container_config``, the cloud-run push config to set; left out when None (kept as
            it is).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/setcallbackconfig", doc=_DOCS + "api_setcallbackconfig.html"
    )

    function_config: FunctionConfig | None = attrs.field(
        default=None, validator=_validate_function_config, metadata=wire(omit_if_default=True)
    )
    container_config: ContainerConfig | None = attrs.field(
        default=None, validator=_validate_container_config, metadata=wire(omit_if_default=True)
    )

    def __attrs_post_init__(self) -> None:
        if self.function_config is None and self.container_config is None:
            raise InvalidRequestError("set_callback_config needs function_config, container_config or both")


class MessagePush(Namespace):
    """``client.message_push``: the message-push configuration."""

    __slots__ = ()

    get_callback_config = endpoint(GetCallbackConfig)
    set_callback_config = endpoint(SetCallbackConfig)
    get_app_config = endpoint(GetAppConfig)
