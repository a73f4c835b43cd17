"""Batch-mode cloud-run (微信云托管): environments, services and their versions; container
services are in `wxtcb.batch.containers` (``platform.batch.cloudrun.containers``).

The service pages write ``env_id`` (the container pages write ``env``). Two of their endpoints are
not wrapped: ``createcloudbaserunserverversion`` and ``rollupdatecloudbaserunserverversion``, whose
pages could be read up to the middle of the request table only (no answer, no sample).
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from wxtcb.batch.common import (
    EN_RUN_DOCS,
    OPLATFORM_DOCS,
    THIRD_PARTY_DOCS,
    optional_alias_field,
    optional_string_list,
    optional_text_field,
)
from wxtcb.batch.containers import ContainerServices, numeric_fields
from wxtcb.converter import structure
from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint, namespace
from wxtcb.validators import env_id, non_empty
from wxtcb.wire import wire

__all__ = [
    "CloudBaseEsInfo",
    "CloudBaseRunVpcInfo",
    "CloudRunEnvs",
    "CreateCloudbaseRunEnv",
    "CreateCloudbaseRunResAuth",
    "CreatedRunEnv",
    "DeleteCloudbaseRunServerVersion",
    "DeletedRunVersion",
    "DescribeCloudbaseRunEnvs",
    "EstablishCloudbaseRunServer",
    "ReleaseCloudbaseRunVersion",
    "ReleasedRunVersion",
    "RunEnvInfo",
]

_SERVICE_DOCS = OPLATFORM_DOCS + "openApi/cloudrun-batch/service-mgnt/"

#: ``log_type``'s values on the page.
_LOG_TYPES = frozenset({"es", "cls"})


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


def _optional_int(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidRequestError(f"{attribute.name} must be an integer or None")


def _optional_str(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidRequestError(f"{attribute.name} must be a string or None")


def _optional_bool(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidRequestError(f"{attribute.name} must be True, False or None")


def _bool(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidRequestError(f"{attribute.name} must be True or False")


def _log_type(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and value not in _LOG_TYPES:
        raise InvalidRequestError("log_type must be 'es', 'cls' or None")


def _public_access(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or value not in (0, 1)):
        raise InvalidRequestError("public_access must be 0, 1 or None")


def _instance_or_none(cls: type[Any], name: str) -> Any:
    def check(_: object, __: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, cls):
            raise InvalidRequestError(f"{name} must be a wxtcb.batch.{cls.__name__} or None")

    return check


@attrs.frozen(kw_only=True)
class CloudBaseEsInfo:
    """``establishcloudbaserunserver``'s ``es_info`` (the page's ``CloudBaseEsInfo``): the
    Elasticsearch the service logs to. Every field is optional and sent only when given.

    Attributes:
        id: ``id``, the ES id (an integer).
        secret_name: ``secret_name``.
        ip: ``ip``.
        port: ``port`` (an integer).
        index: ``index``.
        account: ``account``, the user name.
        password: ``password``; a secret, never in the repr.
    """

    id: int | None = attrs.field(default=None, validator=_optional_int, metadata=wire(omit_if_default=True))
    secret_name: str | None = attrs.field(
        default=None, validator=_optional_str, metadata=wire(omit_if_default=True)
    )
    ip: str | None = attrs.field(default=None, validator=_optional_str, metadata=wire(omit_if_default=True))
    port: int | None = attrs.field(default=None, validator=_optional_int, metadata=wire(omit_if_default=True))
    index: str | None = attrs.field(
        default=None, validator=_optional_str, metadata=wire(omit_if_default=True)
    )
    account: str | None = attrs.field(
        default=None, validator=_optional_str, metadata=wire(omit_if_default=True)
    )
    password: str | None = attrs.field(
        default=None, repr=False, validator=_optional_str, metadata=wire(omit_if_default=True)
    )


@attrs.frozen(kw_only=True)
class CloudBaseRunVpcInfo:
    """``establishcloudbaserunserver``'s ``vpc_info`` (the page's ``CloudBaseRunVpcInfo``). Every
    field is optional and sent only when given.

    Attributes:
        vpc_id: ``vpc_id``, a non-empty string.
        subnet_ids: ``subnet_ids``, a list of non-empty strings.
        create_type: ``create_type``, an integer (the page's description is cut after "0"; the
            container page's ``create_type`` reads 0 inherit, 1 create, 2 use the given one).
    """

    vpc_id: str | None = attrs.field(
        default=None, validator=optional_text_field, metadata=wire(omit_if_default=True)
    )
    subnet_ids: list[str] | None = attrs.field(
        default=None, converter=optional_string_list, metadata=wire(omit_if_default=True)
    )
    create_type: int | None = attrs.field(
        default=None, validator=_optional_int, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class DeletedRunVersion:
    """What ``deletecloudbaserunserverversion`` answers.

    Attributes:
        result: ``"succ"`` on success, as the page says (``""`` when WeChat leaves it out).
    """

    result: str = ""

    @property
    def ok(self) -> bool:
        """Whether WeChat said ``"succ"`` (the page does not say what else it may say)."""
        return self.result == "succ"


@attrs.frozen
class ReleasedRunVersion:
    """What ``releasecloudbaserunversion`` answers.

    Attributes:
        result: ``"success"`` or ``"failed"``, as the page says (``""`` when WeChat leaves it out).
        release_order_id: The release order's id (a number, read from a numeric string too).
    """

    result: str = ""
    release_order_id: int = 0

    @property
    def ok(self) -> bool:
        """Whether WeChat said ``"success"``."""
        return self.result == "success"


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


# --- cloud-run services and versions --------------------------------------------------------


@attrs.frozen
class EstablishCloudbaseRunServer(Method[None]):
    """Create a cloud-run service (新建服务) in a cloud-run environment. Never resent.

    Attributes:
        env_id: ``env_id``, the cloud-run environment (non-empty).
        service_name: ``service_name``, the new service's name (non-empty; the English page's sample
            writes ``" service_name"`` with a space, a typo: wxtcb sends ``service_name``).
        is_public: ``is_public``, whether it is reachable from the internet (required, a bool).
        image_repo: ``image_repo``, the image repository; sent only when given.
        remark: ``remark``, a description; sent only when given.
        es_info: ``es_info``, a `CloudBaseEsInfo`; sent only when given.
        log_type: ``log_type``, ``"es"`` or ``"cls"``; sent only when given.
        vpc_info: ``vpc_info``, a `CloudBaseRunVpcInfo`; sent only when given.
        public_access: ``public_access``, 0 or 1, at the top level as the Chinese table has it (the
            English copy seems to nest it in ``vpc_info``); sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/establishcloudbaserunserver",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=THIRD_PARTY_DOCS + "EstablishCloudBaseRunServer.html",
    )

    env_id: str = attrs.field(validator=env_id)
    service_name: str = attrs.field(validator=non_empty)
    is_public: bool = attrs.field(validator=_bool)
    image_repo: str | None = attrs.field(
        default=None, kw_only=True, validator=optional_text_field, metadata=wire(omit_if_default=True)
    )
    remark: str | None = attrs.field(
        default=None, kw_only=True, validator=_optional_str, metadata=wire(omit_if_default=True)
    )
    es_info: CloudBaseEsInfo | None = attrs.field(
        default=None,
        kw_only=True,
        validator=_instance_or_none(CloudBaseEsInfo, "es_info"),
        metadata=wire(omit_if_default=True),
    )
    log_type: str | None = attrs.field(
        default=None, kw_only=True, validator=_log_type, metadata=wire(omit_if_default=True)
    )
    vpc_info: CloudBaseRunVpcInfo | None = attrs.field(
        default=None,
        kw_only=True,
        validator=_instance_or_none(CloudBaseRunVpcInfo, "vpc_info"),
        metadata=wire(omit_if_default=True),
    )
    public_access: int | None = attrs.field(
        default=None, kw_only=True, validator=_public_access, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class DeleteCloudbaseRunServerVersion(Method[DeletedRunVersion]):
    """Delete a version of a cloud-run service (删除服务版本); check `DeletedRunVersion.ok`. Never
    resent.

    Attributes:
        env_id: ``env_id``, the cloud-run environment (non-empty).
        server_name: ``server_name``, the service (non-empty).
        version_name: ``version_name``, the version to delete (non-empty).
        is_delete_server: ``is_delete_server``, also delete the service (only when this is its last
            version, the page says); sent only when given.
        is_delete_image: ``is_delete_image``, also delete the image (only when the service is
            deleted); sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/deletecloudbaserunserverversion",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=_SERVICE_DOCS + "api_deletecloudbaseserviceversion",
    )

    env_id: str = attrs.field(validator=env_id)
    server_name: str = attrs.field(validator=non_empty)
    version_name: str = attrs.field(validator=non_empty)
    is_delete_server: bool | None = attrs.field(
        default=None, kw_only=True, validator=_optional_bool, metadata=wire(omit_if_default=True)
    )
    is_delete_image: bool | None = attrs.field(
        default=None, kw_only=True, validator=_optional_bool, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class ReleaseCloudbaseRunVersion(Method[ReleasedRunVersion]):
    """Release a version of a cloud-run service to all its traffic (全量发布); check
    `ReleasedRunVersion.ok`. Never resent.

    Attributes:
        env_id: ``env_id``, the cloud-run environment (non-empty).
        server_name: ``server_name``, the service (non-empty).
        release_version: ``release_version``, the version to release (non-empty).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/releasecloudbaserunversion",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=THIRD_PARTY_DOCS + "ReleaseWxCloudBaseRunVersion.html",
    )

    env_id: str = attrs.field(validator=env_id)
    server_name: str = attrs.field(validator=non_empty)
    release_version: str = attrs.field(validator=non_empty)

    @staticmethod
    def __decode__(value: object) -> ReleasedRunVersion:
        return structure(numeric_fields(value, "release_order_id"), ReleasedRunVersion)


@attrs.frozen
class CreateCloudbaseRunResAuth(Method[None]):
    """Open microservices (开通微服务) for a cloud-run environment. Never resent.

    Attributes:
        env_id: ``env_id``, the environment to open microservices for (non-empty).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/createcloudbaserunresauth",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=THIRD_PARTY_DOCS + "CreateCloudBaseRunResAuth.html",
    )

    env_id: str = attrs.field(validator=env_id)


# --- namespaces ---


class CloudRunEnvs(Namespace):
    """``platform.batch.cloudrun``: cloud-run (微信云托管) environments, services and versions."""

    __slots__ = ()

    create_env = endpoint(CreateCloudbaseRunEnv)
    describe_envs = endpoint(DescribeCloudbaseRunEnvs)
    create_service = endpoint(EstablishCloudbaseRunServer)
    delete_version = endpoint(DeleteCloudbaseRunServerVersion)
    release_version = endpoint(ReleaseCloudbaseRunVersion)
    open_microservices = endpoint(CreateCloudbaseRunResAuth)
    #: Container services (云托管) and their versions: `ContainerServices`.
    containers = namespace(ContainerServices)
