"""The run context a tool can ask for by annotating a parameter with it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic

from typing_extensions import TypeVar

__all__ = ["RunContext"]

DepsT = TypeVar("DepsT", default=Any)


@dataclass(frozen=True)
class RunContext(Generic[DepsT]):
    """What a tool may know about the run that called it.

    Annotate a tool parameter with ``RunContext`` (or ``RunContext[MyDeps]``)
    and the loop passes it at call time; it never appears in the schema.

    ``tool_use_id`` is unique per call and stable if a call is replayed, so
    it serves as an idempotency key for tools with side effects.
    """

    deps: DepsT
    tool_use_id: str = ""
    tool_name: str = ""
    run_id: str = ""
    model: str = ""
    messages: Sequence[Any] = field(default=(), repr=False)
