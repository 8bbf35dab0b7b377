"""The context managers behind ``Agent.stream`` and ``Agent.astream``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import Any, Generic

from typing_extensions import Self

from ._events import Event, RunFinished, TextDelta
from ._result import OutputT, RunResult

__all__ = ["AgentStream", "AsyncAgentStream"]


class AgentStream(Generic[OutputT]):
    """A streamed run: iterate it for events; ``result()`` returns the RunResult."""

    def __init__(self, events: Generator[Event, None, RunResult[Any]]) -> None:
        self._events = events
        self._result: RunResult[OutputT] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._events.close()

    def __iter__(self) -> Iterator[Event]:
        for event in self._events:
            if isinstance(event, RunFinished):
                self._result = event.result
            yield event

    @property
    def text_stream(self) -> Iterator[str]:
        """Only the text, as it arrives, across every model response of the run."""
        for event in self:
            if isinstance(event, TextDelta):
                yield event.text

    def result(self) -> RunResult[OutputT]:
        """Run what is left of the stream and return the result."""
        for _ in self:
            pass
        if self._result is None:
            raise RuntimeError("the run did not finish (its stream was closed early)")
        return self._result


class AsyncAgentStream(Generic[OutputT]):
    """A streamed async run: ``async for event in run``; ``await run.result()``."""

    def __init__(self, events: AsyncGenerator[Event, None]) -> None:
        self._events = events
        self._result: RunResult[OutputT] | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._events.aclose()

    async def __aiter__(self) -> AsyncIterator[Event]:
        async for event in self._events:
            if isinstance(event, RunFinished):
                self._result = event.result
            yield event

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """Only the text, as it arrives."""
        return self._text_stream()

    async def _text_stream(self) -> AsyncIterator[str]:
        async for event in self:
            if isinstance(event, TextDelta):
                yield event.text

    async def result(self) -> RunResult[OutputT]:
        """Run what is left of the stream and return the result."""
        async for _ in self:
            pass
        if self._result is None:
            raise RuntimeError("the run did not finish (its stream was closed early)")
        return self._result
