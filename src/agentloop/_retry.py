"""When to retry a request and how long to wait: decisions only, no I/O.

Retried: connection errors and timeouts, 408, 409, 429, 5xx and 529, unless
the response says ``x-should-retry: false`` (and anything it says
``x-should-retry: true`` of). The wait is exponential backoff with jitter,
or the server's ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP
date) when it gives one within :attr:`RetryPolicy.max_retry_after`.

:meth:`RetryPolicy.delay` is the whole decision, as a pure function: the
client's request flow and the agent loop both ask it. The sleep is injectable
so tests never wait on real backoff. :meth:`RetryPolicy.retrying` gives the
same policy as a tenacity controller for your own calls.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from ._exceptions import APIConnectionError, APIStatusError, ConfigurationError
from ._logging import MODEL_RETRY, get_logger, info_enabled

if TYPE_CHECKING:
    import tenacity

__all__ = ["RetryPolicy", "is_retryable", "retry_after"]

_RETRY_STATUS = frozenset({408, 409, 429})


def is_retryable(exc: BaseException) -> bool:
    """Whether a failed attempt is worth another try."""
    if isinstance(exc, APIStatusError):
        should = exc.headers.get("x-should-retry")
        if should == "true":
            return True
        if should == "false":
            return False
        return exc.status_code in _RETRY_STATUS or exc.status_code >= 500
    return isinstance(exc, APIConnectionError)


def retry_after(exc: BaseException, *, now: float | None = None) -> float | None:
    """The wait the server asked for, in seconds, or ``None``."""
    if not isinstance(exc, APIStatusError):
        return None
    headers = exc.headers
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry and how long to wait between attempts."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        check_retries(self.max_retries, "RetryPolicy(max_retries=...)")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigurationError(
                    f"RetryPolicy({name}=...) must be a number of seconds >= 0, not {value!r}"
                )

    def delay(self, error: BaseException, attempt: int) -> float | None:
        """Seconds to wait before retrying after ``error`` ended attempt number ``attempt`` (1-based),
        or None when it must not be retried (not retryable, or max_retries spent)."""
        if attempt > self.max_retries or not is_retryable(error):
            return None
        return self.wait(attempt, error)

    def wait(self, attempt: int, exc: BaseException | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        asked = retry_after(exc) if exc is not None else None
        if asked is not None and 0 <= asked <= self.max_retry_after:
            return asked
        backoff = min(self.initial_delay * 2.0 ** (attempt - 1), self.max_delay)
        return backoff * (1 - 0.25 * random.random())

    def retrying(self, sleep: Callable[[float], None] = time.sleep) -> tenacity.Retrying:
        """This policy as a tenacity controller, to retry your own calls the same way."""
        import tenacity

        return tenacity.Retrying(sleep=sleep, **self._tenacity_kwargs())

    def aretrying(
        self, sleep: Callable[[float], Awaitable[None]] | None = None
    ) -> tenacity.AsyncRetrying:
        """This policy as a tenacity controller for async code."""
        import tenacity

        return tenacity.AsyncRetrying(sleep=sleep or async_sleep, **self._tenacity_kwargs())

    def _tenacity_kwargs(self) -> dict[str, Any]:
        def stop(state: tenacity.RetryCallState) -> bool:
            return self._decide(state) is None

        def wait(state: tenacity.RetryCallState) -> float:
            return self._decide(state) or 0.0

        def before_sleep(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log_retry(state.attempt_number, error, state.upcoming_sleep)

        return {"stop": stop, "wait": wait, "retry": _failed, "before_sleep": before_sleep,
                "reraise": True}  # fmt: skip

    def _decide(self, state: tenacity.RetryCallState) -> float | None:
        error = state.outcome.exception() if state.outcome else None
        return None if error is None else self.delay(error, state.attempt_number)


def _failed(state: tenacity.RetryCallState) -> bool:
    return state.outcome is not None and state.outcome.failed


def check_retries(value: object, where: str) -> int:
    """``value`` as a retry count, or a ConfigurationError naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"{where} must be a whole number >= 0, not {value!r}")
    return value


def log_retry(attempt: int, error: BaseException | None, wait: float) -> None:
    """Emit the ``model.retry`` event: attempt ``attempt`` failed, waiting ``wait`` seconds."""
    if info_enabled():
        get_logger().info(MODEL_RETRY, attempt=attempt, error=type(error).__name__,
                          wait=round(wait, 3))  # fmt: skip


async def async_sleep(seconds: float) -> None:
    """``anyio.sleep``: works under asyncio and trio alike (imported when first needed)."""
    import anyio

    await anyio.sleep(seconds)
