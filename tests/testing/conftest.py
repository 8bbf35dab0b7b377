"""Fixtures for the tests of agentloop.testing: plain httpx against the fake."""

from __future__ import annotations

import json
from typing import Any

import pytest

Event = tuple[str, dict[str, Any]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Api:
    """What a minimal, correct client sends, and a reference reader of what comes back."""

    headers = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
    url = "https://api.anthropic.com/v1/messages"

    @staticmethod
    def body(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
        return {
            "model": "claude-sonnet-4-6",
            "max_tokens": 1024,
            "messages": list(messages) or [{"role": "user", "content": "Hi"}],
            **fields,
        }

    @staticmethod
    def parse_sse(data: bytes) -> list[Event]:
        """A reference SSE parser (the WHATWG rules, minus retry and id)."""
        events: list[Event] = []
        name, lines = "message", []
        for line in data.decode().replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            if not line:
                if lines:
                    events.append((name, json.loads("\n".join(lines))))
                name, lines = "message", []
            elif line.startswith(":"):
                continue
            else:
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    name = value
                elif field == "data":
                    lines.append(value)
        return events

    @staticmethod
    def fold(events: list[Event]) -> dict[str, Any]:
        """Rebuild the message an SSE stream carried; ``complete`` says if it ended."""
        message: dict[str, Any] = {}
        blocks: dict[int, dict[str, Any]] = {}
        fragments: dict[int, list[str]] = {}
        for name, data in events:
            if name == "message_start":
                message = dict(data["message"])
            elif name == "content_block_start":
                blocks[data["index"]] = dict(data["content_block"])
                fragments[data["index"]] = []
            elif name == "content_block_delta":
                _apply(blocks[data["index"]], fragments[data["index"]], data["delta"])
            elif name == "content_block_stop":
                joined = "".join(fragments[data["index"]])
                if joined:
                    blocks[data["index"]]["input"] = json.loads(joined)
            elif name == "message_delta":
                message.update(data["delta"])
                message["usage"] = data["usage"]
        message["content"] = [blocks[i] for i in sorted(blocks)]
        message["complete"] = bool(events) and events[-1][0] == "message_stop"
        return message


def _apply(block: dict[str, Any], fragments: list[str], delta: dict[str, Any]) -> None:
    kind = delta["type"]
    if kind == "text_delta":
        block["text"] += delta["text"]
    elif kind == "input_json_delta":
        fragments.append(delta["partial_json"])
    elif kind == "thinking_delta":
        block["thinking"] += delta["thinking"]
    elif kind == "signature_delta":
        block["signature"] = delta["signature"]
    elif kind == "citations_delta":
        block["citations"].append(delta["citation"])


@pytest.fixture
def api() -> type[Api]:
    return Api
