"""What a prompt stands for: the messages of a new run, checked before anything is sent."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias, Union

from pydantic import BaseModel

from .._exceptions import ConfigurationError
from .._models import to_param
from ._config import AgentConfig
from ._rules import check_prefill
from ._state import RunState

__all__ = ["Prompt", "messages_from_prompt", "new_state"]

Prompt: TypeAlias = Union[str, Sequence[Union[Mapping[str, Any], BaseModel]]]
"""A string, a list of content blocks (one user message), or a list of messages."""

_PROMPT_FORMS = (
    "a string, a list of content blocks (one user message), a list of messages "
    "([{'role': 'user', 'content': ...}, ...]), or a saved RunState"
)


def messages_from_prompt(prompt: Prompt) -> list[dict[str, Any]]:
    """The ``messages`` a prompt stands for (a fresh, JSON-ready copy)."""
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    if isinstance(prompt, (Mapping, BaseModel)):
        raise ConfigurationError(
            f"the prompt is one {'message' if 'role' in _keys(prompt) else 'block'}, not a list: "
            f"wrap it in a list ([...]). A prompt is {_PROMPT_FORMS}"
        )
    if not isinstance(prompt, Sequence) or isinstance(prompt, (bytes, bytearray)):
        raise ConfigurationError(f"the prompt is {type(prompt).__name__}: give {_PROMPT_FORMS}")
    items = [_item(item, i) for i, item in enumerate(prompt)]
    if not items:
        raise ConfigurationError("the prompt is empty: give a string, blocks or messages")
    if all("role" in item for item in items):
        return [_copy_message(item) for item in items]
    if any("role" in item for item in items):
        raise ConfigurationError(
            "the prompt mixes messages ({'role': ...}) and content blocks: give one or the other"
        )
    return [{"role": "user", "content": items}]


def _keys(value: Mapping[str, Any] | BaseModel) -> Any:
    return value.keys() if isinstance(value, Mapping) else type(value).model_fields


def _item(item: object, index: int) -> dict[str, Any]:
    if isinstance(item, BaseModel):
        return to_param(item)
    if isinstance(item, Mapping):
        return dict(item)
    raise ConfigurationError(
        f"prompt item {index} is {type(item).__name__} {item!r:.80}: each item must be a "
        "message dict or a content block dict"
    )


def _copy_message(message: Mapping[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if isinstance(content, list):
        content = [to_param(block) for block in content]
    return {**message, "content": content}


def new_state(config: AgentConfig, prompt: Prompt, run_id: str | None = None) -> RunState:
    """The state of a new run of ``prompt``, checked against the model's rules.

    A history that ends in an assistant turn holding more than text (a turn
    paused by ``pause_turn``, say) is continued, not taken for a prefill: the
    model's next response is added to that turn.
    """
    messages = messages_from_prompt(prompt)
    continuing = _ends_in_paused_turn(messages)
    if not continuing and config.check_rules:
        check_prefill(config.model, messages)
    if run_id is not None and (not isinstance(run_id, str) or not run_id):
        raise ConfigurationError(f"run_id must be a non-empty string, not {run_id!r}")
    return RunState(
        run_id=run_id or f"run_{uuid.uuid4().hex[:24]}",
        messages=messages,
        max_tokens=config.max_tokens,
        continuing=continuing,
    )


def _ends_in_paused_turn(messages: Sequence[Mapping[str, Any]]) -> bool:
    last = messages[-1]
    if last.get("role") != "assistant" or isinstance(last.get("content"), str):
        return False
    kinds = {block.get("type") for block in last.get("content") or ()}
    return bool(kinds - {"text", "thinking", "redacted_thinking", "tool_use"})
