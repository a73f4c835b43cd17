"""Batch-mode storage (``componenttcb/uploadfile``, ``batchdownloadfile``, ``batchdeletefile``),
with `wxtcb.storage.Storage`'s transfers running on the component token, and the bucket listing
(``componenttcb/getbucket``): ``contents[].size`` is a string on the page (``"554"``) and is read
as an int (a JSON number too); ``last_modified`` stays the ISO 8601 text WeChat sends."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

import attrs

from wxtcb import storage
from wxtcb.batch.common import (
    EN_BATCH_DOCS,
    OPLATFORM_DOCS,
    THIRD_PARTY_DOCS,
    T,
    items_renamed,
    optional_string_field,
    renamed,
)
from wxtcb.converter import structure
from wxtcb.methods import Endpoint, Method, TokenKind
from wxtcb.namespaces import Namespace, endpoint, engine_of
from wxtcb.storage import (
    DeleteAnswer,
    DeletedFile,
    FileLink,
    FileRequest,
    FileResults,
    UploadedFile,
    UploadLink,
)
from wxtcb.validators import env_id
from wxtcb.wire import wire

if TYPE_CHECKING:
    from wxtcb.pipeline import Pipeline

__all__ = [
    "BatchDeleteFile",
    "BatchDownloadFile",
    "BatchGetBucket",
    "BatchSender",
    "BatchStorage",
    "BatchUploadFile",
    "BucketFile",
    "BucketListing",
]

# --- storage --------------------------------------------------------------------------------


@attrs.frozen
class BatchUploadFile(Method[UploadLink]):
    """Get a link to upload a file to *path* (step one; `BatchStorage.upload` does both).

    Attributes:
        env: ``env``, the environment id (non-empty).
        path: ``path``, the file's path in the bucket (``avatars/1.png``; checked by
            `wxtcb.storage.check_cloud_path`).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/uploadfile",
        token=TokenKind.COMPONENT,
        doc=EN_BATCH_DOCS + "file-mgnt/getUploadFileLink.html",
    )

    env: str = attrs.field(validator=env_id)
    path: str = attrs.field(validator=storage.cloud_path_field)

    @staticmethod
    def __decode__(value: object) -> UploadLink:
        value = renamed(value, "token", "Token")
        if isinstance(value, Mapping) and "cos_file_id" not in value:
            value = {**value, "cos_file_id": ""}
        return structure(value, UploadLink)


@attrs.frozen
class BatchDownloadFile(Method[list[FileLink]]):
    """Get download links for up to 50 files (`BatchStorage.download_urls` takes any number).

    Attributes:
        env: ``env``, the environment id (non-empty).
        file_list: ``file_list``, 1 to 50 `wxtcb.storage.FileRequest` (a file id and how long its link lives).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchdownloadfile",
        token=TokenKind.COMPONENT,
        result_key="file_list",
        doc=EN_BATCH_DOCS + "file-mgnt/getDownloadFileLink.html",
    )

    env: str = attrs.field(validator=env_id)
    file_list: list[FileRequest] = attrs.field(
        converter=storage.file_request_list, validator=storage.batch_sized
    )

    @staticmethod
    def __decode__(value: object) -> list[FileLink]:
        return structure(items_renamed(value, "fileid", "files"), list[FileLink])


@attrs.frozen
class BatchDeleteFile(Method[DeleteAnswer]):
    """Delete up to 50 files (`BatchStorage.delete` takes any number); not retried.

    Attributes:
        env: ``env``, the environment id (non-empty).
        fileid_list: ``fileid_list``, 1 to 50 ``cloud://`` file ids (non-empty strings; a list, not one
            string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/batchdeletefile",
        token=TokenKind.COMPONENT,
        idempotent=False,
        # No batch-mode page of its own was found: the common-mode page (same body and answer).
        doc=OPLATFORM_DOCS + "en/openApi/OpenApiDoc/cloudbase-common/file-management/deleteTcbCloudFile.html",
    )

    env: str = attrs.field(validator=env_id)
    fileid_list: list[str] = attrs.field(converter=storage.file_id_list, validator=storage.batch_sized)

    @staticmethod
    def __decode__(value: object) -> DeleteAnswer:
        if isinstance(value, Mapping):
            value = {**value, "delete_list": items_renamed(value.get("delete_list", []), "fileid", "files")}
        return structure(value, DeleteAnswer)


# --- bucket listing -------------------------------------------------------------------------


@attrs.frozen
class BucketFile:
    """One file of a listing (``getbucket``, ``staticfilelist``).

    Attributes:
        key: ``key``, the file's path in the bucket.
        last_modified: ``last_modified``, as WeChat sends it (the sample: ISO 8601 in UTC,
            ``"2020-12-04T08:56:59.000Z"``); ``""`` when absent.
        md5: ``md5``; the sample shows a COS ETag (``"…-1"`` for a multipart upload), not always
            a plain MD5. ``""`` when absent.
        size: ``size`` in bytes. The pages type it as a string (``"554"``): a string of digits
            and a JSON number are both read as an int.
    """

    key: str
    last_modified: str = ""
    md5: str = ""
    size: int = 0


@attrs.frozen
class BucketListing:
    """A page of a listing (``getbucket``, ``staticfilelist``).

    Attributes:
        contents: ``contents``, the files on this page (`BucketFile`).
        is_truncated: ``is_truncated``: more files follow. WeChat's pages document no next
            marker; COS lists from ``marker`` onwards in UTF-8 binary order.
    """

    contents: tuple[BucketFile, ...] = ()
    is_truncated: bool = False


def _size(item: object) -> object:
    if isinstance(item, Mapping):
        size = item.get("size")
        if isinstance(size, str) and size.strip().isdecimal():
            return {**item, "size": int(size)}
    return item


def _decode_listing(value: object) -> BucketListing:
    if isinstance(value, Mapping) and isinstance(value.get("contents"), list):
        value = {**value, "contents": [_size(item) for item in value["contents"]]}
    elif isinstance(value, Mapping) and value.get("contents") is None:
        value = {**value, "contents": []}
    return structure(value, BucketListing)


@attrs.frozen
class BatchGetBucket(Method[BucketListing]):
    """List the environment's storage files (``getbucket``), from *marker* on.

    Attributes:
        env: ``env``, the environment id (non-empty).
        prefix: ``prefix``, only keys starting with it; sent only when given.
        delimiter: ``delimiter``: keys sharing the path from *prefix* to it are grouped as one
            Common Prefix; sent only when given.
        marker: ``marker``: the listing starts there (UTF-8 binary order); sent only when given.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "componenttcb/getbucket",
        token=TokenKind.COMPONENT,
        doc=THIRD_PARTY_DOCS + "getbucket.html",
    )

    env: str = attrs.field(validator=env_id)
    prefix: str | None = attrs.field(
        default=None, validator=optional_string_field, metadata=wire(omit_if_default=True)
    )
    delimiter: str | None = attrs.field(
        default=None, validator=optional_string_field, metadata=wire(omit_if_default=True)
    )
    marker: str | None = attrs.field(
        default=None, validator=optional_string_field, metadata=wire(omit_if_default=True)
    )

    __decode__ = staticmethod(_decode_listing)


# --- namespaces ---


class BatchSender:
    """Sends storage's common-mode method objects as their batch-mode twins, so that
    `wxtcb.storage.Storage`'s transfers (links, batches, retries) run on the component token."""

    __slots__ = ("_send",)

    def __init__(self, send: Any) -> None:
        self._send = send

    def engine(self) -> Pipeline:
        return engine_of(self._send)

    def send(self, method: Method[T]) -> Awaitable[T]:
        twin: Method[Any] = method
        if isinstance(method, storage.UploadFile):
            twin = BatchUploadFile(method.env, method.path)
        elif isinstance(method, storage.BatchDownloadFile):
            twin = BatchDownloadFile(method.env, method.file_list)
        elif isinstance(method, storage.BatchDeleteFile):
            twin = BatchDeleteFile(method.env, method.fileid_list)
        return cast("Awaitable[T]", self._send(twin))


class BatchStorage(Namespace):
    """``platform.batch.storage``: files of a batch environment, with `wxtcb.storage.Storage`'s
    transfers (streamed uploads, batches of 50 in order, fresh links on retry)."""

    __slots__ = ()

    get_upload_link = endpoint(BatchUploadFile)
    get_download_links = endpoint(BatchDownloadFile)
    delete_files = endpoint(BatchDeleteFile)
    list_files = endpoint(BatchGetBucket)

    def _storage(self) -> storage.Storage:
        return storage.Storage(BatchSender(self._send).send)

    async def upload(
        self,
        env: str,
        path: str,
        data: bytes | str | os.PathLike[str] | AsyncIterable[bytes],
        *,
        timeout: float | None = None,
    ) -> UploadedFile:
        """Upload *data* to *path* in *env*; see `wxtcb.storage.Storage.upload`."""
        return await self._storage().upload(env, path, data, timeout=timeout)

    async def download_urls(
        self, env: str, file_ids: Iterable[str], *, max_age: int = storage.DEFAULT_MAX_AGE
    ) -> FileResults[FileLink]:
        """Download links for any number of files, in order; see `wxtcb.storage.Storage.download_urls`."""
        return await self._storage().download_urls(env, file_ids, max_age=max_age)

    async def download(
        self,
        env: str,
        file_id: str,
        *,
        max_size: int = storage.DEFAULT_MAX_DOWNLOAD,
        max_age: int = 600,
        timeout: float | None = None,
    ) -> bytes:
        """The file's bytes; see `wxtcb.storage.Storage.download`."""
        return await self._storage().download(
            env, file_id, max_size=max_size, max_age=max_age, timeout=timeout
        )

    async def download_to(
        self,
        env: str,
        file_id: str,
        dest: str | os.PathLike[str],
        *,
        max_size: int | None = None,
        max_age: int = 600,
        timeout: float | None = None,
    ) -> int:
        """Stream the file to *dest*; see `wxtcb.storage.Storage.download_to`."""
        return await self._storage().download_to(
            env, file_id, dest, max_size=max_size, max_age=max_age, timeout=timeout
        )

    def iter_download(
        self,
        env: str,
        file_id: str,
        *,
        max_size: int | None = None,
        max_age: int = 600,
        timeout: float | None = None,
    ) -> AsyncIterator[bytes]:
        """The file's bytes chunk by chunk; see `wxtcb.storage.Storage.iter_download`."""
        return self._storage().iter_download(
            env, file_id, max_size=max_size, max_age=max_age, timeout=timeout
        )

    async def delete(self, env: str, file_ids: Iterable[str]) -> FileResults[DeletedFile]:
        """Delete any number of files, in batches of 50; see `wxtcb.storage.Storage.delete`."""
        return await self._storage().delete(env, file_ids)
