"""The synchronous client: ``Client.create`` and ``Client.stream``.

Only the I/O is here: the request flows (:mod:`agentloop._flow`) decide
everything else, and :meth:`Client._drive` performs the effects they yield.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, TypeVar

import httpx
from typing_extensions import Self, Unpack

from ._base_client import BaseClient, MessageParams
from ._flow import Call, Flow, Steps, create_flow, new_call, open_stream_flow
from ._models import Message
from ._stream_base import StreamBase
from ._streaming import StreamEvent, parse_event

__all__ = ["Client", "MessageStream"]

T = TypeVar("T")


class Client(BaseClient[httpx.Client, Callable[[float], None]]):
    """A synchronous client of the Messages API.

    It speaks API version ``api_version`` (``"2026-10-21"`` by default, or
    ``"2023-06-01"``) and checks each request against that version's rules
    before sending. The credential is ``api_key`` (``x-api-key``) or
    ``auth_token`` (``Authorization: Bearer``), never both; ``workspace_id``
    and ``user_profile_id`` go as headers.

    ``api_key`` defaults to ``ANTHROPIC_API_KEY`` (then ``auth_token`` to
    ``ANTHROPIC_AUTH_TOKEN``), ``base_url`` to
    ``ANTHROPIC_BASE_URL`` or ``https://api.anthropic.com``. Pass your own
    ``http_client`` (an ``httpx.Client``, e.g. with a custom transport) to
    control connections; the client then leaves closing it to you.
    ``sleep`` is the function waited with between retries (``time.sleep``).
    """

    def create(self, **params: Unpack[MessageParams]) -> Message:
        """Send one request and return the model's :class:`Message` (retried on failure).

        ``max_retries=`` overrides the client's for this call (0: a single attempt).
        """
        return self._drive(create_flow(new_call(self, params, stream=False)))

    def stream(self, **params: Unpack[MessageParams]) -> MessageStream:
        """Open a streamed request; use it as a context manager.

        ``with client.stream(...) as stream:`` iterates typed events, and
        ``stream.final_message()`` returns the whole Message once done.
        """
        return MessageStream(self, new_call(self, params, stream=True))

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

    def _new_http(self) -> httpx.Client:
        return httpx.Client()

    def _default_sleep(self) -> Callable[[float], None]:
        return time.sleep

    def _drive(self, flow: Flow[T]) -> T:
        """Run ``flow``, performing each effect it yields."""
        steps = Steps(flow)
        for effect in steps:
            try:
                steps.outcome = getattr(self, effect.op)(*effect.args)
            except BaseException as exc:
                steps.fail(exc)
        return steps.result

    def _send(self, request: httpx.Request, stream: bool) -> httpx.Response:
        return self._http.send(request, stream=stream)

    def _read(self, response: httpx.Response) -> bytes:
        return response.read()

    def _chunks(self, response: httpx.Response) -> Iterator[bytes]:
        return response.iter_bytes()

    def _next_chunk(self, chunks: Iterator[bytes]) -> bytes | None:
        return next(chunks, None)

    def _close(self, response: httpx.Response) -> None:
        response.close()

    def _wait(self, seconds: float) -> None:
        self._sleep(seconds)


class MessageStream(StreamBase):
    """A streamed response. Iterate it for typed events; ``final_message()`` for the result.

    Failures before the first event are retried like any request. After it,
    a cut or stalled stream raises :class:`~agentloop.StreamError` and an
    ``error`` event raises its typed status error: an incomplete message is
    never returned as complete.
    """

    def __init__(self, client: Client, call: Call) -> None:
        super().__init__(call)
        self._client = client

    def __enter__(self) -> Self:
        self._opened(self._client._drive(open_stream_flow(self._call)))
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

    def iter_data(self) -> Iterator[dict[str, Any]]:
        """Each event's decoded JSON, as it arrives (no typed models built)."""
        core, failure = self._require_core(), None
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
        except BaseException as exc:
            failure = self._caught(exc)
        self._end(failure)

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
        return self._message()

    def _drain(self) -> None:
        """Read the end of the body after message_stop, so the connection is reused."""
        try:
            for _ in self._chunks:
                pass
        except httpx.HTTPError:
            pass  # the message is complete; the connection just is not reused
