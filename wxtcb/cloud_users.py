"""Opening CloudBase for a mini program (管理员管理: 开通云开发, 查询是否绑定手机号).

On every client as ``client.cloud_users``; meant for third-party platforms acting for a
merchant::

    merchant = platform.merchant(authorizer_appid)
    if await merchant.cloud_users.check_mobile(push_tmpl=True):
        await merchant.cloud_users.create()

What WeChat's pages say, and what wxtcb does with it:

- Both pages name only the ``authorizer_access_token`` (third-party permission set 49), in the
  ``access_token`` query parameter every ``tcb/*`` call uses. wxtcb's token kinds tell the
  platform's component token from an access token, not a merchant's access token from an app's
  own, so both endpoints take `wxtcb.TokenKind.ACCESS`: call them on a merchant's client
  (`wxtcb.Platform.merchant`, `wxtcb.AuthorizerTokenProvider`). With an app's own token WeChat
  is reported to answer 40014.
- ``tcb/createclouduser`` has no body (wxtcb sends ``{}``, as the page's sample does). Until the
  mini program's administrator agrees, WeChat sends them a template message and answers
  -601049 (not yet authorized) or -601048 (no phone number bound); call again once they have
  agreed. -601026 means the administrator already got a message in the last 24 hours. These
  raise `wxtcb.APIError` with that ``errcode`` (no retry would help). Never resent: it may open
  CloudBase or send another message.
- ``tcb/checkmobile`` answers ``has_mobile``. With ``push_tmpl=True`` it also asks the
  administrator (by template message) to bind a phone number when none is bound, so only
  ``push_tmpl=False`` calls are resent after a transient failure.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, endpoint

__all__ = ["CheckMobile", "CloudUsers", "CreateCloudUser"]

_ADMIN = "https://developers.weixin.qq.com/doc/oplatform/openApi/cloudbase-common/admin-management/"


def _bool(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidRequestError(f"{attribute.name} must be True or False")


@attrs.frozen
class CreateCloudUser(Method[None]):
    """Open CloudBase for the merchant; errcode -601049 / -601048 mean the administrator has been
    asked to agree (call again once they have), -601026 that they were asked in the last 24 hours.
    Never resent."""

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/createclouduser", idempotent=False, doc=_ADMIN + "api_createclouduser.html"
    )


@attrs.frozen
class CheckMobile(Method[bool]):
    """Whether the merchant's mini program has a phone number bound; with *push_tmpl*, ask the
    administrator to bind one when it has not. Resent after a transient failure only when
    *push_tmpl* is False.

    Attributes:
        push_tmpl: ``push_tmpl``, send the administrator a template message asking for a phone number
            when none is bound (True or False).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/checkmobile",
        result_key="has_mobile",
        doc="https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/cloudbase/"
        "common/checkmobile.html",
    )

    push_tmpl: bool = attrs.field(default=False, validator=_bool)

    @property
    def __idempotent__(self) -> bool:
        """Resent only when it sends the administrator nothing."""
        return not self.push_tmpl


class CloudUsers(Namespace):
    """``client.cloud_users``: opening CloudBase for a merchant (its authorizer token)."""

    __slots__ = ()

    create = endpoint(CreateCloudUser)
    check_mobile = endpoint(CheckMobile)
