"""CloudBase WeChat Pay (云开发微信支付): the merchant numbers a mini program bound, and asking
for their authorisation.

On every client as ``client.wechat_pay``::

    merchants = await client.wechat_pay.merchants()
    await client.wechat_pay.apply_auth(PayAuthAction.BIND, "1900006511")

What WeChat's pages say (open platform ``cloudbase-common/wechatpay``), and what wxtcb does:

- Both take the app's own ``access_token`` or a merchant's ``authorizer_access_token`` (the
  mini program grants the platform permission set 49 or 102); neither is a cloud call.
- ``tcb/wxpaylist`` (getWechatPayList): no body (``{}`` is sent). Its table types
  ``mch_relation_state``, ``jsapi_auth_state`` and ``refund_auth_state`` as numbers, its sample
  sends strings (``"RELATION_BINDED"``, ``"AUTH_AUTHORIZED"``…): both are read, a number as its
  decimal text, so the fields are always strings. The page has no table of the values.
- ``tcb/wxpayopenauth`` (getWechatPayAuth): ``action`` (``bind``, ``openjsapi``,
  ``openrefund``) and ``merchant_code``. It starts a confirmation by the merchant's
  administrator: never resent after a transient failure. errcode -1 from it may be a refusal
  (``CheckMARelation Error``), not only "busy".
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import ClassVar

import attrs

from wxtcb.converter import structure
from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.validators import non_empty

__all__ = ["ApplyWechatPayAuth", "ListWechatPayMerchants", "PayAuthAction", "PayMerchant", "WechatPay"]

_DOCS = "https://developers.weixin.qq.com/doc/oplatform/openApi/cloudbase-common/wechatpay/"
_STATES = ("mch_relation_state", "jsapi_auth_state", "refund_auth_state")


@attrs.frozen
class PayMerchant:
    """A merchant number bound to the mini program (an item of ``tcb/wxpaylist``'s ``list``).

    Attributes:
        merchant_code: The merchant number (商户号).
        merchant_name: The merchant's name.
        company_name: The company behind it (主体名称).
        mch_relation_state: The binding's state (``"RELATION_BINDED"``,
            ``"RELATION_WAIT_CONFIRM_WXTPL"``…); a number WeChat sends is given as its text.
        jsapi_auth_state: The JSAPI permission's state (``"AUTH_AUTHORIZED"``…), the same way.
        refund_auth_state: The refund permission's state, the same way.
    """

    merchant_code: str
    merchant_name: str = ""
    company_name: str = ""
    mch_relation_state: str = ""
    jsapi_auth_state: str = ""
    refund_auth_state: str = ""


def _merchants(value: object) -> list[PayMerchant]:
    if isinstance(value, list):
        value = [
            {
                **item,
                **{
                    k: str(item[k])
                    for k in _STATES
                    if isinstance(item.get(k), int) and not isinstance(item.get(k), bool)
                },
            }
            if isinstance(item, Mapping)
            else item
            for item in value
        ]
    return structure(value, list[PayMerchant], root="$.list")


@attrs.frozen
class ListWechatPayMerchants(Method[list[PayMerchant]]):
    """The merchant numbers bound to the mini program, with the state of each authorisation."""

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/wxpaylist", result_key="list", doc=_DOCS + "api_getwechatpaylist.html"
    )

    __decode__ = staticmethod(_merchants)


class PayAuthAction(enum.Enum):
    """What `ApplyWechatPayAuth` asks for (``action``).

    Attributes:
        BIND: ``bind``, bind the merchant number to the mini program.
        OPEN_JSAPI: ``openjsapi``, the JSAPI payment permission.
        OPEN_REFUND: ``openrefund``, the refund permission.
    """

    BIND = "bind"
    OPEN_JSAPI = "openjsapi"
    OPEN_REFUND = "openrefund"


def _action(value: PayAuthAction | str) -> PayAuthAction:
    try:
        return PayAuthAction(value)
    except ValueError:
        raise InvalidRequestError("action must be a PayAuthAction (bind, openjsapi or openrefund)") from None


@attrs.frozen
class ApplyWechatPayAuth(Method[None]):
    """Ask merchant *merchant_code*'s administrator to confirm *action*. Never resent after a
    transient failure (the administrator would be asked twice).

    Attributes:
        action: ``action``, a `PayAuthAction` (or its wire text: ``bind``, ``openjsapi``, ``openrefund``).
        merchant_code: ``merchant_code``, the merchant number (non-empty).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/wxpayopenauth", idempotent=False, doc=_DOCS + "api_getwechatpayauth.html"
    )

    action: PayAuthAction = attrs.field(converter=_action)
    merchant_code: str = attrs.field(validator=non_empty)


class WechatPay(Namespace):
    """``client.wechat_pay``: CloudBase WeChat Pay merchant numbers."""

    __slots__ = ()

    merchants = endpoint(ListWechatPayMerchants)
    apply_auth = endpoint(ApplyWechatPayAuth)
