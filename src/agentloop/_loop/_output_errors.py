"""The ways a run with ``output_type`` can end without a valid output.

::

    RunError
    └── OutputError                 no valid output; ``result`` and ``raw`` attached
        ├── OutputValidationError   invalid after ``output_retries`` more tries
        ├── OutputRefused           the model refused (``stop_reason == "refusal"``)
        └── OutputTruncated         cut by max_tokens, the context window or the pause limit

They live beside the output logic (and are exported from ``agentloop``):
``_exceptions.py`` holds the rest of the tree, of which they are a branch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._exceptions import RunError

if TYPE_CHECKING:
    from ._result import RunResult

__all__ = ["OutputError", "OutputRefused", "OutputTruncated", "OutputValidationError"]


class OutputError(RunError):
    """The run ended without a valid output. ``result`` holds the run so far (its
    history valid to continue); ``raw`` the model's last attempt, as it came (the
    final text, or the output tool's input as JSON; ``""`` if there was none)."""

    def __init__(self, message: str, result: RunResult, raw: str = "") -> None:
        super().__init__(message, result)
        self.raw = raw


class OutputValidationError(OutputError):
    """The output failed validation more times than ``output_retries`` allows.
    ``errors`` holds the last attempt's field errors, one ``path: reason`` line each."""

    def __init__(
        self, message: str, result: RunResult, raw: str = "", errors: Sequence[str] = ()
    ) -> None:
        super().__init__(message, result, raw)
        self.errors = list(errors)


class OutputRefused(OutputError):
    """The model refused before giving a valid output (``result.stop_details`` says why)."""


class OutputTruncated(OutputError):
    """The answer was cut (max_tokens, context window, pause limit) before a valid output."""
