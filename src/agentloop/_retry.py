"""When to retry a request and how long to wait: decisions only, no I/O.

Retried: connection errors and timeouts, 408, 409, 429, 5xx and 529, unless
the response says ``x-should-retry: false`` (and anything it says
``x-should-retry: true`` of). The wait is exponential backoff with jitter,
or the server's ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP
date) when it gives one within :attr:`RetryPolicy.max_retry_after`.

The client drives these decisions with tenacity; the sleep is injectable so
tests never wait on real backoff. With ``reraise=True`` the caller gets the
typed last error, never a tenacity wrapper.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import tenacity

from ._exceptions import APIConnectionError, APIStatusError
from ._logging import MODEL_RETRY, get_logger

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

    def wait(self, attempt: int, exc: BaseException | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        asked = retry_after(exc) if exc is not None else None
        if asked is not None and 0 <= asked <= self.max_retry_after:
            return asked
        backoff = min(self.initial_delay * 2.0 ** (attempt - 1), self.max_delay)
        return backoff * (1 - 0.25 * random.random())

    def _tenacity_kwargs(self) -> dict[str, Any]:
        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            return float(self.wait(state.attempt_number, exc))

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            get_logger().info(
                MODEL_RETRY,
                attempt=state.attempt_number,
                error=type(exc).__name__,
                wait=round(state.upcoming_sleep, 3),
            )

        return {
            "stop": tenacity.stop_after_attempt(self.max_retries + 1),
            "wait": wait,
            "retry": tenacity.retry_if_exception(is_retryable),
            "before_sleep": before_sleep,
            "reraise": True,
        }

    def retrying(self, sleep: Callable[[float], None] = time.sleep) -> tenacity.Retrying:
        """A tenacity controller for the sync client."""
        return tenacity.Retrying(sleep=sleep, **self._tenacity_kwargs())

    def aretrying(
        self, sleep: Callable[[float], Awaitable[None]] | None = None
    ) -> tenacity.AsyncRetrying:
        """A tenacity controller for the async client."""
        return tenacity.AsyncRetrying(sleep=sleep or async_sleep, **self._tenacity_kwargs())


async def async_sleep(seconds: float) -> None:
    """``asyncio.sleep``, imported when first needed (a sync program never imports asyncio)."""
    import asyncio

    await asyncio.sleep(seconds)
