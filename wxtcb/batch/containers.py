"""Batch-mode container services (云托管): services, their versions, version settings, traffic.

On a platform as ``platform.batch.cloudrun.containers``. These pages (WeChat's older third-party
pages) spell the environment ``env`` (the cloud-run service pages write ``env_id``) and use
``minnum``/``maxnum``, ``vpcid``/``subnetids``; times are ``"YYYY-MM-DD HH:MM:SS"`` strings, kept
as WeChat sends them. Numbers the tables type as numbers are read from JSON numbers or from
numeric strings alike.

The two batch calls (``batchdelcsversion``, ``batchsetcspropotion``) may answer errcode 0 while
some items failed (``fail_list``): they return a `ContainerBatchResult` whose
`~ContainerBatchResult.raise_for_failures` raises `ContainerBatchError` (a
`wxtcb.PartialFailureError`), as storage batches do; a batch never raises for one item on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs

from wxtcb.batch.common import (
    THIRD_PARTY_DOCS,
    non_empty_list,
    string_list,
)
from wxtcb.converter import structure
from wxtcb.errors import InvalidRequestError, PartialFailureError
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.redaction import MAX_ERRMSG, bounded
from wxtcb.validators import env_id, non_empty
from wxtcb.wire import wire

__all__ = [
    "MAX_REPLICAS",
    "BatchDelCsVersion",
    "BatchSetCsPropotion",
    "ContainerBatchError",
    "ContainerBatchResult",
    "ContainerFailure",
    "ContainerItem",
    "ContainerService",
    "ContainerServiceList",
    "ContainerServiceVpc",
    "ContainerServices",
    "ContainerVersion",
    "ContainerVersionDetail",
    "ContainerVersionList",
    "CreateContainerService",
    "CsFlowRatio",
    "CsServiceFlow",
    "CsVersionRef",
    "DelCsVersion",
    "GetCsList",
    "GetCsVersionDetail",
    "GetCsVersionList",
    "SetCsVersionConfig",
]

#: The most replicas a version takes (``maxnum``: "最大值: 50").
MAX_REPLICAS = 50


# --- checks and tolerant decoding -------------------------------------------------------------


def _int_between(low: int, high: int | None) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        out_of_range = not isinstance(value, int) or value < low or (high is not None and value > high)
        if isinstance(value, bool) or out_of_range:
            bound = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise InvalidRequestError(f"{attribute.name} must be an integer {bound}")

    return check


def _optional_str(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidRequestError(f"{attribute.name} must be a string or None")


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text  # left as it came: decoding then names the field


def numeric_fields(value: object, *keys: str) -> object:
    """*value* with each of *keys* that holds a numeric string (``"80"``, ``"0.5"``) turned into the
    number: some pages type a field as a number, others (and answers) send it as a string."""
    if not isinstance(value, Mapping):
        return value
    found = {k: _number(value[k].strip()) for k in keys if isinstance(value.get(k), str)}
    return {**value, **found} if found else value


def _numeric_items(value: object, key: str, *keys: str) -> object:
    if isinstance(value, Mapping) and isinstance(value.get(key), list):
        return {**value, key: [numeric_fields(item, *keys) for item in value[key]]}
    return value


# --- models -----------------------------------------------------------------------------------


@attrs.frozen
class ContainerServiceVpc:
    """``createcontainerservice``'s ``vpc``: the network of a new container service.

    Attributes:
        vpcid: ``vpcid``, the VPC id (non-empty).
        subnetids: ``subnetids``, its subnet ids (a non-empty list of non-empty strings).
        create_type: ``create_type``: 0 inherit, 1 create, 2 use the given one (the page's list;
            its own sample sends 3, so any integer is accepted).
    """

    vpcid: str = attrs.field(validator=non_empty)
    subnetids: list[str] = attrs.field(converter=string_list, validator=non_empty_list)
    create_type: int = attrs.field(validator=_int_between(0, None))


@attrs.frozen
class ContainerService:
    """One service of ``getcslist``.

    Attributes:
        server_name: The service's name.
        created_time: When it was created (``"2020-12-07 21:30:44"``, as WeChat sends it).
        updated_time: When it last changed.
        status: Its status (``"succ"`` in the page's sample).
        vpcid: Its VPC.
        image_repo: Its image repository.
    """

    server_name: str = ""
    created_time: str = ""
    updated_time: str = ""
    status: str = ""
    vpcid: str = ""
    image_repo: str = ""


@attrs.frozen
class ContainerServiceList:
    """A page of ``getcslist``.

    Attributes:
        cslist: The services on this page.
        total: How many services there are in all.
    """

    cslist: list[ContainerService] = attrs.field(factory=list)
    total: int = 0


@attrs.frozen
class ContainerVersion:
    """One version of ``getcsversionlist``.

    Attributes:
        version_name: The version's name (``"echo-007"``).
        status: Its status (``"build_fail"`` in the page's sample).
        created_time: When it was created (``"2020-12-08 20:56:10"``, as WeChat sends it).
        updated_time: When it last changed (in the sample, not in the table: ``""`` when absent).
        flow_ratio: Its share of the traffic, in percent.
        buildid: Its build id.
        upload_type: How its code came (``package``/``repository``/``image``).
        min_replicas: Its fewest replicas.
        max_replicas: Its most replicas.
    """

    version_name: str = ""
    status: str = ""
    created_time: str = ""
    updated_time: str = ""
    flow_ratio: int = 0
    buildid: int = 0
    upload_type: str = ""
    min_replicas: int = 0
    max_replicas: int = 0


@attrs.frozen
class ContainerVersionList:
    """A page of ``getcsversionlist``.

    Attributes:
        total: How many versions there are in all.
        items: The versions on this page.
    """

    total: int = 0
    items: list[ContainerVersion] = attrs.field(factory=list)


@attrs.frozen
class ContainerVersionDetail:
    """What ``getcsversiondetail`` answers (flat, at the top of the answer). Every field defaults to
    ``""``/0 when absent; the names are the page's (``repo``/``repo_type``, not the create call's
    ``repository``/``repository_type``).

    Attributes:
        remark: The remark.
        dockerfile_path: The Dockerfile's path.
        build_dir: The build directory.
        cpu: CPU cores (``0.5``).
        mem: Memory, in GB.
        minnum: Fewest replicas.
        maxnum: Most replicas.
        policy_type: The scaling policy (``"cpu"``).
        policy_threshold: The scaling threshold.
        env_params: The environment variables, as WeChat's text.
        created_time: When it was created (as WeChat sends it).
        updated_time: When it last changed.
        version_ip: Its IP.
        version_port: Its port.
        status: Its status.
        package_name: The code package's name.
        package_version: The code package's version.
        upload_type: How its code came.
        repo_type: The repository's kind.
        repo: The repository.
        branch: The branch.
        custom_logs: The custom log paths.
        image_url: The image's address.
        container_port: The container's port.
    """

    remark: str = ""
    dockerfile_path: str = ""
    build_dir: str = ""
    cpu: float = 0.0
    mem: float = 0.0
    minnum: int = 0
    maxnum: int = 0
    policy_type: str = ""
    policy_threshold: float = 0.0
    env_params: str = attrs.field(default="", repr=False)  # environment variables: secrets often
    created_time: str = ""
    updated_time: str = ""
    version_ip: str = ""
    version_port: int = 0
    status: str = ""
    package_name: str = ""
    package_version: str = ""
    upload_type: str = ""
    repo_type: str = ""
    repo: str = ""
    branch: str = ""
    custom_logs: str = ""
    image_url: str = ""
    container_port: int = 0


@attrs.frozen
class CsVersionRef:
    """One version of one service to delete: an item of ``batchdelcsversion``'s ``items``.

    Attributes:
        env: ``env``, the environment id (non-empty).
        service_name: ``service_name``, the service (non-empty).
        version_name: ``version_name``, the version (non-empty).
    """

    env: str = attrs.field(validator=env_id)
    service_name: str = attrs.field(validator=non_empty)
    version_name: str = attrs.field(validator=non_empty)


@attrs.frozen
class CsFlowRatio:
    """One version's share of its service's traffic (an inner item of ``batchsetcspropotion``).

    Attributes:
        version_name: ``version_name``, the version (non-empty).
        flow_ratio: ``flow_ratio``, its share in percent (an integer from 0 to 100; the page does not
            say the shares must add up to 100, so that is not checked).
    """

    version_name: str = attrs.field(validator=non_empty)
    flow_ratio: int = attrs.field(validator=_int_between(0, 100))


def _ratios(value: Iterable[CsFlowRatio]) -> list[CsFlowRatio]:
    items = list(value)
    if not items or not all(isinstance(i, CsFlowRatio) for i in items):
        raise InvalidRequestError("items must hold one or more wxtcb.batch.CsFlowRatio")
    return items


@attrs.frozen
class CsServiceFlow:
    """One service's traffic split: an item of ``batchsetcspropotion``'s ``items``.

    Attributes:
        env: ``env``, the environment id (non-empty).
        service_name: ``service_name``, the service (non-empty).
        items: ``items``, one or more `CsFlowRatio`.
    """

    env: str = attrs.field(validator=env_id)
    service_name: str = attrs.field(validator=non_empty)
    items: list[CsFlowRatio] = attrs.field(converter=_ratios)


@attrs.frozen
class ContainerFailure:
    """One failed item of a batch call's ``fail_list``.

    Attributes:
        env: The environment.
        service_name: The service.
        version_name: The version (``batchdelcsversion``; ``""`` for ``batchsetcspropotion``, whose
            failures name a service only).
        errmsg: WeChat's message for this item.
    """

    env: str = ""
    service_name: str = ""
    version_name: str = ""
    errmsg: str = ""

    @property
    def key(self) -> str:
        """``env/service_name[/version_name]``: the item, in one string."""
        parts = [self.env, self.service_name] + ([self.version_name] if self.version_name else [])
        return "/".join(parts)


@attrs.frozen
class ContainerItem:
    """One item done, of a batch call's ``succ_list``.

    Attributes:
        env: The environment.
        service_name: The service.
        version_name: The version (``batchdelcsversion``; ``""`` for ``batchsetcspropotion``, whose
            answer names a service only).
    """

    env: str = ""
    service_name: str = ""
    version_name: str = ""


class ContainerBatchError(PartialFailureError):
    """Some items of ``batchdelcsversion`` or ``batchsetcspropotion`` failed under errcode 0.

    Attributes:
        failures: The failed items (`ContainerFailure`), in WeChat's order.
        failed: As on every `wxtcb.PartialFailureError`: ``(key, 0, errmsg)`` per failed item, where
            key is `ContainerFailure.key`; these pages give no per-item code, hence 0.
    """

    def __init__(self, message: str, *, failures: Iterable[ContainerFailure] = ()) -> None:
        #: The failed items (`ContainerFailure`), in WeChat's order.
        self.failures = tuple(failures)
        super().__init__(message, failed=[(f.key, 0, bounded(f.errmsg, MAX_ERRMSG)) for f in self.failures])


@attrs.frozen
class ContainerBatchResult:
    """What ``batchdelcsversion`` and ``batchsetcspropotion`` answer: the items done and the items
    that failed. WeChat answers errcode 0 even when some (or all) failed: check `ok`, or call
    `raise_for_failures`.

    Attributes:
        succ_list: The items done.
        fail_list: The items that failed, with WeChat's message.
    """

    succ_list: list[ContainerItem] = attrs.field(factory=list)
    fail_list: list[ContainerFailure] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """Whether no item failed."""
        return not self.fail_list

    def raise_for_failures(self) -> ContainerBatchResult:
        """Raise `ContainerBatchError` naming the failed items, if any; else return self."""
        if self.fail_list:
            first = self.fail_list[0]
            total = len(self.fail_list) + len(self.succ_list)
            raise ContainerBatchError(
                f"{len(self.fail_list)} of {total} items failed, "
                f"first {first.key}: {bounded(first.errmsg, 200)}",
                failures=self.fail_list,
            )
        return self


def _batch_result(value: object) -> ContainerBatchResult:
    if isinstance(value, Mapping):  # a list WeChat leaves out or sends as null reads as empty
        done, failed = value.get("succ_list") or [], value.get("fail_list") or []
        value = {**value, "succ_list": done, "fail_list": failed}
    return structure(value, ContainerBatchResult)


# --- method objects ---------------------------------------------------------------------------


def _refs(value: Iterable[CsVersionRef]) -> list[CsVersionRef]:
    items = list(value)
    if not items or not all(isinstance(i, CsVersionRef) for i in items):
        raise InvalidRequestError("items must hold one or more wxtcb.batch.CsVersionRef")
    return items


def _flows(value: Iterable[CsServiceFlow]) -> list[CsServiceFlow]:
    items = list(value)
    if not items or not all(isinstance(i, CsServiceFlow) for i in items):
        raise InvalidRequestError("items must hold one or more wxtcb.batch.CsServiceFlow")
    return items


def _optional_vpc(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, ContainerServiceVpc):
        raise InvalidRequestError("vpc must be a wxtcb.batch.ContainerServiceVpc or None")


@attrs.frozen
class CreateContainerService(Method[None]):
    """Create a container service (新建云托管服务). Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        service_name: ``service_name``, the new service's name (non-empty).
        remark: ``remark``, a note; sent only when given.
        vpc: ``vpc``, a `ContainerServiceVpc`; sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/createcontainerservice",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=THIRD_PARTY_DOCS + "createcontainerservice.html",
    )

    env: str = attrs.field(validator=env_id)
    service_name: str = attrs.field(validator=non_empty)
    remark: str | None = attrs.field(
        default=None, kw_only=True, validator=_optional_str, metadata=wire(omit_if_default=True)
    )
    vpc: ContainerServiceVpc | None = attrs.field(
        default=None, kw_only=True, validator=_optional_vpc, metadata=wire(omit_if_default=True)
    )


@attrs.frozen
class GetCsList(Method[ContainerServiceList]):
    """List the container services of *env*, *limit* (20 by default, as the page says) from *offset*.

    Attributes:
        env: ``env``, the environment id (non-empty).
        limit: ``limit``, how many services per page (a non-negative integer, 20 by default).
        offset: ``offset``, how many to skip (a non-negative integer).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/getcslist",
        token=TokenKind.COMPONENT,
        doc=THIRD_PARTY_DOCS + "getcslist.html",
    )

    env: str = attrs.field(validator=env_id)
    limit: int = attrs.field(default=20, validator=_int_between(0, None))
    offset: int = attrs.field(default=0, validator=_int_between(0, None))

    @staticmethod
    def __decode__(value: object) -> ContainerServiceList:
        return structure(numeric_fields(value, "total"), ContainerServiceList)


@attrs.frozen
class DelCsVersion(Method[None]):
    """Delete one version of a container service (删除云托管版本). Never resent.

    Attributes:
        env: ``env``, the environment id (non-empty).
        service_name: ``service_name``, the service (non-empty).
        version_name: ``version_name``, the version to delete (non-empty).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/delcsversion",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=THIRD_PARTY_DOCS + "delcsversion.html",
    )

    env: str = attrs.field(validator=env_id)
    service_name: str = attrs.field(validator=non_empty)
    version_name: str = attrs.field(validator=non_empty)


@attrs.frozen
class BatchDelCsVersion(Method[ContainerBatchResult]):
    """Delete versions of container services in one call; returns what was deleted and what failed
    (errcode 0 either way: see `ContainerBatchResult`). Never resent.

    Attributes:
        items: ``items``, one or more `CsVersionRef`.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchdelcsversion",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=THIRD_PARTY_DOCS + "batchDelCSVersion.html",
    )

    items: list[CsVersionRef] = attrs.field(converter=_refs)

    __decode__ = staticmethod(_batch_result)


@attrs.frozen
class GetCsVersionList(Method[ContainerVersionList]):
    """List the versions of a container service, *limit* (20 by default) from *offset*.

    Attributes:
        env: ``env``, the environment id (non-empty).
        service_name: ``service_name``, the service (non-empty).
        limit: ``limit``, how many versions per page (a non-negative integer, 20 by default).
        offset: ``offset``, how many to skip (a non-negative integer).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/getcsversionlist",
        token=TokenKind.COMPONENT,
        doc=THIRD_PARTY_DOCS + "getcsversionlist.html",
    )

    env: str = attrs.field(validator=env_id)
    service_name: str = attrs.field(validator=non_empty)
    limit: int = attrs.field(default=20, validator=_int_between(0, None))
    offset: int = attrs.field(default=0, validator=_int_between(0, None))

    @staticmethod
    def __decode__(value: object) -> ContainerVersionList:
        value = _numeric_items(
            numeric_fields(value, "total"), "items", "flow_ratio", "buildid", "min_replicas", "max_replicas"
        )
        return structure(value, ContainerVersionList)


@attrs.frozen
class GetCsVersionDetail(Method[ContainerVersionDetail]):
    """Describe one version of a container service (查看云托管版本).

    Attributes:
        env: ``env``, the environment id (non-empty).
        service_name: ``service_name``, the service (non-empty).
        version_name: ``version_name``, the version (non-empty).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/getcsversiondetail",
        token=TokenKind.COMPONENT,
        doc=THIRD_PARTY_DOCS + "getcsversiondetail.html",
    )

    env: str = attrs.field(validator=env_id)
    service_name: str = attrs.field(validator=non_empty)
    version_name: str = attrs.field(validator=non_empty)

    @staticmethod
    def __decode__(value: object) -> ContainerVersionDetail:
        numbers = ("cpu", "mem", "minnum", "maxnum", "policy_threshold", "version_port", "container_port")
        return structure(numeric_fields(value, *numbers), ContainerVersionDetail)


def _no_more_than_max(instance: SetCsVersionConfig, _: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and instance.minnum is not None and instance.minnum > value:
        raise InvalidRequestError("minnum must not be more than maxnum")


@attrs.frozen
class SetCsVersionConfig(Method[None]):
    """Change a container service version's settings (配置云托管版本). Never resent.

    Only the settings given are sent. The page does not say whether one left out keeps its value
    or is reset (its sample sends every field, ``""`` for the empty ones): to be sure, send every
    setting, read first with `GetCsVersionDetail`.

    Attributes:
        env: ``env``, the environment id (non-empty).
        service_name: ``service_name``, the service (non-empty).
        version_name: ``version_name``, the version (non-empty).
        minnum: ``minnum``, fewest replicas (0 or more); sent only when given.
        maxnum: ``maxnum``, most replicas (0 to 50, not under minnum); sent only when given.
        remark: ``remark``; sent only when given.
        container_port: ``container_port``, the service port (1 to 65535); sent only when given.
        custom_logs: ``custom_logs``, the custom log paths; sent only when given.
        env_params: ``env_params``, the environment variables as WeChat's text; sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/setcsversionconfig",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=THIRD_PARTY_DOCS + "setcsversionconfig.html",
    )

    env: str = attrs.field(validator=env_id)
    service_name: str = attrs.field(validator=non_empty)
    version_name: str = attrs.field(validator=non_empty)
    minnum: int | None = attrs.field(
        default=None,
        kw_only=True,
        validator=_int_between(0, MAX_REPLICAS),
        metadata=wire(omit_if_default=True),
    )
    maxnum: int | None = attrs.field(
        default=None,
        kw_only=True,
        validator=[_int_between(0, MAX_REPLICAS), _no_more_than_max],
        metadata=wire(omit_if_default=True),
    )
    remark: str | None = attrs.field(
        default=None, kw_only=True, validator=_optional_str, metadata=wire(omit_if_default=True)
    )
    container_port: int | None = attrs.field(
        default=None, kw_only=True, validator=_int_between(1, 65535), metadata=wire(omit_if_default=True)
    )
    custom_logs: str | None = attrs.field(
        default=None, kw_only=True, validator=_optional_str, metadata=wire(omit_if_default=True)
    )
    # Environment variables hold passwords as often as not: hidden from the repr, masked in errors.
    env_params: str | None = attrs.field(
        default=None, kw_only=True, validator=_optional_str, metadata=wire(omit_if_default=True), repr=False
    )


@attrs.frozen
class BatchSetCsPropotion(Method[ContainerBatchResult]):
    """Split the traffic of several container services among their versions in one call (批量分配流量
    比例; ``propotion`` is WeChat's spelling of the path); returns the services done and those that
    failed (errcode 0 either way: see `ContainerBatchResult`). Never resent.

    Attributes:
        items: ``items``, one or more `CsServiceFlow`.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchsetcspropotion",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=THIRD_PARTY_DOCS + "batchSetCSPropotion.html",
    )

    items: list[CsServiceFlow] = attrs.field(converter=_flows)

    __decode__ = staticmethod(_batch_result)


# --- namespace --------------------------------------------------------------------------------


class ContainerServices(Namespace):
    """``platform.batch.cloudrun.containers``: container services (云托管) and their versions."""

    __slots__ = ()

    create_service = endpoint(CreateContainerService)
    list_services = endpoint(GetCsList)
    list_versions = endpoint(GetCsVersionList)
    get_version = endpoint(GetCsVersionDetail)
    configure_version = endpoint(SetCsVersionConfig)
    delete_version = endpoint(DelCsVersion)
    delete_versions = endpoint(BatchDelCsVersion)
    set_flow_ratios = endpoint(BatchSetCsPropotion)
