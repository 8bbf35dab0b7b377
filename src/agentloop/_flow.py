"""The client's request flows, written once and free of I/O.

A flow is a generator in the style of httpx's ``Auth.auth_flow``: it yields
:class:`Effect` values (send this request, read that body, take the next
chunk, close, sleep) and receives each one's outcome. :class:`~agentloop.Client`
and :class:`~agentloop.AsyncClient` drive the same flows, each performing the
effects with its own I/O in a few lines; everything else (retry decisions,
error mapping, logging, when a stream counts as opened) lives here.

An httpx failure comes back into the flow as the outcome value, never as a
raised exception, so the typed error the flow raises for it is chained to
nothing: no ``__cause__`` or ``__context__`` holds the request and its API key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

import httpx

from ._base_client import (
    BaseClient,
    StreamCore,
    error_from_response,
    failed_attempt,
    finish_attempt,
    log_request,
    transport_error,
)
from ._exceptions import APIError
from ._models import Message
from ._retry import RetryPolicy, check_retries, log_retry

__all__ = [
    "Call",
    "Effect",
    "Flow",
    "Opened",
    "Steps",
    "create_flow",
    "new_call",
    "open_stream_flow",
]

T = TypeVar("T")


class Effect(NamedTuple):
    """One piece of I/O for the driver: the name of its method that does it, and the arguments.

    ``_send(request, stream)`` returns the response, ``_read(response)`` reads
    its body, ``_chunks(response)`` returns its byte iterator,
    ``_next_chunk(chunks)`` the next bytes or None at the end, ``_close(response)``
    closes it and ``_wait(seconds)`` sleeps. An httpx error is returned, not raised.
    """

    op: str
    args: tuple[Any, ...]


Flow = Generator[Effect, Any, T]


class Steps(Generic[T]):
    """Steps a flow for a driver: iterate it for the effects; after each, set
    ``outcome`` (or call :meth:`fail`); ``result`` is the flow's return value.

    ``fail(exc)`` hands an httpx error back as the outcome value (so the flow's
    typed error is chained to nothing) and throws anything else into the flow,
    which closes what it opened and re-raises it.
    """

    __slots__ = ("_failure", "_flow", "outcome", "result")

    def __init__(self, flow: Flow[T]) -> None:
        self._flow = flow
        self._failure: BaseException | None = None
        self.outcome: Any = None

    def __iter__(self) -> Steps[T]:
        return self

    def __next__(self) -> Effect:
        failure, self._failure = self._failure, None
        try:
            if failure is not None:
                return self._flow.throw(failure)
            return self._flow.send(self.outcome)
        except StopIteration as stop:
            self.result: T = stop.value
            raise StopIteration from None

    def fail(self, exc: BaseException) -> None:
        if isinstance(exc, httpx.HTTPError):
            self.outcome = exc
        else:
            self._failure = exc


@dataclass(frozen=True, slots=True)
class Call:
    """One ``create`` or ``stream`` call: the request, its model and its retry policy."""

    request: httpx.Request
    model: str
    policy: RetryPolicy


@dataclass(slots=True)
class Opened:
    """A stream past its first event: the response, its core, its chunks, the events read."""

    response: httpx.Response
    core: StreamCore
    chunks: Iterator[bytes] | Any
    pending: list[dict[str, Any]]


def new_call(client: BaseClient[Any, Any], params: Mapping[str, Any], *, stream: bool) -> Call:
    """The call of ``create``/``stream``: its request, and the policy (``max_retries`` overridden)."""
    request = client._build_request(client._http, params, stream=stream)  # type: ignore[arg-type]
    policy = client.retry_policy
    retries = params.get("max_retries")
    if retries is not None and retries != policy.max_retries:
        policy = _with_retries(policy, check_retries(retries, "max_retries"))
    return Call(request, params["model"], policy)


@lru_cache(maxsize=64)
def _with_retries(policy: RetryPolicy, retries: int) -> RetryPolicy:
    """``policy`` with another ``max_retries`` (made once per pair: the loop asks on every
    request)."""
    return replace(policy, max_retries=retries)


def create_flow(call: Call) -> Flow[Message]:
    """A non-streamed request, retried by the policy."""
    return _retried(call, _create_once)


def open_stream_flow(call: Call) -> Flow[Opened]:
    """A streamed request up to its first event, retried by the policy until then."""
    return _retried(call, _open_once)


def _retried(call: Call, once: Callable[[Call, int], Flow[T]]) -> Flow[T]:
    """``once(call, attempt)`` until it succeeds or the policy says stop; then its last error."""
    attempt = 1
    while True:
        try:
            return (yield from once(call, attempt))
        except APIError as exc:
            error = exc
        wait = call.policy.delay(error, attempt)
        if wait is None:
            raise error
        log_retry(attempt, error, wait)
        yield Effect("_wait", (wait,))
        attempt += 1


def _create_once(call: Call, attempt: int) -> Flow[Message]:
    started = time.perf_counter()
    response = yield Effect("_send", (call.request, False))
    if isinstance(response, httpx.HTTPError):
        raise failed_attempt(response, model=call.model, attempt=attempt)
    return finish_attempt(response, model=call.model, attempt=attempt, started=started)


def _open_once(call: Call, attempt: int) -> Flow[Opened]:
    """Send the request and read up to the first event; close the response on any failure."""
    started = time.perf_counter()
    response = yield Effect("_send", (call.request, True))
    if isinstance(response, httpx.HTTPError):
        raise failed_attempt(response, model=call.model, attempt=attempt, stream=True)
    try:
        if response.status_code >= 400:
            raise (yield from _status_error(call, attempt, started, response))
        core = StreamCore(response.headers.get("request-id"), model=call.model,
                          attempt=attempt, started=started)  # fmt: skip
        return (yield from _first_event(response, core))
    except BaseException as exc:
        if not isinstance(exc, GeneratorExit):
            yield Effect("_close", (response,))
        raise


def _status_error(
    call: Call, attempt: int, started: float, response: httpx.Response
) -> Flow[APIError]:
    failed = yield Effect("_read", (response,))
    if isinstance(failed, httpx.HTTPError):
        return transport_error(failed)
    error = error_from_response(response)
    log_request(model=call.model, attempt=attempt, status=response.status_code,
                latency=time.perf_counter() - started, request_id=error.request_id,
                stream=True, error=error)  # fmt: skip
    return error


def _first_event(response: httpx.Response, core: StreamCore) -> Flow[Opened]:
    chunks = yield Effect("_chunks", (response,))
    while True:
        chunk = yield Effect("_next_chunk", (chunks,))
        if chunk is None:
            return Opened(response, core, chunks, core.end_before_first_event())
        if isinstance(chunk, httpx.HTTPError):
            raise transport_error(chunk)
        pending = core.feed(chunk)
        if pending:
            return Opened(response, core, chunks, pending)
