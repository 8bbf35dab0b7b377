"""agentloop's structured events: stable names, one way to emit them.

The library never configures logging. When the application has configured
structlog, events go through its pipeline (``structlog.get_logger("agentloop")``).
When it has not, structlog's default would print to stdout, which a library
must not do; events then go to the standard ``logging`` logger ``agentloop``
instead (silent unless the application enables it), with the event's fields
in the record's ``extra``.

No event carries the API key: events are built from explicit fields only,
never from headers or client objects.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = [
    "MODEL_REQUEST",
    "MODEL_RETRY",
    "RUN_FINISH",
    "RUN_START",
    "TOOL_CALL",
    "TOOL_ERROR",
    "TOOL_INVALID_INPUT",
    "get_logger",
    "info_enabled",
]

MODEL_REQUEST = "model.request"
MODEL_RETRY = "model.retry"
RUN_START = "run.start"
RUN_FINISH = "run.finish"
TOOL_CALL = "tool.call"
TOOL_ERROR = "tool.error"
TOOL_INVALID_INPUT = "tool.invalid_input"

_fallback: Any = None


def get_logger() -> Any:
    """The logger for agentloop events (structlog's when configured, else stdlib's)."""
    structlog = sys.modules.get("structlog")  # configured means imported: no import here
    if structlog is not None and structlog.is_configured():
        return structlog.get_logger("agentloop")
    global _fallback
    if _fallback is None:
        _fallback = _StdlibFallback()
    return _fallback


def info_enabled() -> bool:
    """Whether an info event would go anywhere (so its fields are worth building)."""
    structlog = sys.modules.get("structlog")
    if structlog is not None and structlog.is_configured():
        return True  # structlog's own filtering decides
    return logging.getLogger("agentloop").isEnabledFor(logging.INFO)


def _skip(*args: Any, **kwargs: Any) -> None:
    pass


class _StdlibFallback:
    """Events to the stdlib logger ``agentloop``; a level it does not emit costs nothing.

    The structlog wrapper (and structlog's import) is made only when an event
    of an enabled level first arrives.
    """

    def __init__(self) -> None:
        self._stdlib = logging.getLogger("agentloop")
        self._wrapped: Any = None

    def __getattr__(self, name: str) -> Any:
        level = logging.getLevelName(name.upper())
        if isinstance(level, int) and not self._stdlib.isEnabledFor(level):
            return _skip
        if self._wrapped is None:
            import structlog  # slow to import, so only once an event is wanted

            self._wrapped = structlog.wrap_logger(
                self._stdlib,
                processors=[structlog.stdlib.render_to_log_kwargs],
                wrapper_class=structlog.stdlib.BoundLogger,
            )
        return getattr(self._wrapped, name)
