"""Rules about sending back what the fake served: thinking, tool calls, pause_turn.

Thinking blocks are API rules (the API verifies their signatures). The others
are agentloop's round-trip contract, which the stateless API cannot check: a
served block comes back unchanged, and the request after a ``pause_turn``
continues the paused turn. They run only with ``round_trip=True``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ._checks import Problem, thinking_on
from ._render import Served
from ._script import JSON
from ._turns import merge_turns

__all__ = ["Memory"]

_THINKING = ("thinking", "redacted_thinking")


def _id(block: JSON) -> str:
    value = block.get("id")
    return value if isinstance(value, str) else ""


def _key(block: JSON) -> str:
    return json.dumps(block, sort_keys=True, separators=(",", ":"))


class Memory:
    """What the fake served so far, and the rules that depend on it."""

    def __init__(self, round_trip: bool = False) -> None:
        self.round_trip = round_trip
        self._by_id: dict[str, JSON] = {}
        self._thinking: set[str] = set()
        self._thinking_of_tool: dict[str, list[JSON]] = {}
        self._paused: list[JSON] | None = None

    def remember(self, served: Served) -> None:
        """Note an assistant turn just served."""
        content = served.content[:-1] if served.truncated else served.content
        thoughts = [b for b in content if b.get("type") in _THINKING]
        self._thinking.update(_key(b) for b in thoughts)
        for block in content:
            if isinstance(block.get("id"), str):
                self._by_id[block["id"]] = block
                if block.get("type") == "tool_use" and thoughts:
                    self._thinking_of_tool[block["id"]] = thoughts
        self._paused = served.content if served.stop_reason == "pause_turn" else None

    def check(self, body: dict[str, Any]) -> list[Problem]:
        """Every rule about served content that the request ``body`` breaks."""
        paused, self._paused = self._paused, None
        messages = body.get("messages")
        if not isinstance(messages, list):
            return []
        problems = list(self._check_blocks(messages))
        if thinking_on(body):
            problems += self._check_thinking_kept(messages)
        if paused is not None and self.round_trip:
            problems += _check_resumed(messages, paused)
        return problems

    def _check_blocks(self, messages: list[Any]) -> Iterator[Problem]:
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") != "assistant":
                continue
            content = message.get("content")
            for j, block in enumerate(content if isinstance(content, list) else []):
                if not isinstance(block, dict):
                    continue
                where = f"messages[{i}].content[{j}]"
                if block.get("type") in _THINKING and _key(block) not in self._thinking:
                    yield (
                        "thinking unchanged",
                        f"{where} is a {block.get('type')} block the fake never served in this "
                        "form; thinking blocks go back byte for byte, signature included",
                    )
                served = self._by_id.get(_id(block)) if self.round_trip else None
                if served is not None and served != block:
                    changed = sorted(k for k in {*served, *block} if served.get(k) != block.get(k))
                    yield (
                        "served block unchanged",
                        f"{where} ({block.get('type')} {block['id']!r}) differs from the block "
                        f"served in: {', '.join(changed)}",
                    )

    def _check_thinking_kept(self, messages: list[Any]) -> Iterator[Problem]:
        turns = [t for t in merge_turns(messages) if t.role == "assistant"]
        if not turns:
            return
        content = turns[-1].blocks
        present = {_key(b) for b in content}
        for block in content:
            thoughts = self._thinking_of_tool.get(_id(block))
            if thoughts and any(_key(t) not in present for t in thoughts):
                yield (
                    "thinking kept with tool_use",
                    f"{turns[-1].label()} sends back tool_use {block['id']!r} without the "
                    "thinking blocks served with it (with thinking on they must come back "
                    "unchanged)",
                )
                return


def _check_resumed(messages: list[Any], paused: list[JSON]) -> Iterator[Problem]:
    """The last turn must be the assistant turn ending with the paused content.

    Earlier content of the same turn may come before it, in the same message or
    in earlier consecutive assistant messages (the API combines them), but the
    paused blocks come last, unchanged.
    """
    turns = merge_turns(messages)
    content = turns[-1].blocks if turns and turns[-1].role == "assistant" else []
    if not paused or len(content) < len(paused) or content[-len(paused) :] != paused:
        yield (
            "pause_turn continuation",
            "the request after a pause_turn reply must end with the paused assistant "
            "content, sent back unchanged at the end of the last assistant turn",
        )
