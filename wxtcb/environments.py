"""Environments (环境管理), common mode: create, convert, share and inspect CloudBase environments.

On every client as ``client.envs``. Each method object follows its WeChat page; where a page
disagrees with another, the difference is noted on the class:

* ``tcb/createenvandresource``: the current page takes ``type`` (always
  ``"CreatePostpayPackage"``) and ``alias`` and answers ``envid``; an older page for the same
  path (body ``env``, ``alias``, answer ``status``) is marked as going offline and is not modelled.
* ``tcb/usecloudaccesstoken``: one path, two actions. The newer page marks ``open``,
  ``api_whitelist`` and ``version`` "required" in its table and "required when action=set" in the
  text; the older page marks them optional. ``get`` sends ``action`` and ``env`` only; ``set``
  sends all five. ``version`` is an optimistic version: send the one ``get`` returned. Neither
  page says which errcode a stale version gets, nor whether ``set`` answers the new version.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import attrs

from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.validators import env_id, non_empty
from wxtcb.wire import wire

__all__ = [
    "CloudAccessTokenConfig",
    "CreateEnvAndResource",
    "CreatedEnv",
    "EnvInfo",
    "Environments",
    "GetCloudAccessToken",
    "GetEnvInfo",
    "ModifyEnv",
    "SetCloudAccessToken",
    "ShareEnv",
]

_DOCS = "https://developers.weixin.qq.com/doc/oplatform/"


def _whitelist(value: Iterable[str]) -> list[str]:
    if isinstance(value, str | bytes):
        raise InvalidRequestError("api_whitelist must be a list of API paths, not one string")
    items = list(value)
    if not all(isinstance(i, str) and i for i in items):
        raise InvalidRequestError("api_whitelist must hold non-empty strings such as '/*'")
    return items


def _bool(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidRequestError(f"{attribute.name} must be True or False")


def _version(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError("version must be the whole number get_cloud_access_token returned")


@attrs.frozen
class CreatedEnv:
    """What ``tcb/createenvandresource`` answers.

    Attributes:
        envid: The new environment's id.
    """

    envid: str


@attrs.frozen
class EnvInfo:
    """One environment, as ``tcb/getenvinfo`` lists it.

    Attributes:
        env: The environment id.
        alias: Its alias.
        create_time: When it was opened (``"2019-04-04 14:10:28"``, as WeChat writes it).
        update_time: When it last changed.
        status: Its state, e.g. ``"NORMAL"``.
        package_id: The product package, e.g. ``"basic"``.
        package_name: The package's (Chinese) name.
    """

    env: str
    alias: str = ""
    create_time: str = ""
    update_time: str = ""
    status: str = ""
    package_id: str = ""
    package_name: str = ""


@attrs.frozen
class CloudAccessTokenConfig:
    """Whether ``cloudbase_access_token`` may be used in an environment, and for which APIs.

    Attributes:
        open: The global switch (on by default, per WeChat's page).
        api_whitelist: The API paths allowed, e.g. ``["/*"]``.
        version: The optimistic version: pass it back to `SetCloudAccessToken`.
    """

    open: bool
    api_whitelist: list[str] = attrs.field(factory=list)
    version: int = 0


@attrs.frozen
class CreateEnvAndResource(Method[CreatedEnv]):
    """Create a pay-as-you-go environment (``type`` is always ``"CreatePostpayPackage"``); not retried.

    Attributes:
        alias: ``alias``, the new environment's name (a non-empty string).
        type: ``type``, always ``"CreatePostpayPackage"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/createenvandresource",
        idempotent=False,
        doc=_DOCS + "en/openApi/OpenApiDoc/cloudbase-common/env-management/createEnv.html",
    )

    alias: str = attrs.field(validator=non_empty)
    type: str = attrs.field(default="CreatePostpayPackage", init=False)


@attrs.frozen
class ModifyEnv(Method[None]):
    """Turn an environment created in Tencent Cloud's console into a mini-program environment.

    Attributes:
        env: ``env``, the environment to turn into a mini-program environment (a non-empty id).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/modifyenv", doc=_DOCS + "en/openApi/OpenApiDoc/cloudbase-common/env-management/changeTcbEnv.html"
    )

    env: str = attrs.field(validator=env_id)


@attrs.frozen
class ShareEnv(Method[None]):
    """Share an environment with another account (*appid*).

    Attributes:
        env: ``env``, the environment to share (a non-empty id).
        appid: ``appid``, the account it is shared with (a non-empty string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/shareenv", doc=_DOCS + "en/openApi/OpenApiDoc/cloudbase-common/env-management/shareEnv.html"
    )

    env: str = attrs.field(validator=env_id)
    appid: str = attrs.field(validator=non_empty)


@attrs.frozen
class GetEnvInfo(Method[list[EnvInfo]]):
    """List the app's environments (only *env* when given).

    Attributes:
        env: ``env``, the one environment to describe; left out of the body when None (every environment).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/getenvinfo",
        result_key="info_list",
        doc=_DOCS + "openApi/cloudbase-common/env-management/api_getenvinfo.html",
    )

    env: str | None = attrs.field(default=None, metadata=wire(omit_if_default=True))

    def __attrs_post_init__(self) -> None:
        if self.env is not None:
            env_id(self, attrs.fields(GetEnvInfo).env, self.env)


@attrs.frozen
class GetCloudAccessToken(Method[CloudAccessTokenConfig]):
    """Read whether ``cloudbase_access_token`` is allowed in *env*, its API whitelist and version.

    Attributes:
        env: ``env``, the environment id (non-empty).
        action: ``action``, always ``"get"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/usecloudaccesstoken",
        doc=_DOCS + "Third-party_Platforms/2.0/api/cloudbase/common/usecloudaccesstoken.html",
    )

    env: str = attrs.field(validator=env_id)
    action: str = attrs.field(default="get", init=False)


@attrs.frozen(kw_only=True)
class SetCloudAccessToken(Method[None]):
    """Replace the ``cloudbase_access_token`` switch and whitelist of *env*, at *version*
    (the one `GetCloudAccessToken` returned: a stale version is refused by WeChat).

    Attributes:
        env: ``env``, the environment id (non-empty).
        open: ``open``, whether ``cloudbase_access_token`` is allowed (True or False, nothing else).
        api_whitelist: ``api_whitelist``, the API paths allowed (non-empty strings such as ``"/*"``; a list,
            not one string).
        version: ``version``, the whole number `GetCloudAccessToken` returned (0 or more).
        action: ``action``, always ``"set"`` (not an argument).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/usecloudaccesstoken",
        # A write against an optimistic version: resent after an answer was lost, it would meet
        # "stale version" for a change that took effect.
        idempotent=False,
        doc=_DOCS + "Third-party_Platforms/2.0/api/cloudbase/common/usecloudaccesstoken.html",
    )

    env: str = attrs.field(validator=env_id)
    open: bool = attrs.field(validator=_bool)
    api_whitelist: list[str] = attrs.field(converter=_whitelist)
    version: int = attrs.field(validator=_version)
    action: str = attrs.field(default="set", init=False)


class Environments(Namespace):
    """``client.envs``: CloudBase environments (common mode, the app's or a merchant's token)."""

    __slots__ = ()

    create = endpoint(CreateEnvAndResource)
    convert = endpoint(ModifyEnv)
    share = endpoint(ShareEnv)
    info = endpoint(GetEnvInfo)
    get_cloud_access_token = endpoint(GetCloudAccessToken)
    set_cloud_access_token = endpoint(SetCloudAccessToken)
