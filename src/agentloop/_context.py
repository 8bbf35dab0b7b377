"""The run context a tool (or a registry) can ask for."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic

from typing_extensions import TypeVar

__all__ = ["RunContext", "with_deadline"]

DepsT = TypeVar("DepsT", default=Any)


@dataclass(frozen=True)
class RunContext(Generic[DepsT]):
    """What a tool may know about the run that called it.

    Annotate a tool parameter with ``RunContext`` (or ``RunContext[MyDeps]``)
    and the loop passes it at call time; it never appears in the schema.
    Registries get one too: in ``call(name, input, ctx)`` and, with empty
    ``tool_use_id`` and ``tool_name``, in ``definitions(ctx)``.

    ``tool_use_id`` is unique per call and stable if a call is replayed, so
    it serves as an idempotency key for tools with side effects.
    ``deadline`` is when the call's timeout runs out, in :func:`time.monotonic`
    seconds (None: no timeout), so a tool can hand the time left
    (:meth:`remaining`) on to a server.
    """

    deps: DepsT
    tool_use_id: str = ""
    tool_name: str = ""
    run_id: str = ""
    model: str = ""
    messages: Sequence[Any] = field(default=(), repr=False)
    deadline: float | None = None
    _listings: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)
    """The run's own memo of the wrappers' last listings (a listing belongs to a run)."""

    def remaining(self) -> float | None:
        """Seconds left until :attr:`deadline` (never below 0), or None without one."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())


def with_deadline(ctx: RunContext[Any], timeout: float | None) -> RunContext[Any]:
    """``ctx`` with its deadline set ``timeout`` seconds from now (unchanged if None)."""
    if timeout is None:
        return ctx
    return dataclasses.replace(ctx, deadline=time.monotonic() + timeout)
