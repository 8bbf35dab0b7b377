"""The conversation as the API reads it: consecutive same-role messages form one turn.

The API combines consecutive ``user`` (or ``assistant``) messages into a single
turn, so ``[..., tool_results, {"role": "user", "content": "Summarize."}]`` is
one user turn whose tool_result blocks come first. Mid-conversation ``system``
messages are not part of any turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._script import JSON

__all__ = ["Turn", "blocks_of", "merge_turns"]


@dataclass
class Turn:
    """One combined turn: its role, its blocks in order, and where they came from."""

    role: str
    blocks: list[JSON] = field(default_factory=list)
    where: list[tuple[int, int]] = field(default_factory=list)
    """For each block, ``(message index, block index)`` in the request."""

    def label(self) -> str:
        """The request's message indices of this turn, e.g. ``messages.3`` or ``messages.3-4``."""
        indices = sorted({i for i, _ in self.where})
        if not indices:
            return "messages.?"
        if indices[0] == indices[-1]:
            return f"messages.{indices[0]}"
        return f"messages.{indices[0]}-{indices[-1]}"


def blocks_of(message: dict[str, Any]) -> list[JSON]:
    """A message's content as blocks (a string is one text block)."""
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def merge_turns(messages: list[Any]) -> list[Turn]:
    """The turns of ``messages``, consecutive same-role messages combined."""
    turns: list[Turn] = []
    for i, message in _conversation(messages):
        if not turns or turns[-1].role != message["role"]:
            turns.append(Turn(message["role"]))
        blocks = blocks_of(message)
        turns[-1].blocks.extend(blocks)
        turns[-1].where.extend((i, j) for j in range(len(blocks)))
    return turns


def _conversation(messages: list[Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, message in enumerate(messages):
        if isinstance(message, dict) and message.get("role") in ("user", "assistant"):
            yield i, message
