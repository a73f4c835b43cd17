"""Third-party authorization (授权): from a merchant's first click to its revocation.

A platform starts an authorization with a pre-auth code and a link (`authorization_url`), gets
the merchant's ``authorizer_refresh_token`` with the authorization code (`QueryAuth`, which
`wxtcb.Platform.query_auth` stores durably before it returns), re-reads every merchant's refresh
token when one was lost (`GetAuthorizerList`, `wxtcb.Platform.resync_authorizers`), and reads a
merchant's account (`GetAuthorizerInfo`). Every call here takes the platform's
``component_access_token`` (`TokenKind.COMPONENT`): they are on ``platform.authorization``.

The component token goes in ``access_token=``, as WeChat's current pages say; the older pages
name the parameter ``component_access_token=``, which WeChat still accepts.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import attrs

from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.validators import non_empty

__all__ = [
    "MAX_AUTHORIZERS_PER_PAGE",
    "Authorization",
    "AuthorizationInfo",
    "AuthorizerAccount",
    "AuthorizerInfo",
    "AuthorizerListPage",
    "AuthorizerRecord",
    "CreatePreAuthCode",
    "FuncInfo",
    "FuncScope",
    "GetAuthorizerInfo",
    "GetAuthorizerList",
    "PreAuthCode",
    "QueryAuth",
    "TypeInfo",
    "authorization_url",
    "check_authorization_link",
]

_DOCS = "https://developers.weixin.qq.com/doc/oplatform/"
#: api_get_authorizer_list returns at most this many merchants per call.
MAX_AUTHORIZERS_PER_PAGE = 500

#: The authorization pages (PC: the admin scans a QR code; mobile: a link opened in WeChat), from
#: WeChat's "授权流程技术说明".
_PC_PAGE = "https://mp.weixin.qq.com/cgi-bin/componentloginpage"
_MOBILE_PAGE = "https://mp.weixin.qq.com/safe/bindcomponent"


@attrs.frozen
class PreAuthCode:
    """A pre-auth code (预授权码), the start of one authorization.

    Attributes:
        pre_auth_code: The code (put in the authorization link).
        expires_in: Seconds it is valid for (WeChat documents 1800; its sample says 600).
    """

    pre_auth_code: str = attrs.field(repr=False)
    expires_in: int


@attrs.frozen
class FuncScope:
    """One permission set: ``{"funcscope_category": {"id": 18}}`` on the wire.

    Attributes:
        id: The permission set's id (权限集 id).
    """

    id: int


@attrs.frozen
class FuncInfo:
    """One granted permission set, as WeChat wraps it.

    Attributes:
        funcscope_category: The permission set.
    """

    funcscope_category: FuncScope


@attrs.frozen
class AuthorizationInfo:
    """What a merchant granted, from ``api_query_auth`` (or the authorization part of an account).

    Attributes:
        authorizer_appid: The merchant's appid.
        authorizer_access_token: Its access token, when the account has API permissions (secret).
        expires_in: Seconds the access token is valid for.
        authorizer_refresh_token: The refresh token (secret): lose it and the merchant must
            authorize again.
        func_info: The permission sets granted; see `permission_sets`. A merchant may grant only
            some of those the platform asked for: check them, do not assume them.
    """

    authorizer_appid: str
    authorizer_access_token: str | None = attrs.field(default=None, repr=False)
    expires_in: int | None = None
    authorizer_refresh_token: str | None = attrs.field(default=None, repr=False)
    func_info: tuple[FuncInfo, ...] = ()

    @property
    def permission_sets(self) -> frozenset[int]:
        """The ids of the permission sets granted (e.g. 18 for cloud development)."""
        return frozenset(f.funcscope_category.id for f in self.func_info)


@attrs.frozen
class AuthorizerRecord:
    """One merchant in ``api_get_authorizer_list``.

    Attributes:
        authorizer_appid: The merchant's appid.
        refresh_token: Its current ``authorizer_refresh_token`` (secret).
        auth_time: When it authorized the platform (epoch seconds).
    """

    authorizer_appid: str
    refresh_token: str = attrs.field(repr=False)
    auth_time: int = 0


@attrs.frozen
class AuthorizerListPage:
    """One page of ``api_get_authorizer_list``.

    Attributes:
        total_count: How many merchants have authorized the platform.
        list: This page's merchants.
    """

    total_count: int
    list: tuple[AuthorizerRecord, ...] = ()


@attrs.frozen
class TypeInfo:
    """An account's type or verification type (``{"id": 0}``, with a name on newer pages).

    Attributes:
        id: The type id.
    """

    id: int


@attrs.frozen
class AuthorizerAccount:
    """The account part of ``api_get_authorizer_info`` (only the documented fields wxtcb reads).

    Attributes:
        nick_name: The account's nickname.
        head_img: Its avatar URL.
        service_type_info: Its account type.
        verify_type_info: Its verification type.
        user_name: Its original id (gh_…).
        alias: Its WeChat id, possibly empty.
        qrcode_url: Its QR code image.
        principal_name: The legal entity it belongs to.
    """

    nick_name: str = ""
    head_img: str = ""
    service_type_info: TypeInfo | None = None
    verify_type_info: TypeInfo | None = None
    user_name: str = ""
    alias: str = ""
    qrcode_url: str = ""
    principal_name: str = ""


@attrs.frozen
class AuthorizerInfo:
    """Answer of ``api_get_authorizer_info``: the merchant's account and what it granted.

    Attributes:
        authorizer_info: The account.
        authorization_info: What it granted (without tokens: this call returns none).
    """

    authorizer_info: AuthorizerAccount
    authorization_info: AuthorizationInfo


@attrs.frozen
class CreatePreAuthCode(Method[PreAuthCode]):
    """Create a pre-auth code, the start of an authorization.

    Attributes:
        component_appid: ``component_appid``, the platform's appid (a non-empty string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/component/api_create_preauthcode",
        token=TokenKind.COMPONENT,
        idempotent=False,  # each call issues a new code
        doc=_DOCS + "openApi/ticket-token/api_getpreauthcode.html",
    )

    component_appid: str = attrs.field(validator=non_empty)


@attrs.frozen
class QueryAuth(Method[AuthorizationInfo]):
    """Exchange an authorization code for the merchant's tokens and granted permission sets.

    `wxtcb.Platform.query_auth` sends it and stores the refresh token before returning; send it
    yourself only if you store the refresh token yourself.

    Attributes:
        component_appid: ``component_appid``, the platform's appid (a non-empty string).
        authorization_code: ``authorization_code``, the authorization code to exchange (non-empty;
            hidden from the repr).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/component/api_query_auth",
        token=TokenKind.COMPONENT,
        # A code is spent once: a resend after a lost answer would turn a timeout into 61010.
        idempotent=False,
        result_key="authorization_info",
        doc=_DOCS + "Third-party_Platforms/2.0/api/ThirdParty/token/authorization_info.html",
    )

    component_appid: str = attrs.field(validator=non_empty)
    authorization_code: str = attrs.field(repr=False, validator=non_empty)


def _page_count(_: object, __: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not 1 <= value <= MAX_AUTHORIZERS_PER_PAGE:
        raise InvalidRequestError(f"count must be 1 to {MAX_AUTHORIZERS_PER_PAGE}")


def _offset(_: object, __: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or value < 0:
        raise InvalidRequestError("offset must not be negative")


@attrs.frozen
class GetAuthorizerList(Method[AuthorizerListPage]):
    """One page of the merchants that authorized the platform, with their refresh tokens.

    Attributes:
        component_appid: ``component_appid``, the platform's appid (a non-empty string).
        offset: ``offset``, how many merchants to skip (not negative).
        count: ``count``, the page size: 1 to `MAX_AUTHORIZERS_PER_PAGE` (500, the default).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/component/api_get_authorizer_list",
        token=TokenKind.COMPONENT,
        doc=_DOCS + "openApi/authorization-management/api_getauthorizerlist.html",
    )

    component_appid: str = attrs.field(validator=non_empty)
    offset: int = attrs.field(default=0, validator=_offset)
    count: int = attrs.field(default=MAX_AUTHORIZERS_PER_PAGE, validator=_page_count)


@attrs.frozen
class GetAuthorizerInfo(Method[AuthorizerInfo]):
    """One merchant's account (nickname, type, entity) and the permission sets it granted.

    Attributes:
        component_appid: ``component_appid``, the platform's appid (a non-empty string).
        authorizer_appid: ``authorizer_appid``, the merchant's appid (a non-empty string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "cgi-bin/component/api_get_authorizer_info",
        token=TokenKind.COMPONENT,
        doc=_DOCS + "en/openApi/OpenApiDoc/authorization-management/getAuthorizerInfo.html",
    )

    component_appid: str = attrs.field(validator=non_empty)
    authorizer_appid: str = attrs.field(validator=non_empty)


class Authorization(Namespace):
    """``platform.authorization``: the component-token calls of the authorization lifecycle."""

    __slots__ = ()

    create_preauthcode = endpoint(CreatePreAuthCode)
    query_auth = endpoint(QueryAuth)
    get_authorizer_list = endpoint(GetAuthorizerList)
    get_authorizer_info = endpoint(GetAuthorizerInfo)


def authorization_url(
    component_appid: str,
    pre_auth_code: str,
    redirect_uri: str,
    *,
    auth_type: int | None = 3,
    biz_appid: str | None = None,
    mobile: bool = False,
) -> str:
    """The page where a merchant's admin authorizes the platform (WeChat's "授权流程技术说明").

    Args:
        component_appid: The platform's appid.
        pre_auth_code: A fresh pre-auth code (`CreatePreAuthCode`).
        redirect_uri: Where WeChat sends the admin back, with ``auth_code`` and ``expires_in``
            in the query.
        auth_type: Which accounts the page offers: 1 official accounts, 2 mini programs, 3 both;
            None leaves it to WeChat (both).
        biz_appid: Only this account may authorize (it wins over *auth_type*).
        mobile: The link for a phone (``bindcomponent``, opened in WeChat) instead of the PC page
            whose QR code the admin scans.
    """
    for name, value in (("component_appid", component_appid), ("pre_auth_code", pre_auth_code)):
        if not isinstance(value, str) or not value.strip():
            raise InvalidRequestError(f"{name} must be a non-empty string")
    check_authorization_link(redirect_uri, auth_type=auth_type, biz_appid=biz_appid, mobile=mobile)
    params: list[tuple[str, str]] = []
    if mobile:
        params += [("action", "bindcomponent"), ("no_scan", "1")]
    params += [
        ("component_appid", component_appid),
        ("pre_auth_code", pre_auth_code),
        ("redirect_uri", redirect_uri),
    ]
    if auth_type is not None:
        params.append(("auth_type", str(auth_type)))
    if biz_appid:
        params.append(("biz_appid", biz_appid))
    query = urlencode(params)
    return f"{_MOBILE_PAGE}?{query}#wechat_redirect" if mobile else f"{_PC_PAGE}?{query}"


def check_authorization_link(
    redirect_uri: str, *, auth_type: int | None = 3, biz_appid: str | None = None, mobile: bool = False
) -> None:
    """Check what `authorization_url` takes besides the codes; `InvalidRequestError` if unusable.

    `wxtcb.Platform.authorization_url` runs it before asking WeChat for a pre-auth code, so bad
    input costs no request: *redirect_uri* must be an absolute http(s) URL with a host (no
    ``javascript:``, no relative path), *auth_type* 1, 2, 3 or None, *biz_appid* a non-empty
    string or None, *mobile* a bool.
    """
    if not isinstance(redirect_uri, str) or not redirect_uri.strip():
        raise InvalidRequestError("redirect_uri must be a non-empty string")
    parts = urlsplit(redirect_uri)
    if (
        parts.scheme.lower() not in ("https", "http")
        or not parts.hostname
        or redirect_uri != redirect_uri.strip()
    ):
        raise InvalidRequestError("redirect_uri must be an absolute http(s) URL")
    if auth_type is not None and (isinstance(auth_type, bool) or auth_type not in (1, 2, 3)):
        raise InvalidRequestError("auth_type must be 1, 2, 3 or None")
    if biz_appid is not None and (not isinstance(biz_appid, str) or not biz_appid.strip()):
        raise InvalidRequestError("biz_appid must be a non-empty string or None")
    if not isinstance(mobile, bool):
        raise InvalidRequestError("mobile must be True or False")
