"""Batch-mode static website hosting (静态网站托管): open it, upload a file (a PUT to a signed URL)
(listing and deleting the site's files belong here too)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar, cast

import attrs

from wxtcb import storage
from wxtcb.batch.common import (
    EN_BATCH_DOCS,
    renamed,
)
from wxtcb.batch.storage import BatchSender
from wxtcb.converter import structure
from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint, engine_of
from wxtcb.storage import (
    parse_cos_error,
)
from wxtcb.transport import foreign_summary
from wxtcb.validators import env_id

__all__ = [
    "CreateStaticStore",
    "StaticHosting",
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


# --- namespaces ---


class StaticHosting(Namespace):
    """``platform.batch.static``: static website hosting (静态网站托管) of a batch environment."""

    __slots__ = ()

    create_store = endpoint(CreateStaticStore)
    get_upload_link = endpoint(StaticUploadFile)

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
