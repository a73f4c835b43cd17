"""Contract rows of CloudBase SMS, its statistics and reports, and cloud users, with the samples
of WeChat's pages (research: /work/research/tcb-direct.md §1.1 to 1.7, §2.7).

``tcb/sendsms``'s own samples could not be read (the stored page stops before them): its answer
here is the ``send_status_list`` of ``tcb/sendsmsv2``'s official sample, which the two pages'
answer tables describe alike.
"""

from __future__ import annotations

from tests.contract import Row
from wxtcb.cloud_users import CheckMobile, CreateCloudUser
from wxtcb.methods import TokenKind
from wxtcb.sms import (
    CloudbaseReport,
    CreateSendSmsTask,
    DescribeSmsRecords,
    GetStatistics,
    SendSms,
    SendSmsV2,
    SendStatus,
    SmsRecord,
    SmsRecords,
    Statistics,
    StatisticsAction,
    StatisticsColumn,
    StatisticsCondition,
    StatisticsRow,
)
from wxtcb.testing.sms import DEMO_STATISTICS

OK = {"errcode": 0, "errmsg": "ok"}

#: tcb/sendsmsv2's official answer sample (no errmsg key).
SENT = {
    "errcode": 0,
    "send_status_list": [
        {
            "serial_no": "8:gFIqWUHzllUyOFRHgeu20201231",
            "phone_number": "+8612345678910",
            "code": "Ok",
            "message": "send success",
            "iso_code": "",
        }
    ],
}
SENT_RESULT = [SendStatus("8:gFIqWUHzllUyOFRHgeu20201231", "+8612345678910", "Ok", "send success", "")]

ROWS = [
    Row(
        method=SendSms(
            "online-12345678910", ["+8612345678910"], content="发布了新的能力", path="/index.html"
        ),
        path="tcb/sendsms",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={
            "env": "online-12345678910",
            "phone_number_list": ["+8612345678910"],
            "sms_type": "Marketing",
            "content": "发布了新的能力",
            "path": "/index.html",
        },
        answer=SENT,
        result=SENT_RESULT,
    ),
    Row(
        method=SendSmsV2(
            "online-12345678910", "https://wxaurl.cn/xxxxxx", "844110", ["能力上新"], ["+8612345678910"]
        ),
        path="tcb/sendsmsv2",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={
            "env": "online-12345678910",
            "url_link": "https://wxaurl.cn/xxxxxx",
            "template_id": "844110",
            "template_param_list": ["能力上新"],
            "phone_number_list": ["+8612345678910"],
        },
        answer=SENT,
        result=SENT_RESULT,
    ),
    Row(
        method=CreateSendSmsTask("xxx", "xxx"),
        path="tcb/createsendsmstask",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={"env": "xxx", "file_url": "xxx"},
        answer={"errcode": 0, "query_id": "xxx"},
        result="xxx",
    ),
    Row(
        method=DescribeSmsRecords(
            "xxx", "2021-03-01", "2021-03-23", query_id="xxx", page_number=1, page_size=20
        ),
        path="tcb/describesmsrecords",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={
            "PostData": {
                "StartDate": "2021-03-01",
                "EndDate": "2021-03-23",
                "EnvId": "xxx",
                "QueryId": "xxx",
                "PageNumber": 1,
                "PageSize": 20,
            }
        },
        answer={
            "SmsRecords": [
                {
                    "Content": "【XXX】XXX\uff0c跳转小程序 https://xxx/xxx 回T退订",
                    "ContentSize": 51,
                    "CreateTime": "2021-03-22 17:18:37",
                    "Fee": 1,
                    "Mobile": "+86xxxxxxxxxxx",
                    "ReceivedTime": "2021-03-22 17:18:43",
                    "Remarks": "用户短信接收成功",
                    "Status": "sent",
                }
            ],
            "TotalCount": 1,
            "RequestId": "bf34127a-35bd-48a2-86bb-ae583d2ff9ff",
        },
        result=SmsRecords(
            [
                SmsRecord(
                    "+86xxxxxxxxxxx",
                    "【XXX】XXX\uff0c跳转小程序 https://xxx/xxx 回T退订",
                    51,
                    1,
                    "2021-03-22 17:18:37",
                    "2021-03-22 17:18:43",
                    "sent",
                    "用户短信接收成功",
                )
            ],
            1,
            "bf34127a-35bd-48a2-86bb-ae583d2ff9ff",
        ),
    ),
    Row(
        method=GetStatistics(
            action=StatisticsAction.OVERVIEW,
            begin_date=1614182400,
            end_date=1614268800,
            page_offset=0,
            page_limit=1000,
            condition=StatisticsCondition(env_id="xxx", activity_id="xxx", by_channel_id="0"),
        ),
        path="tcb/getstatistics",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={
            "action": "smsMarketingOverviewData",
            "begin_date": 1614182400,
            "end_date": 1614268800,
            "page_offset": 0,
            "page_limit": 1000,
            "condition": {"env_id": "xxx", "activity_id": "xxx", "by_channel_id": "0"},
        },
        answer=DEMO_STATISTICS,
        result=Statistics(
            [StatisticsColumn(**c) for c in DEMO_STATISTICS["data_column"]],
            [StatisticsRow(r["data_value"]) for r in DEMO_STATISTICS["data_value"]],
            1,
        ),
    ),
    Row(
        method=CloudbaseReport(
            report_action="sendSmsTask", env_id="xxx", activity_id="xxx", task_id="xxx", phone_count="12345"
        ),
        path="tcb/cloudbasereport",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={
            "report_action": "sendSmsTask",
            "env_id": "xxx",
            "activity_id": "xxx",
            "task_id": "xxx",
            "phone_count": "12345",
        },
        answer={"errcode": 0, "errmsg": ""},
        result=None,
    ),
    Row(
        method=CreateCloudUser(),
        path="tcb/createclouduser",
        token=TokenKind.ACCESS,
        idempotent=False,
        query={},
        body={},
        answer=OK,
        result=None,
    ),
    Row(
        method=CheckMobile(push_tmpl=True),
        path="tcb/checkmobile",
        token=TokenKind.ACCESS,
        idempotent=True,
        query={},
        body={"push_tmpl": True},
        answer={"errcode": 0, "errmsg": "ok", "has_mobile": True},
        result=True,
    ),
]
