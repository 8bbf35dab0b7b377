"""Tool hooks: before a call (allow, deny, change the input) and after it.

A before-hook is ``hook(call, ctx)`` returning ``None`` (allow), a
:class:`Deny` (the model sees its message as an ``is_error`` result and the
tool does not run), or a dict (the input to run the tool with instead).
An after-hook is ``hook(call, result, ctx)`` returning ``None`` (keep) or a
:class:`ToolResult` (send this instead). Hooks may be sync or async; the
async driver runs sync hooks in worker threads, so a hook that waits for a
person (an approval prompt) never blocks the event loop.

The decisions here are pure; the drivers call the hooks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, Union

from .._context import RunContext
from .._models import ToolUseBlock
from .._tools import ToolResult

__all__ = ["AfterToolHook", "BeforeToolHook", "Deny", "as_hooks", "before_outcome"]


@dataclass(frozen=True)
class Deny:
    """Returned by a before-hook: do not run the tool; tell the model ``message``."""

    message: str = "The user denied this tool call."


BeforeDecision: TypeAlias = Union[Deny, Mapping[str, Any], None]
BeforeToolHook: TypeAlias = Callable[
    [ToolUseBlock, RunContext[Any]], Union[BeforeDecision, Awaitable[BeforeDecision]]
]
AfterToolHook: TypeAlias = Callable[
    [ToolUseBlock, ToolResult, RunContext[Any]],
    Union[ToolResult, Awaitable[Union[ToolResult, None]], None],
]


def as_hooks(value: Any) -> tuple[Any, ...]:
    """One hook or a sequence of hooks, as a tuple."""
    if value is None:
        return ()
    if callable(value):
        return (value,)
    if isinstance(value, Sequence):
        return tuple(value)
    raise TypeError(f"a hook must be a callable or a list of callables, not {value!r}")


def before_outcome(
    decision: object, call: ToolUseBlock, input: dict[str, Any]
) -> tuple[dict[str, Any], ToolResult | None]:
    """Apply one before-hook decision: the input to use, or a result that ends the call."""
    if decision is None:
        return input, None
    if isinstance(decision, Deny):
        return input, ToolResult(decision.message, is_error=True)
    if isinstance(decision, Mapping):
        return dict(decision), None
    raise TypeError(
        f"a before-tool hook returned {decision!r} for {call.name}: return None (allow), "
        "Deny(message), or a dict (the new input)"
    )


def after_outcome(decision: object, result: ToolResult, call: ToolUseBlock) -> ToolResult:
    """Apply one after-hook decision: keep the result, or replace it."""
    if decision is None:
        return result
    if isinstance(decision, ToolResult):
        return decision
    raise TypeError(
        f"an after-tool hook returned {decision!r} for {call.name}: return None (keep) "
        "or a ToolResult"
    )
