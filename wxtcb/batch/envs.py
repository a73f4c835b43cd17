"""Batch-mode environments: create, list, share with merchants, modify, wait until ready."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

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
from wxtcb.errors import InvalidRequestError, WxTcbError
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.validators import env_id
from wxtcb.wire import wire

__all__ = [
    "BatchEnvInfo",
    "BatchGetEnvId",
    "BatchModifyEnv",
    "BatchShareEnv",
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
