"""Each errcode's class, retry behaviour and token handling: one row of one table."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import wxtcb
from wxtcb.errors import ERRCODES, api_error, split_rid
from wxtcb.testing import DEMO_APPID, DEMO_SECRET, INSTANT_RETRY, Emulator, Fault

GET = "tcb/getcallbackconfig"
TOKEN = "cgi-bin/token"


@pytest.fixture
async def classic(emulator: Emulator) -> AsyncIterator[wxtcb.Client]:
    """A client on classic tokens: every fetch yields a new token, so a replay is visible."""
    provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=False)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as c:
        yield c


# errcode, class raised by a business call, business requests made, token fetches made
# (retried codes exhaust the policy's 5 attempts; refreshed codes replay once with a new token).
BUSINESS = [
    (-1, wxtcb.BusyError, 5, 1),
    (-1000, wxtcb.BusyError, 5, 1),
    (40014, None, 2, 2),
    (42001, None, 2, 2),
    (40001, None, 2, 2),
    (41001, wxtcb.TokenRejectedError, 1, 1),
    (45009, wxtcb.QuotaError, 1, 1),
    (45011, wxtcb.QuotaError, 1, 1),
    (40164, wxtcb.IPNotAllowedError, 1, 1),
    (61004, wxtcb.IPNotAllowedError, 1, 1),
    (61023, wxtcb.RefreshTokenInvalidError, 1, 1),
    (61005, wxtcb.TicketInvalidError, 1, 1),
    (61006, wxtcb.TicketInvalidError, 1, 1),
    (40013, wxtcb.BadCredentialsError, 1, 1),
    (40125, wxtcb.BadCredentialsError, 1, 1),
    (40002, wxtcb.BadCredentialsError, 1, 1),
    (40243, wxtcb.BadCredentialsError, 1, 1),
    (40101, wxtcb.APIError, 1, 1),
    (85088, wxtcb.APIError, 1, 1),
    # CloudBase codes (wechat-api.md §4.1): the four transient ones are retried, the rest fail at once.
    (-501001, wxtcb.CloudBaseBusyError, 5, 1),
    (-501002, wxtcb.CloudBaseBusyError, 5, 1),
    (-502011, wxtcb.CloudBaseBusyError, 5, 1),
    (-601001, wxtcb.CloudBaseBusyError, 5, 1),
    *[
        (code, wxtcb.CloudBaseError, 1, 1)
        for code in (
            *(-501003, -501004, -501005, -501007, -501009, -501015, -501016),
            *(-502001, -502002, -502003, -502005, -503001, -503002, -503003),
        )
    ],
    (-504001, wxtcb.FunctionError, 1, 1),
    (-504002, wxtcb.FunctionError, 1, 1),
]


@pytest.mark.parametrize(("errcode", "raised", "requests", "fetches"), BUSINESS)
async def test_business_call_errcode(
    emulator: Emulator,
    classic: wxtcb.Client,
    errcode: int,
    raised: type[wxtcb.APIError] | None,
    requests: int,
    fetches: int,
) -> None:
    """A business call meeting *errcode* on every attempt raises its class after the right number of tries."""
    emulator.fault(GET, Fault.error(errcode), times=10)
    if raised is None:
        # Refresh-and-replay: one replay with a fresh token, then the second rejection raises.
        with pytest.raises(wxtcb.TokenRejectedError) as info:
            await classic.get_callback_config()
    else:
        with pytest.raises(raised) as info:
            await classic.get_callback_config()
        assert type(info.value) is raised
    assert info.value.errcode == errcode
    assert info.value.rid is not None, "the request id is kept"
    assert emulator.calls[GET] == requests
    assert emulator.calls[TOKEN] == fetches


# errcode on the token endpoint, class raised, token fetches made
TOKEN_ENDPOINT = [
    (40001, wxtcb.BadCredentialsError, 1),
    (40013, wxtcb.BadCredentialsError, 1),
    (40125, wxtcb.BadCredentialsError, 1),
    (40164, wxtcb.IPNotAllowedError, 1),
    (45009, wxtcb.QuotaError, 1),
    (-1, wxtcb.BusyError, 5),
]


@pytest.mark.parametrize(("errcode", "raised", "fetches"), TOKEN_ENDPOINT)
async def test_token_endpoint_errcode(
    emulator: Emulator,
    classic: wxtcb.Client,
    errcode: int,
    raised: type[wxtcb.APIError],
    fetches: int,
) -> None:
    """On the token endpoint 40001 means a wrong secret: it fails at once, like every credential code."""
    emulator.fault(TOKEN, Fault.error(errcode), times=10)
    with pytest.raises(raised) as info:
        await classic.get_callback_config()
    assert type(info.value) is raised
    assert emulator.calls[TOKEN] == fetches
    assert emulator.calls[GET] == 0


def test_every_table_row_is_tested() -> None:
    """The table and the tests above cannot drift apart."""
    tested = {row[0] for row in BUSINESS}
    assert set(ERRCODES) <= tested


@pytest.mark.parametrize(
    ("errmsg", "text", "rid"),
    [
        (
            "invalid credential, access_token is invalid or not latest rid: 5f8d2c1e-3b2a1f0e-4c5d6e7f",
            "invalid credential, access_token is invalid or not latest",
            "5f8d2c1e-3b2a1f0e-4c5d6e7f",
        ),
        ("system error hint: [Ab12Cd34]", "system error", "Ab12Cd34"),
        ("ok", "ok", None),
        ("", "", None),
    ],
)
def test_rid_is_split_off_errmsg(errmsg: str, text: str, rid: str | None) -> None:
    """WeChat's trailing request id is kept apart, for support tickets."""
    assert split_rid(errmsg) == (text, rid)


def test_ip_not_allowed_names_the_ip() -> None:
    """40164 says which egress IP WeChat saw."""
    exc = api_error(40164, "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 1-2-3")
    assert isinstance(exc, wxtcb.IPNotAllowedError)
    assert exc.ip == "203.0.113.7"
    assert "whitelist" in str(exc)


def test_api_error_text_carries_what_to_do() -> None:
    """The message says what happened and what to do, and keeps errcode, errmsg and rid as data."""
    exc = api_error(61023, "refresh_token is invalid rid: abc-def")
    assert isinstance(exc, wxtcb.RefreshTokenInvalidError)
    assert (exc.errcode, exc.errmsg, exc.rid) == (61023, "refresh_token is invalid", "abc-def")
    assert "authorize again" in str(exc)
