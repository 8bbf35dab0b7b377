"""Retry decisions and waits, without any HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from agentloop import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    OverloadedError,
    RateLimitError,
    RetryPolicy,
    StreamError,
)
from agentloop._exceptions import APIStatusError, status_error
from agentloop._retry import is_retryable, retry_after


def error(status: int, **headers: str) -> APIStatusError:
    return status_error(status_code=status, error_type=None, message="x", headers=headers)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_retryable_statuses(status: int):
    assert is_retryable(error(status))


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 413, 422])
def test_other_client_errors_are_not_retried(status: int):
    assert not is_retryable(error(status))


def test_connection_and_timeout_errors_are_retried_but_not_a_broken_stream():
    assert is_retryable(APIConnectionError("x"))
    assert is_retryable(APITimeoutError("x"))
    assert not is_retryable(StreamError("x"))
    assert not is_retryable(ValueError("x"))


def test_x_should_retry_wins():
    assert not is_retryable(error(529, **{"x-should-retry": "false"}))
    assert is_retryable(error(400, **{"x-should-retry": "true"}))


def test_retry_after_forms():
    assert retry_after(error(429, **{"retry-after-ms": "250"})) == 0.25
    assert retry_after(error(429, **{"retry-after": "2.5"})) == 2.5
    when = datetime(2030, 1, 1, tzinfo=timezone.utc)
    now = (when - timedelta(seconds=7)).timestamp()
    assert (
        retry_after(error(429, **{"retry-after": format_datetime(when, usegmt=True)}), now=now) == 7
    )
    assert retry_after(error(429, **{"retry-after": "soon"})) is None
    assert retry_after(error(429)) is None
    assert retry_after(APIConnectionError("x")) is None


def test_status_errors_map_to_their_classes():
    assert type(error(400)) is BadRequestError
    assert type(error(429)) is RateLimitError
    assert type(error(529)) is OverloadedError
    assert type(error(418)) is APIStatusError
    by_type = status_error(status_code=None, error_type="overloaded_error", message="x")
    assert (type(by_type), by_type.status_code) == (OverloadedError, 529)


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]:
        wait = policy.wait(attempt, None)
        assert 0.75 * ceiling <= wait <= ceiling


def test_server_wait_is_honoured_within_the_cap():
    policy = RetryPolicy(max_retry_after=60)
    assert policy.wait(1, error(429, **{"retry-after": "30"})) == 30
    assert policy.wait(1, error(429, **{"retry-after": "120"})) <= 0.5


def test_delay_is_the_whole_retry_decision():
    policy = RetryPolicy(max_retries=2)
    assert policy.delay(error(429, **{"retry-after": "3"}), 1) == 3
    assert policy.delay(error(429, **{"retry-after": "3"}), 2) == 3
    assert policy.delay(error(429, **{"retry-after": "3"}), 3) is None  # max_retries spent
    assert policy.delay(error(400), 1) is None  # not retryable
    assert policy.delay(StreamError("cut"), 1) is None
    assert 0.375 <= (policy.delay(APIConnectionError("x"), 1) or 0) <= 0.5
    assert RetryPolicy(max_retries=0).delay(error(529), 1) is None


def test_tenacity_controllers_follow_the_same_decision():
    calls: list[int] = []
    waits: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise error(529)
        return "ok"

    policy = RetryPolicy(max_retries=2, initial_delay=0.25)
    assert policy.retrying(sleep=waits.append)(flaky) == "ok"
    assert len(waits) == 2
    calls.clear()
    with pytest.raises(OverloadedError):
        RetryPolicy(max_retries=1).retrying(sleep=waits.append)(flaky)
    assert len(calls) == 2
