"""The asynchronous client: ``AsyncClient.create`` and ``AsyncClient.stream``.

Only the I/O is here: the request flows (:mod:`agentloop._flow`) decide
everything else, and :meth:`AsyncClient._drive` performs the effects they yield.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

import httpx
from typing_extensions import Self, Unpack

from ._base_client import BaseClient, MessageParams
from ._flow import Call, Flow, Steps, create_flow, new_call, open_stream_flow
from ._models import Message
from ._retry import async_sleep
from ._stream_base import StreamBase
from ._streaming import StreamEvent, parse_event

__all__ = ["AsyncClient", "AsyncMessageStream"]

T = TypeVar("T")


class AsyncClient(BaseClient[httpx.AsyncClient, Callable[[float], Awaitable[None]]]):
    """An asynchronous client of the Messages API; see :class:`~agentloop.Client`.

    It runs under asyncio and trio alike (retries wait with ``anyio.sleep``).
    """

    async def create(self, **params: Unpack[MessageParams]) -> Message:
        """Send one request and return the model's :class:`Message` (retried on failure).

        ``max_retries=`` overrides the client's for this call (0: a single attempt).
        """
        return await self._drive(create_flow(new_call(self, params, stream=False)))

    def stream(self, **params: Unpack[MessageParams]) -> AsyncMessageStream:
        """Open a streamed request: ``async with client.stream(...) as stream:``."""
        return AsyncMessageStream(self, new_call(self, params, stream=True))

    async def aclose(self) -> None:
        """Close the HTTP connections, if this client opened them."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient()

    def _default_sleep(self) -> Callable[[float], Awaitable[None]]:
        return async_sleep

    async def _drive(self, flow: Flow[T]) -> T:
        """Run ``flow``, awaiting each effect it yields."""
        steps = Steps(flow)
        for effect in steps:
            try:
                steps.outcome = await getattr(self, effect.op)(*effect.args)
            except BaseException as exc:
                steps.fail(exc)
        return steps.result

    async def _send(self, request: httpx.Request, stream: bool) -> httpx.Response:
        return await self._http.send(request, stream=stream)

    async def _read(self, response: httpx.Response) -> bytes:
        return await response.aread()

    async def _chunks(self, response: httpx.Response) -> AsyncIterator[bytes]:
        return response.aiter_bytes()

    async def _next_chunk(self, chunks: AsyncIterator[bytes]) -> bytes | None:
        return await anext(chunks, None)

    async def _close(self, response: httpx.Response) -> None:
        await response.aclose()

    async def _wait(self, seconds: float) -> None:
        await self._sleep(seconds)


class AsyncMessageStream(StreamBase):
    """A streamed response; see :class:`~agentloop.MessageStream`."""

    _how = "async with client.stream(...)"

    def __init__(self, client: AsyncClient, call: Call) -> None:
        super().__init__(call)
        self._client = client

    async def __aenter__(self) -> Self:
        self._opened(await self._client._drive(open_stream_flow(self._call)))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the response (stopping the stream if it is still running)."""
        if self._response is not None:
            await self._response.aclose()

    async def iter_data(self) -> AsyncIterator[dict[str, Any]]:
        """Each event's decoded JSON, as it arrives (no typed models built)."""
        core, failure = self._require_core(), None
        try:
            while self._pending:
                yield self._pending.popleft()
            if not core.accumulator.done:
                async for chunk in self._chunks:
                    for event in core.feed(chunk):
                        yield event
                    if core.accumulator.done:
                        break
                else:
                    for event in core.end():
                        yield event
            await self._drain()
        except BaseException as exc:
            failure = self._caught(exc)
        self._end(failure)

    async def __aiter__(self) -> AsyncIterator[StreamEvent]:
        async for data in self.iter_data():
            yield parse_event(data)

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """Just the text deltas, as they arrive."""
        return self._text_stream()

    async def _text_stream(self) -> AsyncIterator[str]:
        async for data in self.iter_data():
            if data.get("type") == "content_block_delta":
                delta = data["delta"]
                if delta.get("type") == "text_delta":
                    yield delta["text"]

    async def final_message(self) -> Message:
        """Read the rest of the stream and return the complete Message."""
        async for _ in self.iter_data():
            pass
        return self._message()

    async def _drain(self) -> None:
        """Read the end of the body after message_stop, so the connection is reused."""
        try:
            async for _ in self._chunks:
                pass
        except httpx.HTTPError:
            pass  # the message is complete; the connection just is not reused
