"""Cloud functions (云函数): invoke one, schedule one for later, read its configuration.

The management calls of the same namespace (list, create, download, write configuration, the
upload credentials) are in `wxtcb.functions_admin`.

On every client as ``client.functions``::

    value = await client.functions.invoke(env, "login", {"code": "x"})

What WeChat's pages say, and what wxtcb does with it:

- ``tcb/invokecloudfunction`` (invokeCloudFunction, developers.weixin.qq.com
  ``…/reference-http-api/functions/invokeCloudFunction``): ``env`` and ``name`` go in the query
  string, the POST body is the payload the function receives as its event; the answer's
  ``resp_data`` is the function's return value as JSON text. wxtcb decodes it; a ``resp_data``
  that is not JSON comes back as the string. ``data=None`` sends ``{}``, as the page's own sample
  (``curl -d '{}'``) does. The newer open-platform page lists ``env``/``name``/``req_data`` as
  body fields, but its sample keeps them in the URL; wxtcb follows the samples. The function runs
  at most 5 s when triggered this way and sees no user identity.
- Invoking has effects, so `InvokeCloudFunction` is not idempotent: after a transient failure
  (a timeout, a dropped connection, -501001…) it is never resent, and the error says so.
- ``tcb/adddelayedfunctiontask`` (addDelayedFunctionTask, miniprogram server API
  ``cloudbase/functions/api_adddelayedfunctiontask``): body ``env``, ``function_name``, ``data``
  (a JSON *string*; wxtcb encodes the value you pass) and ``delay_time`` in seconds, 6 s to
  30 days. Not idempotent either.
- ``tcb/getfuncconfig`` (getFuntionConfig, open-platform ``cloudbase-common/scf-management``):
  body ``type`` (1 cloud-call configuration, 2 timer-trigger configuration; the page lists a
  third row, the environment configuration, whose value is garbled on the page, so any positive
  integer is accepted), ``env``, ``function_name``; ``config`` is JSON text, returned decoded.
"""

from __future__ import annotations

import enum
import json
from typing import Any, ClassVar

import attrs

from wxtcb.errors import DecodeError, InvalidRequestError
from wxtcb.functions_admin import (
    CreateFunction,
    DescribeExtensionUploadInfo,
    GetCodeSecret,
    GetFunctionDownload,
    GetUploadSignature,
    ListFunctions,
    UploadFunctionConfig,
)
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.validators import env_id, non_empty
from wxtcb.wire import wire

__all__ = [
    "MAX_DELAY",
    "MIN_DELAY",
    "AddDelayedFunctionTask",
    "FunctionConfigType",
    "Functions",
    "GetFunctionConfig",
    "InvokeCloudFunction",
]

_MP = "https://developers.weixin.qq.com/miniprogram/"
#: The shortest delay ``adddelayedfunctiontask`` accepts, in seconds.
MIN_DELAY = 6
#: The longest delay ``adddelayedfunctiontask`` accepts, in seconds (30 days).
MAX_DELAY = 30 * 24 * 3600


def _payload(value: object) -> object:
    """The body: None becomes ``{}``; anything else must be JSON (checked before sending)."""
    if value is None:
        return {}
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidRequestError(f"the payload cannot be sent as JSON ({type(exc).__name__})") from None
    return value


def _json_text(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidRequestError(f"data cannot be sent as JSON ({type(exc).__name__})") from None


def _loads_or_text(value: object) -> object:
    if not isinstance(value, str):
        return value  # already decoded
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return value


@attrs.frozen
class InvokeCloudFunction(Method[object]):
    """Invoke a cloud function with *data* as its event; returns what it returned (decoded JSON,
    or the text when it is not JSON). Never resent after a transient failure.

    Attributes:
        env: ``env`` in the query string: the environment id (non-empty).
        name: ``name`` in the query string: the cloud function (non-empty).
        data: The whole JSON body, the function's event: any JSON value (checked before sending); None sends
            ``{}``.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/invokecloudfunction",
        idempotent=False,
        result_key="resp_data",
        doc=_MP + "dev/wxcloud/reference-http-api/functions/invokeCloudFunction.html",
    )

    env: str = attrs.field(validator=env_id, metadata=wire(query=True))
    name: str = attrs.field(validator=non_empty, metadata=wire(query=True))
    data: object = attrs.field(default=None, converter=_payload, metadata=wire(raw_body=True))

    __decode__ = staticmethod(_loads_or_text)


def _delay(_: object, __: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_DELAY <= value <= MAX_DELAY:
        raise InvalidRequestError(f"delay_time must be whole seconds from {MIN_DELAY} to {MAX_DELAY}")


@attrs.frozen
class AddDelayedFunctionTask(Method[None]):
    """Run a cloud function once, *delay_time* seconds (6 s to 30 days) from now, with *data*
    (any JSON value, sent as the JSON text WeChat wants). Never resent after a transient failure.

    Attributes:
        env: ``env``, the environment id (non-empty).
        function_name: ``function_name``, the cloud function to run (non-empty).
        data: ``data``, the event as JSON text: any JSON value is encoded here (compact, UTF-8 kept).
        delay_time: ``delay_time``, whole seconds from now: `MIN_DELAY` (6) to `MAX_DELAY` (30 days).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/adddelayedfunctiontask",
        idempotent=False,
        doc=_MP + "dev/server/API/cloudbase/functions/api_adddelayedfunctiontask.html",
    )

    env: str = attrs.field(validator=env_id)
    function_name: str = attrs.field(validator=non_empty)
    data: str = attrs.field(converter=_json_text)
    delay_time: int = attrs.field(validator=_delay)


class FunctionConfigType(enum.IntEnum):
    """Which configuration `GetFunctionConfig` reads."""

    #: The function's cloud-call (云调用) permissions.
    CLOUD_CALL = 1
    #: Its timer triggers.
    TIMER = 2


def _config_type(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequestError(
            "type must be a FunctionConfigType (or the positive integer WeChat documents)"
        )


def _loads_config(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise DecodeError("cannot decode the function config: expected JSON text @ $.config") from None


@attrs.frozen
class GetFunctionConfig(Method[object]):
    """Read a cloud function's configuration of *type*; returns it decoded from its JSON text.

    Attributes:
        env: ``env``, the environment id (non-empty).
        function_name: ``function_name``, the cloud function (non-empty).
        type: ``type``, which configuration: a `FunctionConfigType` or the positive integer WeChat documents.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/getfuncconfig",
        result_key="config",
        doc="https://developers.weixin.qq.com/doc/oplatform/en/openApi/OpenApiDoc/cloudbase-common/"
        "scf-management/getFuntionConfig.html",
    )

    env: str = attrs.field(validator=env_id)
    function_name: str = attrs.field(validator=non_empty)
    type: FunctionConfigType | int = attrs.field(
        default=FunctionConfigType.CLOUD_CALL, validator=_config_type
    )

    __decode__ = staticmethod(_loads_config)


class Functions(Namespace):
    """``client.functions``: cloud functions, and their management for third-party platforms
    (`wxtcb.functions_admin`)."""

    __slots__ = ()

    invoke = endpoint(InvokeCloudFunction)
    add_delayed_task = endpoint(AddDelayedFunctionTask)
    get_config = endpoint(GetFunctionConfig)
    list = endpoint(ListFunctions)
    create = endpoint(CreateFunction)
    download_link = endpoint(GetFunctionDownload)
    upload_config = endpoint(UploadFunctionConfig)
    code_secret = endpoint(GetCodeSecret)
    upload_signature = endpoint(GetUploadSignature)
    extension_upload_info = endpoint(DescribeExtensionUploadInfo)
