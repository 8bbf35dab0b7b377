"""The rules of the message sequence: roles, placement, tool calls and their results.

They are checked on the combined turns (:mod:`._turns`), as the API reads
them: two ``user`` messages in a row are one user turn, not a broken rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._turns import Turn, merge_turns

__all__ = ["check_messages"]

Problem = tuple[str, str]


def check_messages(messages: list[dict[str, Any]]) -> list[Problem]:
    """Every rule of the sequence ``messages`` breaks (their shapes already checked).

    What an API version refuses in the content is checked with the request's
    other settings (:func:`agentloop._versions.version_problems`).
    """
    turns = merge_turns(messages)
    return [*_check_placement(messages), *_check_tool_results(turns)]


def _check_placement(messages: list[dict[str, Any]]) -> Iterator[Problem]:
    if messages[0]["role"] != "user":
        yield "first message", f"messages[0] must be a user message, got {messages[0]['role']!r}"
    for i, message in enumerate(messages):
        if message["role"] == "system" and (i == 0 or messages[i - 1]["role"] != "user"):
            yield (
                "system message placement",
                f"messages[{i}] (role system) must follow a user message",
            )


def _check_tool_results(turns: list[Turn]) -> Iterator[Problem]:
    for k, turn in enumerate(turns):
        if turn.role == "assistant":
            yield from _check_answered(turn, turns[k + 1] if k + 1 < len(turns) else None)
        else:
            before = turns[k - 1] if k else None
            yield from _check_results(turn, _tool_use_ids(before) if before else [])


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _tool_use_ids(turn: Turn) -> list[str]:
    return [str(b.get("id", "")) for b in turn.blocks if b["type"] == "tool_use"]


def _check_answered(turn: Turn, after: Turn | None) -> Iterator[Problem]:
    blocks = after.blocks if after is not None else []
    answered = {_id(b.get("tool_use_id")) for b in blocks if b["type"] == "tool_result"}
    missing = [tool_id for tool_id in _tool_use_ids(turn) if tool_id not in answered]
    if missing:
        yield (
            "tool_use answered",
            f"messages.{turn.where[-1][0]}: `tool_use` ids were found without `tool_result` "
            f"blocks immediately after: {', '.join(missing)}. Each `tool_use` block must have "
            "a corresponding `tool_result` block in the next message.",
        )


def _check_results(turn: Turn, asked: list[str]) -> Iterator[Problem]:
    results = [b for b in turn.blocks if b["type"] == "tool_result"]
    if turn.blocks[: len(results)] != results:
        yield (
            "tool_result first",
            f"{turn.label()}: tool_result blocks must come before any other block of the "
            "user turn (consecutive user messages form one turn)",
        )
    seen: set[str] = set()
    for block, (i, j) in zip(turn.blocks, turn.where, strict=True):
        if block["type"] != "tool_result":
            continue
        answered = _id(block.get("tool_use_id"))
        if answered not in asked:
            yield (
                "tool_result answers previous tool_use",
                f"messages[{i}].content[{j}] answers {answered!r}, "
                "which is no tool_use of the assistant turn just before",
            )
        elif answered in seen:
            yield "tool_result once", f"{turn.label()} answers {answered!r} twice"
        seen.add(str(answered))
