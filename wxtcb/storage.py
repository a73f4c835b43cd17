"""Storage (云存储): files in and out of CloudBase, streamed, batched, never leaking a signature.

The four endpoints are method objects like any other (`UploadFile`, `BatchDownloadFile`,
`BatchDeleteFile`, `GetQcloudToken`); ``client.storage`` adds what a bare endpoint cannot do:

* `Storage.upload` asks ``tcb/uploadfile`` for a link, then POSTs the multipart form COS wants
  (``key``, ``Signature``, ``x-cos-security-token``, ``x-cos-meta-fileid``, then ``file`` last)
  through the client's own session, timeout and retry policy; a failed POST asks for a fresh
  link. Bytes, a path (streamed from disk, never read whole) or an async iterator of chunks
  (spooled to a temporary file first, so that a retry can send it again).
* `Storage.download_urls` splits any number of file ids into batches of 50 (WeChat's cap) and
  keeps their order; each item has its own ``status``: one bad id never raises.
* `Storage.download` (bytes, under a size cap), `Storage.download_to` (a path, written to a
  temporary file and renamed, so a failure leaves nothing behind) and `Storage.iter_download`.
* `Storage.delete` in batches of 50; ``delete_list`` items may be strings or objects.

COS's answers are HTTP outside WeChat's JSON API; they go through the client's transport
(`wxtcb.transport.Transport.send_form` / ``stream``), and its XML errors become `StorageError`.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, cast

import attrs

from wxtcb.errors import InvalidRequestError, PartialFailureError, ResponseTooLarge, StorageError, WxTcbError
from wxtcb.methods import Endpoint, Method
from wxtcb.namespaces import Namespace, endpoint, engine_of
from wxtcb.redaction import MAX_ERRMSG, RequestSummary, bounded, redact_text
from wxtcb.safexml import UnsafeXMLError, parse_untrusted
from wxtcb.transport import foreign_summary
from wxtcb.validators import env_id
from wxtcb.wire import wire

if TYPE_CHECKING:
    pass

__all__ = [
    "BATCH_LIMIT",
    "DEFAULT_MAX_AGE",
    "DEFAULT_MAX_DOWNLOAD",
    "MAX_LIFESPAN",
    "BatchDeleteFile",
    "BatchDownloadFile",
    "DeleteAnswer",
    "DeletedFile",
    "FileLink",
    "FileRequest",
    "FileResults",
    "GetQcloudToken",
    "QcloudToken",
    "Storage",
    "UploadFile",
    "UploadLink",
    "UploadedFile",
    "parse_cos_error",
]

_DOCS = "https://developers.weixin.qq.com/minigame/dev/wxcloud/reference-http-api/"

#: Most file ids per tcb/batchdownloadfile or tcb/batchdeletefile call ("一次最多 50 个").
BATCH_LIMIT = 50
#: ``max_age`` used when the caller gives none: two hours, as in WeChat's sample.
DEFAULT_MAX_AGE = 7200
#: The largest ``max_age`` accepted. WeChat documents no maximum; this only refuses values no
#: 32-bit ``number`` field holds.
MAX_MAX_AGE = 2**31 - 1
#: Longest ``lifespan`` of temporary Tencent Cloud credentials ("最大7200").
MAX_LIFESPAN = 7200
#: Default cap of `Storage.download` (bytes in memory): 64 MiB.
DEFAULT_MAX_DOWNLOAD = 64 * 1024 * 1024
#: Longest cloud path COS takes, in UTF-8 bytes (COS object key rules).
MAX_PATH_BYTES = 850
_CHUNK = 256 * 1024
#: Control characters COS refuses in an object key: LF, CR, CAN, EM, SUB, ESC.
_BAD_PATH_CHARS = re.compile("[\n\r\x18\x19\x1a\x1b]")


# --- validation -----------------------------------------------------------------------------


def check_cloud_path(path: object) -> str:
    """*path* if COS takes it as an object key, else `InvalidRequestError` saying why.

    COS's rules: UTF-8, at most 850 bytes, not starting with ``/`` or ``\\``, no CR, LF or the
    control characters CAN, EM, SUB, ESC. A ``cloud://`` file id is not a path.
    """
    if not isinstance(path, str) or not path:
        raise InvalidRequestError("the cloud path must be a non-empty string such as 'avatars/1.png'")
    if path.startswith(("/", "\\")):
        raise InvalidRequestError(
            "the cloud path must not start with '/' or '\\' (it is relative to the bucket)"
        )
    if path.startswith("cloud://"):
        raise InvalidRequestError("the cloud path is a path such as 'avatars/1.png', not a cloud:// file id")
    if _BAD_PATH_CHARS.search(path):
        raise InvalidRequestError("the cloud path must not contain CR, LF or the control characters 24-27")
    try:
        size = len(path.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidRequestError("the cloud path must be valid UTF-8") from None
    if size > MAX_PATH_BYTES:
        raise InvalidRequestError(
            f"the cloud path is {size} bytes in UTF-8; COS takes at most {MAX_PATH_BYTES}"
        )
    return path


def cloud_path_field(_: object, __: attrs.Attribute[Any], value: object) -> None:
    """The attrs validator of a cloud path (`check_cloud_path`); shared with `wxtcb.batch`."""
    check_cloud_path(value)


def file_id_list(value: Iterable[str]) -> list[str]:
    """The attrs converter of a list of file ids; shared with `wxtcb.batch`."""
    if isinstance(value, str | bytes):
        raise InvalidRequestError("file ids must be a list of strings, not one string")
    ids = list(value)
    for i, file_id in enumerate(ids):
        if not isinstance(file_id, str) or not file_id.strip():
            raise InvalidRequestError(f"file id [{i}] must be a non-empty string")
    return ids


def file_request_list(value: Iterable[FileRequest]) -> list[FileRequest]:
    """The attrs converter of a list of `FileRequest`; shared with `wxtcb.batch`."""
    items = list(value)
    if not all(isinstance(i, FileRequest) for i in items):
        raise InvalidRequestError("file_list must hold wxtcb.storage.FileRequest items")
    return items


def batch_sized(_: object, attribute: attrs.Attribute[Any], value: Sequence[object]) -> None:
    """The attrs validator of a list WeChat takes at most `BATCH_LIMIT` of; shared with `wxtcb.batch`."""
    if not value:
        raise InvalidRequestError(f"{attribute.name} is empty")
    if len(value) > BATCH_LIMIT:
        raise InvalidRequestError(
            f"{attribute.name} has {len(value)} items; WeChat takes {BATCH_LIMIT} per call "
            "(client.storage splits longer lists)"
        )


def check_max_age(value: object) -> int:
    """*value* as a link lifetime in seconds, or `InvalidRequestError`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MAX_AGE:
        raise InvalidRequestError(f"max_age must be a whole number of seconds from 1 to {MAX_MAX_AGE}")
    return value


def _max_age(_: object, __: attrs.Attribute[Any], value: object) -> None:
    check_max_age(value)


def _lifespan(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_LIFESPAN:
        raise InvalidRequestError(f"lifespan must be a whole number of seconds from 1 to {MAX_LIFESPAN}")


# --- models ---------------------------------------------------------------------------------


@attrs.frozen
class UploadLink:
    """What ``tcb/uploadfile`` answers: where and how to POST the file. Only its ids show in a repr.

    Attributes:
        url: Where to POST the multipart form.
        token: The COS security token (form field ``x-cos-security-token``): a secret.
        authorization: The COS signature (form field ``Signature``): a secret.
        file_id: The file's id (``cloud://…``) once uploaded.
        cos_file_id: The value of the form field ``x-cos-meta-fileid`` (required: without it the
            upload seems to succeed but the file cannot be downloaded).
    """

    url: str = attrs.field(repr=False)
    token: str = attrs.field(repr=False)
    authorization: str = attrs.field(repr=False)
    file_id: str
    cos_file_id: str


@attrs.frozen
class UploadedFile:
    """A file `Storage.upload` put in storage.

    Attributes:
        file_id: Its id (``cloud://env.bucket/path``), for download and delete.
        path: The cloud path it was uploaded to.
        size: Bytes sent.
    """

    file_id: str
    path: str
    size: int


@attrs.frozen
class FileRequest:
    """One item of ``tcb/batchdownloadfile``'s ``file_list``.

    Attributes:
        file_id: The file's id, ``fileid`` on the wire.
        max_age: Seconds the download link stays valid.
    """

    file_id: str = attrs.field(metadata=wire("fileid"))
    max_age: int = attrs.field(default=DEFAULT_MAX_AGE, validator=_max_age)


class _Item(Protocol):
    @property
    def file_id(self) -> str: ...

    @property
    def status(self) -> int: ...

    @property
    def errmsg(self) -> str: ...

    @property
    def ok(self) -> bool: ...


@attrs.frozen
class FileLink:
    """A download link, or why there is none: one item of ``tcb/batchdownloadfile``'s answer.

    Attributes:
        file_id: The file's id (``fileid`` on the wire; the id asked for when an answer omits it).
        download_url: The (signed) download link, "" when ``status`` is not 0; hidden from its repr.
        status: 0 when the link was made; anything else is this item's failure.
        errmsg: WeChat's message for this item.
    """

    file_id: str = attrs.field(default="", metadata=wire("fileid"))
    download_url: str = attrs.field(default="", repr=False)
    status: int = 0
    errmsg: str = ""

    @property
    def ok(self) -> bool:
        """Whether this item has a link."""
        return self.status == 0 and bool(self.download_url)


@attrs.frozen
class DeletedFile:
    """One item of ``tcb/batchdeletefile``'s answer.

    Attributes:
        file_id: The file's id (``fileid`` on the wire).
        status: 0 when the file was deleted.
        errmsg: WeChat's message for this item.
    """

    file_id: str = attrs.field(default="", metadata=wire("fileid"))
    status: int = 0
    errmsg: str = ""

    @property
    def ok(self) -> bool:
        """Whether the file was deleted."""
        return self.status == 0


@attrs.frozen
class DeleteAnswer:
    """``tcb/batchdeletefile``'s answer as sent: ``delete_list`` is documented as strings but the
    sample returns objects ``{fileid, status, errmsg}``; both are read (`files`).

    Attributes:
        delete_list: The items as WeChat sent them.
    """

    delete_list: list[Any] = attrs.field(factory=list)

    @property
    def files(self) -> tuple[DeletedFile, ...]:
        """Each item as a `DeletedFile` (a bare string is a deleted file's id)."""
        out = []
        for item in self.delete_list:
            if isinstance(item, str):
                out.append(DeletedFile(item))
            elif isinstance(item, dict):
                status = item.get("status", 0)
                out.append(
                    DeletedFile(
                        str(item.get("fileid", "")),
                        status if isinstance(status, int) and not isinstance(status, bool) else -1,
                        str(item.get("errmsg", "")),
                    )
                )
        return tuple(out)


@attrs.frozen
class QcloudToken:
    """Temporary Tencent Cloud API credentials (``tcb/getqcloudtoken``); every secret is hidden from the repr.

    Attributes:
        secretid: The SecretId (a secret).
        secretkey: The SecretKey (a secret).
        token: The session token (a secret).
        expired_time: When they expire, as a Unix timestamp.
    """

    secretid: str = attrs.field(repr=False)
    secretkey: str = attrs.field(repr=False)
    token: str = attrs.field(repr=False)
    expired_time: int


ItemT = TypeVar("ItemT", bound=_Item)


@attrs.frozen
class FileResults(Generic[ItemT]):
    """Per-file results of a batch, in the order the ids were given; a sequence of items.

    Attributes:
        items: The results, one per id asked for.
    """

    items: tuple[ItemT, ...]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[ItemT]:
        return iter(self.items)

    def __getitem__(self, index: int) -> ItemT:
        return self.items[index]

    @property
    def ok(self) -> bool:
        """Whether every item succeeded."""
        return all(item.ok for item in self.items)

    @property
    def failed(self) -> tuple[ItemT, ...]:
        """The items that did not succeed, in order."""
        return tuple(item for item in self.items if not item.ok)

    def raise_for_failures(self) -> FileResults[ItemT]:
        """Raise `PartialFailureError` naming the failed items, if any; else return self."""
        failed = self.failed
        if failed:
            first = failed[0]
            raise PartialFailureError(
                f"{len(failed)} of {len(self.items)} files failed, first {first.file_id}: "
                f"status {first.status} {bounded(first.errmsg, 200)}",
                failed=[(i.file_id, i.status, bounded(i.errmsg, MAX_ERRMSG)) for i in failed],
            )
        return self


# --- method objects -------------------------------------------------------------------------


@attrs.frozen
class UploadFile(Method[UploadLink]):
    """Get a link to upload a file to *path* (step one of an upload; `Storage.upload` does both).

    Attributes:
        env: ``env``, the environment id (non-empty).
        path: ``path``, the file's path in the bucket (``avatars/1.png``; checked by `check_cloud_path`).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint("tcb/uploadfile", doc=_DOCS + "storage/uploadFile.html")

    env: str = attrs.field(validator=env_id)
    path: str = attrs.field(validator=cloud_path_field)


@attrs.frozen
class BatchDownloadFile(Method[list[FileLink]]):
    """Get download links for up to 50 files (``client.storage.download_urls`` takes any number).

    Attributes:
        env: ``env``, the environment id (non-empty).
        file_list: ``file_list``, 1 to `BATCH_LIMIT` (50) `FileRequest` items.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/batchdownloadfile", result_key="file_list", doc=_DOCS + "storage/batchDownloadFile.html"
    )

    env: str = attrs.field(validator=env_id)
    file_list: list[FileRequest] = attrs.field(converter=file_request_list, validator=batch_sized)


@attrs.frozen
class BatchDeleteFile(Method[DeleteAnswer]):
    """Delete up to 50 files (``client.storage.delete`` takes any number); not retried.

    Attributes:
        env: ``env``, the environment id (non-empty).
        fileid_list: ``fileid_list``, 1 to `BATCH_LIMIT` (50) ``cloud://`` file ids (non-empty strings; a
            list, not one string).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/batchdeletefile", idempotent=False, doc=_DOCS + "storage/batchDeleteFile.html"
    )

    env: str = attrs.field(validator=env_id)
    fileid_list: list[str] = attrs.field(converter=file_id_list, validator=batch_sized)


@attrs.frozen
class GetQcloudToken(Method[QcloudToken]):
    """Get temporary Tencent Cloud API credentials for up to 7200 s (WeChat allows 10 calls an hour).

    Attributes:
        lifespan: ``lifespan``, how long the credentials live: whole seconds from 1 to `MAX_LIFESPAN` (7200,
            the default).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/getqcloudtoken", idempotent=False, doc=_DOCS + "utils/getQcloudToken.html"
    )

    lifespan: int = attrs.field(default=MAX_LIFESPAN, validator=_lifespan)


# --- COS ------------------------------------------------------------------------------------


#: The largest COS error answer parsed, in bytes (they are a few hundred).
_MAX_COS_ERROR = 64 * 1024


def parse_cos_error(
    status: int, body: bytes, *, request: RequestSummary | None = None, secrets: Sequence[str] = ()
) -> StorageError:
    """COS's XML error answer as a `StorageError` (code, message, request id), secrets masked.

    A body that is not COS's XML still gives a `StorageError` with the HTTP status alone.
    """
    code = message = request_id = ""
    with contextlib.suppress(UnsafeXMLError):
        # COS's error answers are small and have no DTD: anything else is read from the status alone.
        root = parse_untrusted(body, max_size=_MAX_COS_ERROR)
        if root.tag == "Error":
            code = (root.findtext("Code") or "").strip()
            message = (root.findtext("Message") or "").strip()
            request_id = (root.findtext("RequestId") or "").strip()
    hidden = sorted((s for s in secrets if s), key=len, reverse=True)
    code = bounded(redact_text(code, hidden), 100)
    message = bounded(redact_text(message, hidden), MAX_ERRMSG)
    request_id = bounded(redact_text(request_id, hidden), 200)
    text = f"COS answered HTTP {status}"
    if code:
        text += f" {code}"
    if message:
        text += f": {message}"
    return StorageError(text, request=request, status=status, code=code, request_id=request_id)


class _Stop(Exception):
    """Carries an error out of a retried attempt that must not be retried again."""

    def __init__(self, error: WxTcbError) -> None:
        super().__init__()
        self.error = error


async def _spool(chunks: AsyncIterable[bytes], directory: str | None = None) -> Path:
    """Write *chunks* to a temporary file (so a retry can send them again); returns its path."""
    fd, name = tempfile.mkstemp(prefix="wxtcb-upload-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                if not isinstance(chunk, bytes | bytearray | memoryview):
                    raise InvalidRequestError("an async iterator passed as data must yield bytes")
                out.write(chunk)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def transfer_source(data: object) -> bytes | Path | AsyncIterable[bytes]:
    """*data* checked: bytes, an existing regular file, or an async iterator of chunks."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str | os.PathLike):
        path = Path(data)
        if not path.exists():
            raise InvalidRequestError(f"no such file: {path}")
        if not path.is_file():
            raise InvalidRequestError(f"not a regular file: {path}")
        return path
    if isinstance(data, AsyncIterable):
        return cast(AsyncIterable[bytes], data)
    raise InvalidRequestError("data must be bytes, a file path, or an async iterator of bytes")


class Storage(Namespace):
    """``client.storage``: files in CloudBase storage (云存储).

    The ``get_*`` / ``delete_files`` lines are the bare endpoints; `upload`, `download_urls`,
    `download`, `download_to`, `iter_download` and `delete` do the batching and the transfers.
    """

    __slots__ = ()

    get_upload_link = endpoint(UploadFile)
    get_download_links = endpoint(BatchDownloadFile)
    delete_files = endpoint(BatchDeleteFile)
    get_qcloud_token = endpoint(GetQcloudToken)

    async def two_step_transfer(
        self, api: str, attempt: Callable[[int], Awaitable[Any]], *, retryable: bool = True
    ) -> Any:
        """Run *attempt* (link, then transfer) under the client's RetryPolicy; only transfer
        failures are retried (the link call retried itself already).

        For transfers built on storage's (``platform.batch.static.upload``): *attempt* gets the
        attempt number, asks for its link with `request_link` and moves the bytes.
        """
        engine = engine_of(self._send)
        observer = engine.observer

        async def observed(number: int) -> Any:
            started = time.perf_counter()
            try:
                result = await attempt(number)
            except WxTcbError as exc:
                observer.request(api, number, time.perf_counter() - started, exc)
                raise
            observer.request(api, number, time.perf_counter() - started, None)
            return result

        def before_sleep(number: int, wait: float, error: BaseException) -> None:
            observer.retry(api, number, wait, error)

        try:
            return await engine.retry.run(observed, retryable=retryable, before_sleep=before_sleep)
        except _Stop as stop:
            error = stop.error
        raise error

    async def request_link(self, method: Method[Any]) -> Any:
        """Send *method* (a link request) inside `two_step_transfer`: its failure ends the
        transfer instead of being retried again (the call retried itself already)."""
        try:
            return await self._send(method)
        except WxTcbError as exc:
            raise _Stop(exc) from None

    async def upload(
        self,
        env: str,
        path: str,
        data: bytes | str | os.PathLike[str] | AsyncIterable[bytes],
        *,
        timeout: float | None = None,
    ) -> UploadedFile:
        """Upload *data* to *path* in *env*; returns the file's id.

        *data* is bytes, a file path (streamed from disk, never read whole), or an async iterator
        of bytes (spooled to a temporary file first, so that a retry can send it again). The
        input is checked before anything is sent. A failed COS POST (network, timeout, HTTP 5xx,
        403) asks WeChat for a fresh link and posts again, within the client's RetryPolicy.

        Args:
            env: The CloudBase environment id.
            path: The cloud path, e.g. ``"avatars/1.png"`` (COS object key rules).
            data: What to upload.
            timeout: Seconds each POST may take in all (default: the client's timeout).
        """
        method = UploadFile(env, path)  # validates env and path
        check_timeout(timeout)
        source = transfer_source(data)
        engine = engine_of(self._send)
        spooled: Path | None = None
        if not isinstance(source, bytes | Path):
            spooled = source = await _spool(source)
        try:
            size = source_size(source)
            limit = engine.timeout if timeout is None else timeout
            filename = path.rsplit("/", 1)[-1] or "file"

            async def attempt(_: int) -> UploadedFile:
                link: UploadLink = await self.request_link(method)
                fields = [
                    ("key", path),
                    ("Signature", link.authorization),
                    ("x-cos-security-token", link.token),
                    ("x-cos-meta-fileid", link.cos_file_id),
                ]
                secrets = [link.authorization, link.token, link.url]
                status, body = await engine.transport.send_form(
                    link.url, fields, source, filename=filename, secrets=secrets, timeout=limit
                )
                if status not in (200, 201, 204):
                    raise parse_cos_error(
                        status, body, request=foreign_summary("POST", link.url), secrets=secrets
                    )
                return UploadedFile(link.file_id, path, size)

            result: UploadedFile = await self.two_step_transfer("cos/upload", attempt)
            return result
        finally:
            if spooled is not None:
                with contextlib.suppress(OSError):
                    spooled.unlink()

    async def download_urls(
        self, env: str, file_ids: Iterable[str], *, max_age: int = DEFAULT_MAX_AGE
    ) -> FileResults[FileLink]:
        """Download links for any number of files, in order, each with its own ``status``.

        Sent in batches of 50 (WeChat's cap). One bad id never raises: check ``.ok``,
        ``.failed`` or call ``.raise_for_failures()``.
        """
        ids = file_id_list(file_ids)
        check_max_age(max_age)
        if not isinstance(env, str) or not env.strip():
            raise InvalidRequestError("env must be a non-empty CloudBase environment id")
        if not ids:
            return FileResults(())
        out: list[FileLink] = []
        for start in range(0, len(ids), BATCH_LIMIT):
            chunk = ids[start : start + BATCH_LIMIT]
            answer = await self._send(BatchDownloadFile(env, [FileRequest(i, max_age) for i in chunk]))
            out.extend(_in_order(chunk, answer, _missing_link))
        return FileResults(tuple(out))

    async def delete(self, env: str, file_ids: Iterable[str]) -> FileResults[DeletedFile]:
        """Delete any number of files, in batches of 50; each item has its own ``status``."""
        ids = file_id_list(file_ids)
        if not isinstance(env, str) or not env.strip():
            raise InvalidRequestError("env must be a non-empty CloudBase environment id")
        out: list[DeletedFile] = []
        for start in range(0, len(ids), BATCH_LIMIT):
            chunk = ids[start : start + BATCH_LIMIT]
            answer = await self._send(BatchDeleteFile(env, chunk))
            out.extend(_in_order(chunk, list(answer.files), _missing_deleted))
        return FileResults(tuple(out))

    async def _fetch(
        self,
        env: str,
        file_id: str,
        max_age: int,
        timeout: float | None,
        consume: Callable[[Any, RequestSummary], Awaitable[Any]],
    ) -> Any:
        """A fresh link for *file_id*, then GET it and hand the answer to *consume*; retried."""
        ids = file_id_list([file_id])
        check_max_age(max_age)
        check_timeout(timeout)
        method = BatchDownloadFile(env, [FileRequest(ids[0], max_age)])
        engine = engine_of(self._send)
        limit = engine.timeout if timeout is None else timeout

        async def attempt(_: int) -> Any:
            links: list[FileLink] = await self.request_link(method)
            (link,) = _in_order(ids, links, _missing_link)
            try:
                FileResults((link,)).raise_for_failures()
            except PartialFailureError as exc:
                raise _Stop(exc) from None
            url = link.download_url
            summary = foreign_summary("GET", url)
            async with engine.transport.stream(url, secrets=[url], timeout=limit) as answer:
                if answer.status != 200:
                    body = await answer.read(64 * 1024)
                    raise parse_cos_error(answer.status, body, request=summary, secrets=[url])
                try:
                    return await consume(answer, summary)
                except ResponseTooLarge as exc:
                    raise _Stop(ResponseTooLarge(exc.limit, request=summary, status=answer.status)) from None

        return await self.two_step_transfer("cos/download", attempt)

    async def download(
        self,
        env: str,
        file_id: str,
        *,
        max_size: int = DEFAULT_MAX_DOWNLOAD,
        max_age: int = 600,
        timeout: float | None = None,
    ) -> bytes:
        """The file's bytes; a file over *max_size* raises `ResponseTooLarge` (checked on its
        Content-Length, and while reading). A failed item raises `PartialFailureError`."""
        _check_size(max_size)

        async def whole(answer: Any, _: RequestSummary) -> bytes:
            return cast(bytes, await answer.read(max_size))

        return cast(bytes, await self._fetch(env, file_id, max_age, timeout, whole))

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
        """Stream the file to *dest*; returns its size. It is written to a temporary file beside
        *dest* and renamed when complete: a failure leaves no partial file."""
        if max_size is not None:
            _check_size(max_size)
        target = _dest(dest)

        async def to_file(answer: Any, _: RequestSummary) -> int:
            limit = max_size
            if limit is not None and answer.length is not None and answer.length > limit:
                raise ResponseTooLarge(limit, status=answer.status)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            size = 0
            try:
                with os.fdopen(fd, "wb") as out:
                    async for chunk in answer.chunks():
                        size += len(chunk)
                        if limit is not None and size > limit:
                            raise ResponseTooLarge(limit, status=answer.status)
                        out.write(chunk)
                os.replace(name, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(name)
                raise
            return size

        return cast(int, await self._fetch(env, file_id, max_age, timeout, to_file))

    async def iter_download(
        self,
        env: str,
        file_id: str,
        *,
        max_size: int | None = None,
        max_age: int = 600,
        timeout: float | None = None,
    ) -> AsyncIterator[bytes]:
        """The file's bytes chunk by chunk. The download link is fetched like any call (retried on
        transient failures); the file's GET is made once and not replayed: a failure raises."""
        if max_size is not None:
            _check_size(max_size)
        ids = file_id_list([file_id])
        check_max_age(max_age)
        check_timeout(timeout)
        links = await self.download_urls(env, ids, max_age=max_age)
        link = links.raise_for_failures()[0]
        engine = engine_of(self._send)
        limit = engine.timeout if timeout is None else timeout
        url = link.download_url
        summary = foreign_summary("GET", url)
        async with engine.transport.stream(url, secrets=[url], timeout=limit) as answer:
            if answer.status != 200:
                raise parse_cos_error(
                    answer.status, await answer.read(64 * 1024), request=summary, secrets=[url]
                )
            if max_size is not None and answer.length is not None and answer.length > max_size:
                raise ResponseTooLarge(max_size, request=summary, status=answer.status)
            size = 0
            async for chunk in answer.chunks():
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise ResponseTooLarge(max_size, request=summary, status=answer.status)
                yield chunk


def source_size(source: bytes | Path) -> int:
    """The size of a checked upload source (bytes or a file path)."""
    return len(source) if isinstance(source, bytes) else source.stat().st_size


def _dest(dest: str | os.PathLike[str]) -> Path:
    target = Path(dest)
    if target.is_dir():
        raise InvalidRequestError(f"dest is a directory: {target}")
    if not target.parent.is_dir():
        raise InvalidRequestError(f"no such directory: {target.parent}")
    return target


def check_timeout(value: object) -> float | None:
    """*value* as a transfer's timeout: None (the client's) or a positive number of seconds."""
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e9
    ):
        raise InvalidRequestError("timeout must be None or a positive number of seconds")
    return value


def _check_size(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError("max_size must be a number of bytes (0 or more)")


def _missing_link(file_id: str) -> FileLink:
    return FileLink(file_id, "", -1, "missing from WeChat's answer")


def _missing_deleted(file_id: str) -> DeletedFile:
    return DeletedFile(file_id, -1, "missing from WeChat's answer")


T = TypeVar("T", FileLink, DeletedFile)


def _in_order(ids: Sequence[str], answer: Sequence[T], missing: Callable[[str], T]) -> list[T]:
    """One result per id asked for, in order: matched by ``fileid`` when every item carries it,
    by position otherwise (an English page of WeChat's spells the key ``files``)."""
    if answer and all(item.file_id for item in answer):
        by_id: dict[str, list[T]] = {}
        for item in answer:
            by_id.setdefault(item.file_id, []).append(item)
        return [by_id[i].pop(0) if by_id.get(i) else missing(i) for i in ids]
    out = []
    for index, file_id in enumerate(ids):
        if index < len(answer):
            out.append(attrs.evolve(answer[index], file_id=file_id))
        else:
            out.append(missing(file_id))
    return out
