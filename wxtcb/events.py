"""What wxtcb tells the outside world: log records on the ``wxtcb`` logger and event hooks.

Every event is a frozen attrs object with no secret in it (API paths, appids, attempt numbers,
errcodes, durations). `Observer.emit` logs it with the event's fields as structured ``extra``
(prefixed ``wxtcb_``) and hands it to the user's ``on_event`` callback.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import attrs

from wxtcb.errors import APIError, WxTcbError

__all__ = [
    "Event",
    "Observer",
    "RefreshTokenRotated",
    "RequestFinished",
    "RetryScheduled",
    "Telemetry",
    "TokenFetched",
    "TokenReplayed",
    "error_fields",
]

logger = logging.getLogger("wxtcb")

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from contextlib import AbstractContextManager

    from wxtcb.methods import Method

T = TypeVar("T")


class Telemetry(Protocol):
    """What traces and measures calls, installed process-wide by `wxtcb.otel.instrument`.

    The core reads the module attribute `telemetry` once per call and does nothing more while it
    is None, so a program that does not ask for telemetry pays one check and imports nothing.
    """

    def call(
        self, send: Coroutine[Any, Any, T], method: Method[Any], provider: object | None
    ) -> Coroutine[Any, Any, T]:
        """*send* (the pipeline's coroutine for *method*) run inside a span of its own."""
        ...

    def event(self, event: Event) -> None:
        """An event the pipeline or a provider emitted, for the current call's span and metrics."""
        ...

    def waiting(self, kind: str, appid: str, *, shared: bool) -> AbstractContextManager[None]:
        """Around a caller's wait for a token fetch (its own, or one *shared* with others)."""
        ...

    def ahead(self, kind: str) -> None:
        """A call was served a token inside its margin (a refresh ahead started or is running)."""
        ...


#: The installed `Telemetry`, or None (the default: nothing is traced or measured).
telemetry: Telemetry | None = None


def error_fields(error: BaseException | None) -> tuple[int | None, str | None]:
    """``(errcode, exception class name)`` of *error*, the only parts of an error an event carries."""
    if error is None:
        return None, None
    return (error.errcode if isinstance(error, APIError) else None), type(error).__name__


@attrs.frozen
class RequestFinished:
    """One HTTP attempt ended (a success, an errcode, or a transport failure). Logged at DEBUG.

    Attributes:
        api: The API path (``"tcb/getcallbackconfig"``); never the query, which holds the token.
        attempt: The attempt number, from 1.
        elapsed: Seconds the attempt took.
        errcode: WeChat's errcode when the answer was an `wxtcb.APIError`, else None.
        error: The exception's class name (``"BusyError"``, ``"RequestTimeout"``), None on success.
        level: The `logging` level the ``wxtcb`` logger records it at: DEBUG.
    """

    api: str
    attempt: int
    elapsed: float
    errcode: int | None = None
    error: str | None = None

    level = logging.DEBUG

    def message(self) -> str:
        """The text of the log record the ``wxtcb`` logger writes for this event."""
        outcome = "ok" if self.error is None else f"{self.error} errcode={self.errcode}"
        return f"{self.api} attempt {self.attempt}: {outcome} in {self.elapsed * 1000:.1f} ms"


@attrs.frozen
class RetryScheduled:
    """A transient failure will be retried after ``wait`` seconds. Logged at INFO.

    Attributes:
        api: The API path.
        attempt: The number of the attempt about to be made.
        wait: Seconds until it is made.
        errcode: The errcode of the failure, when it was one.
        error: The failure's exception class name.
        level: The `logging` level the ``wxtcb`` logger records it at: INFO.
    """

    api: str
    attempt: int
    wait: float
    errcode: int | None = None
    error: str | None = None

    level = logging.INFO

    def message(self) -> str:
        """The text of the log record the ``wxtcb`` logger writes for this event."""
        return f"{self.api}: {self.error} errcode={self.errcode}; attempt {self.attempt} in {self.wait:.2f} s"


@attrs.frozen
class TokenFetched:
    """A token provider fetched (or failed to fetch) a token from WeChat. Logged at INFO.

    Attributes:
        kind: ``"stable"``, ``"classic"``, ``"component"``, ``"authorizer"`` (or a provider's own).
        appid: The app, platform or merchant the token is for.
        elapsed: Seconds the fetch took.
        expires_in: The lifetime WeChat gave, on success.
        errcode: The errcode of a failed fetch, when it was one.
        error: The exception class name of a failed fetch.
        level: The `logging` level the ``wxtcb`` logger records it at: INFO.
    """

    kind: str
    appid: str
    elapsed: float
    expires_in: int | None = None
    errcode: int | None = None
    error: str | None = None

    level = logging.INFO

    def message(self) -> str:
        """The text of the log record the ``wxtcb`` logger writes for this event."""
        if self.error is None:
            return f"fetched {self.kind} token for {self.appid} (expires_in={self.expires_in})"
        return f"fetching {self.kind} token for {self.appid} failed: {self.error} errcode={self.errcode}"


@attrs.frozen
class TokenReplayed:
    """A call's token was rejected; the token was refreshed and the call replayed once. Logged at INFO.

    Attributes:
        api: The API path of the call.
        kind: The kind of token that was rejected.
        appid: Whose token it was.
        errcode: The rejection: 40001, 40014 or 42001.
        level: The `logging` level the ``wxtcb`` logger records it at: INFO.
    """

    api: str
    kind: str
    appid: str
    errcode: int

    level = logging.INFO

    def message(self) -> str:
        """The text of the log record the ``wxtcb`` logger writes for this event."""
        return (
            f"{self.api}: {self.kind} token for {self.appid} rejected ({self.errcode}); "
            "refreshed, replaying once"
        )


@attrs.frozen
class RefreshTokenRotated:
    """WeChat returned a new authorizer_refresh_token; it was stored before use.

    Logged at INFO: nothing is wrong, the store holds the new value (the hook
    ``on_refresh_token`` receives the token itself; the event never carries it).

    Attributes:
        component_appid: The third-party platform.
        authorizer_appid: The merchant whose refresh token rotated.
        level: The `logging` level the ``wxtcb`` logger records it at: INFO.
    """

    component_appid: str
    authorizer_appid: str

    level = logging.INFO

    def message(self) -> str:
        """The text of the log record the ``wxtcb`` logger writes for this event."""
        return f"authorizer_refresh_token of {self.authorizer_appid} rotated and stored"


Event = RequestFinished | RetryScheduled | TokenFetched | TokenReplayed | RefreshTokenRotated
"""What ``on_event`` receives: one of the event classes on this page (match on the class)."""


class Observer:
    """Logs events and forwards them to an optional ``on_event`` callback."""

    __slots__ = ("on_event",)

    def __init__(self, on_event: Callable[[Event], Any] | None = None) -> None:
        if on_event is not None and inspect.iscoroutinefunction(on_event):
            # It would be called and never awaited: its events lost, a RuntimeWarning each time.
            raise TypeError("on_event must be a plain function (it must not block); not async def")
        #: The user's hook, or None (read on the hot path to skip building events nobody gets).
        self.on_event = on_event

    def active(self, level: int) -> bool:
        """Whether an event at *level* would go anywhere (keeps the hot path free)."""
        return self.on_event is not None or telemetry is not None or logger.isEnabledFor(level)

    def emit(self, event: Event) -> None:
        if logger.isEnabledFor(event.level):
            extra = {f"wxtcb_{k}": v for k, v in attrs.asdict(event).items()}
            extra["wxtcb_event"] = type(event).__name__
            logger.log(event.level, event.message(), extra=extra)
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                logger.exception("on_event hook raised; ignored")
        if telemetry is not None:
            # Telemetry (a user's tracer or meter provider) never fails the call it describes.
            try:
                telemetry.event(event)
            except Exception:
                logger.exception("telemetry raised; ignored")

    def request(self, api: str, attempt: int, elapsed: float, error: WxTcbError | None) -> None:
        if self.active(logging.DEBUG):
            self.emit(RequestFinished(api, attempt, elapsed, *error_fields(error)))

    def retry(self, api: str, attempt: int, wait: float, error: BaseException) -> None:
        if self.active(logging.INFO):
            self.emit(RetryScheduled(api, attempt, wait, *error_fields(error)))
