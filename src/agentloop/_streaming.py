"""Stream events and the accumulator that folds them into a final Message.

The accumulator works on the decoded JSON dicts, not on typed events, so the
hot path builds no model per delta: text and thinking deltas are appended to
lists and joined once, tool input JSON fragments are joined and parsed once
when their block stops. Time is linear in the size of the stream. Typed
events (:data:`StreamEvent`) are built only for callers who iterate them.
"""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any, Literal, TypeAlias, Union

from pydantic import Field, Tag, TypeAdapter
from pydantic_core import from_json

from ._exceptions import StreamError, status_error
from ._models import ContentBlock, Message, Usage, WireModel, by_type

__all__ = [
    "CitationsDelta",
    "ContentBlockDeltaEvent",
    "ContentBlockStartEvent",
    "ContentBlockStopEvent",
    "InputJSONDelta",
    "MessageAccumulator",
    "MessageDeltaEvent",
    "MessageStartEvent",
    "MessageStopEvent",
    "PingEvent",
    "SignatureDelta",
    "StreamEvent",
    "TextDelta",
    "ThinkingDelta",
    "UnknownDelta",
    "UnknownEvent",
    "parse_event",
]

# --- typed events --------------------------------------------------------------


class TextDelta(WireModel):
    type: Literal["text_delta"] = "text_delta"
    text: str


class InputJSONDelta(WireModel):
    type: Literal["input_json_delta"] = "input_json_delta"
    partial_json: str


class ThinkingDelta(WireModel):
    type: Literal["thinking_delta"] = "thinking_delta"
    thinking: str


class SignatureDelta(WireModel):
    type: Literal["signature_delta"] = "signature_delta"
    signature: str


class CitationsDelta(WireModel):
    type: Literal["citations_delta"] = "citations_delta"
    citation: dict[str, Any]


class UnknownDelta(WireModel):
    """A delta type agentloop does not model (``compaction_delta``...)."""

    type: str


_DELTAS = {"text_delta", "input_json_delta", "thinking_delta", "signature_delta", "citations_delta"}


Delta: TypeAlias = Annotated[
    Union[
        Annotated[TextDelta, Tag("text_delta")],
        Annotated[InputJSONDelta, Tag("input_json_delta")],
        Annotated[ThinkingDelta, Tag("thinking_delta")],
        Annotated[SignatureDelta, Tag("signature_delta")],
        Annotated[CitationsDelta, Tag("citations_delta")],
        Annotated[UnknownDelta, Tag("unknown")],
    ],
    by_type(_DELTAS),
]


class MessageStartEvent(WireModel):
    type: Literal["message_start"] = "message_start"
    message: Message


class ContentBlockStartEvent(WireModel):
    type: Literal["content_block_start"] = "content_block_start"
    index: int
    content_block: ContentBlock


class ContentBlockDeltaEvent(WireModel):
    type: Literal["content_block_delta"] = "content_block_delta"
    index: int
    delta: Delta


class ContentBlockStopEvent(WireModel):
    type: Literal["content_block_stop"] = "content_block_stop"
    index: int


class MessageDelta(WireModel):
    stop_reason: str | None = None
    stop_sequence: str | None = None
    stop_details: dict[str, Any] | None = None


class MessageDeltaEvent(WireModel):
    type: Literal["message_delta"] = "message_delta"
    delta: MessageDelta = Field(default_factory=MessageDelta)
    usage: dict[str, Any] = Field(default_factory=dict)


class MessageStopEvent(WireModel):
    type: Literal["message_stop"] = "message_stop"


class PingEvent(WireModel):
    type: Literal["ping"] = "ping"


class UnknownEvent(WireModel):
    """An event type agentloop does not know; the accumulator ignores it."""

    type: str


_EVENTS = {
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
    "ping",
}


StreamEvent: TypeAlias = Annotated[
    Union[
        Annotated[MessageStartEvent, Tag("message_start")],
        Annotated[ContentBlockStartEvent, Tag("content_block_start")],
        Annotated[ContentBlockDeltaEvent, Tag("content_block_delta")],
        Annotated[ContentBlockStopEvent, Tag("content_block_stop")],
        Annotated[MessageDeltaEvent, Tag("message_delta")],
        Annotated[MessageStopEvent, Tag("message_stop")],
        Annotated[PingEvent, Tag("ping")],
        Annotated[UnknownEvent, Tag("unknown")],
    ],
    by_type(_EVENTS),
]


@functools.cache
def _event_adapter() -> TypeAdapter[StreamEvent]:
    return TypeAdapter(StreamEvent)  # built on first use: plain runs never need it


def parse_event(data: dict[str, Any]) -> StreamEvent:
    """Validate one decoded event dict into its typed event."""
    return _event_adapter().validate_python(data)


# --- accumulation ----------------------------------------------------------------


class _Block:
    """A content block being built: its start dict plus the pieces of its deltas."""

    __slots__ = (
        "citations", "folded", "json_parts", "signature", "start", "text_key", "text_parts",
    )  # fmt: skip

    def __init__(self, start: dict[str, Any]) -> None:
        self.start = start
        kind = start.get("type")
        self.text_key = "text" if kind == "text" else "thinking" if kind == "thinking" else None
        self.text_parts: list[str] = []
        self.json_parts: list[str] = []
        self.signature: list[str] = []
        self.citations: list[Any] = []
        self.folded: dict[str, list[Any]] | None = None  # unknown deltas' fields

    def fold(self, delta: dict[str, Any]) -> None:
        """Keep an unknown delta's fields, to join into the block at its stop."""
        folded = self.folded if self.folded is not None else {}
        self.folded = folded
        for key, value in delta.items():
            if key != "type":
                folded.setdefault(key, []).append(value)

    def finish(self) -> tuple[dict[str, Any], bool]:
        """The finished block dict, and whether its input JSON was complete."""
        block = dict(self.start)
        if self.text_key is not None and self.text_parts:
            block[self.text_key] = block.get(self.text_key, "") + "".join(self.text_parts)
        if self.signature:
            block["signature"] = "".join(self.signature)
        if self.citations:
            block["citations"] = list(block.get("citations") or []) + self.citations
        if self.folded:
            _unfold(block, self.folded)
        if not self.json_parts:
            return block, True
        raw = "".join(self.json_parts)
        if not raw.strip():
            return block, True
        try:
            block["input"] = json.loads(raw)
        except ValueError:
            return block, False
        return block, True

    def partial_input(self) -> Any:
        return from_json("".join(self.json_parts) or "{}", allow_partial="trailing-strings")


def _unfold(block: dict[str, Any], folded: dict[str, list[Any]]) -> None:
    """Fold unknown deltas' fields into ``block``: strings are appended to the
    field of the same name (missing or null starts as ""), lists are extended,
    other values replace it."""
    for key, values in folded.items():
        if all(isinstance(v, str) for v in values):
            start = block.get(key)
            if start is not None and not isinstance(start, str):
                raise StreamError(f"a {block.get('type')} delta appends text to its {key!r}, "
                                  f"which started as {type(start).__name__}")  # fmt: skip
            block[key] = (start or "") + "".join(values)
        elif all(isinstance(v, list) for v in values):
            block[key] = list(block.get(key) or []) + [x for v in values for x in v]
        else:
            block[key] = values[-1]


class MessageAccumulator:
    """Folds a stream's events (decoded JSON dicts) into the final :class:`Message`.

    ``feed(data)`` takes each event's JSON; ``message()`` returns the Message
    once ``message_stop`` has arrived and raises :class:`StreamError` before.
    An ``error`` event raises the typed status error its type maps to.
    """

    def __init__(self, request_id: str | None = None) -> None:
        self.request_id = request_id
        self.events = 0
        self.done = False
        self._message: dict[str, Any] | None = None
        self._usage: dict[str, Any] = {}
        self._open: dict[int, _Block] = {}
        self._blocks: dict[int, dict[str, Any]] = {}
        self._broken_inputs: list[int] = []
        self._final: Message | None = None

    def feed(self, data: dict[str, Any]) -> None:
        """Fold one event's JSON into the message being built."""
        self.events += 1
        kind = data.get("type")
        try:
            if kind == "content_block_delta":
                self._delta(data["index"], data["delta"])
            elif kind == "content_block_start":
                self._start_block(data["index"], data["content_block"])
            elif kind == "content_block_stop":
                self._stop_block(data["index"])
            elif kind == "message_start":
                self._start(data["message"])
            elif kind == "message_delta":
                self._message_delta(data)
            elif kind == "message_stop":
                self._require_message()
                self.done = True
            elif kind == "error":
                self._raise_error(data)
        except (KeyError, TypeError, AttributeError) as exc:
            raise StreamError(
                f"malformed {kind} event: {exc!r}", request_id=self.request_id
            ) from exc

    def partial_input(self, index: int) -> Any:
        """Best-effort parse of the tool input received so far for block ``index``."""
        block = self._open.get(index)
        if block is not None:
            return block.partial_input()
        done = self._blocks.get(index)
        return done.get("input", {}) if done is not None else {}

    def message(self) -> Message:
        """The complete message; raises :class:`StreamError` if the stream is not done."""
        if not self.done:
            raise StreamError(
                "stream ended before message_stop: the response is incomplete",
                request_id=self.request_id,
            )
        if self._final is not None:
            return self._final
        data = self._snapshot()
        if self._broken_inputs and data.get("stop_reason") != "max_tokens":
            raise StreamError(
                f"tool input of content block(s) {self._broken_inputs} is not valid JSON",
                request_id=self.request_id,
            )
        try:
            self._final = Message.model_validate(data)
        except ValueError as exc:
            raise StreamError(f"malformed message: {exc}", request_id=self.request_id) from exc
        return self._final

    def _snapshot(self) -> dict[str, Any]:
        data = dict(self._require_message())
        blocks = dict(self._blocks)
        for index, open_block in self._open.items():
            blocks[index] = open_block.finish()[0]
        data["content"] = [blocks[i] for i in sorted(blocks)]
        data["usage"] = self._usage
        return data

    def _require_message(self) -> dict[str, Any]:
        if self._message is None:
            raise StreamError("stream event before message_start", request_id=self.request_id)
        return self._message

    def _start(self, message: dict[str, Any]) -> None:
        self._message = dict(message)
        self._usage = dict(message.get("usage") or {})
        for index, block in enumerate(message.get("content") or ()):
            self._blocks[index] = block

    def _start_block(self, index: int, block: dict[str, Any]) -> None:
        self._require_message()
        self._open[index] = _Block(block)

    def _delta(self, index: int, delta: dict[str, Any]) -> None:
        block = self._open.get(index)
        if block is None:
            raise StreamError(f"delta for content block {index}, which is not open")
        kind = delta["type"]
        if kind == "text_delta":
            block.text_parts.append(delta["text"])
        elif kind == "input_json_delta":
            block.json_parts.append(delta["partial_json"])
        elif kind == "thinking_delta":
            block.text_parts.append(delta["thinking"])
        elif kind == "signature_delta":
            block.signature.append(delta["signature"])
        elif kind == "citations_delta":
            block.citations.append(delta["citation"])
        else:  # compaction_delta, and whatever comes next: folded generically
            block.fold(delta)

    def _stop_block(self, index: int) -> None:
        block = self._open.pop(index, None)
        if block is None:
            raise StreamError(f"content_block_stop for block {index}, which is not open")
        finished, complete = block.finish()
        if not complete:
            self._broken_inputs.append(index)
        self._blocks[index] = finished

    def _message_delta(self, data: dict[str, Any]) -> None:
        message = self._require_message()
        delta = data.get("delta") or {}
        for key in ("stop_reason", "stop_sequence", "stop_details"):
            if key in delta:
                message[key] = delta[key]
        usage = data.get("usage")
        if usage:
            self._usage.update({k: v for k, v in usage.items() if v is not None})

    def _raise_error(self, data: dict[str, Any]) -> None:
        error = data.get("error") or {}
        exc = status_error(
            status_code=None,
            error_type=error.get("type"),
            message=error.get("message") or "error event in stream",
            request_id=data.get("request_id") or self.request_id,
            body=data,
        )
        exc.mid_stream = self.events > 1
        raise exc

    @property
    def usage(self) -> Usage:
        """Usage so far (cumulative counts from the last ``message_delta``)."""
        return Usage.model_validate(self._usage)
