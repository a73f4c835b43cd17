"""Batch-mode cloud functions: ``batchuploadscf`` (function code, configuration and triggers belong
here too)."""

from __future__ import annotations

import base64
from typing import ClassVar

import attrs

from wxtcb import db
from wxtcb.batch.common import (
    EN_BATCH_DOCS,
    non_empty_list,
    optional_text_field,
    string_list,
)
from wxtcb.batch.envs import EnvError
from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.wire import wire

__all__ = [
    "MAX_ZIPFILE",
    "BatchUploadScf",
]

#: The largest zip ``batchuploadscf`` takes ("最大支持 20 M"), before base64.
MAX_ZIPFILE = 20 * 1024 * 1024


def _zipfile(value: bytes | str) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if not raw:
            raise InvalidRequestError("zipfile is empty")
        if len(raw) > MAX_ZIPFILE:
            raise InvalidRequestError(f"zipfile is {len(raw)} bytes; WeChat takes at most {MAX_ZIPFILE}")
        return base64.b64encode(raw).decode("ascii")
    if isinstance(value, str) and value.strip():
        return value
    raise InvalidRequestError("zipfile must be the zip's bytes (encoded here) or its base64 text")


@attrs.frozen
class BatchUploadScf(Method[list[EnvError]]):
    """Create a cloud function in several environments from a zip (up to 20 MB); returns the
    environments where it failed. Never resent.

    Attributes:
        functionname: ``functionname``, the cloud function's name (a non-empty string).
        envs: ``envs``, the environments to create it in: a non-empty list of non-empty strings.
        zipfile: ``zipfile``, the zip as base64 text: bytes (at most 20 MB) are encoded here. Hidden from the
            repr.
        vpcid: ``vpcid``, a non-empty string; sent only when given.
        subnetid: ``subnetid``, a non-empty string; sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchuploadscf",
        token=TokenKind.COMPONENT,
        idempotent=False,
        result_key="fail_env_list",
        doc=EN_BATCH_DOCS + "scf-mgnt/batchuUloadCloudFunction.html",
    )

    functionname: str = attrs.field(validator=lambda _i, _a, v: db.checked_name(v, "functionname"))
    envs: list[str] = attrs.field(converter=string_list, validator=non_empty_list)
    zipfile: str = attrs.field(converter=_zipfile, repr=False)
    vpcid: str | None = attrs.field(
        default=None, validator=optional_text_field, metadata=wire(omit_if_default=True)
    )
    subnetid: str | None = attrs.field(
        default=None, validator=optional_text_field, metadata=wire(omit_if_default=True)
    )
