"""Contract rows of the cloud-run domain (cgi-bin/message/custom/send, cgi-bin/message/custom/typing)."""

from __future__ import annotations

from tests.contract import Row
from wxtcb.cloudrun import CustomMiniProgramPage, SendCustomMessage, SetTyping
from wxtcb.methods import TokenKind

ROWS = [
    Row(
        method=SendCustomMessage(
            touser="OPENID",
            miniprogrampage=CustomMiniProgramPage("title", "pages/index/index?foo=bar", "MEDIA_ID"),
        ),
        path="cgi-bin/message/custom/send",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={
            "touser": "OPENID",
            "msgtype": "miniprogrampage",
            "miniprogrampage": {
                "title": "title",
                "pagepath": "pages/index/index?foo=bar",
                "thumb_media_id": "MEDIA_ID",
            },
        },
        answer={"errcode": 0, "errmsg": "ok"},
        result=None,
    ),
    Row(
        method=SetTyping("OPENID", "Typing"),
        path="cgi-bin/message/custom/typing",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"touser": "OPENID", "command": "Typing"},
        answer={"errcode": 0, "errmsg": "ok"},
        result=None,
    ),
]
