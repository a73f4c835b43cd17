"""Test your code against an emulated WeChat: `Emulator`, `Fault` and the demo credentials.

A new `Emulator()` starts empty (no collection, no cloud function, no message-push
configuration); `Emulator.seed_demo` adds the demo data ``wxtcb emulator`` and the CLI's
``--emulator`` start with.

The pytest plugin (`wxtcb.testing.pytest_plugin`, registered automatically when wxtcb is
installed) adds the ``wxtcb_emulator`` and ``wxtcb_client`` fixtures.
"""

from wxtcb.retry import RetryPolicy
from wxtcb.testing.cloudrun import DEMO_OPENID, DEMO_ORIGINAL_ID, PushAnswer
from wxtcb.testing.emulator import (
    DEMO_APPID,
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_COMPONENT_SECRET,
    DEMO_ENCODING_AES_KEY,
    DEMO_ENV,
    DEMO_PUSH_TOKEN,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    DEMO_TICKET,
    Emulator,
    Fault,
)

#: Retries without waiting between attempts (otherwise the production policy): for tests.
INSTANT_RETRY = RetryPolicy(wait_initial=0, wait_max=0, wait_jitter=0)

__all__ = [
    "DEMO_APPID",
    "DEMO_AUTHORIZER_APPID",
    "DEMO_COMPONENT_APPID",
    "DEMO_COMPONENT_SECRET",
    "DEMO_ENCODING_AES_KEY",
    "DEMO_ENV",
    "DEMO_OPENID",
    "DEMO_ORIGINAL_ID",
    "DEMO_PUSH_TOKEN",
    "DEMO_REFRESH_TOKEN",
    "DEMO_SECRET",
    "DEMO_TICKET",
    "INSTANT_RETRY",
    "Emulator",
    "Fault",
    "PushAnswer",
]
