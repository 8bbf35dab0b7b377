"""A served message as server-sent events, written the way the live API writes them."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

from ._script import JSON, SSEStyle

__all__ = ["Event", "chunked", "encode_events", "error_event", "message_events"]

Event = tuple[str, JSON]
"""An SSE event: its ``event:`` name and its ``data:`` JSON."""


def message_events(message: JSON, style: SSEStyle, truncated: bool = False) -> list[Event]:
    """Every event of the stream of ``message`` (a complete response body)."""
    start = {k: v for k, v in message.items() if k != "stop_details"}
    start.update(content=[], stop_reason=None, stop_sequence=None, usage=_start_usage(message))
    events: list[Event] = [("message_start", {"type": "message_start", "message": start})]
    if style.unknown_events:
        events.append(_event("future_event", note="unknown event types are to be ignored"))
    content: list[JSON] = message["content"]
    for index, block in enumerate(content):
        if style.pings:
            events.append(("ping", {"type": "ping"}))
        cut = truncated and index == len(content) - 1
        events.extend(_block_events(index, block, style, cut))
    delta: JSON = {
        "stop_reason": message["stop_reason"],
        "stop_sequence": message.get("stop_sequence"),
    }
    if message.get("stop_details") is not None:
        delta["stop_details"] = message["stop_details"]
    usage = message["usage"]
    events.append(("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def error_event(error_type: str, message: str) -> Event:
    """An ``event: error`` as the API sends it mid-stream."""
    return ("error", {"type": "error", "error": {"type": error_type, "message": message}})


def _start_usage(message: JSON) -> JSON:
    usage = dict(message["usage"])
    usage["output_tokens"] = min(1, int(usage.get("output_tokens", 0)))
    return usage


def _block_events(index: int, block: JSON, style: SSEStyle, cut: bool) -> Iterator[Event]:
    kind = block.get("type")
    if kind == "text":
        skeleton = {**block, "text": ""}
        deltas = [{"type": "text_delta", "text": p} for p in _pieces(block["text"], style)]
        if "citations" in block:
            skeleton["citations"] = []
            cites = [{"type": "citations_delta", "citation": c} for c in block["citations"]]
            deltas = cites + deltas
    elif kind in ("tool_use", "server_tool_use"):
        skeleton = {**block, "input": {}}
        deltas = [
            {"type": "input_json_delta", "partial_json": p} for p in _json_pieces(block, style, cut)
        ]
    elif kind == "thinking":
        skeleton = {**block, "thinking": "", "signature": ""}
        deltas = [
            {"type": "thinking_delta", "thinking": p} for p in _pieces(block["thinking"], style)
        ]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    else:
        skeleton, deltas = block, []
    yield _event("content_block_start", index=index, content_block=skeleton)
    if style.unknown_events:
        yield _event(
            "content_block_delta", index=index, delta={"type": "future_delta", "data": "?"}
        )
    for delta in deltas:
        yield _event("content_block_delta", index=index, delta=delta)
    yield _event("content_block_stop", index=index)


def _json_pieces(block: JSON, style: SSEStyle, cut: bool) -> list[str]:
    """The input's JSON text in fragments, the first one empty as in real traffic.

    A ``cut`` input stops halfway: a strict prefix of an object's JSON text is
    never valid JSON.
    """
    source = json.dumps(block.get("input", {}), ensure_ascii=False)
    if cut:
        source = source[: max(1, len(source) // 2)]
    return ["", *_pieces(source, style)]


def _pieces(s: str, style: SSEStyle) -> list[str]:
    size = max(1, style.delta_chars)
    return [s[i : i + size] for i in range(0, len(s), size)]


def _event(name: str, **fields: Any) -> Event:
    return (name, {"type": name, **fields})


def encode_events(events: list[Event], style: SSEStyle) -> list[bytes]:
    """Each event as the bytes of the SSE body, in ``style``."""
    nl = "\r\n" if style.crlf else "\n"
    comment = f": keepalive{nl}" if style.comments else ""
    out = []
    for i, (name, data) in enumerate(events):
        payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        pad = " " * (1 + i % 4) if style.padding else ""
        out.append(f"{comment}event: {name}{nl}data: {payload}{pad}{nl}{nl}".encode())
    return out


def chunked(parts: list[bytes], style: SSEStyle, seed: int) -> Iterator[bytes]:
    """The body of ``parts`` cut into reads as ``style.chunking`` says."""
    if style.chunking == "events":
        yield from parts
        return
    body = b"".join(parts)
    if style.chunking == "whole":
        if body:
            yield body
        return
    rng = random.Random(f"{style.seed}:{seed}")
    pos = 0
    while pos < len(body):
        size = rng.randint(1, max(1, style.max_chunk))
        yield body[pos : pos + size]
        pos += size
