"""Log events of the tools layer, with stable names."""

from __future__ import annotations

from typing import Any

import structlog

__all__ = ["TOOL_ERROR", "TOOL_INVALID_INPUT", "log_invalid_input", "log_tool_error"]

TOOL_ERROR = "tool.error"
"""A tool (or a custom registry) raised an unexpected exception; logged with its traceback."""

TOOL_INVALID_INPUT = "tool.invalid_input"
"""The model sent input that does not match a tool's ``input_schema``."""


def _logger() -> Any:
    return structlog.get_logger("agentloop")


def log_tool_error(tool: str, exc: BaseException, tool_use_id: str | None) -> None:
    """Log an exception that a tool raised, with its traceback."""
    _logger().error(
        TOOL_ERROR,
        tool=tool,
        tool_use_id=tool_use_id,
        error_type=type(exc).__name__,
        error=str(exc),
        exc_info=exc,
    )


def log_invalid_input(tool: str, errors: list[str], tool_use_id: str | None) -> None:
    """Log a tool call whose input failed validation (a model mistake, not a bug)."""
    _logger().info(TOOL_INVALID_INPUT, tool=tool, tool_use_id=tool_use_id, errors=errors)
