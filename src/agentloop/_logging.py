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
    import structlog  # imported on first event: it is slow to import, and unused by then

    if structlog.is_configured():
        return structlog.get_logger("agentloop")
    global _fallback
    if _fallback is None:
        _fallback = structlog.wrap_logger(
            logging.getLogger("agentloop"),
            processors=[structlog.stdlib.render_to_log_kwargs],
            wrapper_class=structlog.stdlib.BoundLogger,
        )
    return _fallback
