"""Where agentloop's log events go, and their names (see docs/logging.md).

By default events go to the standard ``logging`` logger ``agentloop``
(silent until the application enables it). Call :func:`use_structlog` to send
them through structlog's pipeline instead. While a
``structlog.testing.capture_logs()`` block is active, they are captured.
"""

from ._logging import (
    MODEL_REQUEST,
    MODEL_RETRY,
    RUN_FINISH,
    RUN_START,
    TOOL_CALL,
    TOOL_ERROR,
    TOOL_INVALID_INPUT,
    use_structlog,
)

__all__ = [
    "MODEL_REQUEST",
    "MODEL_RETRY",
    "RUN_FINISH",
    "RUN_START",
    "TOOL_CALL",
    "TOOL_ERROR",
    "TOOL_INVALID_INPUT",
    "use_structlog",
]
