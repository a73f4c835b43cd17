"""wxtcb's exceptions, and the one table that maps WeChat errcodes to them.

::

    WxTcbError                      root: catch this to catch everything wxtcb raises
    ├── APIError                    WeChat answered with errcode != 0 (errcode, errmsg, rid)
    │   ├── BusyError               -1, -1000: transient, retried by the RetryPolicy
    │   ├── TokenRejectedError      40001, 40014, 42001 (refreshed and replayed once), 41001
    │   │   └── CloudCallPermissionError  the same codes through cloud-run's open-API service
    │   ├── QuotaError              45009, 45011: never retried
    │   ├── IPNotAllowedError       40164, 61004: the caller's IP is not whitelisted (.ip)
    │   ├── RefreshTokenInvalidError  61023: re-sync authorizers or ask the merchant to re-authorize
    │   ├── TicketInvalidError      61005, 61006: wait for the next component_verify_ticket push
    │   ├── BadCredentialsError     40013, 40125, 40002, 40243, and 40001 from a token endpoint
    │   └── CloudBaseError          -501xxx…-504xxx, -601xxx: CloudBase's own codes
    │       ├── CloudBaseBusyError  -501001, -501002, -502011, -601001: transient (also a BusyError)
    │       └── FunctionError       -504001, -504002: the cloud function failed
    ├── TicketMissingError          no component_verify_ticket has been pushed yet
    ├── TransportError              network failure, timeout, HTTP status not 200, body not JSON
    │   ├── RequestTimeout          one attempt took longer than the client's timeout
    │   ├── ResponseTooLarge        the answer exceeded the client's max_response_size (not retried)
    │   └── StorageError            the object store (COS) answered an upload or download with an error
    ├── DecodeError                 JSON that does not fit the model
    ├── PartialFailureError         some items of a batch (files to link or delete) failed
    ├── InvalidRequestError         bad input, refused before anything is sent
    ├── InvalidSignatureError       a push that does not verify (forged, replayed, foreign)
    ├── CredentialStoreError        the token store failed (for example Redis is unreachable)
    │   └── AuthorizationNotStoredError  an authorization's refresh token could not be stored
    └── TokenFileError              cloud-run's cloudbase_access_token file is missing or empty

Using a closed client raises `RuntimeError`: that is a programming error, not a `WxTcbError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

import attrs

from wxtcb.redaction import MAX_ERRMSG, RequestSummary, bounded, redact_text

__all__ = [
    "ERRCODES",
    "APIError",
    "AuthorizationNotStoredError",
    "BadCredentialsError",
    "BusyError",
    "CloudBaseBusyError",
    "CloudBaseError",
    "CloudCallPermissionError",
    "CredentialStoreError",
    "DecodeError",
    "ErrcodeRule",
    "FunctionError",
    "IPNotAllowedError",
    "InvalidRequestError",
    "InvalidSignatureError",
    "PartialFailureError",
    "QuotaError",
    "RefreshTokenInvalidError",
    "RequestTimeout",
    "ResponseTooLarge",
    "StorageError",
    "TicketInvalidError",
    "TicketMissingError",
    "TokenFileError",
    "TokenRejectedError",
    "TransportError",
    "WxTcbError",
    "api_error",
    "holds_fetches",
    "refreshes_token",
    "split_rid",
]


class WxTcbError(Exception):
    """Root of every error wxtcb raises on purpose.

    Every error carries its `message` and, when it concerns a request, the redacted `request`
    summary; its text is built from those alone, so it never shows a token. Every error pickles
    (to a worker process, a task queue) and comes back with the same text.
    """

    #: Whether the RetryPolicy may try the call again.
    transient: bool = False
    #: A sentence on what to do, shown after the message.
    hint: ClassVar[str] = ""

    def __init__(self, message: str = "", *, request: RequestSummary | None = None) -> None:
        #: What went wrong, without the request and the hint.
        self.message = message
        #: The request that failed, redacted (no token, no secret), or None.
        self.request = request
        super().__init__(message)

    def __str__(self) -> str:
        text = self.message
        if self.request is not None:
            text += f" [{self.request}]"
        if self.hint:
            text += f". {self.hint}"
        return text

    def __reduce__(self) -> tuple[object, ...]:
        # Exception's own pickling calls cls(*args), which is wrong for every subclass whose
        # constructor does not take its message; restore the attributes instead.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[WxTcbError], args: tuple[object, ...], state: dict[str, object]) -> WxTcbError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class APIError(WxTcbError):
    """WeChat answered with a non-zero errcode.

    `errmsg` is as WeChat sent it, less the trailing request id (kept in `rid`), with every
    secret the request carried masked, and cut to `MAX_ERRMSG` characters (ending in ``…``).
    """

    def __init__(
        self,
        errcode: int,
        errmsg: str,
        *,
        rid: str | None = None,
        request: RequestSummary | None = None,
    ) -> None:
        #: WeChat's error code.
        self.errcode = errcode
        #: WeChat's error message, without its request id.
        self.errmsg = errmsg
        #: WeChat's request id (``rid: …`` or ``hint: [...]`` in errmsg): quote it to WeChat's support.
        self.rid = rid
        text = f"errcode {errcode}: {errmsg}"
        if rid:
            text += f" (rid {rid})"
        super().__init__(text, request=request)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(errcode={self.errcode!r}, errmsg={self.errmsg!r}, rid={self.rid!r})"


class BusyError(APIError):
    """WeChat is busy (-1) or had a system error (-1000): transient, retried.

    Attributes:
        transient: Always True: retried by the `RetryPolicy`.
    """

    transient = True


class TokenRejectedError(APIError):
    """The token sent was invalid, expired or missing."""


class CloudCallPermissionError(TokenRejectedError):
    """A token errcode for a call sent without a token (cloud-run's open-API service adds it).

    No refresh can fix it: the API is not in the cloud-call permission list, or the service
    version was built before the open-API service was switched on.

    Attributes:
        hint: Add the API to the cloud-run environment's cloud-call permission list, and build a new service
            version.
    """

    hint = (
        "Add the API to the cloud-call permission list (微信令牌权限配置) of the cloud-run "
        "environment, and build a new service version after switching the open-API service on"
    )


class QuotaError(APIError):
    """A daily (45009) or per-minute (45011) quota is exhausted.

    Attributes:
        hint: Check the quota with ``cgi-bin/openapi/quota/get`` and reset it with ``clear_quota`` if needed.
    """

    hint = "Check the quota with cgi-bin/openapi/quota/get and reset it with clear_quota if needed"


class IPNotAllowedError(APIError):
    """The caller's IP address is not on the API whitelist.

    Attributes:
        hint: Add this server's egress IP to the API IP whitelist.
    """

    hint = "Add this server's egress IP to the API IP whitelist"

    @property
    def ip(self) -> str | None:
        """The IP address WeChat saw, when errmsg names it."""
        match = re.search(r"invalid ip (\S+?),?(?:\s|$)", self.errmsg)
        return match.group(1) if match else None


class RefreshTokenInvalidError(APIError):
    """WeChat refused the authorizer_refresh_token (61023).

    Attributes:
        hint: Re-read the refresh tokens with ``api_get_authorizer_list``, or ask the merchant to authorize
            again.
    """

    hint = (
        "Re-read the refresh tokens with cgi-bin/component/api_get_authorizer_list, "
        "or ask the merchant to authorize again"
    )


class TicketInvalidError(APIError):
    """The component_verify_ticket is expired (61005) or invalid (61006).

    Attributes:
        hint: Wait for WeChat's next ``component_verify_ticket`` push and retry.
    """

    hint = "Wait for WeChat's next component_verify_ticket push (every 10 minutes) and retry"


class BadCredentialsError(APIError):
    """The appid, secret or grant is wrong: fix the configuration; never retried.

    Attributes:
        hint: Check the appid and secret.
    """

    hint = "Check the appid and secret"


class CloudBaseError(APIError):
    """A CloudBase code (WeChat's CloudBase error table): resources -501xxx, database -502xxx,
    storage -503xxx, functions -504xxx, WeChat's backend -601xxx. Not retried unless transient.

    Attributes:
        hint: Points at CloudBase's error-code page.
    """

    hint = "See CloudBase's error codes: https://developers.weixin.qq.com/minigame/dev/wxcloud/reference/errcode.html"


class CloudBaseBusyError(CloudBaseError, BusyError):
    """CloudBase was busy or slow (-501001, -501002, -502011, -601001): transient, retried when
    the call is idempotent (a call with effects is never resent).

    Attributes:
        transient: Always True: retried when the call is idempotent.
    """

    transient = True


class FunctionError(CloudBaseError):
    """The cloud function could not be called (-504001) or failed while running (-504002).

    Attributes:
        hint: See the cloud function's logs in the CloudBase console.
    """

    hint = "The cloud function failed: see its logs in the CloudBase console"


class TicketMissingError(WxTcbError):
    """No component_verify_ticket is known yet."""

    def __init__(self, component_appid: str) -> None:
        #: The third-party platform whose ticket is missing.
        self.component_appid = component_appid
        super().__init__(
            f"no component_verify_ticket for component {component_appid} yet: WeChat pushes one "
            "every 10 minutes; record it with ComponentTokenProvider.set_ticket() and retry"
        )


class TransportError(WxTcbError):
    """The request did not produce a WeChat answer: network, timeout, HTTP status or non-JSON body.

    Attributes:
        transient: Whether the `RetryPolicy` may try the call again (True by default; the raiser decides).
    """

    def __init__(
        self,
        message: str,
        *,
        request: RequestSummary | None = None,
        status: int | None = None,
        transient: bool = True,
        retry_after: float | None = None,
    ) -> None:
        #: The HTTP status, when an answer came.
        self.status = status
        self.transient = transient
        #: Seconds the server asked to wait (HTTP 429's ``Retry-After``), or None.
        self.retry_after = retry_after
        super().__init__(message, request=request)


class RequestTimeout(TransportError):
    """One attempt took longer than the client's timeout."""


class ResponseTooLarge(TransportError):
    """The answer was larger than the client's ``max_response_size``; never retried."""

    def __init__(
        self, limit: int, *, request: RequestSummary | None = None, status: int | None = None
    ) -> None:
        #: The limit that was exceeded, in bytes.
        self.limit = limit
        super().__init__(
            f"the answer is larger than max_response_size ({limit} bytes)",
            request=request,
            status=status,
            transient=False,
        )


class StorageError(TransportError):
    """The object store (COS) behind CloudBase storage refused an upload or a download.

    COS answers errors as XML (``<Error><Code>…</Code><Message>…</Message>…``); the code and
    message are kept, with every signature, token and signed URL the request carried masked.
    Transient (retried, with a fresh upload or download link) for HTTP 5xx and for 403, which
    is what an expired link gets.
    """

    def __init__(
        self,
        message: str,
        *,
        request: RequestSummary | None = None,
        status: int | None = None,
        transient: bool | None = None,
        retry_after: float | None = None,
        code: str = "",
        request_id: str = "",
    ) -> None:
        #: COS's error code, e.g. ``"SignatureDoesNotMatch"``, ``"AccessDenied"`` ("" if none).
        self.code = code
        #: COS's request id, to quote to support ("" if none).
        self.request_id = request_id
        if transient is None:
            transient = status is None or status >= 500 or status in (403, 408)
        super().__init__(
            message, request=request, status=status, transient=transient, retry_after=retry_after
        )


class PartialFailureError(WxTcbError):
    """Some items of a batch failed while WeChat answered errcode 0 (per-item ``status``).

    Raised only when asked for (``results.raise_for_failures()``): a batch never raises for one
    bad item on its own.
    """

    def __init__(self, message: str, *, failed: Iterable[tuple[str, int, str]] = ()) -> None:
        #: ``(file_id, status, errmsg)`` of each failed item, in the batch's order.
        self.failed = tuple(failed)
        super().__init__(message)


class DecodeError(WxTcbError):
    """WeChat's JSON does not fit the model; the message names the field."""


class InvalidSignatureError(WxTcbError):
    """A push failed verification: bad signature, bad padding, foreign appid or malformed body."""


class InvalidRequestError(WxTcbError, ValueError):
    """The input was refused before anything was sent."""


class CredentialStoreError(WxTcbError):
    """The token store failed (unreachable, stalled past its timeout, out of memory).

    A write that timed out may still land when the store wakes up; every write is conditional,
    so it never replaces a newer durable credential with an older one.
    """


class AuthorizationNotStoredError(CredentialStoreError):
    """A merchant's authorization succeeded but the store did not take its refresh token.

    The authorization code is spent: `authorization` holds what WeChat returned (the refresh token
    included; it never appears in the error's text or repr). Keep it, and store it again with
    ``provider.set_refresh_token()`` once the store is back.
    """

    def __init__(self, message: str, *, authorization: object) -> None:
        #: The `wxtcb.authorization.AuthorizationInfo` WeChat returned.
        self.authorization = authorization
        super().__init__(message)


class TokenFileError(WxTcbError):
    """Cloud-run's ``cloudbase_access_token`` file is missing, unreadable or empty."""


@attrs.frozen
class ErrcodeRule:
    """How wxtcb treats one errcode: the class raised, and whether the token is refreshed.

    Attributes:
        cls: The `APIError` subclass raised for the code.
        refresh: Whether the token is refreshed and the call replayed once.
    """

    cls: type[APIError]
    refresh: bool = False
    #: The class when the code comes from a token endpoint (there 40001 means a wrong secret).
    on_token_endpoint: type[APIError] | None = None


#: The one errcode table. Codes not listed raise a plain APIError and are not retried.
ERRCODES: dict[int, ErrcodeRule] = {
    -1: ErrcodeRule(BusyError),
    -1000: ErrcodeRule(BusyError),
    40001: ErrcodeRule(TokenRejectedError, refresh=True, on_token_endpoint=BadCredentialsError),
    40014: ErrcodeRule(TokenRejectedError, refresh=True),
    42001: ErrcodeRule(TokenRejectedError, refresh=True),
    41001: ErrcodeRule(TokenRejectedError),
    45009: ErrcodeRule(QuotaError),
    45011: ErrcodeRule(QuotaError),
    40164: ErrcodeRule(IPNotAllowedError),
    61004: ErrcodeRule(IPNotAllowedError),
    61023: ErrcodeRule(RefreshTokenInvalidError),
    61005: ErrcodeRule(TicketInvalidError),
    61006: ErrcodeRule(TicketInvalidError),
    40013: ErrcodeRule(BadCredentialsError),
    40125: ErrcodeRule(BadCredentialsError),
    40002: ErrcodeRule(BadCredentialsError),
    40243: ErrcodeRule(BadCredentialsError),
    # CloudBase (wxcloud/reference/errcode); retried: the four wechat-api.md §4.1 calls transient.
    -501001: ErrcodeRule(CloudBaseBusyError),  # cloud system error
    -501002: ErrcodeRule(CloudBaseBusyError),  # cloud response timeout
    -501003: ErrcodeRule(CloudBaseError),  # requests over the environment's quota
    -501004: ErrcodeRule(CloudBaseError),  # concurrency over the environment's quota
    -501005: ErrcodeRule(CloudBaseError),  # environment information abnormal
    -501007: ErrcodeRule(CloudBaseError),  # parameter error
    -501009: ErrcodeRule(CloudBaseError),  # resource invalid or missing
    -501015: ErrcodeRule(CloudBaseError),  # read quota exhausted
    -501016: ErrcodeRule(CloudBaseError),  # write quota exhausted
    -502001: ErrcodeRule(CloudBaseError),  # database request failed
    -502002: ErrcodeRule(CloudBaseError),  # invalid database command
    -502003: ErrcodeRule(CloudBaseError),  # no permission on the database
    -502005: ErrcodeRule(CloudBaseError),  # collection does not exist
    -502011: ErrcodeRule(CloudBaseBusyError),  # database timeout
    -503001: ErrcodeRule(CloudBaseError),  # storage request failed
    -503002: ErrcodeRule(CloudBaseError),  # no permission on the file
    -503003: ErrcodeRule(CloudBaseError),  # file does not exist
    -504001: ErrcodeRule(FunctionError),  # function call failed
    -504002: ErrcodeRule(FunctionError),  # function execution failed
    -601001: ErrcodeRule(CloudBaseBusyError),  # WeChat backend error
}

_DEFAULT_RULE = ErrcodeRule(APIError)

#: WeChat's request id sits at the end of errmsg; it is looked for in this many last characters.
_RID_WINDOW = 256
_RID = re.compile(r"(?:rid:\s*(?P<rid>[\w-]+)|hint:\s*\[(?P<hint>[^\]]*)\])\s*\Z")
_SEPARATORS = " \t\r\n,;"


def split_rid(errmsg: str) -> tuple[str, str | None]:
    """Split WeChat's trailing request id (``rid: …`` or ``hint: [...]``) off an errmsg.

    Linear in the length of *errmsg*, whatever it holds: the id is looked for only at the end.
    """
    window_start = max(0, len(errmsg) - _RID_WINDOW)
    window = errmsg[window_start:]
    at = max(window.rfind("rid:"), window.rfind("hint:"))
    match = _RID.match(window, at) if at >= 0 else None
    if match is None:
        return errmsg, None
    return errmsg[: window_start + at].rstrip(_SEPARATORS), match.group("rid") or match.group("hint")


def api_error(
    errcode: int,
    errmsg: str,
    *,
    token_endpoint: bool = False,
    request: RequestSummary | None = None,
    secrets: Iterable[str] = (),
) -> APIError:
    """Build the exception the table names for *errcode*.

    *errmsg* is made safe to keep and show first: its request id split off, the *secrets* the
    request carried (and anything that looks like ``access_token=…``) masked, and its length
    bounded, so a hostile answer can neither leak a token nor bloat an exception.
    """
    rule = ERRCODES.get(errcode, _DEFAULT_RULE)
    cls = rule.on_token_endpoint if token_endpoint and rule.on_token_endpoint else rule.cls
    text, rid = split_rid(errmsg)
    text = bounded(redact_text(text[: 2 * MAX_ERRMSG + 4096], secrets), MAX_ERRMSG)
    if rid is not None:
        rid = redact_text(rid, secrets)
    return cls(errcode, text, rid=rid, request=request)


def refreshes_token(exc: BaseException) -> bool:
    """Whether *exc* says the business call's token was rejected in a way a refresh can fix."""
    if not isinstance(exc, TokenRejectedError):
        return False
    rule = ERRCODES.get(exc.errcode)
    return rule is not None and rule.refresh


_HOLDS_FETCHES = (BadCredentialsError, TicketInvalidError, RefreshTokenInvalidError, IPNotAllowedError)


def holds_fetches(exc: BaseException) -> bool:
    """Whether a token fetch that failed with *exc* would fail the same way if asked again now.

    A wrong secret, an expired ticket, a dead refresh token or a missing IP whitelist entry is
    fixed by a person or by a new credential, not by asking WeChat again: the provider holds
    further fetches for a while instead of sending a request WeChat will refuse.
    """
    return isinstance(exc, _HOLDS_FETCHES)
