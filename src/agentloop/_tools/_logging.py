"""Log events of the tools layer, through agentloop's one logger."""

from __future__ import annotations

from agentloop._logging import TOOL_ERROR, TOOL_INVALID_INPUT, get_logger

__all__ = ["TOOL_ERROR", "TOOL_INVALID_INPUT", "log_invalid_input", "log_tool_error"]


def log_tool_error(tool: str, exc: BaseException, tool_use_id: str | None) -> None:
    """Log an exception that a tool raised, with its traceback."""
    get_logger().error(
        TOOL_ERROR,
        tool=tool,
        tool_use_id=tool_use_id,
        error_type=type(exc).__name__,
        error=str(exc),
        exc_info=exc,
    )


def log_invalid_input(tool: str, errors: list[str], tool_use_id: str | None) -> None:
    """Log a tool call whose input failed validation (a model mistake, not a bug)."""
    get_logger().info(TOOL_INVALID_INPUT, tool=tool, tool_use_id=tool_use_id, errors=errors)
