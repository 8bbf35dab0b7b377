"""What crosses the stepping seam besides the state: tool-call outcomes and decisions.

Everything here is a plain value with ``to_json`` / ``from_json``, so a
durable engine can store it and hand it to another process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, Union

from .._models import ToolUseBlock
from .._tools import ToolResult

__all__ = ["Approve", "Decision", "Defer", "Deny", "ToolCallOutcome"]

OutcomeKind: TypeAlias = Literal["ok", "error", "timeout", "denied", "deferred", "hook_error"]


@dataclass(frozen=True)
class Deny:
    """Returned by a before-hook, or given as a decision: do not run the tool;
    tell the model ``message`` (an ``is_error`` result)."""

    message: str = "The user denied this tool call."


@dataclass(frozen=True)
class Defer:
    """Returned by a before-hook: decide later. The run stops with
    ``stop_reason == "awaiting_approval"`` once the other calls of the turn ran;
    resume it with ``decisions={tool_use_id: Approve() | Deny(...)}``."""

    reason: str = ""


@dataclass(frozen=True)
class Approve:
    """A decision on a deferred call: run it (with ``input`` instead, if given)."""

    input: Mapping[str, Any] | None = None


Decision: TypeAlias = Union[Approve, Deny]


@dataclass(frozen=True)
class ToolCallOutcome:
    """The outcome of one tool call, as the stepping seam returns it; never an exception.

    ``kind`` says how it ended: ``ok``; ``error`` (the tool raised, or its input
    was invalid); ``timeout``; ``denied`` (a hook or decision said no);
    ``deferred`` (a before-hook asked to decide later; ``result`` is empty);
    ``hook_error`` (a hook raised or returned something unusable: the run ends
    with :class:`~agentloop.HookError`).
    """

    tool_use_id: str
    name: str
    result: ToolResult
    kind: OutcomeKind = "ok"
    duration: float = 0.0
    detail: str = ""
    """Why a call was deferred, or what the hook error was."""
    error: BaseException | None = field(default=None, compare=False, repr=False)
    """The exception a hook raised (in this process only: not part of the JSON)."""

    @property
    def failed(self) -> bool:
        """Whether this counts as a failure of the tool (for its ``max_retries``)."""
        return self.kind in ("error", "timeout")

    def to_block(self) -> dict[str, Any]:
        """The ``tool_result`` block answering the call."""
        return self.result.to_block(self.tool_use_id, self.name)

    def to_json(self) -> dict[str, Any]:
        return {
            "tool_use_id": self.tool_use_id,
            "name": self.name,
            "result": _result_json(self.result),
            "kind": self.kind,
            "duration": self.duration,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ToolCallOutcome:
        return cls(
            tool_use_id=data["tool_use_id"],
            name=data["name"],
            result=_result_from_json(data["result"]),
            kind=data.get("kind", "ok"),
            duration=float(data.get("duration", 0.0)),
            detail=data.get("detail", ""),
        )

    @classmethod
    def for_call(
        cls, call: ToolUseBlock, result: ToolResult, kind: OutcomeKind, detail: str = ""
    ) -> ToolCallOutcome:
        return cls(call.id, call.name, result, kind, 0.0, detail)


def _result_json(result: ToolResult) -> dict[str, Any]:
    return result.to_json()


def _result_from_json(data: Mapping[str, Any]) -> ToolResult:
    return ToolResult.from_json(data)
