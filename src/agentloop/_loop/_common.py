"""Pure helpers both drivers use: prompts, stream deltas, run context, logging."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias, Union

from pydantic import BaseModel

from .._context import RunContext
from .._exceptions import ConfigurationError
from .._logging import RUN_FINISH, RUN_START, TOOL_CALL, get_logger, info_enabled
from .._models import ToolUseBlock, to_param
from .._tools import ToolResult
from ._config import AgentConfig
from ._events import Event, TextDelta, ThinkingDelta, ToolInputDelta
from ._result import RunResult
from ._rules import check_prefill
from ._state import RunState

__all__ = ["Prompt", "delta_event", "new_state"]

Prompt: TypeAlias = Union[str, Sequence[Union[Mapping[str, Any], BaseModel]]]
"""A string, a list of content blocks (one user message), or a list of messages."""


def messages_from_prompt(prompt: Prompt) -> list[dict[str, Any]]:
    """The ``messages`` a prompt stands for (a fresh, JSON-ready copy)."""
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    items = [to_param(item) if isinstance(item, BaseModel) else dict(item) for item in prompt]
    if not items:
        raise ConfigurationError("the prompt is empty: give a string, blocks or messages")
    if all("role" in item for item in items):
        return [_copy_message(item) for item in items]
    if any("role" in item for item in items):
        raise ConfigurationError(
            "the prompt mixes messages ({'role': ...}) and content blocks: give one or the other"
        )
    return [{"role": "user", "content": items}]


def _copy_message(message: Mapping[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if isinstance(content, list):
        content = [to_param(block) for block in content]
    return {**message, "content": content}


def new_state(config: AgentConfig, prompt: Prompt) -> RunState:
    """The state of a new run of ``prompt``, checked against the model's rules."""
    messages = messages_from_prompt(prompt)
    check_prefill(config.model, messages)
    return RunState(
        run_id=f"run_{uuid.uuid4().hex[:24]}", messages=messages, max_tokens=config.max_tokens
    )


def delta_event(data: dict[str, Any]) -> Event | None:
    """The delta event for one decoded stream event, if it is a delta users see."""
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


def tool_context(
    call: ToolUseBlock, state: RunState, config: AgentConfig, deps: Any
) -> RunContext[Any]:
    return RunContext(
        deps=deps,
        tool_use_id=call.id,
        tool_name=call.name,
        run_id=state.run_id,
        model=config.model,
        messages=state.messages,
    )


def with_tools(params: dict[str, Any], definitions: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    if not definitions:
        return params
    return {**params, "tools": list(definitions)}


def log_start(state: RunState, config: AgentConfig) -> None:
    get_logger().info(RUN_START, run_id=state.run_id, model=config.model)


def log_finish(result: RunResult) -> None:
    get_logger().info(
        RUN_FINISH,
        run_id=result.run_id,
        stop_reason=result.stop_reason,
        requests=result.requests,
        input_tokens=result.usage.input_tokens,
        output_tokens=result.usage.output_tokens,
    )


def log_tool_call(run_id: str, call: ToolUseBlock, result: ToolResult, duration: float) -> None:
    if not info_enabled():
        return
    get_logger().info(
        TOOL_CALL,
        run_id=run_id,
        tool=call.name,
        tool_use_id=call.id,
        duration_ms=round(duration * 1000, 1),
        is_error=result.is_error,
    )


def timeout_result(name: str, timeout: float) -> ToolResult:
    return ToolResult(
        f"TimeoutError: tool {name} did not finish within {timeout:g} seconds", is_error=True
    )
