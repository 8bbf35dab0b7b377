"""The result of a run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

from .._exceptions import ConfigurationError
from .._models import Message, MessageParam, ToolUseBlock, Usage

if TYPE_CHECKING:
    from ._output import OutputSpec
    from ._state import RunState

__all__ = ["OutputT", "RunResult"]

OutputT = TypeVar("OutputT", default=str)
_MISSING: Any = object()


class RunResult(Generic[OutputT]):
    """What a run produced: its output, the final text, the whole history, why it
    stopped, and the cost.

    ``output`` is the validated ``output_type`` value (the final text when the
    agent has none). ``messages`` is ready to continue the conversation: append a
    user message and pass it as the next prompt. ``state`` is the serializable
    run state (``state.model_dump_json()``), from which a run can resume.
    """

    __slots__ = ("_output", "_spec", "state")

    def __init__(
        self, state: RunState, output: Any = _MISSING, spec: OutputSpec | None = None
    ) -> None:
        self.state = state
        self._output = output
        self._spec = spec

    @property
    def output(self) -> OutputT:
        """The run's output: an ``output_type`` value, validated (the text without one)."""
        if self._output is not _MISSING:
            return self._output  # type: ignore[no-any-return]
        if self._spec is None:
            return self.text  # type: ignore[return-value]
        if not self.state.has_output:
            raise ConfigurationError(
                f"the run has no output (it stopped with stop_reason={self.stop_reason!r}): "
                "resume it to the end first"
            )
        self._output = self._spec.load(self.state.output)
        return self._output  # type: ignore[no-any-return]

    @property
    def text(self) -> str:
        """The text of the final assistant message."""
        for message in reversed(self.state.messages):
            if message.get("role") == "assistant":
                content = message["content"]
                if isinstance(content, str):
                    return content
                return "".join(b.get("text", "") for b in content if b.get("type") == "text")
            break
        return ""

    @property
    def messages(self) -> list[MessageParam]:
        """The full history, user prompt included."""
        return self.state.messages  # type: ignore[return-value]

    @property
    def response(self) -> Message | None:
        """The last response of the model."""
        return self.state.last_response

    @property
    def stop_reason(self) -> str | None:
        return self.state.stop_reason

    @property
    def stop_details(self) -> dict[str, Any] | None:
        return self.state.stop_details

    @property
    def awaiting(self) -> list[ToolUseBlock]:
        """The tool calls that wait for a decision (``stop_reason == "awaiting_approval"``):
        resume with ``agent.run(result.state, decisions={call.id: Approve() | Deny(...)})``."""
        waiting = set(self.state.awaiting)
        return [call for call in self.state.pending_calls if call.id in waiting]

    @property
    def truncated(self) -> bool:
        """Whether the answer was cut short (max_tokens, context window, pause limit)."""
        return self.state.truncated

    @property
    def requests(self) -> int:
        """How many model requests the run made (retries by the client not counted)."""
        return self.state.requests

    @property
    def usage(self) -> Usage:
        """Token totals across the run."""
        return self.state.usage

    @property
    def run_id(self) -> str:
        return self.state.run_id

    def __repr__(self) -> str:
        text = self.text
        short = text if len(text) <= 60 else text[:57] + "..."
        return (
            f"RunResult(stop_reason={self.stop_reason!r}, requests={self.requests}, text={short!r})"
        )
