"""Typed events of a run, yielded by ``Agent.iter`` / ``aiter`` / ``stream``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, Union

from .._models import Message, ToolUseBlock

if TYPE_CHECKING:
    from .._tools import ToolResult
    from ._outcome import ToolCallOutcome
    from ._result import RunResult
    from ._state import RunState

__all__ = [
    "Event",
    "ModelRequestStarted",
    "ModelResponse",
    "ModelRetry",
    "PartialOutput",
    "RunFinished",
    "RunStarted",
    "StepFinished",
    "TextDelta",
    "ThinkingDelta",
    "ToolCallFinished",
    "ToolCallStarted",
    "ToolInputDelta",
    "delta_event",
    "finished_event",
]


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: str
    model: str


@dataclass(frozen=True, slots=True)
class ModelRequestStarted:
    """A model request is about to be sent (``request`` counts from 1)."""

    request: int
    max_tokens: int


@dataclass(frozen=True, slots=True)
class ModelRetry:
    """A model request failed mid-stream and is sent again: discard its partial deltas."""

    request: int
    error: str


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of text, as it streams (``Agent.stream`` only)."""

    index: int
    text: str


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    """A piece of thinking, as it streams (``Agent.stream`` only)."""

    index: int
    thinking: str


@dataclass(frozen=True, slots=True)
class ToolInputDelta:
    """A fragment of a tool call's input JSON, as it streams (``Agent.stream`` only).

    Each client tool call opens with an empty fragment that carries its tool's
    ``name`` (later fragments have ``name=None``).
    """

    index: int
    partial_json: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class PartialOutput:
    """The output so far, as it streams (``Agent.stream`` with an ``output_type`` only).

    ``output`` is an ``output_type`` value built from the JSON that arrived, in
    which missing fields are missing (a pydantic model is built without
    validation while required fields are still missing), or ``None`` when
    nothing usable arrived yet; ``data`` is that partial JSON as parsed. Parsed
    in bounded steps (not on every delta), so a long output costs linear time.
    A new model request starts over.
    """

    request: int
    data: Any
    output: Any


@dataclass(frozen=True, slots=True)
class ModelResponse:
    """A complete response of the model."""

    message: Message


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    call: ToolUseBlock


@dataclass(frozen=True, slots=True)
class ToolCallFinished:
    """A tool call finished. The events of a turn's calls come once those calls are
    done, in finishing order; the results go back to the model in call order.

    ``outcome`` says how it ended (``ok``, ``error``, ``timeout``, ``denied``,
    ``deferred``, ``hook_error``) and is JSON (``outcome.to_json()``).
    """

    call: ToolUseBlock
    result: ToolResult
    duration: float
    outcome: ToolCallOutcome | None = None


@dataclass(frozen=True, slots=True)
class StepFinished:
    """A step (a model response, or a turn of tool calls) is folded into the run state.

    ``state`` is the live state at this point: save it now with :meth:`to_json`
    (``RunState.model_validate_json`` loads it, and ``agent.run(state)`` goes on
    from there, in this process or another).
    """

    state: RunState

    def to_json(self) -> str:
        return self.state.model_dump_json()


@dataclass(frozen=True, slots=True)
class RunFinished:
    result: RunResult[Any]


Event: TypeAlias = Union[
    RunStarted,
    ModelRequestStarted,
    ModelRetry,
    TextDelta,
    ThinkingDelta,
    ToolInputDelta,
    PartialOutput,
    ModelResponse,
    ToolCallStarted,
    ToolCallFinished,
    StepFinished,
    RunFinished,
]


def finished_event(call: ToolUseBlock, outcome: ToolCallOutcome) -> ToolCallFinished:
    return ToolCallFinished(call, outcome.result, outcome.duration, outcome)


def delta_event(data: dict[str, Any]) -> Event | None:
    """The delta event for one decoded stream event, if it is a delta users see."""
    if data.get("type") == "content_block_start":
        block = data.get("content_block") or {}
        if block.get("type") == "tool_use":
            return ToolInputDelta(data["index"], "", str(block.get("name", "")))
        return None
    if data.get("type") != "content_block_delta":
        return None
    delta = data["delta"]
    kind = delta.get("type")
    if kind == "text_delta":
        return TextDelta(data["index"], delta["text"])
    if kind == "thinking_delta":
        return ThinkingDelta(data["index"], delta["thinking"])
    if kind == "input_json_delta":
        return ToolInputDelta(data["index"], delta["partial_json"])
    return None
