"""Contract rows of third-party authorization (cgi-bin/component/*, component token), with the
sample answers of WeChat's pages."""

from __future__ import annotations

from tests.contract import Row
from wxtcb.authorization import (
    AuthorizationInfo,
    AuthorizerAccount,
    AuthorizerInfo,
    AuthorizerListPage,
    AuthorizerRecord,
    CreatePreAuthCode,
    FuncInfo,
    FuncScope,
    GetAuthorizerInfo,
    GetAuthorizerList,
    PreAuthCode,
    QueryAuth,
    TypeInfo,
)
from wxtcb.methods import TokenKind

ROWS = [
    Row(
        method=CreatePreAuthCode("appid_value"),
        path="cgi-bin/component/api_create_preauthcode",
        token=TokenKind.COMPONENT,
        idempotent=False,
        query={},
        body={"component_appid": "appid_value"},
        answer={
            "pre_auth_code": "Cx_Dk6qiBE0Dmx4EmlT3oRfArPvwSQ-oa3NL_fwHM7VI08r52wazoZX2Rhpz1dEw",
            "expires_in": 600,
        },
        result=PreAuthCode("Cx_Dk6qiBE0Dmx4EmlT3oRfArPvwSQ-oa3NL_fwHM7VI08r52wazoZX2Rhpz1dEw", 600),
    ),
    Row(
        method=QueryAuth("appid_value", "auth_code_value"),
        path="cgi-bin/component/api_query_auth",
        token=TokenKind.COMPONENT,
        idempotent=False,
        query={},
        body={"component_appid": "appid_value", "authorization_code": "auth_code_value"},
        answer={
            "authorization_info": {
                "authorizer_appid": "wxf8b4f85f3a794e77",
                "authorizer_access_token": "QXjUqNqfYVH0yBE1iI_7vuN_9gQbpjfK7hYwJ3P7xOa88a89-Aga5x1NMYJyB8G2yKt1KCl0nPC3W9GJzw0Zzq_dBxc8pxIGUNi_bFes0qM",
                "expires_in": 7200,
                "authorizer_refresh_token": "dTo-YCXPL4llX-u1W1pPpnp8Hgm4wpJtlR6iV0doKdY",
                "func_info": [
                    {"funcscope_category": {"id": 1}},
                    {"funcscope_category": {"id": 2}},
                    {"funcscope_category": {"id": 3}, "confirm_info": {"need_confirm": 0}},
                ],
            }
        },
        result=AuthorizationInfo(
            "wxf8b4f85f3a794e77",
            "QXjUqNqfYVH0yBE1iI_7vuN_9gQbpjfK7hYwJ3P7xOa88a89-Aga5x1NMYJyB8G2yKt1KCl0nPC3W9GJzw0Zzq_dBxc8pxIGUNi_bFes0qM",
            7200,
            "dTo-YCXPL4llX-u1W1pPpnp8Hgm4wpJtlR6iV0doKdY",
            (FuncInfo(FuncScope(1)), FuncInfo(FuncScope(2)), FuncInfo(FuncScope(3))),
        ),
    ),
    Row(
        method=GetAuthorizerList("appid_value", offset=0, count=100),
        path="cgi-bin/component/api_get_authorizer_list",
        token=TokenKind.COMPONENT,
        idempotent=True,
        query={},
        body={"component_appid": "appid_value", "offset": 0, "count": 100},
        answer={
            "total_count": 33,
            "list": [
                {
                    "authorizer_appid": "authorizer_appid_1",
                    "refresh_token": "refresh_token_1",
                    "auth_time": 1558000607,
                },
                {
                    "authorizer_appid": "authorizer_appid_2",
                    "refresh_token": "refresh_token_2",
                    "auth_time": 1558000607,
                },
            ],
        },
        result=AuthorizerListPage(
            33,
            (
                AuthorizerRecord("authorizer_appid_1", "refresh_token_1", 1558000607),
                AuthorizerRecord("authorizer_appid_2", "refresh_token_2", 1558000607),
            ),
        ),
    ),
    Row(
        method=GetAuthorizerInfo("appid_value", "auth_appid_value"),
        path="cgi-bin/component/api_get_authorizer_info",
        token=TokenKind.COMPONENT,
        idempotent=True,
        query={},
        body={"component_appid": "appid_value", "authorizer_appid": "auth_appid_value"},
        answer={
            "authorizer_info": {
                "nick_name": "微信SDK Demo Special",
                "head_img": "http://wx.qlogo.cn/mmopen/GPy",
                "service_type_info": {"id": 2},
                "verify_type_info": {"id": 0},
                "user_name": "gh_eb5e3a772040",
                "principal_name": "腾讯计算机系统有限公司",
                "business_info": {
                    "open_store": 0,
                    "open_scan": 0,
                    "open_pay": 0,
                    "open_card": 0,
                    "open_shake": 0,
                },
                "alias": "paytest01",
                "qrcode_url": "URL",
            },
            "authorization_info": {
                "authorizer_appid": "wxf8b4f85f3a794e77",
                "func_info": [{"funcscope_category": {"id": 1}}, {"funcscope_category": {"id": 2}}],
            },
        },
        result=AuthorizerInfo(
            AuthorizerAccount(
                nick_name="微信SDK Demo Special",
                head_img="http://wx.qlogo.cn/mmopen/GPy",
                service_type_info=TypeInfo(2),
                verify_type_info=TypeInfo(0),
                user_name="gh_eb5e3a772040",
                alias="paytest01",
                qrcode_url="URL",
                principal_name="腾讯计算机系统有限公司",
            ),
            AuthorizationInfo(
                "wxf8b4f85f3a794e77", func_info=(FuncInfo(FuncScope(1)), FuncInfo(FuncScope(2)))
            ),
        ),
    ),
]
