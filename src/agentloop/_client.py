"""The synchronous client: ``Client.create`` and ``Client.stream``."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import httpx
from typing_extensions import Self, Unpack

from ._base_client import (
    DEFAULT_TIMEOUT,
    BaseClient,
    MessageParams,
    StreamCore,
    error_from_response,
    failed_attempt,
    finish_attempt,
    log_request,
    stream_transport_error,
    transport_error,
)
from ._exceptions import APIError
from ._models import Message
from ._retry import RetryPolicy, is_retryable
from ._streaming import StreamEvent, parse_event

__all__ = ["Client", "MessageStream"]

T = TypeVar("T")


class Client(BaseClient):
    """A synchronous client of the Messages API.

    ``api_key`` defaults to ``ANTHROPIC_API_KEY``, ``base_url`` to
    ``ANTHROPIC_BASE_URL`` or ``https://api.anthropic.com``. Pass your own
    ``http_client`` (an ``httpx.Client``, e.g. with a custom transport) to
    control connections; the client then leaves closing it to you.
    ``sleep`` is the function waited with between retries.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        default_headers: Mapping[str, str] | None = None,
        betas: Sequence[str] = (),
        http_client: httpx.Client | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout,
            default_headers=default_headers,
            betas=betas,
            retry_policy=retry_policy,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client()
        self._sleep = sleep

    def create(self, **params: Unpack[MessageParams]) -> Message:
        """Send one request and return the model's :class:`Message` (retried on failure)."""
        request = self._build_request(self._http, params, stream=False)
        model = params["model"]
        return self._with_retries(lambda attempt: self._send(request, model, attempt))

    def stream(self, **params: Unpack[MessageParams]) -> MessageStream:
        """Open a streamed request; use it as a context manager.

        ``with client.stream(...) as stream:`` iterates typed events, and
        ``stream.final_message()`` returns the whole Message once done.
        """
        request = self._build_request(self._http, params, stream=True)
        return MessageStream(self, request, params["model"])

    def close(self) -> None:
        """Close the HTTP connections, if this client opened them."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _send(self, request: httpx.Request, model: str, attempt: int) -> Message:
        start = time.perf_counter()
        try:
            response = self._http.send(request)
        except httpx.HTTPError as exc:
            raise failed_attempt(exc, model=model, attempt=attempt) from exc
        return finish_attempt(response, model=model, attempt=attempt, started=start)

    def _open_stream(self, request: httpx.Request, model: str) -> _Opened:
        return self._with_retries(lambda attempt: self._open_stream_once(request, model, attempt))

    def _with_retries(self, once: Callable[[int], T]) -> T:
        """``once(attempt)``, retried by the policy; the first attempt skips tenacity."""
        try:
            return once(1)
        except APIError as exc:
            if self.retry_policy.max_retries < 1 or not is_retryable(exc):
                raise
            first = exc
        for attempt in self.retry_policy.retrying(self._sleep):
            with attempt:
                number = attempt.retry_state.attempt_number
                if number == 1:
                    raise first  # already made: tenacity only waits and counts from it
                return once(number)
        raise AssertionError("unreachable: tenacity reraises the last error")

    def _open_stream_once(self, request: httpx.Request, model: str, attempt: int) -> _Opened:
        """Send the request and read up to the first event: until then, failures retry."""
        start = time.perf_counter()
        try:
            response = self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise transport_error(exc) from exc
        rid = response.headers.get("request-id")
        try:
            if response.status_code >= 400:
                response.read()
                error = error_from_response(response)
                log_request(model=model, attempt=attempt, status=response.status_code,
                            latency=time.perf_counter() - start, request_id=rid,
                            stream=True, error=error)  # fmt: skip
                raise error
            core = StreamCore(rid, model=model, attempt=attempt, started=start)
            chunks = response.iter_bytes()
            pending: deque[dict[str, Any]] = deque()
            for chunk in chunks:
                pending.extend(core.feed(chunk))
                if pending:
                    break
            else:
                pending.extend(core.end_before_first_event())
        except httpx.HTTPError as exc:
            response.close()
            raise transport_error(exc) from exc
        except BaseException:
            response.close()
            raise
        return _Opened(response, core, chunks, pending)


@dataclass
class _Opened:
    response: httpx.Response
    core: StreamCore
    chunks: Iterator[bytes]
    pending: deque[dict[str, Any]]


class MessageStream:
    """A streamed response. Iterate it for typed events; ``final_message()`` for the result.

    Failures before the first event are retried like any request. After it,
    a cut or stalled stream raises :class:`~agentloop.StreamError` and an
    ``error`` event raises its typed status error: an incomplete message is
    never returned as complete.
    """

    def __init__(self, client: Client, request: httpx.Request, model: str) -> None:
        self._client = client
        self._request = request
        self._model = model
        self._response: httpx.Response | None = None
        self._core: StreamCore | None = None
        self._chunks: Iterator[bytes] = iter(())
        self._pending: deque[dict[str, Any]] = deque()

    def __enter__(self) -> Self:
        opened = self._client._open_stream(self._request, self._model)
        self._response, self._core = opened.response, opened.core
        self._chunks, self._pending = opened.chunks, opened.pending
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the response (stopping the stream if it is still running)."""
        if self._response is not None:
            self._response.close()

    @property
    def request_id(self) -> str | None:
        return self._core.request_id if self._core else None

    def iter_data(self) -> Iterator[dict[str, Any]]:
        """Each event's decoded JSON, as it arrives (no typed models built)."""
        core = self._require_core()
        try:
            while self._pending:
                yield self._pending.popleft()
            if not core.accumulator.done:
                for chunk in self._chunks:
                    yield from core.feed(chunk)
                    if core.accumulator.done:
                        break
                else:
                    yield from core.end()
            self._drain()
        except httpx.HTTPError as exc:
            error = stream_transport_error(exc, core.request_id)
            core.log(self._status(), error)
            raise error from exc
        except BaseException as exc:
            core.log(self._status(), exc)
            raise
        core.log(self._status())

    def __iter__(self) -> Iterator[StreamEvent]:
        for data in self.iter_data():
            yield parse_event(data)

    @property
    def text_stream(self) -> Iterator[str]:
        """Just the text deltas, as they arrive."""
        for data in self.iter_data():
            if data.get("type") == "content_block_delta":
                delta = data["delta"]
                if delta.get("type") == "text_delta":
                    yield delta["text"]

    def final_message(self) -> Message:
        """Read the rest of the stream and return the complete Message."""
        for _ in self.iter_data():
            pass
        return self._require_core().accumulator.message()

    def partial_tool_input(self, index: int) -> Any:
        """Best-effort parse of the tool input received so far for content block ``index``."""
        return self._require_core().accumulator.partial_input(index)

    def _drain(self) -> None:
        """Read the end of the body after message_stop, so the connection is reused."""
        try:
            for _ in self._chunks:
                pass
        except httpx.HTTPError:
            pass  # the message is complete; the connection just is not reused

    def _require_core(self) -> StreamCore:
        if self._core is None:
            raise RuntimeError("use the stream as a context manager: `with client.stream(...)`")
        return self._core

    def _status(self) -> int | None:
        return self._response.status_code if self._response is not None else None
