"""Cloud-function management for third-party platforms (云函数管理, "代开发"): list, create and
download functions, write their configuration, and get what a code upload is signed with.

On every client, beside the calls of `wxtcb.functions`, as ``client.functions.<name>``::

    merchant = platform.merchant(authorizer_appid)
    page = await merchant.functions.list(env, limit=20, offset=0)
    await merchant.functions.create(env, "login")

**Which token.** WeChat's pages for ``listfunctions``, ``downloadfunction``, ``createfunction``,
``uploadfuncconfig``, ``getcodesecret`` and ``getuploadsignature`` name only the merchant's
``authorizer_access_token`` (third-party permission set 49; "本接口不支持云调用"). wxtcb's
`TokenKind` says which query parameter and which family of provider an endpoint takes, not whose
app the token stands for: these declare `TokenKind.ACCESS`, the kind an `AuthorizerTokenProvider`
gives, and are meant for a merchant client (``platform.merchant(appid)``). An own app's token is
sent as it is; WeChat is reported (not documented) to refuse it with 40014, which wxtcb raises as
`TokenRejectedError` after its one refresh-and-replay.

What the pages say, and what wxtcb does with it:

- ``tcb/listfunctions`` (getFuntionList): ``env``, ``limit``, ``offset`` (the old page marks the
  last two optional, the new one required: both are always sent, 20 and 0 by default, as in the
  sample). Each function's runtime is ``runtime`` in the sample and the new table but ``run_time``
  in the old table: both are read. Times stay the strings WeChat sends (``"2019-06-21 15:23:54"``).
- ``tcb/downloadfunction`` (getFuntionLink): a signed, short-lived COS URL of the code zip and its
  SHA-256. The URL is a bearer credential: hidden from reprs and errors. Only code this platform
  uploaded can be downloaded.
- ``tcb/createfunction`` (createFunction): ``env`` and ``function_name`` only; never resent.
  (The page's sample answer ends in a trailing comma; the fixture drops it.)
- ``tcb/uploadfuncconfig`` (getUploadFuntionConfig): ``type`` and ``config``, the configuration
  as JSON *text* (wxtcb encodes the value you pass). The page's ``type`` table is empty in every
  copy read; its sample writes the environment configuration (``timeout`` 1 to 300 s,
  ``environment`` ``[{key, value}]``) with type 3, and the sibling read page lists 1 (cloud
  call) and 2 (timer triggers): any positive integer is accepted. A write: never resent. The
  config (environment variables may hold secrets) is hidden from reprs and errors.
- ``tcb/getcodesecret`` (getCodeSecret): no body; the code-protection key of the mini program
  for this platform (the same for every environment and function; fetch once). A secret.
- ``tcb/getuploadsignature`` (getYploadSignature): ``hashed_payload``, the lowercase hex SHA-256
  of the exact bytes of the later upload request (`hashed_payload` computes it); the answer's
  ``headers`` is one string of signed HTTP headers (``Authorization:TC3-HMAC-SHA256 …``). A
  secret: hidden from reprs and errors. The upload request itself is not on WeChat's pages and is
  not wrapped here.
- ``tcb/describeextensionuploadinfo`` (describeExtensionUploadInfo; own or merchant token): where
  to PUT extension files (function code, static files, an SMS CSV). The body is wrapped in
  ``"PostData"`` and the answer in ``"Response"`` in every official sample; an answer without the
  wrapper is read too. Each upload URL and custom key is hidden from reprs.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs

from wxtcb.converter import structure
from wxtcb.errors import InvalidRequestError
from wxtcb.methods import Endpoint, Method
from wxtcb.validators import env_id, non_empty
from wxtcb.wire import wire

__all__ = [
    "MAX_EXTENSION_FILE_NAME",
    "CodeSecret",
    "CreateFunction",
    "DescribeExtensionUploadInfo",
    "ExtensionFile",
    "ExtensionFileType",
    "ExtensionFiles",
    "ExtensionUpload",
    "ExtensionUploadInfo",
    "FunctionDownload",
    "FunctionInfo",
    "FunctionList",
    "GetCodeSecret",
    "GetFunctionDownload",
    "GetUploadSignature",
    "ListFunctions",
    "UploadFunctionConfig",
    "UploadSignature",
    "hashed_payload",
]

_SCF = "https://developers.weixin.qq.com/doc/oplatform/openApi/cloudbase-common/scf-management/"
_OLD = "https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/cloudbase/common/"
#: The longest ``FileName`` ``describeextensionuploadinfo`` takes ("长度不超过24").
MAX_EXTENSION_FILE_NAME = 24
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def hashed_payload(body: bytes) -> str:
    """The ``hashed_payload`` of an upload request whose body is *body*: its lowercase hex SHA-256.

    Hash the exact bytes you will send (key order and spacing matter).
    """
    return hashlib.sha256(body).hexdigest()


# --- models ------------------------------------------------------------------------------------


@attrs.frozen
class FunctionInfo:
    """One function of ``tcb/listfunctions``.

    Attributes:
        name: The function's name.
        runtime: Its runtime (``"Nodejs8.9"``); ``runtime`` on the wire, ``run_time`` on the old
            page's table: either is read.
        status: Its state as WeChat words it (``"Active"``).
        add_time: When it was created, as WeChat sends it (``"2019-02-27 15:34:59"``).
        mod_time: When it was last changed, the same way.
    """

    name: str
    runtime: str = ""
    status: str = ""
    add_time: str = ""
    mod_time: str = ""


@attrs.frozen
class FunctionList:
    """A page of ``tcb/listfunctions``.

    Attributes:
        total_count: How many functions the environment has.
        functions: This page's functions.
    """

    total_count: int = 0
    functions: list[FunctionInfo] = attrs.field(factory=list)


@attrs.frozen
class FunctionDownload:
    """Where to download a function's code (``tcb/downloadfunction``). The URL is hidden from the repr.

    Attributes:
        url: The signed, short-lived URL of the code zip (a bearer credential).
        checksum: The zip's SHA-256, hex.
    """

    url: str = attrs.field(repr=False)
    checksum: str = ""


@attrs.frozen
class CodeSecret:
    """The code-protection key (``tcb/getcodesecret``), hidden from the repr.

    Attributes:
        code_secret: The key, ``codesecret`` on the wire: goes into an upload request's
            ``CodeSecret``.
    """

    code_secret: str = attrs.field(repr=False, metadata=wire("codesecret"))


@attrs.frozen
class UploadSignature:
    """What ``tcb/getuploadsignature`` signs an upload with, hidden from the repr.

    Attributes:
        headers: The signed HTTP headers as WeChat sends them: one string
            (``"Authorization:TC3-HMAC-SHA256 Credential=…"``).
    """

    headers: str = attrs.field(repr=False)


class ExtensionFileType(enum.Enum):
    """What an extension file is (``FileType``).

    Attributes:
        FUNCTION: Function code.
        STATIC: Static-hosting code.
        SMS: An SMS CSV file (for ``tcb/createsendsmstask``).
    """

    FUNCTION = "FUNCTION"
    STATIC = "STATIC"
    SMS = "SMS"


def _file_type(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, ExtensionFileType):
        raise InvalidRequestError("file_type must be an ExtensionFileType (FUNCTION, STATIC or SMS)")


def _file_name(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    non_empty(_, attribute, value)
    assert isinstance(value, str)
    if len(value) > MAX_EXTENSION_FILE_NAME:
        raise InvalidRequestError(f"file_name is longer than {MAX_EXTENSION_FILE_NAME} characters")


@attrs.frozen
class ExtensionFile:
    """A file to upload, as ``describeextensionuploadinfo`` asks.

    Attributes:
        file_type: ``FileType``, what it is.
        file_name: ``FileName``, its name: 1 to `MAX_EXTENSION_FILE_NAME` (24) characters.
    """

    file_type: ExtensionFileType = attrs.field(validator=_file_type, metadata=wire("FileType"))
    file_name: str = attrs.field(validator=_file_name, metadata=wire("FileName"))


def _files(value: Iterable[ExtensionFile]) -> list[ExtensionFile]:
    if isinstance(value, (str, bytes, Mapping, ExtensionFile)) or not isinstance(value, Iterable):
        raise InvalidRequestError("extension_files must be a list of ExtensionFile")
    files = list(value)
    if not files or not all(isinstance(f, ExtensionFile) for f in files):
        raise InvalidRequestError("extension_files must be a non-empty list of ExtensionFile")
    return files


@attrs.frozen
class ExtensionFiles:
    """The ``PostData`` object of ``describeextensionuploadinfo``.

    Attributes:
        extension_files: ``ExtensionFiles``, the files: a non-empty list of `ExtensionFile`.
    """

    extension_files: list[ExtensionFile] = attrs.field(converter=_files, metadata=wire("ExtensionFiles"))


@attrs.frozen
class ExtensionUpload:
    """Where to upload one extension file (an item of ``FilesData``).

    Attributes:
        code_uri: ``CodeUri``, the address to use afterwards (``extension://…``; for an SMS CSV,
            ``tcb/createsendsmstask``'s ``file_url``).
        upload_url: ``UploadUrl``, the signed temporary URL to PUT the file to (hidden from the repr).
        custom_key: ``CustomKey``, the custom key, ``""`` when none is needed (hidden from the repr).
        max_size: ``MaxSize``, the largest file accepted, in MB (a larger one is deleted).
    """

    code_uri: str = attrs.field(metadata=wire("CodeUri"))
    upload_url: str = attrs.field(repr=False, metadata=wire("UploadUrl"))
    custom_key: str = attrs.field(default="", repr=False, metadata=wire("CustomKey"))
    max_size: int = attrs.field(default=0, metadata=wire("MaxSize"))


@attrs.frozen
class ExtensionUploadInfo:
    """The answer of ``describeextensionuploadinfo``.

    Attributes:
        files: ``FilesData``, one `ExtensionUpload` per file asked for.
        request_id: ``RequestId``, the id of the request for WeChat's support.
    """

    files: list[ExtensionUpload] = attrs.field(metadata=wire("FilesData"))
    request_id: str = attrs.field(default="", metadata=wire("RequestId"))


# --- method objects ----------------------------------------------------------------------------


def _limit(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequestError("limit must be a positive integer")


def _offset(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError("offset must be a non-negative integer")


def _runtime_either_way(value: object) -> FunctionList:
    if isinstance(value, Mapping):
        functions = value.get("functions")
        if isinstance(functions, list):
            # The old page's table spells run_time; its sample and the new page runtime.
            functions = [
                {**f, "runtime": f["run_time"]}
                if isinstance(f, Mapping) and "runtime" not in f and "run_time" in f
                else f
                for f in functions
            ]
            value = {**value, "functions": functions}
    return structure(value, FunctionList)


@attrs.frozen
class ListFunctions(Method[FunctionList]):
    """A page of the functions of environment *env* (merchant token).

    Attributes:
        env: ``env``, the environment id (non-empty).
        limit: ``limit``, how many to return: a positive integer (WeChat states no maximum).
        offset: ``offset``, how many to skip: a non-negative integer.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint("tcb/listfunctions", doc=_SCF + "api_getfuntionlist.html")

    env: str = attrs.field(validator=env_id)
    limit: int = attrs.field(default=20, validator=_limit)
    offset: int = attrs.field(default=0, validator=_offset)

    __decode__ = staticmethod(_runtime_either_way)


@attrs.frozen
class GetFunctionDownload(Method[FunctionDownload]):
    """Where to download the code of function *function_name* (merchant token): a signed URL
    and the zip's SHA-256.

    Attributes:
        env: ``env``, the environment id (non-empty).
        function_name: ``function_name``, the function (non-empty).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint("tcb/downloadfunction", doc=_SCF + "api_getfuntionlink.html")

    env: str = attrs.field(validator=env_id)
    function_name: str = attrs.field(validator=non_empty)


@attrs.frozen
class CreateFunction(Method[None]):
    """Create function *function_name* in *env* (merchant token); its code and configuration
    are uploaded separately. Never resent after a transient failure.

    Attributes:
        env: ``env``, the environment id (non-empty).
        function_name: ``function_name``, the new function's name (non-empty).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/createfunction", idempotent=False, doc=_SCF + "api_createfunction.html"
    )

    env: str = attrs.field(validator=env_id)
    function_name: str = attrs.field(validator=non_empty)


def _config_type(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequestError(
            "type must be a positive integer (a FunctionConfigType, or 3 for the environment)"
        )


def _config_text(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidRequestError(f"config cannot be sent as JSON ({type(exc).__name__})") from None


@attrs.frozen
class UploadFunctionConfig(Method[None]):
    """Write configuration *type* of function *function_name* (merchant token). A write: never
    resent after a transient failure.

    Attributes:
        env: ``env``, the environment id (non-empty).
        function_name: ``function_name``, the function (non-empty).
        type: ``type``, which configuration: a positive integer (`wxtcb.functions.FunctionConfigType`
            1 and 2; the page's own sample writes the environment configuration with 3).
        config: ``config``, the configuration as JSON text: pass the value (such as
            ``{"timeout": 5}``), wxtcb encodes it (compact, UTF-8 kept). Hidden from the repr.
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/uploadfuncconfig", idempotent=False, doc=_OLD + "uploadFuncConfig.html"
    )

    env: str = attrs.field(validator=env_id)
    function_name: str = attrs.field(validator=non_empty)
    type: int = attrs.field(validator=_config_type)
    config: str = attrs.field(converter=_config_text, repr=False)


@attrs.frozen
class GetCodeSecret(Method[CodeSecret]):
    """The mini program's code-protection key for this platform (merchant token); a secret."""

    __endpoint__: ClassVar[Endpoint] = Endpoint("tcb/getcodesecret", doc=_SCF + "api_getcodesecret.html")


def _sha256_hex(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _SHA256_HEX.fullmatch(value):
        raise InvalidRequestError(
            "hashed_payload must be a lowercase hex SHA-256 (64 characters; see hashed_payload())"
        )


@attrs.frozen
class GetUploadSignature(Method[UploadSignature]):
    """The signed headers for uploading a function whose request body hashes to *hashed_payload*
    (merchant token); a secret.

    Attributes:
        hashed_payload: ``hashed_payload``, the lowercase hex SHA-256 of the upload request's body
            (64 characters; `hashed_payload()` computes it).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/getuploadsignature", doc=_SCF + "api_getyploadsignature.html"
    )

    hashed_payload: str = attrs.field(validator=_sha256_hex)


def _post_data(value: Iterable[ExtensionFile] | ExtensionFiles) -> ExtensionFiles:
    return value if isinstance(value, ExtensionFiles) else ExtensionFiles(_files(value))


def _unwrapped(value: object) -> ExtensionUploadInfo:
    if isinstance(value, Mapping) and isinstance(value.get("Response"), Mapping) and "FilesData" not in value:
        value = value["Response"]  # the official answer sample is Tencent-Cloud style
    return structure(value, ExtensionUploadInfo)


@attrs.frozen
class DescribeExtensionUploadInfo(Method[ExtensionUploadInfo]):
    """Where to upload extension files (function code, static files, an SMS CSV): one signed
    PUT URL per file. Sending it again only mints new URLs, so it is resent after a transient failure.

    Attributes:
        files: ``PostData``, the files: a non-empty list of `ExtensionFile` (sent as
            ``{"PostData": {"ExtensionFiles": [...]}}``, as every official sample does).
    """

    __endpoint__: ClassVar[Endpoint] = Endpoint(
        "tcb/describeextensionuploadinfo",
        doc="https://developers.weixin.qq.com/miniprogram/dev/server/API/cloudbase/others/"
        "api_describeextensionuploadinfo.html",
    )

    files: ExtensionFiles = attrs.field(converter=_post_data, metadata=wire("PostData"))

    __decode__ = staticmethod(_unwrapped)
