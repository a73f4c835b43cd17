"""Batch-mode cloud functions, on the component token: create (``batchuploadscf``), update the
code (``batchuploadscfcode``), configure (``updatescfconfig``), delete (``deletescf``), list
(``getscflist``), timer triggers (``gettriggers``, ``batchupdatetriggers``) and invoke
(``tcb/invokecloudfunction`` with the component token).

On a `wxtcb.Platform` as ``platform.batch.functions`` (`BatchFunctions`); the creation call is also
``platform.batch.upload_functions``.

What WeChat's pages say, and what wxtcb does with it:

- The function's name is ``functionname`` on the ``*scf*`` paths and ``funcname`` on the trigger
  paths; wxtcb calls it ``functionname`` everywhere and sends each path its own key.
- ``batchuploadscfcode`` replaces the code of an existing function; its failures are
  ``fail_list`` items ``{env, errormsg}`` (not ``batchuploadscf``'s ``fail_env_list`` of
  ``{env, errmsg}``); both message keys are read into `EnvError.errmsg`, and the page's sample
  success has no ``fail_list`` at all (read as none). The zip goes base64 in the JSON body, "最大支持
  20M": the page does not say whether of the zip or of its base64 text, so wxtcb takes the stricter
  reading, at most `MAX_CODE_BASE64` (20 000 000) characters of base64, i.e. a zip of at most
  `MAX_CODE_ZIP` (15 000 000) bytes, refused before anything is read or sent.
- ``updatescfconfig`` sends only the fields given; the pages say nothing of what an absent field
  means, nor whether ``environment_variables`` replaces or merges; ``memorysize`` has no unit on the
  page.
- ``getscflist``: ``mod_time``/``add_time`` come as ``"2021-07-29 15:04:19"`` and stay text;
  ``status_reason`` items carry a *string* ``errcode`` (``"ResourceNotFound.File"``).
- ``gettriggers`` answers ``type`` ``"timer"`` while ``batchupdatetriggers`` says to send
  ``"Timer"``: `TIMER` is what wxtcb sends, and any spelling is read back as it came.
- ``tcb/invokecloudfunction`` in batch mode: the batch-folder page's token row names the authorizer
  token, the English batch page's row names the app's or the authorizer's; the notes of the English
  batch page and of the newest (``api_invokecloudfunction``) page say batch mode takes the
  ``component_access_token``, which `BatchInvokeCloudFunction` declares. The wire is the common
  mode's (`wxtcb.functions.InvokeCloudFunction`: ``env``/``name`` in the query, the body is the event).
"""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs

from wxtcb import db
from wxtcb.batch.common import (
    EN_BATCH_DOCS,
    OPLATFORM_DOCS,
    THIRD_PARTY_DOCS,
    non_empty_list,
    optional_text_field,
    string_list,
)
from wxtcb.batch.envs import EnvError
from wxtcb.converter import structure
from wxtcb.errors import InvalidRequestError
from wxtcb.functions import InvokeCloudFunction
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.validators import env_id, non_empty
from wxtcb.wire import wire

__all__ = [
    "MAX_CODE_BASE64",
    "MAX_CODE_ZIP",
    "MAX_ZIPFILE",
    "TIMER",
    "BatchFunctions",
    "BatchInvokeCloudFunction",
    "BatchUpdateTriggers",
    "BatchUploadScf",
    "BatchUploadScfCode",
    "DeleteScf",
    "EnvVariable",
    "GetScfList",
    "GetTriggers",
    "PublicNetConfig",
    "ScfInfo",
    "ScfList",
    "ScfStatusReason",
    "Trigger",
    "UpdateScfConfig",
    "VpcConfig",
]

#: The largest zip ``batchuploadscf`` takes ("最大支持 20 M"), before base64.
MAX_ZIPFILE = 20 * 1024 * 1024
#: The longest base64 text ``batchuploadscfcode`` is sent: "最大支持20M" read strictly, as 20 000 000
#: characters of the ``zipfile`` field itself.
MAX_CODE_BASE64 = 20_000_000
#: The largest zip ``batchuploadscfcode`` takes: the one whose base64 is `MAX_CODE_BASE64` long.
MAX_CODE_ZIP = MAX_CODE_BASE64 // 4 * 3
#: The trigger type ``batchupdatetriggers`` documents ("填Timer"): a timer trigger.
TIMER = "Timer"

_ZIP_MAGIC = b"PK\x03\x04"
_SCF_DOCS = OPLATFORM_DOCS + "openApi/cloudbase-batch/scf-mgnt/"


def _zipfile(value: bytes | str) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if not raw:
            raise InvalidRequestError("zipfile is empty")
        if len(raw) > MAX_ZIPFILE:
            raise InvalidRequestError(f"zipfile is {len(raw)} bytes; WeChat takes at most {MAX_ZIPFILE}")
        return base64.b64encode(raw).decode("ascii")
    if isinstance(value, str) and value.strip():
        return value
    raise InvalidRequestError("zipfile must be the zip's bytes (encoded here) or its base64 text")


def _read_zip(path: str | os.PathLike[str]) -> bytes:
    """The zip at *path*, refused before it is read when it is larger than `MAX_CODE_ZIP`, and
    never more than that read into memory (a file growing meanwhile is refused too)."""
    try:
        found = os.stat(path)
    except OSError as exc:
        raise InvalidRequestError(f"cannot read the zip {os.fspath(path)!r}: {exc.strerror}") from None
    if not stat.S_ISREG(found.st_mode):  # a pipe or a device would block, or never end
        raise InvalidRequestError(f"not a regular file: {os.fspath(path)!r}")
    size = found.st_size
    if size > MAX_CODE_ZIP:
        raise InvalidRequestError(f"the zip is {size} bytes; batchuploadscfcode takes at most {MAX_CODE_ZIP}")
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_CODE_ZIP + 1)
    except OSError as exc:
        raise InvalidRequestError(f"cannot read the zip {os.fspath(path)!r}: {exc.strerror}") from None
    if len(raw) > MAX_CODE_ZIP:
        raise InvalidRequestError(f"the zip grew past {MAX_CODE_ZIP} bytes while it was read")
    return raw


def _code(value: bytes | str | os.PathLike[str]) -> str:
    """The ``zipfile`` field: a zip's bytes, or the path of a zip file, as base64 text."""
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if len(raw) > MAX_CODE_ZIP:
            raise InvalidRequestError(
                f"the zip is {len(raw)} bytes; batchuploadscfcode takes at most {MAX_CODE_ZIP}"
            )
    elif isinstance(value, str | os.PathLike):
        if isinstance(value, str) and not value.strip():
            raise InvalidRequestError("zipfile must be a zip's bytes or the path of a zip file, not ''")
        raw = _read_zip(value)
    else:
        raise InvalidRequestError("zipfile must be a zip's bytes or the path of a zip file")
    if not raw.startswith(_ZIP_MAGIC):
        raise InvalidRequestError("zipfile is not a zip archive (it does not start with PK\\x03\\x04)")
    return base64.b64encode(raw).decode("ascii")


def _name(_: object, __: attrs.Attribute[Any], value: object) -> None:
    db.checked_name(value, "functionname")


def _optional_count(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        raise InvalidRequestError(f"{attribute.name} must be a positive whole number or None")


def _offset(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError("offset must be a whole number, 0 or more")


def _limit(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequestError("limit must be a whole number, 1 or more")


def _switch(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in ("ENABLE", "DISABLE"):
        raise InvalidRequestError(f"{attribute.name} must be 'ENABLE' or 'DISABLE'")


def _text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidRequestError(f"{attribute.name} must be a string")


def _typed_list(kind: type[Any], what: str) -> Any:
    def convert(value: Iterable[Any]) -> list[Any]:
        if isinstance(value, str | bytes | Mapping):
            raise InvalidRequestError(f"expected a list of {what}")
        items = list(value)
        if not all(isinstance(i, kind) for i in items):
            raise InvalidRequestError(f"every item must be a {what}")
        return items

    return convert


def _env_variables(value: Iterable[EnvVariable] | None) -> list[EnvVariable] | None:
    if value is None:
        return None
    items: list[EnvVariable] = _typed_list(EnvVariable, "wxtcb.batch.EnvVariable")(value)
    return items


def _optional_instance(kind: type[Any]) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, kind):
            raise InvalidRequestError(f"{attribute.name} must be a wxtcb.batch.{kind.__name__} or None")

    return check


def _triggers(value: Iterable[Trigger]) -> list[Trigger]:
    items: list[Trigger] = _typed_list(Trigger, "wxtcb.batch.Trigger")(value)
    for item in items:
        for field in ("trigger_name", "config", "type"):
            text = getattr(item, field)
            if not isinstance(text, str) or not text.strip():
                raise InvalidRequestError(f"every trigger's {field} must be a non-empty string")
    return items


def _failures(value: object) -> list[EnvError]:
    """``fail_list`` (absent: none) with each item's ``errormsg`` read as `EnvError.errmsg`."""
    items = value.get("fail_list") if isinstance(value, Mapping) else None
    if items is None:
        return []
    if isinstance(items, list):
        items = [
            {**{k: v for k, v in i.items() if k != "errormsg"}, "errmsg": i["errormsg"]}
            if isinstance(i, Mapping) and "errormsg" in i
            else i
            for i in items
        ]
    return structure(items, list[EnvError], root="$.fail_list")


# --- models ---------------------------------------------------------------------------------


@attrs.frozen
class EnvVariable:
    """One environment variable of a function (``environment_variables`` item).

    Attributes:
        key: ``key``, the variable's name (a non-empty string).
        value: ``value``, its value (a string, possibly empty; a password as often as not, so
            hidden from the repr and masked in error texts).
    """

    key: str = attrs.field(validator=non_empty)
    value: str = attrs.field(validator=_text, repr=False)


@attrs.frozen
class PublicNetConfig:
    """``public_net_config``: public network access of a function.

    Attributes:
        public_net_status: ``public_net_status``, ``"ENABLE"`` or ``"DISABLE"``.
        eip_status: ``eip_status``, the EIP: ``"ENABLE"`` or ``"DISABLE"``.
    """

    public_net_status: str = attrs.field(validator=_switch)
    eip_status: str = attrs.field(validator=_switch)


@attrs.frozen
class VpcConfig:
    """``vpc_config``: the private network a function runs in.

    Attributes:
        vpcid: ``vpcid``, a non-empty string; sent only when given.
        subnetid: ``subnetid``, a non-empty string; sent only when given.
    """

    vpcid: str | None = attrs.field(
        default=None, validator=optional_text_field, metadata=wire(omit_if_default=True)
    )
    subnetid: str | None = attrs.field(
        default=None, validator=optional_text_field, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class ScfStatusReason:
    """Why a function is in its status (a ``status_reason`` item).

    Attributes:
        errcode: The reason's code, a *string* such as ``"ResourceNotFound.File"``.
        errmsg: WeChat's message.
    """

    errcode: str = ""
    errmsg: str = ""


@attrs.frozen
class ScfInfo:
    """One function, as ``getscflist`` lists it.

    Attributes:
        name: Its name.
        runtime: Its runtime, e.g. ``"Nodejs8.9"``.
        status: e.g. ``"Active"``, ``"CreateFailed"`` (the page gives no list).
        status_reason: Why, when it failed (empty otherwise).
        mod_time: When it last changed, as WeChat writes it (``"2021-07-29 15:04:19"``).
        add_time: When it was created, the same way.
    """

    name: str
    runtime: str = ""
    status: str = ""
    status_reason: list[ScfStatusReason] = attrs.field(factory=list)
    mod_time: str = ""
    add_time: str = ""


@attrs.frozen
class ScfList:
    """What ``getscflist`` answers: one page of functions.

    Attributes:
        total_count: How many functions the environment has (matching ``searchkey``).
        functions: This page of them.
    """

    total_count: int = 0
    functions: list[ScfInfo] = attrs.field(factory=list)


@attrs.frozen
class Trigger:
    """A timer trigger of a function (sent by ``batchupdatetriggers``, read by ``gettriggers``).

    Attributes:
        trigger_name: ``trigger_name``, the trigger's name.
        config: ``config``, the timer's period: a 7-field cron such as ``"0 0 2 1 * * *"``.
        type: ``type``: `TIMER` (``"Timer"``) is sent by default, as the page says; ``gettriggers``
            answers ``"timer"``, read as it comes.

    `BatchUpdateTriggers` refuses a trigger whose fields are not non-empty strings before sending;
    an answer's triggers are read as they come.
    """

    trigger_name: str
    config: str
    type: str = TIMER


# --- method objects -------------------------------------------------------------------------


@attrs.frozen
class BatchUploadScf(Method[list[EnvError]]):
    """Create a cloud function in several environments from a zip (up to 20 MB); returns the
    environments where it failed. Never resent.

    Attributes:
        functionname: ``functionname``, the cloud function's name (a non-empty string).
        envs: ``envs``, the environments to create it in: a non-empty list of non-empty strings.
        zipfile: ``zipfile``, the zip as base64 text: bytes (at most 20 MB) are encoded here. Hidden from the
            repr.
        vpcid: ``vpcid``, a non-empty string; sent only when given.
        subnetid: ``subnetid``, a non-empty string; sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchuploadscf",
        token=TokenKind.COMPONENT,
        idempotent=False,
        result_key="fail_env_list",
        doc=EN_BATCH_DOCS + "scf-mgnt/batchuUloadCloudFunction.html",
    )

    functionname: str = attrs.field(validator=lambda _i, _a, v: db.checked_name(v, "functionname"))
    envs: list[str] = attrs.field(converter=string_list, validator=non_empty_list)
    zipfile: str = attrs.field(converter=_zipfile, repr=False)
    vpcid: str | None = attrs.field(
        default=None, validator=optional_text_field, metadata=wire(omit_if_default=True)
    )
    subnetid: str | None = attrs.field(
        default=None, validator=optional_text_field, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class BatchUploadScfCode(Method[list[EnvError]]):
    """Replace the code of an existing cloud function in several environments; returns the
    environments where it failed (none on success). Never resent.

    Zip the code files themselves, not a folder holding them (WeChat's note); CloudBase installs
    the dependencies itself. A path is read when the method object is built: its size is checked
    first, and no more than `MAX_CODE_ZIP` bytes are ever read.

    Attributes:
        functionname: ``functionname``, the cloud function's name (a non-empty string).
        envs: ``envs``, the environments whose function to update: a non-empty list of non-empty strings.
        zipfile: ``zipfile``, the zip as base64 text. Pass the zip's bytes, or the path (``str`` or
            ``os.PathLike``) of a zip file: at most `MAX_CODE_ZIP` (15 000 000) bytes, starting
            ``PK\\x03\\x04``; encoded here. Hidden from the repr.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchuploadscfcode",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=_SCF_DOCS + "api_uploadcloudfunctioncode.html",
    )

    functionname: str = attrs.field(validator=_name)
    envs: list[str] = attrs.field(converter=string_list, validator=non_empty_list)
    zipfile: str = attrs.field(converter=_code, repr=False)

    __decode__ = staticmethod(_failures)


@attrs.frozen(kw_only=True)
class UpdateScfConfig(Method[None]):
    """Change a cloud function's configuration in one environment; only the fields given are
    sent. Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        functionname: ``functionname``, the cloud function (a non-empty string).
        memorysize: ``memorysize``, the memory size (a positive whole number; the page gives no
            unit); sent only when given.
        timeout: ``timeout``, in seconds (a positive whole number); sent only when given.
        environment_variables: ``environment_variables``, a list of `EnvVariable`; sent only when
            given.
        public_net_config: ``public_net_config``, a `PublicNetConfig`; sent only when given.
        vpc_config: ``vpc_config``, a `VpcConfig`; sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/updatescfconfig",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=_SCF_DOCS + "api_uploadcloudfunctionconfig.html",
    )

    env: str = attrs.field(validator=env_id)
    functionname: str = attrs.field(validator=_name)
    memorysize: int | None = attrs.field(
        default=None, validator=_optional_count, metadata=wire(omit_if_default=True)
    )
    timeout: int | None = attrs.field(
        default=None, validator=_optional_count, metadata=wire(omit_if_default=True)
    )
    environment_variables: list[EnvVariable] | None = attrs.field(
        default=None,
        converter=_env_variables,
        metadata=wire(omit_if_default=True),
    )
    public_net_config: PublicNetConfig | None = attrs.field(
        default=None, validator=_optional_instance(PublicNetConfig), metadata=wire(omit_if_default=True)
    )
    vpc_config: VpcConfig | None = attrs.field(
        default=None, validator=_optional_instance(VpcConfig), metadata=wire(omit_if_default=True)
    )

    def __attrs_post_init__(self) -> None:
        changes = (
            self.memorysize,
            self.timeout,
            self.environment_variables,
            self.public_net_config,
            self.vpc_config,
        )
        if all(c is None for c in changes):
            raise InvalidRequestError("updatescfconfig needs at least one setting to change")


@attrs.frozen
class DeleteScf(Method[None]):
    """Delete a cloud function from one environment. Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        functionname: ``functionname``, the cloud function (a non-empty string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/deletescf",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=_SCF_DOCS + "api_deletecloudfunction.html",
    )

    env: str = attrs.field(validator=env_id)
    functionname: str = attrs.field(validator=_name)


@attrs.frozen
class GetScfList(Method[ScfList]):
    """One page of an environment's cloud functions, with their status.

    Attributes:
        env: ``env``, the environment id (non-empty).
        offset: ``offset``, how many to skip (0 or more); sent unless it is WeChat's default 0.
        limit: ``limit``, the page size (1 or more; no maximum documented); sent unless it is
            WeChat's default 20.
        searchkey: ``searchkey``, a fuzzy match on the function's name; sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/getscflist",
        token=TokenKind.COMPONENT,
        doc=_SCF_DOCS + "api_getcloudfunctionlist.html",
    )

    env: str = attrs.field(validator=env_id)
    # WeChat's own defaults: left out when unchanged, as the page's sample request does.
    offset: int = attrs.field(default=0, validator=_offset, metadata=wire(omit_if_default=True))
    limit: int = attrs.field(default=20, validator=_limit, metadata=wire(omit_if_default=True))
    searchkey: str | None = attrs.field(
        default=None, validator=optional_text_field, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class GetTriggers(Method[list[Trigger]]):
    """The triggers of a cloud function in one environment.

    Attributes:
        env: ``env``, the environment id (non-empty).
        functionname: ``funcname`` on this path: the cloud function (a non-empty string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/gettriggers",
        token=TokenKind.COMPONENT,
        result_key="triggers",
        doc=THIRD_PARTY_DOCS + "getTriggers.html",
    )

    env: str = attrs.field(validator=env_id)
    functionname: str = attrs.field(validator=_name, metadata=wire("funcname"))


@attrs.frozen
class BatchUpdateTriggers(Method[list[EnvError]]):
    """Set a cloud function's timer triggers in several environments; returns the environments
    where it failed (``err_list``). Never resent.

    Attributes:
        functionname: ``funcname`` on this path: the cloud function (a non-empty string).
        envs: ``envs``, the environments: a non-empty list of non-empty strings.
        triggers: ``triggers``, a non-empty list of `Trigger`.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchupdatetriggers",
        token=TokenKind.COMPONENT,
        idempotent=False,
        result_key="err_list",
        doc=THIRD_PARTY_DOCS + "batchupdatetriggers.html",
    )

    functionname: str = attrs.field(validator=_name, metadata=wire("funcname"))
    envs: list[str] = attrs.field(converter=string_list, validator=non_empty_list)
    triggers: list[Trigger] = attrs.field(converter=_triggers, validator=non_empty_list)


@attrs.frozen
class BatchInvokeCloudFunction(InvokeCloudFunction):
    """Invoke a cloud function of one of the platform's environments, with the component token
    (batch mode); returns what it returned (decoded JSON, or the text when it is not JSON).
    Never resent after a transient failure.

    Attributes:
        env: ``env`` in the query string: the environment id (non-empty).
        name: ``name`` in the query string: the cloud function (non-empty).
        data: The whole JSON body, the function's event: any JSON value (checked before sending); None sends
            ``{}``.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/invokecloudfunction",
        token=TokenKind.COMPONENT,
        idempotent=False,
        result_key="resp_data",
        doc=EN_BATCH_DOCS + "scf-mgnt/invokeCloudFunction.html",
    )


class BatchFunctions(Namespace):
    """``platform.batch.functions``: the platform's cloud functions (batch mode)."""

    __slots__ = ()

    invoke = endpoint(BatchInvokeCloudFunction)
    create = endpoint(BatchUploadScf)
    upload_code = endpoint(BatchUploadScfCode)
    update_config = endpoint(UpdateScfConfig)
    delete = endpoint(DeleteScf)
    list = endpoint(GetScfList)
    get_triggers = endpoint(GetTriggers)
    update_triggers = endpoint(BatchUpdateTriggers)
