"""agentloop's structured events: stable names, one way to emit them.

The library never configures logging and never prints. Where events go:

* through structlog's pipeline (``structlog.get_logger("agentloop")``) when
  the application opted in with :func:`use_structlog`, or while a
  ``structlog.testing.capture_logs()`` block is active (a ``LogCapture``
  processor is configured);
* otherwise to the standard ``logging`` logger ``agentloop``: the event name
  is the record's message and its fields are attributes of the record. The
  logger has a ``NullHandler``, so it is silent until the application
  enables logging.

``structlog.is_configured()`` is not consulted: it stays true after
``capture_logs()`` ends, and structlog's default pipeline prints to stdout.

Events are built from explicit, plain fields only (str, numbers, bools,
lists and dicts of them): never headers, clients, exceptions or tracebacks
as objects (a tool error carries its traceback as text, ``exception``), so no
renderer can show the API key or a frame's locals such as ``ctx.deps``.

Nothing here is imported lazily: the stdlib path needs no structlog, and the
structlog path runs only once the application has imported it, through a
plain ``import`` statement (which waits while another thread imports it).
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
    "use_structlog",
]

MODEL_REQUEST = "model.request"
MODEL_RETRY = "model.retry"
RUN_START = "run.start"
RUN_FINISH = "run.finish"
TOOL_CALL = "tool.call"
TOOL_ERROR = "tool.error"
TOOL_INVALID_INPUT = "tool.invalid_input"

_STDLIB = logging.getLogger("agentloop")
if not any(isinstance(h, logging.NullHandler) for h in _STDLIB.handlers):
    _STDLIB.addHandler(logging.NullHandler())  # no "last resort" printing to stderr

_structlog_chosen = False


def use_structlog(enabled: bool = True) -> None:
    """Send agentloop's events through structlog's pipeline (``False``: back to stdlib).

    Call it once the application has configured structlog. Without it, events
    go to the stdlib logger ``agentloop`` (``capture_logs()`` still sees them).
    """
    global _structlog_chosen
    if enabled:
        import structlog  # noqa: F401  (imported here, in the caller's thread)
    _structlog_chosen = bool(enabled)


def get_logger() -> Any:
    """The logger for agentloop events (structlog's when chosen or capturing, else stdlib's)."""
    if _structlog_chosen or _capturing():
        import structlog  # already imported; waits if another thread is importing it

        return structlog.get_logger("agentloop")
    return _EVENTS


def info_enabled() -> bool:
    """Whether an info event would go anywhere (so its fields are worth building)."""
    return _structlog_chosen or _capturing() or _STDLIB.isEnabledFor(logging.INFO)


def _capturing() -> bool:
    """Whether a ``structlog.testing.capture_logs()`` block is active."""
    if "structlog" not in sys.modules:
        return False  # nobody imported structlog, so nobody is capturing
    import structlog  # a plain import: never a half-initialized module
    from structlog.testing import LogCapture

    return any(isinstance(p, LogCapture) for p in structlog.get_config()["processors"])


_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class _StdlibEvents:
    """Events as records of the stdlib logger ``agentloop``.

    The event name is the message; the fields are record attributes (a field
    named like a built-in attribute gets a trailing ``_``); an ``exception``
    field (traceback text) is also the record's ``exc_text``, which
    formatters print after the message.
    """

    def debug(self, event: str, **fields: Any) -> None:
        _emit(logging.DEBUG, event, fields)

    def info(self, event: str, **fields: Any) -> None:
        _emit(logging.INFO, event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        _emit(logging.WARNING, event, fields)

    def error(self, event: str, **fields: Any) -> None:
        _emit(logging.ERROR, event, fields)


def _emit(level: int, event: str, fields: dict[str, Any]) -> None:
    if not _STDLIB.isEnabledFor(level):
        return
    caller = sys._getframe(2)  # the code that emitted the event
    code = caller.f_code
    extra = {(f"{k}_" if k in _RESERVED else k): v for k, v in fields.items()}
    record = _STDLIB.makeRecord(
        _STDLIB.name, level, code.co_filename, caller.f_lineno, event, (), None, code.co_name, extra
    )
    traceback = fields.get("exception")
    if isinstance(traceback, str):
        record.exc_text = traceback.rstrip("\n")  # as Formatter.formatException gives it
    _STDLIB.handle(record)


_EVENTS = _StdlibEvents()
