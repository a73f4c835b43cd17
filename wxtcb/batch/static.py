"""Batch-mode static website hosting (静态网站托管): open it, read its state, upload a file (a PUT
to a signed URL), list its files (deleting them belongs here too).

``describestaticstore``: the page's table names the list ``data`` and its sample ``Data``; both
are read. Each item's region is spelled ``regoin`` on the wire (table and sample alike) and is
`StaticStore.region` in Python (a ``region`` key is read too). ``staticfilelist`` answers the
same shape as ``getbucket`` (`wxtcb.batch.storage.BucketListing`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, cast

import attrs

from wxtcb import storage
from wxtcb.batch.common import (
    EN_BATCH_DOCS,
    OPLATFORM_DOCS,
    THIRD_PARTY_DOCS,
    items_renamed,
    renamed,
)
from wxtcb.batch.storage import BatchGetBucket, BatchSender
from wxtcb.converter import structure
from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint, engine_of
from wxtcb.storage import (
    parse_cos_error,
)
from wxtcb.transport import foreign_summary
from wxtcb.validators import env_id
from wxtcb.wire import wire

__all__ = [
    "CreateStaticStore",
    "DescribeStaticStore",
    "StaticFileList",
    "StaticHosting",
    "StaticStore",
    "StaticUploadFile",
    "StaticUploadLink",
]


@attrs.frozen
class StaticUploadLink:
    """What ``componenttcb/staticuploadfile`` answers; both values are secrets (not in the repr).

    Attributes:
        signed_url: Where to PUT the file.
        token: The value of the ``x-cos-security-token`` header.
    """

    signed_url: str = attrs.field(repr=False)
    token: str = attrs.field(repr=False)


# --- static hosting -------------------------------------------------------------------------


@attrs.frozen
class CreateStaticStore(Method[None]):
    """Open static website hosting for *env*. Never resent.

    Attributes:
        env: ``env``, the environment to open static hosting for (a non-empty id).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/createstaticstore",
        token=TokenKind.COMPONENT,
        idempotent=False,
        doc=EN_BATCH_DOCS + "staticstore-management/createStaticStore.html",
    )

    env: str = attrs.field(validator=env_id)


@attrs.frozen
class StaticUploadFile(Method[StaticUploadLink]):
    """Get a signed URL to PUT a static website file (`StaticHosting.upload` does both steps).

    Attributes:
        env: ``env``, the environment id (non-empty).
        filename: ``filename``, the file's path on the static site (``index.html``; checked as a cloud path).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/staticuploadfile",
        token=TokenKind.COMPONENT,
        doc=EN_BATCH_DOCS + "staticstore-management/getUploadStaticStoreFile.html",
    )

    env: str = attrs.field(validator=env_id)
    filename: str = attrs.field(validator=storage.cloud_path_field)

    @staticmethod
    def __decode__(value: object) -> StaticUploadLink:
        return structure(renamed(value, "token", "Token"), StaticUploadLink)


@attrs.frozen
class StaticStore:
    """One static website of ``componenttcb/describestaticstore``.

    Attributes:
        env: ``env``, the environment.
        domain: ``domain``, the website's domain (``….tcloudbaseapp.com``).
        bucket: ``bucket``, the COS bucket holding its files.
        region: The wire key is ``regoin`` (so spelled in the page's table and sample alike); a
            ``region`` key is read too. The bucket's region (``"ap-shanghai"``).
        status: ``status``, as WeChat sends it; the page shows only ``"online"`` and lists no
            other value.
    """

    env: str
    domain: str = ""
    bucket: str = ""
    region: str = attrs.field(default="", metadata=wire("regoin"))
    status: str = ""

    @property
    def online(self) -> bool:
        """Whether `status` is ``"online"`` (the one status the page shows)."""
        return self.status == "online"


@attrs.frozen
class DescribeStaticStore(Method[list[StaticStore]]):
    """The environment's static website: domain, bucket, region and status.

    The page's table names the list ``data``, its sample ``Data``: both are read (an answer
    without either is an empty list).

    Attributes:
        env: ``env``, the environment id (non-empty).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/describestaticstore",
        token=TokenKind.COMPONENT,
        doc=THIRD_PARTY_DOCS + "DescribeStaticStore.html",
    )

    env: str = attrs.field(validator=env_id)

    @staticmethod
    def __decode__(value: object) -> list[StaticStore]:
        value = renamed(value, "data", "Data")
        items = value.get("data") if isinstance(value, Mapping) else None
        return structure(items_renamed([] if items is None else items, "regoin", "region"), list[StaticStore])


@attrs.frozen
class StaticFileList(BatchGetBucket):
    """List the static website's files (``staticfilelist``), from *marker* on; the answer is
    `wxtcb.batch.storage.BucketListing`, as for ``getbucket`` (``size`` a string or a number).

    Attributes:
        env: ``env``, the environment id (non-empty).
        prefix: ``prefix``, only keys starting with it; sent only when given.
        delimiter: ``delimiter``: keys sharing the path from *prefix* to it are grouped as one
            Common Prefix; sent only when given.
        marker: ``marker``: the listing starts there (UTF-8 binary order); sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/staticfilelist",
        token=TokenKind.COMPONENT,
        doc=OPLATFORM_DOCS + "openApi/cloudbase-batch/staticstore-management/api_getstaticstorefile.md",
    )
    # getbucket's fields and answer: only the path differs.


# --- namespaces ---


class StaticHosting(Namespace):
    """``platform.batch.static``: static website hosting (静态网站托管) of a batch environment."""

    __slots__ = ()

    create_store = endpoint(CreateStaticStore)
    get_upload_link = endpoint(StaticUploadFile)
    describe = endpoint(DescribeStaticStore)
    list_files = endpoint(StaticFileList)

    async def upload(
        self, env: str, filename: str, data: bytes | str | os.PathLike[str], *, timeout: float | None = None
    ) -> int:
        """Upload *data* (bytes or a path, streamed) as the website file *filename*; returns its size.

        Asks ``staticuploadfile`` for a signed URL, then PUTs the file there with the
        ``x-cos-security-token`` header, through the platform's session. A failed PUT (network,
        timeout, HTTP 5xx) asks for a fresh URL and tries again within the RetryPolicy; COS's
        XML errors become `StorageError`.
        """
        method = StaticUploadFile(env, filename)  # validates env and filename
        source = storage.transfer_source(data)
        if not isinstance(source, bytes | Path):
            raise InvalidRequestError("data must be bytes or a file path")
        storage.check_timeout(timeout)
        size = storage.source_size(source)
        engine = engine_of(self._send)
        limit = engine.timeout if timeout is None else timeout
        runner = storage.Storage(BatchSender(self._send).send)

        async def attempt(_: int) -> int:
            link: StaticUploadLink = await runner.request_link(method)
            secrets = [link.signed_url, link.token]
            status, body = await engine.transport.put(
                link.signed_url,
                source,
                headers={"x-cos-security-token": link.token},
                secrets=secrets,
                timeout=limit,
            )
            if status not in (200, 201, 204):
                raise parse_cos_error(
                    status, body, request=foreign_summary("PUT", link.signed_url), secrets=secrets
                )
            return size

        return cast(int, await runner.two_step_transfer("cos/static-upload", attempt))
