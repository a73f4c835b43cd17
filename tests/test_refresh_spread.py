"""Refresh ahead spread per key: a fleet's tokens granted together are not refreshed together."""

from __future__ import annotations

import collections

import pytest

import wxtcb
from tests.conftest import demo_component
from wxtcb.stores import CachedToken
from wxtcb.tokens.component import REFRESH_SPREAD


def first_due_minute(provider: wxtcb.AuthorizerTokenProvider, now: list[float]) -> int:
    """The first minute after the grant at which the provider wants its token refreshed."""
    for minute in range(121):
        now[0] = minute * 60.0
        if provider.token_nowait() is None:
            return minute
    raise AssertionError("never due")


def test_ten_thousand_tokens_granted_together_are_refreshed_over_thirty_minutes() -> None:
    """10 000 merchants' tokens issued in the same second come due for refresh over the 30 minutes
    before the margin, no minute holding more than twice the even share; each merchant's point is
    the same in every process (it depends on the key only)."""
    now = [0.0]
    component = demo_component()
    due: collections.Counter[int] = collections.Counter()
    for i in range(10_000):
        merchant = wxtcb.AuthorizerTokenProvider(component, f"wxmerchant{i:05d}", clock=lambda: now[0])
        merchant._keep(CachedToken(f"t{i}", expires_at=7200.0, issued_at=0.0))
        due[first_due_minute(merchant, now)] += 1
    assert min(due) >= (7200 - 300 - REFRESH_SPREAD) // 60
    assert max(due) <= (7200 - 300) // 60
    assert len(due) >= 29
    assert max(due.values()) <= 2 * 10_000 / 30
    again = wxtcb.AuthorizerTokenProvider(component, "wxmerchant00042", clock=lambda: now[0])
    again._keep(CachedToken("x", expires_at=7200.0, issued_at=0.0))
    first = wxtcb.AuthorizerTokenProvider(component, "wxmerchant00042", clock=lambda: now[0])
    first._keep(CachedToken("y", expires_at=7200.0, issued_at=0.0))
    assert first_due_minute(again, now) == first_due_minute(first, now)


def test_a_short_lived_token_is_refreshed_at_the_margin_and_spread_zero_turns_it_off() -> None:
    """The share never exceeds half of what a token lives beyond the margin, and spread=0 keeps
    the plain margin; a negative spread is refused."""
    now = [0.0]
    component = demo_component()
    short = wxtcb.AuthorizerTokenProvider(component, "wxshort", clock=lambda: now[0])
    short._keep(CachedToken("t", expires_at=400.0, issued_at=0.0))
    now[0] = 49.0  # 351 s left: the share is at most (400 - 300) / 2 = 50 s, so not yet due
    assert short.token_nowait() == "t"
    now[0] = 100.0  # at the margin: due, share or not
    assert short.token_nowait() is None
    plain = wxtcb.AuthorizerTokenProvider(component, "wxplain", clock=lambda: now[0], spread=0)
    plain._keep(CachedToken("t", expires_at=7200.0, issued_at=0.0))
    assert first_due_minute(plain, now) == (7200 - 300) // 60
    with pytest.raises(ValueError, match="spread"):
        wxtcb.AuthorizerTokenProvider(component, "wxbad", spread=-1)
