"""Send a marketing SMS through a URL Link, see which numbers failed, and read the records back."""

from __future__ import annotations

import datetime
import logging

import wxtcb

log = logging.getLogger(__name__)

#: The unified "open the mini program" marketing template (844110 on WeChat's newer page).
TEMPLATE = "844110"


async def announce(client: wxtcb.Client, env: str, link: str, text: str, numbers: list[str]) -> list[str]:
    """Send *text* (at most 30 characters) to *numbers*; returns the serial numbers of the SMS
    WeChat accepted. Numbers are personal data: this logs counts, never a number."""
    sent = []
    for start in range(0, len(numbers), 1000):  # at most 1000 numbers a call
        try:
            statuses = await client.sms.send_v2(env, link, TEMPLATE, [text], numbers[start : start + 1000])
        except wxtcb.InvalidRequestError as exc:  # a limit of the page, nothing was sent
            log.warning("not sent: %s", exc)
            return sent
        except wxtcb.WxTcbError as exc:
            # Never resent by wxtcb: after a timeout the SMS may have gone out; don't send again blindly.
            log.warning("SMS batch not confirmed: %s", exc)
            continue
        failed = [s for s in statuses if not s.sent]  # errcode 0 can still hold failed numbers
        if failed:
            log.warning(
                "%d of %d numbers failed: %s", len(failed), len(statuses), sorted({s.code for s in failed})
            )
        sent += [s.serial_no for s in statuses if s.sent]
    return sent


async def delivered_today(client: wxtcb.Client, env: str) -> int:
    """How many of today's SMS reached their phone (status "sent"), reading every page."""
    today = datetime.date.today().isoformat()
    count, page = 0, 1
    while True:
        records = await client.sms.records(env, today, today, page_number=page, page_size=100)
        count += sum(1 for r in records.records if r.status == "sent")
        if page * 100 >= records.total_count:
            return count
        page += 1
