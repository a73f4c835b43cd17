"""The emulator's CloudBase SMS, statistics, reports and cloud users: ``@route`` handlers over a
per-emulator `SmsState`.

Nothing is delivered: each SMS sent is kept as an `SmsState.records` row (``"sent"``), which
``describesmsrecords`` lists. What the pages require is checked and refused with -501007
("参数有误", the pages' code for a parameter error).

Choices where WeChat's pages are silent (the emulator's, not WeChat's facts):

- A bulk task (``createsendsmstask``) has no CSV to read here: it records the task and its
  ``query_id``, and sends nothing.
- ``getstatistics`` answers the official sample's table (`SmsState.statistics`) for every query;
  set it to None to get errcode 10011 ("没有数据").
- ``createclouduser`` opens CloudBase at once (`SmsState.cloud_users`); set
  `SmsState.cloud_user_errcode` (-601049, -601048, -601026) to have it answer that instead.
- ``checkmobile`` answers `SmsState.has_mobile`, and counts the template messages it would have
  pushed in `SmsState.mobile_requests`.
"""

from __future__ import annotations

import copy
import re
import secrets
import time
from typing import Any

from wxtcb.methods import TokenKind
from wxtcb.testing.base import Call, EmulatorBase, error, route

__all__ = ["DEMO_STATISTICS", "SmsState"]

_PARAMETER = -501007
_NO_DATA = 10011
_MAINLAND = re.compile(r"\+86[0-9]+")
# WeChat writes its texts with the full-width comma (\uff0c), kept as an escape.
#: What ``createclouduser`` says with each of its own codes (the pages' words).
_WAITING = {
    -601049: "appid 没有授权开通\uff0c已发送模板消息至 appid 管理员\uff0c联系管理员授权确认",
    -601048: "appid 没有手机号\uff0c已发送模板消息至 appid 管理员\uff0c联系管理员绑定手机号授权确认",
    -601026: "模板消息发送频率限制\uff0c24 小时内一个小程序的管理员只会收到一次授权消息",
}
_ACTIONS = ("smsMarketingOverviewData", "smsMarketingConversionData", "smsMarketingRealTimeData")

#: The official sample answer of ``tcb/getstatistics`` (overview, one row).
DEMO_STATISTICS: dict[str, Any] = {
    "data_column": [
        {"col_id": "appid", "col_name": "小程序id", "col_data_type": "0"},
        {"col_id": "env_id", "col_name": "环境id", "col_data_type": "0"},
        {"col_id": "activity_id", "col_name": "活动id", "col_data_type": "0"},
        {"col_id": "channel_id", "col_name": "渠道", "col_data_type": "0"},
        {"col_id": "h5_open_uercnt", "col_name": "h5打开人数", "col_data_type": "1"},
        {"col_id": "jump_wxapp_uercnt", "col_name": "小程序跳转人数", "col_data_type": "1"},
        {"col_id": "sms_send_uercnt", "col_name": "短信下发人数", "col_data_type": "1"},
        {"col_id": "sms_send_list", "col_name": "下发记录数组", "col_data_type": "0"},
        {"col_id": "jump_wxapp_uercnt_percent", "col_name": "跳转人数渠道占比", "col_data_type": "2"},
        {"col_id": "h5_open_uercnt_percent", "col_name": "h5打开人数渠道占比", "col_data_type": "2"},
        {"col_id": "h5_sms_rate", "col_name": "短信到h5转化率", "col_data_type": "2"},
        {"col_id": "jump_h5_rate", "col_name": "h5到跳转转化率", "col_data_type": "2"},
    ],
    "data_value": [
        {
            "data_value": [
                "xxxxxxxxxxxxxxxxxx",
                "wedcvfr",
                "21ded5cb6001691405171ba161c603d1",
                "_cms_sms_",
                "5000",
                "3000",
                "10000",
                "[task1:5000,task2:5000]",
                "0.535714",
                "0.625",
                "0.5",
                "0.6",
            ]
        }
    ],
    "total_num": 1,
}


class SmsState:
    """One emulator's SMS side.

    Attributes:
        records: Every SMS sent, as ``describesmsrecords`` lists it (plus ``"EnvId"``,
            ``"QueryId"`` and ``"appid"``), oldest first.
        tasks: Bulk tasks by ``query_id``: the body ``createsendsmstask`` got.
        reports: Bodies of the ``cloudbasereport`` calls, in order.
        statistics: What ``getstatistics`` answers (None: errcode 10011, no data).
        cloud_users: Appids ``createclouduser`` opened CloudBase for.
        cloud_user_errcode: When set, what ``createclouduser`` answers instead.
        has_mobile: What ``checkmobile`` answers.
        mobile_requests: How many template messages ``checkmobile`` would have pushed.
    """

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        self.reports: list[dict[str, Any]] = []
        self.statistics: dict[str, Any] | None = copy.deepcopy(DEMO_STATISTICS)
        self.cloud_users: set[str] = set()
        self.cloud_user_errcode: int | None = None
        self.has_mobile = True
        self.mobile_requests = 0


def _state(emulator: EmulatorBase) -> SmsState:
    return emulator.state(SmsState)


def _text(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def _strings(data: Any, key: str) -> list[str] | None:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _invalid(what: str) -> dict[str, Any]:
    return error(_PARAMETER, f"参数有误: {what}")


def _numbers(data: Any) -> list[str] | dict[str, Any]:
    numbers = _strings(data, "phone_number_list")
    if not numbers or len(numbers) > 1000:
        return _invalid("phone_number_list must hold 1 to 1000 numbers")
    if not all(_MAINLAND.fullmatch(n) for n in numbers):
        return _invalid("phone numbers must start with +86")
    return numbers


def _send(emulator: EmulatorBase, call: Call, numbers: list[str], text: str) -> dict[str, Any]:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(emulator.now()))
    statuses = []
    for number in numbers:
        serial = f"8:{secrets.token_urlsafe(16)}"
        statuses.append(
            {
                "serial_no": serial,
                "phone_number": number,
                "code": "Ok",
                "message": "send success",
                "iso_code": "",
            }
        )
        _state(emulator).records.append(
            {
                "Content": text,
                "ContentSize": len(text),
                "CreateTime": stamp,
                "Fee": 1,
                "Mobile": number,
                "ReceivedTime": stamp,
                "Remarks": "用户短信接收成功",
                "Status": "sent",
                "EnvId": call.data["env"],
                "QueryId": None,
                "appid": call.issued.appid if call.issued is not None else None,
            }
        )
    return {"errcode": 0, "errmsg": "ok", "send_status_list": statuses}


@route("tcb/sendsms", TokenKind.ACCESS)
def _send_sms(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    if not _text(data, "env"):
        return _invalid("env")
    numbers = _numbers(data)
    if isinstance(numbers, dict):
        return numbers
    sms_type = data.get("sms_type", "Marketing")
    if sms_type == "Marketing":
        content, path = _text(data, "content"), _text(data, "path")
        if content is None or path is None:
            return _invalid("content and path are required for Marketing")
        if len(content) > 30:
            return _invalid("content is longer than 30 characters")
        return _send(emulator, call, numbers, f"【小程序】{content}\uff0c跳转小程序 {path} 回T退订")
    if sms_type == "Notification":
        params = _strings(data, "template_param_list")
        if _text(data, "template_id") is None or params is None:
            return _invalid("template_id and template_param_list are required for Notification")
        return _send(emulator, call, numbers, "【小程序】" + "\uff0c".join(params))
    return _invalid("sms_type")


@route("tcb/sendsmsv2", TokenKind.ACCESS)
def _send_sms_v2(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    for key in ("env", "url_link", "template_id"):
        if not _text(data, key):
            return _invalid(key)
    params = _strings(data, "template_param_list")
    if params is None:
        return _invalid("template_param_list")
    numbers = _numbers(data)
    if isinstance(numbers, dict):
        return numbers
    first = params[0] if params else ""
    return _send(emulator, call, numbers, f"【小程序】{first}\uff0c跳转小程序 {data['url_link']} 回T退订")


@route("tcb/createsendsmstask", TokenKind.ACCESS)
def _create_task(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    for key in ("env", "file_url"):
        if not _text(call.data, key):
            return _invalid(key)
    query_id = secrets.token_hex(16)
    _state(emulator).tasks[query_id] = dict(call.data)
    return {"errcode": 0, "errmsg": "ok", "query_id": query_id}


@route("tcb/describesmsrecords", TokenKind.ACCESS)
def _records(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    query = call.data.get("PostData")
    if not isinstance(query, dict):
        return _invalid("PostData")
    for key in ("EnvId", "StartDate", "EndDate"):
        if not _text(query, key):
            return _invalid(key)
    start, end = query["StartDate"], query["EndDate"] + " 99"
    rows = [
        r
        for r in _state(emulator).records
        if r["EnvId"] == query["EnvId"]
        and start <= r["CreateTime"] <= end
        and query.get("Mobile") in (None, r["Mobile"])
        and query.get("QueryId") in (None, r["QueryId"])
    ]
    size = query.get("PageSize") or 20
    page = query.get("PageNumber") or 1
    if not isinstance(size, int) or not isinstance(page, int) or size < 1 or page < 1:
        return _invalid("PageNumber and PageSize")
    public = ("Content", "ContentSize", "CreateTime", "Fee", "Mobile", "ReceivedTime", "Remarks", "Status")
    chosen = rows[(page - 1) * size : page * size]
    return {
        "SmsRecords": [{k: r[k] for k in public} for r in chosen],
        "TotalCount": len(rows),
        "RequestId": secrets.token_hex(16),
    }


@route("tcb/getstatistics", TokenKind.ACCESS)
def _statistics(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    if data.get("action") not in _ACTIONS:
        return _invalid("action")
    for key in ("begin_date", "end_date"):
        if isinstance(data.get(key), bool) or not isinstance(data.get(key), int):
            return _invalid(key)
    table = _state(emulator).statistics
    if table is None:
        return error(_NO_DATA, "没有数据")
    return {"errcode": 0, "errmsg": "ok", **copy.deepcopy(table)}


@route("tcb/cloudbasereport", TokenKind.ACCESS)
def _report(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    data = call.data
    needs = {"sendSmsTask": ("task_id", "phone_count"), "openH5": ("channel_id", "session_id")}
    action = data.get("report_action")
    if action not in needs:
        return _invalid("report_action")
    for key in ("env_id", "activity_id", *needs[action]):
        if not _text(data, key):
            return _invalid(key)
    _state(emulator).reports.append(dict(data))
    return {"errcode": 0, "errmsg": ""}


@route("tcb/createclouduser", TokenKind.ACCESS)
def _create_cloud_user(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    state = _state(emulator)
    if state.cloud_user_errcode is not None:
        errcode = state.cloud_user_errcode
        return error(errcode, _WAITING.get(errcode, "emulated error"))
    if call.issued is not None:
        state.cloud_users.add(call.issued.appid)
    return {"errcode": 0, "errmsg": "ok"}


@route("tcb/checkmobile", TokenKind.ACCESS)
def _check_mobile(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    state = _state(emulator)
    push = call.data.get("push_tmpl", False)
    if not isinstance(push, bool):
        return _invalid("push_tmpl")
    if push and not state.has_mobile:
        state.mobile_requests += 1
    return {"errcode": 0, "errmsg": "ok", "has_mobile": state.has_mobile}
