"""Rules about sending back what the fake served: thinking, tool calls, pause_turn."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ._checks import Problem, thinking_on
from ._render import Served
from ._script import JSON

__all__ = ["Memory"]

_THINKING = ("thinking", "redacted_thinking")


def _key(block: JSON) -> str:
    return json.dumps(block, sort_keys=True, separators=(",", ":"))


class Memory:
    """What the fake served so far, and the rules that depend on it."""

    def __init__(self) -> None:
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
        if paused is not None:
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
                served = self._by_id.get(block.get("id", ""))
                if served is not None and served != block:
                    changed = sorted(k for k in {*served, *block} if served.get(k) != block.get(k))
                    yield (
                        "served block unchanged",
                        f"{where} ({block.get('type')} {block['id']!r}) differs from the block "
                        f"served in: {', '.join(changed)}",
                    )

    def _check_thinking_kept(self, messages: list[Any]) -> Iterator[Problem]:
        last = max(
            (
                i
                for i, m in enumerate(messages)
                if isinstance(m, dict) and m.get("role") == "assistant"
            ),
            default=None,
        )
        if last is None or not isinstance(messages[last].get("content"), list):
            return
        content = messages[last]["content"]
        present = {_key(b) for b in content if isinstance(b, dict)}
        for block in content:
            thoughts = (
                self._thinking_of_tool.get(block.get("id", "")) if isinstance(block, dict) else None
            )
            if thoughts and any(_key(t) not in present for t in thoughts):
                yield (
                    "thinking kept with tool_use",
                    f"messages[{last}] sends back tool_use {block['id']!r} without the thinking "
                    "blocks served with it (with thinking on they must come back unchanged)",
                )
                return


def _check_resumed(messages: list[Any], paused: list[JSON]) -> Iterator[Problem]:
    """The last message must be the assistant turn ending with the paused content.

    Earlier content of the same turn may come before it (a turn paused twice
    is sent back as one assistant message, as the API itself would merge two
    consecutive assistant messages), but the paused blocks come last, unchanged.
    """
    last = messages[-1] if messages else None
    content = last.get("content") if isinstance(last, dict) else None
    if (
        not isinstance(last, dict)
        or last.get("role") != "assistant"
        or not isinstance(content, list)
        or not paused
        or content[-len(paused) :] != paused
    ):
        yield (
            "pause_turn continuation",
            "the request after a pause_turn reply must end with the paused assistant "
            "content, sent back unchanged at the end of the last message",
        )
