"""How the loop runs one tool: :class:`ToolPolicy` (timeout, retry budget, concurrency)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from agentloop._exceptions import ConfigurationError

__all__ = ["DEFAULT_POLICY", "ToolPolicy"]


@dataclass(frozen=True)
class ToolPolicy:
    """How the loop runs one tool; set with ``@tool(timeout=..., max_retries=..., sequential=...)``.

    ``timeout``: seconds one call may take; a call that takes longer gives the
    model an is_error timeout result. ``None``: no limit of its own.

    ``max_retries``: how many times in a row the model may retry this tool
    after a failed call (an is_error result) in one run; the next failure
    ends the run with a typed error instead of looping on. ``0``: the first
    failure ends the run. ``None``: no budget of its own.

    ``sequential``: the tool never runs alongside the other calls of its
    turn; results still come back in call order.

    A wrong value raises :class:`ConfigurationError` saying what to change.
    """

    timeout: float | None = None
    max_retries: int | None = None
    sequential: bool = False

    def __post_init__(self) -> None:
        _check_timeout(self.timeout)
        _check_max_retries(self.max_retries)
        if not isinstance(self.sequential, bool):
            raise ConfigurationError(
                f"tool policy: sequential={self.sequential!r} must be True or False"
            )


def _check_timeout(timeout: object) -> None:
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ConfigurationError(
            f"tool policy: timeout={timeout!r} must be a number of seconds (e.g. 30), "
            "or None for no timeout"
        )
    if not (math.isfinite(timeout) and timeout > 0):
        raise ConfigurationError(
            f"tool policy: timeout={timeout!r} must be a finite number of seconds "
            "above 0 (e.g. 30), or None for no timeout"
        )


def _check_max_retries(max_retries: object) -> None:
    if max_retries is None:
        return
    if isinstance(max_retries, bool) or not isinstance(max_retries, int):
        raise ConfigurationError(
            f"tool policy: max_retries={max_retries!r} must be a whole number (e.g. 3), "
            "or None for no limit"
        )
    if max_retries < 0:
        raise ConfigurationError(
            f"tool policy: max_retries={max_retries!r} must be 0 or more "
            "(0 ends the run at the first failure), or None for no limit"
        )


DEFAULT_POLICY = ToolPolicy()
"""The policy of a tool that sets none."""
