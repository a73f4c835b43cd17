"""Test your code against an emulated WeChat: `Emulator`, `Fault` and the demo credentials.

The pytest plugin (`wxtcb.testing.pytest_plugin`, registered automatically when wxtcb is
installed) adds the ``wxtcb_emulator`` and ``wxtcb_client`` fixtures.
"""

from wxtcb.retry import RetryPolicy
from wxtcb.testing import authorization as _authorization  # noqa: F401  (registers its emulator routes)
from wxtcb.testing import batch as _batch  # noqa: F401  (registers its emulator routes)
from wxtcb.testing import cloudbase as _cloudbase  # noqa: F401  (registers its emulator routes)
from wxtcb.testing import storage as _storage  # noqa: F401  (registers its emulator routes)
from wxtcb.testing.cloudrun import DEMO_OPENID, DEMO_ORIGINAL_ID, PushAnswer  # (registers its routes)
from wxtcb.testing.emulator import (
    DEMO_APPID,
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_COMPONENT_SECRET,
    DEMO_ENCODING_AES_KEY,
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
