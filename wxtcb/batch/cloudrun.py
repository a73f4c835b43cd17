"""Batch-mode cloud-run (微信云托管) environments (service versions and container services belong
here too)."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from wxtcb.batch.common import (
    EN_RUN_DOCS,
    OPLATFORM_DOCS,
    optional_alias_field,
    optional_string_list,
    optional_text_field,
)
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.wire import wire

__all__ = [
    "CloudRunEnvs",
    "CreateCloudbaseRunEnv",
    "CreatedRunEnv",
    "DescribeCloudbaseRunEnvs",
    "RunEnvInfo",
]


@attrs.frozen
class CreatedRunEnv:
    """What ``componenttcb/createcloudbaserunenv`` answers.

    Attributes:
        env_id: The cloud-run environment's id.
        tran_id: The order number.
    """

    env_id: str
    tran_id: str = ""


@attrs.frozen
class RunEnvInfo:
    """One cloud-run (微信云托管) environment of ``describecloudbaserunenvs``.

    Attributes:
        env_id: The environment id.
        source: ``"miniapp"`` or ``"qcloud"``.
        alias: Its alias.
        create_time: When it was created.
        update_time: When it last changed.
        status: ``"NORMAL"`` or ``"UNAVAILABLE"`` (not yet initialised).
        databases: Its databases, as WeChat describes them.
        storages: Its storages, as WeChat describes them.
    """

    env_id: str
    source: str = ""
    alias: str = ""
    create_time: str = ""
    update_time: str = ""
    status: str = ""
    databases: list[dict[str, Any]] = attrs.field(factory=list)
    storages: list[dict[str, Any]] = attrs.field(factory=list)


# --- cloud-run environments and functions ---------------------------------------------------


@attrs.frozen(kw_only=True)
class CreateCloudbaseRunEnv(Method[CreatedRunEnv]):
    """Create a cloud-run (微信云托管) environment; every argument is optional. Never resent.

    Attributes:
        alias: ``alias``, the environment's name: starts with a-z, holds only ``[a-zA-Z0-9-]``; sent only when
            given.
        vpc_id: ``vpc_id``, a non-empty string; sent only when given.
        sub_net_ids: ``sub_net_ids``, a list of non-empty strings; sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/createcloudbaserunenv",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=OPLATFORM_DOCS + "openApi/cloudrun-batch/cloudenv-mgnt/api_createcloudbaseenv.html",
    )

    alias: str | None = attrs.field(
        default=None, validator=optional_alias_field, metadata=wire(omit_if_default=True)
    )
    vpc_id: str | None = attrs.field(
        default=None, validator=optional_text_field, metadata=wire(omit_if_default=True)
    )
    sub_net_ids: list[str] | None = attrs.field(
        default=None, converter=optional_string_list, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class DescribeCloudbaseRunEnvs(Method[list[RunEnvInfo]]):
    """List the platform's cloud-run environments."""

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/describecloudbaserunenvs",
        token=TokenKind.COMPONENT,
        result_key="env_list",
        doc=EN_RUN_DOCS + "getWxCloudBaseRunEnvs.html",
    )


# --- namespaces ---


class CloudRunEnvs(Namespace):
    """``platform.batch.cloudrun``: cloud-run (微信云托管) environments."""

    __slots__ = ()

    create_env = endpoint(CreateCloudbaseRunEnv)
    describe_envs = endpoint(DescribeCloudbaseRunEnvs)
