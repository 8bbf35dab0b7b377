"""Tool hooks: before a call (allow, deny, change the input) and after it.

A before-hook is ``hook(call, ctx)`` returning ``None`` (allow), a
:class:`Deny` (the model sees its message as an ``is_error`` result and the
tool does not run), a :class:`Defer` (decide later: the run stops awaiting
approval), or a dict (the input to run the tool with instead).
An after-hook is ``hook(call, result, ctx)`` returning ``None`` (keep) or a
:class:`ToolResult` (send this instead). Hooks may be sync or async; the
async driver runs sync hooks in worker threads, so a hook that waits for a
person (an approval prompt) never blocks the event loop.

A hook that raises, or returns anything else, ends the run with
:class:`~agentloop.HookError` once every call of the turn is answered.
The run flow (``_flow.py``) applies the decisions; the drivers call the hooks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeAlias, Union

from .._context import RunContext
from .._exceptions import ConfigurationError
from .._models import ToolUseBlock
from .._tools import ToolResult
from ._outcome import Approve, Defer, Deny

__all__ = ["AfterToolHook", "BeforeToolHook", "Deny", "as_hooks"]


BeforeDecision: TypeAlias = Union[Deny, Defer, Approve, Mapping[str, Any], None]
BeforeToolHook: TypeAlias = Callable[
    [ToolUseBlock, RunContext[Any]], Union[BeforeDecision, Awaitable[BeforeDecision]]
]
AfterToolHook: TypeAlias = Callable[
    [ToolUseBlock, ToolResult, RunContext[Any]],
    Union[ToolResult, Awaitable[Union[ToolResult, None]], None],
]


def as_hooks(value: Any, name: str = "hook") -> tuple[Any, ...]:
    """One hook or a sequence of hooks, as a tuple; each must be callable."""
    if value is None:
        return ()
    if callable(value):
        return (value,)
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        raise ConfigurationError(
            f"{name} must be a callable or a list of callables, not {type(value).__name__}"
        )
    for i, hook in enumerate(value):
        if not callable(hook):
            raise ConfigurationError(
                f"{name}[{i}] is a {type(hook).__name__}, not a callable: pass functions "
                "(sync or async), e.g. before_tool=[check_path]"
            )
    return tuple(value)
