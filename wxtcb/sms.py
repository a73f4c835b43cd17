"""CloudBase SMS (云开发短信): send marketing and notification SMS, bulk tasks, records, statistics.

On every client as ``client.sms``::

    statuses = await client.sms.send_v2(env, url_link, "844110", ["能力上新"], ["+8612345678910"])

What WeChat's pages say, and what wxtcb does with it:

- ``tcb/sendsms``, ``tcb/sendsmsv2``, ``tcb/createsendsmstask`` send SMS (and bill the
  environment's SMS package): they are never resent after a transient failure. The answer of the
  two senders lists one `SendStatus` per number: a number may fail (its ``code`` is not ``"Ok"``)
  inside an answer with errcode 0, so look at each (`SendStatus.sent`).
- Limits checked before anything is sent (the pages'): 1 to 1000 numbers per call, each a
  mainland number written ``+86`` and its digits; a marketing SMS's own text (``content``, and
  the one parameter of the unified marketing templates 844110 / 2053122) at most 30 characters.
- ``sms_type`` is sent as the string ``"Marketing"`` or ``"Notification"``: the newer page types
  it "number" but lists only those two strings, and the older page types it string.
- The newer pages mark every body field required; their descriptions (and the older pages) make
  ``content``/``path`` required only for marketing SMS, ``template_id``/``template_param_list``
  only for notification SMS, and ``use_short_name``/``resource_appid`` optional. wxtcb follows
  the descriptions and leaves unset optional fields out of the body.
- The marketing template id differs between the pages (844110 on the newer, 2053122 on the older
  ones, and the newer page's notes still say 2053122): you pass it; wxtcb has no default.
- ``tcb/describesmsrecords`` takes PascalCase keys wrapped in ``"PostData"`` (every official
  sample does so, the table lists them unwrapped); its answer is read bare (the HTTPS sample) or
  wrapped in ``"Response"`` (the cloud-call sample). Records of the last two months only.
- ``tcb/getstatistics``: ``condition.by_channel_id`` is the *string* ``"0"``/``"1"`` (True and
  False are accepted and sent as such). "No data" is errcode 10011: it raises `wxtcb.APIError`
  with ``errcode == 10011`` (not an empty result: an empty answer would look the same as a wrong
  activity id, and the core checks errcodes before any endpoint sees the answer).
- ``tcb/cloudbasereport`` records a report event (an SMS task sent, an H5 page opened): never
  resent, it would count twice. ``phone_count`` is a string on the wire; an int is accepted.

Phone numbers, template parameters, the ``Mobile`` filter and the text of a record are personal
data: they are hidden from every repr, masked in any errmsg that echoes them (values of 6
characters or more), and never put in an error's text, a log record or an event.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Iterable
from typing import Any, ClassVar

import attrs

from wxtcb.converter import structure
from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, endpoint
from wxtcb.validators import env_id, non_empty
from wxtcb.wire import wire

__all__ = [
    "MARKETING_TEMPLATE_IDS",
    "MAX_CUSTOM_TEXT",
    "MAX_PHONE_NUMBERS",
    "CloudbaseReport",
    "CreateSendSmsTask",
    "DescribeSmsRecords",
    "GetStatistics",
    "ReportAction",
    "SendSms",
    "SendSmsV2",
    "SendStatus",
    "Sms",
    "SmsRecord",
    "SmsRecordQuery",
    "SmsRecords",
    "SmsType",
    "Statistics",
    "StatisticsAction",
    "StatisticsColumn",
    "StatisticsCondition",
    "StatisticsRow",
]

_OTHERS = "https://developers.weixin.qq.com/miniprogram/dev/server/API/cloudbase/others/"

#: The most numbers one ``sendsms`` / ``sendsmsv2`` call takes.
MAX_PHONE_NUMBERS = 1000
#: The longest text of your own in a marketing SMS (``content``; the unified template's ``{1}``).
MAX_CUSTOM_TEXT = 30
#: The unified marketing templates ("跳转小程序短信模板"): 844110 on the newer pages, 2053122 on
#: the older ones. Their one parameter is held to `MAX_CUSTOM_TEXT` characters.
MARKETING_TEMPLATE_IDS = frozenset({"844110", "2053122"})

_MAINLAND = re.compile(r"\+86[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- field checks (messages name the field, never a value: numbers and parameters are personal) --


def _phone_numbers(value: Iterable[str]) -> list[str]:
    if isinstance(value, str | bytes):
        raise InvalidRequestError("phone_number_list must be a list of phone numbers, not one string")
    numbers = list(value)
    if not 1 <= len(numbers) <= MAX_PHONE_NUMBERS:
        raise InvalidRequestError(f"phone_number_list must hold 1 to {MAX_PHONE_NUMBERS} numbers")
    for index, number in enumerate(numbers):
        if not isinstance(number, str) or not _MAINLAND.fullmatch(number):
            raise InvalidRequestError(
                f"phone_number_list[{index}] must be a mainland number written +86 and its digits"
            )
    return numbers


def _params(value: Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        raise InvalidRequestError("template_param_list must be a list of strings, not one string")
    params = list(value)
    for index, param in enumerate(params):
        if not isinstance(param, str):
            raise InvalidRequestError(f"template_param_list[{index}] must be a string")
    return params


def _required_params(value: Iterable[str]) -> list[str]:
    params = _params(value)
    if params is None:
        raise InvalidRequestError("template_param_list must be a list of strings")
    return params


def _custom_text(name: str, value: str) -> None:
    if len(value) > MAX_CUSTOM_TEXT:
        raise InvalidRequestError(f"{name} must be at most {MAX_CUSTOM_TEXT} characters")


def _optional_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        non_empty(_, attribute, value)


def _bool(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidRequestError(f"{attribute.name} must be True or False")


def _positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidRequestError(f"{attribute.name} must be a whole number from 1")


def _date(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    try:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise ValueError
        datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidRequestError(f"{attribute.name} must be a date written YYYY-MM-DD") from None


def _timestamp(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError(f"{attribute.name} must be a Unix timestamp in whole seconds")


def _offset(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidRequestError(f"{attribute.name} must be a whole number from 0")


def _sms_type(value: SmsType | str) -> SmsType:
    try:
        return SmsType(value)
    except ValueError:
        raise InvalidRequestError('sms_type must be an SmsType ("Marketing" or "Notification")') from None


def _statistics_action(value: StatisticsAction | str) -> StatisticsAction:
    try:
        return StatisticsAction(value)
    except ValueError:
        raise InvalidRequestError("action must be a StatisticsAction") from None


def _report_action(value: ReportAction | str) -> ReportAction:
    try:
        return ReportAction(value)
    except ValueError:
        raise InvalidRequestError(
            'report_action must be a ReportAction ("sendSmsTask" or "openH5")'
        ) from None


# --- answers ------------------------------------------------------------------------------------


@attrs.frozen
class SendStatus:
    """What happened to one number of a ``sendsms`` / ``sendsmsv2`` call.

    Attributes:
        serial_no: ``serial_no``, WeChat's serial number of the message.
        phone_number: ``phone_number``, the number (personal data: not in the repr).
        code: ``code``, the per-number result: ``"Ok"`` when the SMS was accepted.
        message: ``message``, WeChat's words on it, e.g. ``"send success"``.
        iso_code: ``iso_code``, the country or region code (``""`` in the samples).
    """

    serial_no: str = ""
    phone_number: str = attrs.field(default="", repr=False)
    code: str = ""
    message: str = ""
    iso_code: str = ""

    @property
    def sent(self) -> bool:
        """Whether WeChat accepted the SMS for this number (``code`` is ``"Ok"``, in any case)."""
        return self.code.lower() == "ok"


@attrs.frozen
class SmsRecord:
    """One SMS, as ``tcb/describesmsrecords`` lists it.

    Attributes:
        mobile: ``Mobile``, the number (personal data: not in the repr).
        content: ``Content``, the text as sent (not in the repr either).
        content_size: ``ContentSize``, its length in characters.
        fee: ``Fee``, how many billed SMS it took.
        create_time: ``CreateTime``, when it was sent (``"2021-03-22 17:18:37"``, as WeChat writes it).
        received_time: ``ReceivedTime``, when it was received.
        status: ``Status``: ``"sent"`` (received) or ``"error"`` (failed).
        remarks: ``Remarks``, WeChat's words on the outcome.
    """

    mobile: str = attrs.field(default="", repr=False, metadata=wire("Mobile"))
    content: str = attrs.field(default="", repr=False, metadata=wire("Content"))
    content_size: int = attrs.field(default=0, metadata=wire("ContentSize"))
    fee: int = attrs.field(default=0, metadata=wire("Fee"))
    create_time: str = attrs.field(default="", metadata=wire("CreateTime"))
    received_time: str = attrs.field(default="", metadata=wire("ReceivedTime"))
    status: str = attrs.field(default="", metadata=wire("Status"))
    remarks: str = attrs.field(default="", metadata=wire("Remarks"))


@attrs.frozen
class SmsRecords:
    """A page of SMS records.

    Attributes:
        records: ``SmsRecords``, the records of this page.
        total_count: ``TotalCount``, how many match in all.
        request_id: ``RequestId``, the request's id at Tencent Cloud (quote it to support).
    """

    records: list[SmsRecord] = attrs.field(factory=list, metadata=wire("SmsRecords"))
    total_count: int = attrs.field(default=0, metadata=wire("TotalCount"))
    request_id: str = attrs.field(default="", metadata=wire("RequestId"))


@attrs.frozen
class StatisticsColumn:
    """One column of a statistics answer.

    Attributes:
        col_id: ``col_id``, e.g. ``"sms_send_uercnt"`` (WeChat's spelling).
        col_name: ``col_name``, its (Chinese) title.
        col_data_type: ``col_data_type``: ``"0"`` text, ``"1"`` a whole number, ``"2"`` a decimal.
    """

    col_id: str
    col_name: str = ""
    col_data_type: str = "0"


@attrs.frozen
class StatisticsRow:
    """One row of a statistics answer.

    Attributes:
        values: ``data_value``, one string per column, in the columns' order.
    """

    values: list[str] = attrs.field(factory=list, metadata=wire("data_value"))


@attrs.frozen
class Statistics:
    """What ``tcb/getstatistics`` answers: a table whose cells are all strings.

    Attributes:
        columns: ``data_column``, the columns.
        rows: ``data_value``, the rows.
        total_num: ``total_num``, how many rows there are in all.
    """

    columns: list[StatisticsColumn] = attrs.field(factory=list, metadata=wire("data_column"))
    rows: list[StatisticsRow] = attrs.field(factory=list, metadata=wire("data_value"))
    total_num: int = 0

    def as_dicts(self) -> list[dict[str, str]]:
        """Each row as ``{col_id: cell}`` (the cells stay strings, as WeChat sends them)."""
        ids = [c.col_id for c in self.columns]
        return [dict(zip(ids, row.values, strict=False)) for row in self.rows]


# --- sending ------------------------------------------------------------------------------------


class SmsType(enum.Enum):
    """The kind of SMS `SendSms` sends (sent as the string)."""

    #: 营销类: your ``content`` and a static-website ``path``.
    MARKETING = "Marketing"
    #: 通知类: a template and its parameters.
    NOTIFICATION = "Notification"


@attrs.frozen
class SendSms(Method[list[SendStatus]]):
    """Send an SMS to up to 1000 mainland numbers; one `SendStatus` per number. Never resent.

    A marketing SMS (the default) needs *content* (at most 30 characters) and *path*; a
    notification SMS needs *template_id* and *template_param_list*. The fields the other kind
    needs are left out of the body.

    Attributes:
        env: ``env``, the CloudBase environment (the third party's own when *resource_appid* is set).
        phone_number_list: ``phone_number_list``, 1 to 1000 numbers, each ``+86`` and its digits
            (personal data: not in the repr).
        sms_type: ``sms_type``, an `SmsType`, sent as ``"Marketing"`` or ``"Notification"``.
        content: ``content``, a marketing SMS's own text, at most 30 characters.
        path: ``path``, a marketing SMS's static-website page, without the domain (``/index.html``).
        template_id: ``template_id``, a notification SMS's template.
        template_param_list: ``template_param_list``, its parameters (personal data: not in the repr).
        use_short_name: ``use_short_name``, sign with the mini program's short name; sent only when True.
        resource_appid: ``resource_appid``, the appid that owns *env* (third-party platforms); sent
            only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/sendsms",
        idempotent=False,
        result_key="send_status_list",
        doc=_OTHERS + "api_sendcloudbasesms",
    )

    env: str = attrs.field(validator=env_id)
    phone_number_list: list[str] = attrs.field(converter=_phone_numbers, repr=False)
    sms_type: SmsType = attrs.field(kw_only=True, default=SmsType.MARKETING, converter=_sms_type)
    content: str | None = attrs.field(kw_only=True, default=None, metadata=wire(omit_if_default=True))
    path: str | None = attrs.field(
        kw_only=True, default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )
    template_id: str | None = attrs.field(
        kw_only=True, default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )
    template_param_list: list[str] | None = attrs.field(
        kw_only=True, default=None, converter=_params, repr=False, metadata=wire(omit_if_default=True)
    )
    use_short_name: bool = attrs.field(
        kw_only=True, default=False, validator=_bool, metadata=wire(omit_if_default=True)
    )
    resource_appid: str | None = attrs.field(
        kw_only=True, default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )

    def __attrs_post_init__(self) -> None:
        if self.sms_type is SmsType.MARKETING:
            if not isinstance(self.content, str) or not self.content.strip() or self.path is None:
                raise InvalidRequestError("a marketing SMS needs content and path")
            _custom_text("content", self.content)
            if self.template_id is not None or self.template_param_list is not None:
                raise InvalidRequestError("template_id and template_param_list are for notification SMS")
        else:
            if self.template_id is None or self.template_param_list is None:
                raise InvalidRequestError("a notification SMS needs template_id and template_param_list")
            if self.content is not None or self.path is not None:
                raise InvalidRequestError("content and path are for marketing SMS")


@attrs.frozen
class SendSmsV2(Method[list[SendStatus]]):
    """Send an SMS that opens the mini program through a URL Link; one `SendStatus` per number.
    Never resent.

    Attributes:
        env: ``env``, the CloudBase environment.
        url_link: ``url_link``, the URL Link the SMS carries (``https://wxaurl.cn/…``).
        template_id: ``template_id``, e.g. the unified marketing template (844110 on the newer page,
            2053122 on the older ones).
        template_param_list: ``template_param_list``, the template's parameters (personal data: not in
            the repr); for a unified marketing template each is at most 30 characters.
        phone_number_list: ``phone_number_list``, 1 to 1000 numbers, each ``+86`` and its digits
            (personal data: not in the repr).
        use_short_name: ``use_short_name``, sign with the mini program's short name; sent only when True.
        resource_appid: ``resource_appid``, the appid that owns *env*; sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/sendsmsv2",
        idempotent=False,
        result_key="send_status_list",
        doc=_OTHERS + "api_newsendcloudbasesms",
    )

    env: str = attrs.field(validator=env_id)
    url_link: str = attrs.field(validator=non_empty)
    template_id: str = attrs.field(validator=non_empty)
    template_param_list: list[str] = attrs.field(converter=_required_params, repr=False)
    phone_number_list: list[str] = attrs.field(converter=_phone_numbers, repr=False)
    use_short_name: bool = attrs.field(
        kw_only=True, default=False, validator=_bool, metadata=wire(omit_if_default=True)
    )
    resource_appid: str | None = attrs.field(
        kw_only=True, default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )

    def __attrs_post_init__(self) -> None:
        if self.template_id in MARKETING_TEMPLATE_IDS:
            for index, param in enumerate(self.template_param_list):
                _custom_text(f"template_param_list[{index}]", param)


@attrs.frozen
class CreateSendSmsTask(Method[str]):
    """Start a bulk-SMS task from a CSV file already uploaded (``CodeUri`` of
    ``tcb/describeextensionuploadinfo`` with FileType ``SMS``); returns its ``query_id``, to
    follow it with `DescribeSmsRecords`. Never resent.

    Attributes:
        env: ``env``, the CloudBase environment.
        file_url: ``file_url``, the CSV file's ``CodeUri`` (``extension://…``).
        template_id: ``template_id``; left out when None (WeChat's default: the unified marketing
            template).
        use_short_name: ``use_short_name``, sign with the short name (for names over 12 characters);
            sent only when True.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/createsendsmstask",
        idempotent=False,
        result_key="query_id",
        doc=_OTHERS + "api_createsendsmstask",
    )

    env: str = attrs.field(validator=env_id)
    file_url: str = attrs.field(validator=non_empty)
    template_id: str | None = attrs.field(
        kw_only=True, default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )
    use_short_name: bool = attrs.field(
        kw_only=True, default=False, validator=_bool, metadata=wire(omit_if_default=True)
    )


# --- records ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SmsRecordQuery:
    """The ``PostData`` of `DescribeSmsRecords` (PascalCase keys; unset filters are left out).

    Attributes:
        env_id: ``EnvId``, the CloudBase environment.
        start_date: ``StartDate``, the first day, ``YYYY-MM-DD``.
        end_date: ``EndDate``, the last day, ``YYYY-MM-DD`` (not before *start_date*).
        mobile: ``Mobile``, only this number (personal data: not in the repr).
        query_id: ``QueryId``, only this task's SMS (`CreateSendSmsTask`'s answer).
        page_number: ``PageNumber``, the page, from 1.
        page_size: ``PageSize``, records per page (the sample asks for 20).
    """

    env_id: str = attrs.field(validator=env_id, metadata=wire("EnvId"))
    start_date: str = attrs.field(validator=_date, metadata=wire("StartDate"))
    end_date: str = attrs.field(validator=_date, metadata=wire("EndDate"))
    mobile: str | None = attrs.field(
        kw_only=True,
        default=None,
        repr=False,
        validator=_optional_text,
        metadata=wire("Mobile", omit_if_default=True),
    )
    query_id: str | None = attrs.field(
        kw_only=True, default=None, validator=_optional_text, metadata=wire("QueryId", omit_if_default=True)
    )
    page_number: int | None = attrs.field(
        kw_only=True, default=None, validator=_positive, metadata=wire("PageNumber", omit_if_default=True)
    )
    page_size: int | None = attrs.field(
        kw_only=True, default=None, validator=_positive, metadata=wire("PageSize", omit_if_default=True)
    )

    def __attrs_post_init__(self) -> None:
        if self.end_date < self.start_date:
            raise InvalidRequestError("end_date must not be before start_date")


def _unwrap_records(value: object) -> SmsRecords:
    # The HTTPS sample answers the object bare; the cloud-call sample wraps it in "Response".
    if isinstance(value, dict) and isinstance(value.get("Response"), dict):
        value = value["Response"]
    return structure(value, SmsRecords, root="$")


@attrs.frozen(init=False)
class DescribeSmsRecords(Method[SmsRecords]):
    """List the SMS of the last two months, filtered by number or task, a page at a time.

    Built from its filters (``DescribeSmsRecords(env_id, start_date, end_date, mobile=…,
    query_id=…, page_number=…, page_size=…)``), which travel in ``"PostData"``.

    Attributes:
        post_data: ``PostData``, the `SmsRecordQuery` built from the arguments.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/describesmsrecords", doc=_OTHERS + "api_describesmsrecords"
    )

    post_data: SmsRecordQuery = attrs.field(metadata=wire("PostData"))

    def __init__(
        self,
        env_id: str,
        start_date: str,
        end_date: str,
        *,
        mobile: str | None = None,
        query_id: str | None = None,
        page_number: int | None = None,
        page_size: int | None = None,
    ) -> None:
        self.__attrs_init__(
            SmsRecordQuery(
                env_id=env_id,
                start_date=start_date,
                end_date=end_date,
                mobile=mobile,
                query_id=query_id,
                page_number=page_number,
                page_size=page_size,
            )
        )

    __decode__ = staticmethod(_unwrap_records)


# --- statistics and reports ---------------------------------------------------------------------


class StatisticsAction(enum.Enum):
    """Which SMS-marketing figures `GetStatistics` reads."""

    #: 概览: needs ``page_offset``, ``page_limit`` and ``condition.by_channel_id``.
    OVERVIEW = "smsMarketingOverviewData"
    #: 转化: needs ``page_offset``, ``page_limit`` and ``condition.channel_id``.
    CONVERSION = "smsMarketingConversionData"
    #: 实时: needs ``condition.channel_id`` and ``condition.act_type``.
    REAL_TIME = "smsMarketingRealTimeData"


def _flag(value: bool | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    raise InvalidRequestError('by_channel_id must be "0", "1", True or False')


def _flag_value(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value not in (None, "0", "1"):
        raise InvalidRequestError('by_channel_id must be "0", "1", True or False')


def _act_type(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value not in (None, "h5", "wxapp"):
        raise InvalidRequestError('act_type must be "h5" or "wxapp"')


@attrs.frozen(kw_only=True)
class StatisticsCondition:
    """The ``condition`` of `GetStatistics`; unset fields are left out.

    Attributes:
        env_id: ``env_id``, the CloudBase environment.
        activity_id: ``activity_id``, the marketing activity.
        by_channel_id: ``by_channel_id``, the string ``"1"`` for figures per channel, ``"0"`` for the
            overview (True and False are taken and sent as ``"1"`` and ``"0"``).
        channel_id: ``channel_id``, the channel (CloudBase CMS uses ``"_cms_sms_"``).
        act_type: ``act_type``: ``"h5"`` (opened the H5 page) or ``"wxapp"`` (opened the mini program).
    """

    env_id: str | None = attrs.field(
        default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )
    activity_id: str | None = attrs.field(
        default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )
    by_channel_id: str | None = attrs.field(
        default=None, converter=_flag, validator=_flag_value, metadata=wire(omit_if_default=True)
    )
    channel_id: str | None = attrs.field(
        default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )
    act_type: str | None = attrs.field(default=None, validator=_act_type, metadata=wire(omit_if_default=True))


@attrs.frozen(kw_only=True)
class GetStatistics(Method[Statistics]):
    """Read SMS-marketing figures between two Unix timestamps.

    No data for the query answers errcode 10011 ("没有数据"), raised as `wxtcb.APIError`.

    Attributes:
        action: ``action``, a `StatisticsAction`.
        begin_date: ``begin_date``, the start, Unix seconds.
        end_date: ``end_date``, the end, Unix seconds (not before *begin_date*).
        page_offset: ``page_offset``, from 0; needed by the overview and conversion actions.
        page_limit: ``page_limit``, rows per page; needed by the overview and conversion actions.
        condition: ``condition``, a `StatisticsCondition`.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/getstatistics", doc=_OTHERS + "api_getcloudbasestatistics"
    )

    action: StatisticsAction = attrs.field(converter=_statistics_action)
    begin_date: int = attrs.field(validator=_timestamp)
    end_date: int = attrs.field(validator=_timestamp)
    page_offset: int | None = attrs.field(
        default=None, validator=_offset, metadata=wire(omit_if_default=True)
    )
    page_limit: int | None = attrs.field(
        default=None, validator=_positive, metadata=wire(omit_if_default=True)
    )
    condition: StatisticsCondition = attrs.field(factory=StatisticsCondition)

    def __attrs_post_init__(self) -> None:
        if self.end_date < self.begin_date:
            raise InvalidRequestError("end_date must not be before begin_date")
        if not isinstance(self.condition, StatisticsCondition):
            raise InvalidRequestError("condition must be a StatisticsCondition")
        condition = self.condition
        if self.action is not StatisticsAction.REAL_TIME and (
            self.page_offset is None or self.page_limit is None
        ):
            raise InvalidRequestError(f"{self.action.value} needs page_offset and page_limit")
        if self.action is StatisticsAction.OVERVIEW and condition.by_channel_id is None:
            raise InvalidRequestError("smsMarketingOverviewData needs condition.by_channel_id")
        if self.action is not StatisticsAction.OVERVIEW and condition.channel_id is None:
            raise InvalidRequestError(f"{self.action.value} needs condition.channel_id")
        if self.action is StatisticsAction.REAL_TIME and condition.act_type is None:
            raise InvalidRequestError("smsMarketingRealTimeData needs condition.act_type")


class ReportAction(enum.Enum):
    """What `CloudbaseReport` reports."""

    #: 发送短信: an SMS task was sent (needs ``task_id`` and ``phone_count``).
    SEND_SMS_TASK = "sendSmsTask"
    #: H5 打开: an H5 page was opened (needs ``channel_id`` and ``session_id``).
    OPEN_H5 = "openH5"


def _count(value: int | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidRequestError("phone_count must be a whole number (or its digits)")
    text = str(value)
    if not text.isdigit() or not text.isascii():
        raise InvalidRequestError("phone_count must be a whole number (or its digits)")
    return text


@attrs.frozen(kw_only=True)
class CloudbaseReport(Method[None]):
    """Report an SMS-marketing event (a task sent, an H5 page opened). Never resent: it would
    count twice.

    Attributes:
        report_action: ``report_action``, a `ReportAction`.
        env_id: ``env_id``, the CloudBase environment.
        activity_id: ``activity_id``, the marketing activity.
        task_id: ``task_id``, the SMS task (needed for ``sendSmsTask``).
        phone_count: ``phone_count``, how many numbers the task sent to (needed for ``sendSmsTask``);
            sent as a string, as the page types it (an int is taken).
        channel_id: ``channel_id``, the channel (needed for ``openH5``).
        session_id: ``session_id``, the H5 session (needed for ``openH5``).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/cloudbasereport",
        idempotent=False,
        doc=_OTHERS + "api_cloudbasereportapi.html",
    )

    report_action: ReportAction = attrs.field(converter=_report_action)
    env_id: str = attrs.field(validator=env_id)
    activity_id: str = attrs.field(validator=non_empty)
    task_id: str | None = attrs.field(
        default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )
    phone_count: str | None = attrs.field(default=None, converter=_count, metadata=wire(omit_if_default=True))
    channel_id: str | None = attrs.field(
        default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )
    session_id: str | None = attrs.field(
        default=None, validator=_optional_text, metadata=wire(omit_if_default=True)
    )

    def __attrs_post_init__(self) -> None:
        if self.report_action is ReportAction.SEND_SMS_TASK:
            if self.task_id is None or self.phone_count is None:
                raise InvalidRequestError("sendSmsTask needs task_id and phone_count")
        elif self.channel_id is None or self.session_id is None:
            raise InvalidRequestError("openH5 needs channel_id and session_id")


class Sms(Namespace):
    """``client.sms``: CloudBase SMS, its records, statistics and reports."""

    __slots__ = ()

    send = endpoint(SendSms)
    send_v2 = endpoint(SendSmsV2)
    create_task = endpoint(CreateSendSmsTask)
    records = endpoint(DescribeSmsRecords)
    statistics = endpoint(GetStatistics)
    report = endpoint(CloudbaseReport)
