"""Batch-mode environments: create, list, share with merchants and unshare, modify, wait until
ready, and the ``cloudbase_access_token`` switch (``tcb/usecloudaccesstoken`` with the component
token).

``batchunshareenv`` (a cloud-run batch page): ``source_type`` is required and the page documents one
value, 1 (a cloud-run environment); the value for a CloudBase environment is on no page read, so
`BatchUnshareEnv` takes it as a required argument and sends exactly what it is given.
``tcb/usecloudaccesstoken``: the pages' notes say batch mode calls it with the
``component_access_token`` (the newest batch page's own token row says authorizer token); the wire
is the common mode's (`wxtcb.environments.GetCloudAccessToken`, `SetCloudAccessToken`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs

from wxtcb.batch.common import (
    BATCH_DOCS,
    EN_BATCH_DOCS,
    EN_RUN_DOCS,
    OPLATFORM_DOCS,
    alias_field,
    non_empty_list,
    renamed,
    source_type_field,
    string_list,
)
from wxtcb.converter import structure
from wxtcb.environments import GetCloudAccessToken, SetCloudAccessToken
from wxtcb.errors import InvalidRequestError, WxTcbError
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.validators import env_id
from wxtcb.wire import wire

__all__ = [
    "BatchEnvInfo",
    "BatchGetCloudAccessToken",
    "BatchGetEnvId",
    "BatchModifyEnv",
    "BatchSetCloudAccessToken",
    "BatchShareEnv",
    "BatchUnshareEnv",
    "CreateEnv",
    "CreatedBatchEnv",
    "DescribeEnvs",
    "EnvError",
    "EnvNotReadyError",
    "EnvRelation",
    "EnvRelations",
    "ShareConfirmation",
    "ShareResult",
    "ShareTarget",
]


def _targets(value: Iterable[ShareTarget]) -> list[ShareTarget]:
    items = list(value)
    if not items or not all(isinstance(i, ShareTarget) for i in items):
        raise InvalidRequestError("data must hold one or more wxtcb.batch.ShareTarget")
    return items


def _required_source_type(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestError(
            "source_type must be an integer: 1 is a cloud-run environment "
            "(the one value WeChat's page documents)"
        )


def _unshare_errors(value: object) -> list[EnvError]:
    """``err_list`` of the answer (absent: none)."""
    items = value.get("err_list") if isinstance(value, Mapping) else None
    return [] if items is None else structure(items, list[EnvError], root="$.err_list")


# --- models ---------------------------------------------------------------------------------


@attrs.frozen
class CreatedBatchEnv:
    """What ``componenttcb/createenv`` answers.

    Attributes:
        env: The new environment's id (usable once `Batch.wait_env_ready` returns).
        tranid: The post-paid order number.
    """

    env: str
    tranid: str = ""


@attrs.frozen
class BatchEnvInfo:
    """One environment, as ``componenttcb/describeenvs`` lists it.

    Attributes:
        env: The environment id.
        alias: Its alias.
        create_time: When it was created (``"2020-04-04 14:10:28"``).
        update_time: When it last changed (``update_ime`` on the older page is read too).
        status: ``"NORMAL"`` once usable.
        package_id: The package id, e.g. ``"basic"``.
        package_name: The package's (Chinese) name.
        dbinstance_id: The database instance.
        bucket_id: The storage bucket.
    """

    env: str
    alias: str = ""
    create_time: str = ""
    update_time: str = ""
    status: str = ""
    package_id: str = ""
    package_name: str = ""
    dbinstance_id: str = ""
    bucket_id: str = ""

    @property
    def ready(self) -> bool:
        """Whether the environment can be used (``status == "NORMAL"``)."""
        return self.status == "NORMAL"


@attrs.frozen
class EnvRelation:
    """The environments one mini program can use.

    Attributes:
        appid: The mini program.
        env_list: Its environment ids.
    """

    appid: str
    env_list: list[str] = attrs.field(factory=list)


@attrs.frozen
class EnvError:
    """A per-item failure of a batch call.

    Attributes:
        env: The environment concerned ("" when the page gives none).
        appid: The mini program concerned ("" when none).
        errmsg: WeChat's message.
    """

    env: str = ""
    appid: str = ""
    errmsg: str = ""


@attrs.frozen
class EnvRelations:
    """What ``componenttcb/batchgetenvid`` answers.

    Attributes:
        relation_data: Each mini program's environments.
        err_list: The appids WeChat could not answer for.
    """

    relation_data: list[EnvRelation] = attrs.field(factory=list)
    err_list: list[EnvError] = attrs.field(factory=list)


@attrs.frozen
class ShareTarget:
    """One item of ``batchshareenv``'s ``data``: share *env* with *appids*.

    Attributes:
        env: The environment.
        appids: The mini programs (same legal entity as the platform's environment).
    """

    env: str = attrs.field(validator=env_id)
    appids: list[str] = attrs.field(converter=string_list, validator=non_empty_list)


@attrs.frozen
class ShareConfirmation:
    """A link the mini program's admin must open to allow a share.

    Attributes:
        appid: The mini program.
        url: The confirmation page.
    """

    appid: str
    url: str


@attrs.frozen
class ShareResult:
    """What ``componenttcb/batchshareenv`` answers.

    Attributes:
        err_list: The shares refused.
        msg_info_list: The confirmation links to send to each mini program's admin; a share
            takes effect only after its admin confirms.
    """

    err_list: list[EnvError] = attrs.field(factory=list)
    msg_info_list: list[ShareConfirmation] = attrs.field(factory=list)


class EnvNotReadyError(WxTcbError, TimeoutError):
    """An environment did not reach ``NORMAL`` within `Batch.wait_env_ready`'s bound.

    Attributes:
        env: The environment.
        status: Its last status ("" when ``describeenvs`` did not list it).
    """

    def __init__(self, message: str = "", *, env: str = "", status: str = "") -> None:
        super().__init__(message)
        self.env = env
        self.status = status


# --- environments ---------------------------------------------------------------------------


@attrs.frozen
class CreateEnv(Method[CreatedBatchEnv]):
    """Create an environment (``EnvType`` ``"run"``); never resent. Wait for it with
    `Batch.wait_env_ready`.

    Attributes:
        alias: ``alias``, the new environment's name: starts with a-z and holds only ``[a-zA-Z0-9-]`` (checked
            before sending).
        env_type: ``EnvType``, always ``"run"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/createenv",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=BATCH_DOCS.replace("OpenApiDoc/", "") + "env-mgnt/api_createtcbenv.html",
    )

    alias: str = attrs.field(validator=alias_field)
    env_type: str = attrs.field(default="run", init=False, metadata=wire("EnvType"))


@attrs.frozen
class BatchModifyEnv(Method[None]):
    """Turn an environment created in Tencent Cloud's console into a mini-program environment.

    Batch mode has no ``componenttcb/`` path for it: WeChat's page documents ``tcb/modifyenv``
    called with the component token.

    Attributes:
        env: ``env``, the environment to turn into a mini-program environment (a non-empty id).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/modifyenv",
        token=TokenKind.COMPONENT,
        doc=OPLATFORM_DOCS + "en/openApi/OpenApiDoc/cloudbase-common/env-management/changeTcbEnv.html",
    )

    env: str = attrs.field(validator=env_id)


@attrs.frozen
class DescribeEnvs(Method[list[BatchEnvInfo]]):
    """List the platform's environments with their status."""

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/describeenvs",
        token=TokenKind.COMPONENT,
        result_key="info_list",
        doc=BATCH_DOCS + "env-mgnt/getTcbEnvList.html",
    )

    @staticmethod
    def __decode__(value: object) -> list[BatchEnvInfo]:
        if isinstance(value, list):
            value = [renamed(item, "update_time", "update_ime") for item in value]
        return structure(value, list[BatchEnvInfo])


@attrs.frozen
class BatchGetEnvId(Method[EnvRelations]):
    """The environments each of *appids* can use (shared ones included).

    Attributes:
        appids: ``appids``, the mini programs to look up: a non-empty list of non-empty strings (not one
            string).
        source_type: ``source_type`` (1: a cloud-run environment); an integer, sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchgetenvid",
        token=TokenKind.COMPONENT,
        doc=EN_RUN_DOCS + "getShareCloudbaseEnv.html",
    )

    appids: list[str] = attrs.field(converter=string_list, validator=non_empty_list)
    source_type: int | None = attrs.field(
        default=None, validator=source_type_field, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class BatchShareEnv(Method[ShareResult]):
    """Share environments with mini programs (permission set 18); each admin confirms at the
    returned URL. Never resent (each call sends confirmations).

    Attributes:
        data: ``data``, one or more `ShareTarget` (which environment to share with which appids).
        source_type: ``source_type`` (1: a cloud-run environment); an integer, sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchshareenv",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=EN_BATCH_DOCS + "env-mgnt/shareCloudbaseEnv.html",
    )

    data: list[ShareTarget] = attrs.field(converter=_targets)
    source_type: int | None = attrs.field(
        default=None, validator=source_type_field, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class BatchUnshareEnv(Method[list[EnvError]]):
    """Undo shares: the mini programs of each `ShareTarget` lose its environment; returns the
    items WeChat refused (``err_list``: ``env``, ``appid``, ``errmsg``; absent: none). Never resent.

    Attributes:
        data: ``data``, one or more `ShareTarget` (which environment to unshare from which appids).
        source_type: ``source_type``, required by the page: 1 is a cloud-run environment, the one
            value it documents; an integer, sent as given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchunshareenv",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=EN_RUN_DOCS + "unshareCloudbaseEnv.html",
    )

    data: list[ShareTarget] = attrs.field(converter=_targets)
    source_type: int = attrs.field(validator=_required_source_type)

    __decode__ = staticmethod(_unshare_errors)


_ACCESS_DOCS = OPLATFORM_DOCS + "openApi/cloudbase-batch/env-mgnt/api_setcloudaccesstoken.html"


@attrs.frozen
class BatchGetCloudAccessToken(GetCloudAccessToken):
    """Read whether ``cloudbase_access_token`` is allowed in one of the platform's environments,
    its API whitelist and version (``tcb/usecloudaccesstoken``, action ``get``, component token).

    Attributes:
        env: ``env``, the environment id (non-empty).
        action: ``action``, always ``"get"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/usecloudaccesstoken", token=TokenKind.COMPONENT, doc=_ACCESS_DOCS
    )


@attrs.frozen(kw_only=True)
class BatchSetCloudAccessToken(SetCloudAccessToken):
    """Replace the ``cloudbase_access_token`` switch and whitelist of one of the platform's
    environments, at *version* (the one `BatchGetCloudAccessToken` returned), with the component
    token. Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        open: ``open``, whether ``cloudbase_access_token`` is allowed (True or False, nothing else).
        api_whitelist: ``api_whitelist``, the API paths allowed (non-empty strings such as ``"/*"``; a list,
            not one string).
        version: ``version``, the whole number `BatchGetCloudAccessToken` returned (0 or more).
        action: ``action``, always ``"set"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/usecloudaccesstoken",
        token=TokenKind.COMPONENT,
        # A write against an optimistic version: resent after a lost answer, it would meet a
        # stale version for a change that took effect.
        idempotent=False,
        doc=_ACCESS_DOCS,
    )
