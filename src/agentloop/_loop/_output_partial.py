"""Partial outputs while streaming: partial JSON parsed in bounded steps.

Parsing the whole buffer on every delta costs quadratic time in the length of
the output. :class:`PartialJSON` parses only once the buffer has grown by a
step that is at least ``min_step`` characters and at least ``1/ratio`` of what
it holds: the sizes parsed then form a geometric series, so all the parsing of
an output of ``n`` characters costs at most about ``(ratio + 1) * n`` plus a
constant, whatever the number of deltas (``tools/bench/partial_linearity.py``
measures it). :class:`PartialTracker` watches a run's stream events and turns
the output's deltas into :class:`PartialOutput` events; it is pure, and both
the sync and the async run use it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeVar

from pydantic_core import from_json

from ._events import (
    Event,
    ModelRequestStarted,
    ModelRetry,
    PartialOutput,
    TextDelta,
    ToolInputDelta,
)
from ._output import OutputSpec

__all__ = ["PartialJSON", "PartialTracker", "with_partials"]

_NOTHING: Any = object()
R = TypeVar("R")


class PartialJSON:
    """A growing JSON text, parsed (partially) at bounded intervals."""

    __slots__ = ("_due", "_min_step", "_parts", "_ratio", "_size", "parsed_chars", "parses")

    def __init__(self, *, min_step: int = 128, ratio: int = 8) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._min_step = min_step
        self._ratio = ratio
        self._due = 1
        self.parsed_chars = 0
        """How many characters all the parses so far read (the cost, counted)."""
        self.parses = 0

    def feed(self, piece: str) -> Any:
        """Add ``piece``; the value parsed so far when a parse is due, else ``_NOTHING``."""
        self._parts.append(piece)
        self._size += len(piece)
        if self._size < self._due:
            return _NOTHING
        return self.parse()

    def parse(self) -> Any:
        """Parse all that arrived now (``_NOTHING`` if it is not JSON yet)."""
        text = "".join(self._parts)
        self._parts = [text]
        self.parsed_chars += len(text)
        self.parses += 1
        self._due = self._size + max(self._min_step, self._size // self._ratio)
        try:
            return from_json(text, allow_partial="trailing-strings")
        except ValueError:
            return _NOTHING


class PartialTracker:
    """Turns the stream events of a run into :class:`PartialOutput` events."""

    def __init__(self, spec: OutputSpec) -> None:
        self.spec = spec
        self._request = 0
        self._buffers: dict[int, PartialJSON] = {}
        self._last: Any = _NOTHING

    def on_event(self, event: Event) -> PartialOutput | None:
        """The partial output ``event`` completes, if a parse was due and gave something new."""
        if isinstance(event, (ModelRequestStarted, ModelRetry)):
            self._request = event.request
            self._buffers = {}
            self._last = _NOTHING
            return None
        piece = self._piece(event)
        if piece is None:
            return None
        index = event.index  # type: ignore[union-attr]
        data = self._buffers[index].feed(piece)
        if data is _NOTHING or data == self._last:
            return None
        self._last = data
        return PartialOutput(self._request, data, self.spec.partial(data))

    def _piece(self, event: Event) -> str | None:
        if self.spec.mode == "native":
            if not isinstance(event, TextDelta):
                return None
            if event.index not in self._buffers:
                self._buffers[event.index] = PartialJSON()
            return event.text
        if not isinstance(event, ToolInputDelta):
            return None
        if event.name is not None:
            if event.name == self.spec.tool_name:
                self._buffers[event.index] = PartialJSON()
            return None
        return event.partial_json if event.index in self._buffers else None


def with_partials(
    events: Generator[Event, None, R], tracker: PartialTracker
) -> Generator[Event, None, R]:
    """``events``, each followed by the partial output it completes (sync runs; the async
    run does the same inline)."""
    try:
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                value: R = stop.value
                return value
            yield event
            partial = tracker.on_event(event)
            if partial is not None:
                yield partial
    finally:
        events.close()
