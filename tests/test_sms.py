"""CloudBase SMS, statistics, reports and cloud users against the emulator: limits refused before
sending, sends never resent, both answer shapes decoded, and phone numbers and template
parameters kept out of every error text, repr, log record and event."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import wxtcb
import wxtcb.events
from tests.conftest import assert_no_secret, load_module, log_texts
from tests.test_docs_examples import DOCS
from wxtcb.cloud_users import CheckMobile
from wxtcb.protocol import build_request
from wxtcb.sms import (
    DescribeSmsRecords,
    GetStatistics,
    SendSms,
    SendSmsV2,
    SendStatus,
    SmsRecord,
    SmsType,
    StatisticsAction,
    StatisticsCondition,
)
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, INSTANT_RETRY, Emulator, Fault
from wxtcb.testing.sms import SmsState

ENV = "sms-env"
NUMBER = "+8613800138000"
OTHER = "+8613900139000"
PARAM = "王小明的订单已发货"  # a template parameter naming a person: personal data
LINK = "https://wxaurl.cn/abcdef"

Call = Callable[[wxtcb.Client], Awaitable[Any]]


def _send(client: wxtcb.Client) -> Awaitable[Any]:
    return client.sms.send(ENV, [NUMBER], content="新品上架", path="/index.html")


def _send_v2(client: wxtcb.Client) -> Awaitable[Any]:
    return client.sms.send_v2(ENV, LINK, "844110", [PARAM], [NUMBER])


BAD_INPUTS: list[tuple[str, str, Call]] = [
    ("no number", "tcb/sendsms", lambda c: c.sms.send(ENV, [], content="x", path="/")),
    ("1001 numbers", "tcb/sendsms", lambda c: c.sms.send(ENV, [NUMBER] * 1001, content="x", path="/")),
    ("no +86", "tcb/sendsms", lambda c: c.sms.send(ENV, ["13800138000"], content="x", path="/")),
    ("not digits", "tcb/sendsms", lambda c: c.sms.send(ENV, ["+86 138-0013"], content="x", path="/")),
    ("one string", "tcb/sendsms", lambda c: c.sms.send(ENV, NUMBER, content="x", path="/")),
    ("content 31", "tcb/sendsms", lambda c: c.sms.send(ENV, [NUMBER], content="字" * 31, path="/")),
    ("no content", "tcb/sendsms", lambda c: c.sms.send(ENV, [NUMBER], path="/index.html")),
    ("no path", "tcb/sendsms", lambda c: c.sms.send(ENV, [NUMBER], content="x")),
    (
        "notification without template",
        "tcb/sendsms",
        lambda c: c.sms.send(ENV, [NUMBER], sms_type=SmsType.NOTIFICATION, template_param_list=[PARAM]),
    ),
    (
        "marketing with template",
        "tcb/sendsms",
        lambda c: c.sms.send(ENV, [NUMBER], content="x", path="/", template_id="1", template_param_list=[]),
    ),
    ("unknown sms_type", "tcb/sendsms", lambda c: c.sms.send(ENV, [NUMBER], sms_type="Spam")),  # type: ignore[arg-type]
    ("empty env", "tcb/sendsms", lambda c: c.sms.send("", [NUMBER], content="x", path="/")),
    ("param 31", "tcb/sendsmsv2", lambda c: c.sms.send_v2(ENV, LINK, "844110", ["字" * 31], [NUMBER])),
    ("v2 no +86", "tcb/sendsmsv2", lambda c: c.sms.send_v2(ENV, LINK, "2053122", ["x"], ["+8513800138000"])),
    ("v2 no link", "tcb/sendsmsv2", lambda c: c.sms.send_v2(ENV, "", "844110", ["x"], [NUMBER])),
    ("task no file", "tcb/createsendsmstask", lambda c: c.sms.create_task(ENV, "")),
    ("bad date", "tcb/describesmsrecords", lambda c: c.sms.records(ENV, "2021-3-1", "2021-03-23")),
    ("no such day", "tcb/describesmsrecords", lambda c: c.sms.records(ENV, "2021-02-30", "2021-03-23")),
    ("dates reversed", "tcb/describesmsrecords", lambda c: c.sms.records(ENV, "2021-03-23", "2021-03-01")),
    (
        "page 0",
        "tcb/describesmsrecords",
        lambda c: c.sms.records(ENV, "2021-03-01", "2021-03-23", page_number=0),
    ),
    (
        "overview without by_channel_id",
        "tcb/getstatistics",
        lambda c: c.sms.statistics(
            action=StatisticsAction.OVERVIEW, begin_date=0, end_date=1, page_offset=0, page_limit=10
        ),
    ),
    (
        "overview without paging",
        "tcb/getstatistics",
        lambda c: c.sms.statistics(
            action=StatisticsAction.OVERVIEW,
            begin_date=0,
            end_date=1,
            condition=StatisticsCondition(by_channel_id="0"),
        ),
    ),
    (
        "real time without act_type",
        "tcb/getstatistics",
        lambda c: c.sms.statistics(
            action=StatisticsAction.REAL_TIME,
            begin_date=0,
            end_date=1,
            condition=StatisticsCondition(channel_id="x"),
        ),
    ),
    (
        "by_channel_id 2",
        "tcb/getstatistics",
        lambda c: c.sms.statistics(
            action="smsMarketingOverviewData",
            begin_date=0,
            end_date=1,
            page_offset=0,
            page_limit=1,
            condition=StatisticsCondition(by_channel_id="2"),
        ),
    ),
    (
        "report without task",
        "tcb/cloudbasereport",
        lambda c: c.sms.report(report_action="sendSmsTask", env_id=ENV, activity_id="a", phone_count=3),
    ),
    (
        "report count not digits",
        "tcb/cloudbasereport",
        lambda c: c.sms.report(
            report_action="sendSmsTask", env_id=ENV, activity_id="a", task_id="t", phone_count="-3"
        ),
    ),
    ("push_tmpl not bool", "tcb/checkmobile", lambda c: c.cloud_users.check_mobile(push_tmpl=1)),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("why", "path", "call"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
async def test_bad_input_is_refused_before_sending(
    emulator: Emulator, client: wxtcb.Client, why: str, path: str, call: Call
) -> None:
    """Each limit of the pages (1 to 1000 numbers, +86, 30 characters, dates, required fields per
    kind) raises InvalidRequestError before any request; the message repeats no value."""
    with pytest.raises(wxtcb.InvalidRequestError) as info:
        await call(client)
    assert emulator.calls[path] == 0
    assert_no_secret([str(info.value), repr(info.value)], [NUMBER, PARAM, "13800138000"])


async def test_a_sent_sms_is_listed_in_the_records(emulator: Emulator, client: wxtcb.Client) -> None:
    """Both senders answer one status per number, and describesmsrecords lists what was sent,
    filtered by number; the records' numbers and texts are hidden from their repr."""
    statuses = await client.sms.send(ENV, [NUMBER, OTHER], content="新品上架", path="/index.html")
    assert [(s.phone_number, s.sent) for s in statuses] == [(NUMBER, True), (OTHER, True)]
    assert [s.phone_number for s in await _send_v2(client)] == [NUMBER]
    today = emulator_day(emulator)
    page = await client.sms.records(ENV, today, today, mobile=NUMBER)
    assert page.total_count == 2
    assert {r.mobile for r in page.records} == {NUMBER}
    assert all(isinstance(r, SmsRecord) and r.status == "sent" for r in page.records)
    assert_no_secret([repr(page), repr(statuses)], [NUMBER, OTHER, "新品上架", PARAM])
    every = await client.sms.records(ENV, today, today, page_number=2, page_size=2)
    assert (every.total_count, len(every.records)) == (3, 1)


def emulator_day(emulator: Emulator) -> str:
    """The emulator's day, as describesmsrecords takes it."""
    return time.strftime("%Y-%m-%d", time.localtime(emulator.now()))


async def test_records_wrapped_in_response_decode_too(emulator: Emulator, client: wxtcb.Client) -> None:
    """The cloud-call sample's shape ({"Response": {...}}) decodes like the bare HTTPS sample."""
    body = {
        "Response": {
            "SmsRecords": [
                {"Mobile": NUMBER, "Status": "error", "Fee": 0, "CreateTime": "2021-03-22 17:18:37"}
            ],
            "TotalCount": 1,
            "RequestId": "r-1",
        },
        "errMsg": "cloudbase.describeSmsRecords:ok",
    }
    emulator.fault("tcb/describesmsrecords", Fault.raw(json.dumps(body).encode()))
    page = await client.sms.records(ENV, "2021-03-01", "2021-03-23")
    assert page.records == [SmsRecord(mobile=NUMBER, status="error", create_time="2021-03-22 17:18:37")]
    assert (page.total_count, page.request_id) == (1, "r-1")


NEVER_RESENT: list[tuple[str, Call]] = [
    ("tcb/sendsms", _send),
    ("tcb/sendsmsv2", _send_v2),
    ("tcb/createsendsmstask", lambda c: c.sms.create_task(ENV, "extension://sms.csv")),
    (
        "tcb/cloudbasereport",
        lambda c: c.sms.report(
            report_action="openH5", env_id=ENV, activity_id="a", channel_id="c", session_id="s"
        ),
    ),
    ("tcb/createclouduser", lambda c: c.cloud_users.create()),
    ("tcb/checkmobile", lambda c: c.cloud_users.check_mobile(push_tmpl=True)),
]


@pytest.mark.parametrize(
    "fault", [Fault.error(-1), Fault.reset(), Fault.http(502)], ids=["busy", "reset", "502"]
)
@pytest.mark.parametrize(("path", "call"), NEVER_RESENT, ids=[n[0] for n in NEVER_RESENT])
async def test_effects_are_never_resent(
    emulator: Emulator, client: wxtcb.Client, path: str, call: Call, fault: Fault
) -> None:
    """Sending SMS, starting a task, reporting, opening CloudBase and asking the administrator
    for a phone number: a transient failure raises after one request, never a second."""
    emulator.fault(path, fault, times=5)
    with pytest.raises(wxtcb.WxTcbError):
        await call(client)
    assert emulator.calls[path] == 1


RESENT: list[tuple[str, Call]] = [
    ("tcb/describesmsrecords", lambda c: c.sms.records(ENV, "2021-03-01", "2021-03-23")),
    (
        "tcb/getstatistics",
        lambda c: c.sms.statistics(
            action=StatisticsAction.CONVERSION,
            begin_date=1614182400,
            end_date=1614268800,
            page_offset=0,
            page_limit=1000,
            condition=StatisticsCondition(channel_id="_cms_sms_"),
        ),
    ),
    ("tcb/checkmobile", lambda c: c.cloud_users.check_mobile()),
]


@pytest.mark.parametrize(("path", "call"), RESENT, ids=[n[0] for n in RESENT])
async def test_reads_are_resent(emulator: Emulator, client: wxtcb.Client, path: str, call: Call) -> None:
    """Listing records, reading statistics and checking the phone number without a push are
    resent after a transient failure, and then succeed."""
    emulator.fault(path, Fault.error(-1))
    await call(client)
    assert emulator.calls[path] == 2


async def test_no_statistics_raises_errcode_10011(emulator: Emulator, client: wxtcb.Client) -> None:
    """ "No data" is errcode 10011: an APIError carrying it, not retried; with data, the table
    reads as dicts of strings keyed by column id."""
    statistics = await client.sms.statistics(
        action=StatisticsAction.REAL_TIME,
        begin_date=1614182400,
        end_date=1614268800,
        condition=StatisticsCondition(channel_id="_cms_sms_", act_type="h5"),
    )
    assert statistics.as_dicts()[0]["sms_send_uercnt"] == "10000"
    emulator.state(SmsState).statistics = None
    emulator.calls.clear()
    with pytest.raises(wxtcb.APIError) as info:
        await client.sms.statistics(
            action=StatisticsAction.REAL_TIME,
            begin_date=1614182400,
            end_date=1614268800,
            condition=StatisticsCondition(channel_id="_cms_sms_", act_type="wxapp"),
        )
    assert info.value.errcode == 10011
    assert emulator.calls["tcb/getstatistics"] == 1


@pytest.mark.parametrize(("given", "sent"), [(True, "1"), (False, "0"), ("1", "1"), ("0", "0")])
def test_by_channel_id_is_sent_as_a_string(given: bool | str, sent: str) -> None:
    """by_channel_id travels as "0"/"1" (the page's type), whether a bool or the string is given."""
    method = GetStatistics(
        action=StatisticsAction.OVERVIEW,
        begin_date=0,
        end_date=1,
        page_offset=0,
        page_limit=1,
        condition=StatisticsCondition(by_channel_id=given),
    )
    body = build_request(method, "T", "access_token").body
    assert body is not None
    assert json.loads(body)["condition"]["by_channel_id"] == sent


@pytest.mark.parametrize("errcode", [-601049, -601048, -601026])
async def test_waiting_on_the_administrator_raises_its_errcode(
    emulator: Emulator, client: wxtcb.Client, errcode: int
) -> None:
    """createclouduser's "the administrator was asked" codes raise an APIError with the code and
    WeChat's words, after one request; once opened, the app is recorded."""
    state = emulator.state(SmsState)
    state.cloud_user_errcode = errcode
    with pytest.raises(wxtcb.APIError) as info:
        await client.cloud_users.create()
    assert info.value.errcode == errcode
    assert "管理员" in info.value.errmsg
    assert emulator.calls["tcb/createclouduser"] == 1
    state.cloud_user_errcode = None
    await client.cloud_users.create()
    assert DEMO_APPID in state.cloud_users


async def test_check_mobile_asks_the_administrator_only_when_told(
    emulator: Emulator, client: wxtcb.Client
) -> None:
    """check_mobile answers has_mobile; only push_tmpl=True asks the administrator for a number."""
    state = emulator.state(SmsState)
    state.has_mobile = False
    assert await client.cloud_users.check_mobile() is False
    assert state.mobile_requests == 0
    assert await client.cloud_users.check_mobile(push_tmpl=True) is False
    assert state.mobile_requests == 1
    assert CheckMobile(push_tmpl=True).__idempotent__ is False
    assert CheckMobile().__idempotent__ is True


LEAKS: list[tuple[str, Call, list[str]]] = [
    ("tcb/sendsms", _send, [NUMBER]),
    (
        "tcb/sendsms",
        lambda c: c.sms.send(
            ENV, [NUMBER], sms_type="Notification", template_id="1", template_param_list=[PARAM]
        ),
        [NUMBER, PARAM],
    ),
    ("tcb/sendsmsv2", _send_v2, [NUMBER, PARAM]),
    (
        "tcb/describesmsrecords",
        lambda c: c.sms.records(ENV, "2021-03-01", "2021-03-23", mobile=NUMBER),
        [NUMBER],
    ),
]


@pytest.mark.parametrize(("path", "call", "carried"), LEAKS, ids=[f"{n[0]}-{i}" for i, n in enumerate(LEAKS)])
async def test_personal_data_never_leaks(
    emulator: Emulator, wxtcb_logs: pytest.LogCaptureFixture, path: str, call: Call, carried: list[str]
) -> None:
    """WeChat echoing the request's number and template parameter in errmsg leaves neither in
    str(exc), repr(exc), the request summary, the logs or the events; nor are they in the
    method objects' reprs, or the results' reprs and log records of a successful call."""
    events: list[wxtcb.events.Event] = []
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
    async with wxtcb.Client(
        provider, base_url=emulator.url, retry=INSTANT_RETRY, timeout=2.0, on_event=events.append
    ) as client:
        result = await call(client)
        echo = " ".join(carried)
        emulator.fault(path, Fault.error(-501007, f"参数有误: {echo} is invalid"))
        with pytest.raises(wxtcb.APIError) as info:
            await call(client)
    assert info.value.errcode == -501007
    assert "***" in info.value.errmsg
    texts = [str(info.value), repr(info.value), str(info.value.request), repr(result)]
    texts += log_texts(wxtcb_logs) + [repr(e) for e in events]
    texts += [
        repr(m)
        for m in (
            SendSms(ENV, [NUMBER], sms_type="Notification", template_id="1", template_param_list=[PARAM]),
            SendSmsV2(ENV, LINK, "844110", [PARAM], [NUMBER]),
            DescribeSmsRecords(ENV, "2021-03-01", "2021-03-23", mobile=NUMBER),
            SendStatus("s", NUMBER, "Ok"),
        )
    ]
    assert_no_secret(texts, [NUMBER, PARAM])


def test_request_secrets_cover_lists_and_nested_models() -> None:
    """The one place that lists what to mask takes every string of a hidden list field and the
    hidden fields of a model inside the method (the core's mark of personal data, for all
    endpoints), and nothing of the visible fields."""
    send = build_request(
        SendSmsV2(ENV, LINK, "844110", [PARAM], [NUMBER, OTHER]), "T0KEN-123", "access_token"
    )
    assert set(send.secrets) == {"T0KEN-123", PARAM, NUMBER, OTHER}
    records = build_request(DescribeSmsRecords(ENV, "2021-03-01", "2021-03-23", mobile=NUMBER), None, None)
    assert records.secrets == [NUMBER]


async def test_docs_example(
    emulator: Emulator, client: wxtcb.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """docs/sms.md's example: 1001 numbers go out in two calls, the serials come back, today's
    records count them; a refused limit and a lost batch are logged, never with a number."""
    example = load_module(DOCS / "examples" / "sms_example.py")
    numbers = [f"+86138{i:08d}" for i in range(1001)]
    serials = await example.announce(client, ENV, LINK, "新品上架", numbers)
    assert len(serials) == 1001
    assert emulator.calls["tcb/sendsmsv2"] == 2
    if emulator_day(emulator) == datetime.date.today().isoformat():  # not across midnight
        assert await example.delivered_today(client, ENV) == 1001
    assert await example.announce(client, ENV, LINK, "字" * 31, numbers[:1]) == []
    emulator.fault("tcb/sendsmsv2", Fault.error(-1))
    assert await example.announce(client, ENV, LINK, "新品上架", numbers[:1]) == []
    partial = {
        "errcode": 0,
        "send_status_list": [
            {"serial_no": "s1", "phone_number": numbers[0], "code": "Ok", "message": "send success"},
            {"serial_no": "s2", "phone_number": numbers[1], "code": "LimitExceeded", "message": "limit"},
        ],
    }
    emulator.fault("tcb/sendsmsv2", Fault.raw(json.dumps(partial).encode()))
    assert await example.announce(client, ENV, LINK, "新品上架", numbers[:2]) == ["s1"]
    messages = [r.getMessage() for r in caplog.records]
    assert any("not sent" in m for m in messages)
    assert any("not confirmed" in m for m in messages)
    assert any("1 of 2 numbers failed: ['LimitExceeded']" in m for m in messages)
    assert_no_secret(messages, numbers[:2])
