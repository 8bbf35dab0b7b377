"""The responses the bench server sends, precomputed as bytes (no rendering per request).

A scenario is described by a :class:`Shape`, carried in the URL path so that
one server serves every scenario: ``/b/<shape>/v1/messages``. The round of a
request is ``(len(messages) - 1) // 2``: the first request has one message,
every round adds an assistant message and a user message. So the server needs
no per-conversation state and answers concurrent conversations correctly.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

MODEL = "claude-sonnet-4-6"
ID_SLOT = b"toolu_@@@@@@@@@@@@@@@@@@@@@@@@"
"""Stands for a tool_use id in a template; replaced by a unique id of the same length."""


@dataclass(frozen=True)
class Shape:
    """What a conversation of a scenario looks like."""

    tool: str = "lookup"
    rounds: int = 1
    """Tool rounds before the final answer."""
    calls: int = 1
    """Parallel tool_use blocks per round."""
    text_deltas: int = 1
    """Text deltas of the final answer when streamed."""
    json_bytes: int = 0
    """Size of one big tool input (0: a small input)."""
    json_deltas: int = 1
    """Fragments the tool input arrives in when streamed."""

    def doubled(self) -> Shape:
        """The same conversation with streams twice as long (scenario 4's 2N)."""
        return replace(self, text_deltas=self.text_deltas * 2, json_bytes=self.json_bytes * 2,
                       json_deltas=self.json_deltas * 2)  # fmt: skip

    def key(self) -> str:
        return "_".join(str(v) for v in asdict(self).values())

    @classmethod
    def from_key(cls, key: str) -> Shape:
        tool, *numbers = key.split("_")
        return cls(tool, *(int(n) for n in numbers))

    def path(self) -> str:
        """The base URL path for this shape (the client appends ``/v1/messages``)."""
        return f"/b/{self.key()}"


def final_text(shape: Shape) -> str:
    """The text of the final answer (what a correct run ends with)."""
    return "".join(_text_pieces(shape))


def _text_pieces(shape: Shape) -> list[str]:
    return [f"w{i % 10} " for i in range(shape.text_deltas)]


def big_input(size: int) -> dict[str, Any]:
    """A tool input whose JSON text is about ``size`` bytes."""
    rows = max(1, size // 48)
    return {"rows": [{"id": i, "name": f"item-{i:08d}", "ok": True} for i in range(rows)]}


def tool_input(shape: Shape, round_: int, call: int) -> dict[str, Any]:
    if shape.json_bytes:
        return big_input(shape.json_bytes)
    return {"key": f"r{round_}c{call}"}


def message(shape: Shape, round_: int) -> dict[str, Any]:
    """The response to a request of round ``round_``, with id slots for tool_use ids."""
    slot = ID_SLOT.decode()
    if round_ < shape.rounds:
        content = [
            {
                "type": "tool_use",
                "id": slot,
                "name": shape.tool,
                "input": tool_input(shape, round_, c),
            }
            for c in range(shape.calls)
        ]
        stop = "tool_use"
    else:
        content = [{"type": "text", "text": final_text(shape)}]
        stop = "end_turn"
    return {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


def json_body(msg: dict[str, Any]) -> bytes:
    return json.dumps(msg, separators=(",", ":")).encode()


def sse_events(shape: Shape, msg: dict[str, Any]) -> list[bytes]:
    """The stream of ``msg``, one SSE event per item, as the API writes it."""
    start = {
        **msg,
        "content": [],
        "stop_reason": None,
        "usage": {**msg["usage"], "output_tokens": 1},
    }
    events = [_event("message_start", message=start)]
    for index, block in enumerate(msg["content"]):
        if block["type"] == "text":
            events.append(
                _event("content_block_start", index=index, content_block={**block, "text": ""})
            )
            deltas = [{"type": "text_delta", "text": p} for p in _text_pieces(shape)]
        else:
            skeleton = {**block, "input": {}}
            events.append(_event("content_block_start", index=index, content_block=skeleton))
            source = json.dumps(block["input"])
            parts = shape.json_deltas if shape.json_bytes else 1
            step = -(-len(source) // parts)
            pieces = ["", *(source[i : i + step] for i in range(0, len(source), step))]
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces]
        events += [_event("content_block_delta", index=index, delta=d) for d in deltas]
        events.append(_event("content_block_stop", index=index))
    delta = {"stop_reason": msg["stop_reason"], "stop_sequence": None}
    events.append(_event("message_delta", delta=delta, usage={"output_tokens": 5}))
    events.append(_event("message_stop"))
    return events


def _event(name: str, **fields: Any) -> bytes:
    data = json.dumps({"type": name, **fields}, separators=(",", ":"))
    return f"event: {name}\ndata: {data}\n\n".encode()
