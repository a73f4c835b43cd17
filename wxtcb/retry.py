"""What is retried, how often and how long: `RetryPolicy`, a thin layer over tenacity.

Only transient failures are retried: errcode -1 and -1000, connection errors, timeouts, HTTP 5xx,
HTTP 429 (after at least its Retry-After, when that fits in the budget) and non-JSON gateway pages.
Never an answer over the size limit, never quota, credential or token codes; refresh-and-replay on a
rejected token lives in the pipeline, outside this loop, so the two never multiply.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import attrs

from wxtcb.errors import WxTcbError

if TYPE_CHECKING:
    import tenacity

__all__ = ["RetryPolicy", "is_transient"]

T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """Whether *exc* is a failure that the same request may not meet again."""
    return isinstance(exc, WxTcbError) and exc.transient


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative")


@attrs.frozen
class RetryPolicy:
    """Attempts plus a total time budget, capped exponential backoff plus jitter.

    Attributes:
        attempts: Tries in all, the first included (1 disables retries).
        timeout: Total seconds for all attempts and waits; no new attempt starts after it.
        wait_initial: The first wait, doubled after each failure...
        wait_max: ...up to this cap.
        wait_jitter: Up to this many random seconds added to each wait, so that many clients
            knocked over together do not come back together.

    ``RetryPolicy(wait_initial=0, wait_max=0, wait_jitter=0)`` retries without sleeping (tests).
    """

    attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    timeout: float = attrs.field(default=30.0, validator=_positive)
    wait_initial: float = attrs.field(default=0.1, validator=_positive)
    wait_max: float = attrs.field(default=5.0, validator=_positive)
    wait_jitter: float = attrs.field(default=1.0, validator=_positive)

    def _wait(self) -> Callable[[tenacity.RetryCallState], float]:
        import tenacity

        backoff: tenacity.wait.wait_base
        if self.wait_initial == 0 and self.wait_jitter == 0:
            backoff = tenacity.wait_none()
        else:
            backoff = tenacity.wait_exponential(multiplier=self.wait_initial, max=self.wait_max) + (
                tenacity.wait_random(0, self.wait_jitter)
            )

        def wait(state: tenacity.RetryCallState) -> float:
            seconds = float(backoff(state))
            error = state.outcome.exception() if state.outcome is not None else None
            # A server that said how long to wait (HTTP 429 Retry-After) is waited for; if that
            # is past the budget, stop_before_delay ends the retries now instead of sleeping.
            retry_after = getattr(error, "retry_after", None)
            if isinstance(retry_after, float | int) and retry_after > seconds:
                seconds = float(retry_after)
            return seconds

        return wait

    async def run(
        self,
        attempt: Callable[[int], Awaitable[T]],
        *,
        retryable: bool = True,
        before_sleep: Callable[[int, float, BaseException], None] | None = None,
    ) -> T:
        """Run ``attempt(n)`` until it succeeds, fails for good, or the policy is spent.

        The first attempt runs without any retry machinery (the hot path); tenacity takes over
        only after a transient failure. The last error is raised as itself, never `RetryError`.
        *before_sleep(next_attempt, wait, error)* is told about each retry before its wait.
        """
        started = time.monotonic()
        try:
            return await attempt(1)
        except WxTcbError as exc:
            first = exc
        return await self.resume(
            first, time.monotonic() - started, attempt, retryable=retryable, before_sleep=before_sleep
        )

    async def resume(
        self,
        error: WxTcbError,
        elapsed: float,
        attempt: Callable[[int], Awaitable[T]],
        *,
        retryable: bool = True,
        before_sleep: Callable[[int, float, BaseException], None] | None = None,
    ) -> T:
        """Go on after a first attempt that raised *error* after *elapsed* seconds: raise it if
        it stands, else retry ``attempt(2)``, ``attempt(3)``… as `run` does.

        For a caller that runs its first attempt inline (the pipeline's hot path) and enters the
        retry machinery only after a failure.
        """
        if not retryable and error.transient:
            # The first attempt may have taken effect: say why this transient failure stands.
            error.message += " (not resent: the call is not idempotent and may have taken effect)"
        if not retryable or not error.transient or self.attempts == 1:
            raise error
        # Imported here, not at the top: only a call that failed transiently needs tenacity, and
        # a program that never meets one (a CLI run, a bot's first answer) does not load it.
        import tenacity

        pending: list[BaseException] = [error]

        def sleep_hook(state: tenacity.RetryCallState) -> None:
            if before_sleep is not None and state.outcome is not None:
                error = state.outcome.exception()
                wait = state.next_action.sleep if state.next_action is not None else 0.0
                if error is not None:
                    before_sleep(state.attempt_number + 1, wait, error)

        budget = self.timeout - elapsed
        retrying = tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(self.attempts) | tenacity.stop_before_delay(budget),
            wait=self._wait(),
            retry=tenacity.retry_if_exception(is_transient),
            before_sleep=sleep_hook,
            reraise=True,
        )
        async for try_ in retrying:
            with try_:
                if pending:
                    # Attempt 1 already ran; replay its failure so tenacity counts it and waits.
                    raise pending.pop()
                return await attempt(try_.retry_state.attempt_number)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover
