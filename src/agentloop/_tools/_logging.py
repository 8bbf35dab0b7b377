"""Log events of the tools layer, through agentloop's one logger."""

from __future__ import annotations

import traceback

from agentloop._logging import TOOL_ERROR, TOOL_INVALID_INPUT, get_logger

__all__ = [
    "TOOL_ERROR",
    "TOOL_INVALID_INPUT",
    "TOOL_SCHEMA_SKIPPED",
    "log_bad_result",
    "log_invalid_input",
    "log_tool_error",
]


def log_tool_error(tool: str, exc: BaseException, tool_use_id: str | None) -> None:
    """Log an exception that a tool raised, with its traceback as text.

    The exception object itself stays out of the event: its frames hold the
    tool's locals (``ctx.deps`` among them), which some renderers would show.
    """
    get_logger().error(
        TOOL_ERROR,
        tool=tool,
        tool_use_id=tool_use_id,
        error_type=type(exc).__name__,
        error=str(exc),
        exception="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    )


def log_bad_result(tool: str | None, message: str, tool_use_id: str | None) -> None:
    """Log a tool result that cannot be sent to the model (a bug of the tool's author)."""
    get_logger().error(
        TOOL_ERROR, tool=tool, tool_use_id=tool_use_id, error_type="TypeError", error=message
    )


def log_invalid_input(tool: str, errors: list[str], tool_use_id: str | None) -> None:
    """Log a tool call whose input failed validation (a model mistake, not a bug)."""
    get_logger().info(TOOL_INVALID_INPUT, tool=tool, tool_use_id=tool_use_id, errors=errors)


TOOL_SCHEMA_SKIPPED = "tool.schema_skipped"
"""A tool left out of a listing because its input_schema is not valid JSON Schema."""
