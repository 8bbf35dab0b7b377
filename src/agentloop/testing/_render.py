"""Turning one scripted response into the bytes to serve for one request."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from agentloop._exceptions import STATUS_BY_ERROR_TYPE

from ._errors import ScriptError
from ._ids import IdMaker
from ._recorded import RecordedRequest
from ._script import JSON, BrokenStream, ErrorReply, Fault, Garbage, Reply, ScriptItem, SSEStyle
from ._sse import encode_events, error_event, message_events

__all__ = ["Planned", "Renderer", "Served", "error_body"]

Ending: TypeAlias = Literal["close", "reset", "stall"]


@dataclass
class Planned:
    """A response ready to send: status line, headers, body parts, how it ends."""

    status: int | None
    """None: no response at all (the connection is reset at once)."""
    headers: list[tuple[str, str]] = field(default_factory=list)
    parts: list[bytes] = field(default_factory=list)
    """The body: one part per SSE event, or the whole JSON body in one part."""
    sse: bool = False
    end: Ending = "close"
    stall_seconds: float = 0.0
    request_index: int = 0
    """The number of the request answered (seeds the random chunking)."""


@dataclass
class Served:
    """An assistant turn the fake served, for the checks on later requests."""

    content: list[JSON]
    stop_reason: str | None
    truncated: bool


def error_body(error_type: str, message: str, request_id: str) -> bytes:
    """The API's JSON error body."""
    error = {"type": error_type, "message": message}
    return json.dumps({"type": "error", "error": error, "request_id": request_id}).encode()


class Renderer:
    """Renders script items for requests, making ids as it goes."""

    def __init__(self, style: SSEStyle, seed: int = 0) -> None:
        self.style = style
        self.ids = IdMaker(seed)

    def error(
        self, status: int, error_type: str, message: str, headers: Mapping[str, str] | None = None
    ) -> Planned:
        """An HTTP error response."""
        request_id = self.ids.make("req_011C")
        body = error_body(error_type, message, request_id)
        head = [("content-type", "application/json"), ("request-id", request_id)]
        return Planned(status, head + list((headers or {}).items()), [body])

    def render(self, item: ScriptItem, request: RecordedRequest) -> tuple[Planned, Served | None]:
        """The response to ``request``, and the assistant turn it served, if any."""
        if isinstance(item, Reply):
            message = self._message(item, request)
            return self._reply(item, message, request.stream), _served(item, message)
        if isinstance(item, ErrorReply):
            return self.error(item.status, item.error_type, item.message, item.headers), None
        if isinstance(item, Garbage):
            head = [("content-type", item.content_type), ("request-id", self.ids.make("req_011C"))]
            return Planned(item.status, head, [item.body]), None
        if isinstance(item, BrokenStream):
            return self._broken(item, request), None
        return self._fault(item, request), None

    def _message(self, reply: Reply, request: RecordedRequest) -> JSON:
        content = self._with_ids(reply.content)
        body = request.body if isinstance(request.body, dict) else {}
        message: JSON = {
            "id": reply.id or self.ids.make("msg_01"),
            "type": "message",
            "role": "assistant",
            "model": reply.model or body.get("model") or "claude-sonnet-4-6",
            "content": content,
            "stop_reason": reply.stop_reason,
            "stop_sequence": reply.stop_sequence,
            "usage": reply.usage or _default_usage(request, content),
        }
        if reply.stop_details is not None:
            message["stop_details"] = reply.stop_details
        message.update(reply.extra)
        return message

    def _with_ids(self, content: list[JSON]) -> list[JSON]:
        out: list[JSON] = []
        last_server_id: str | None = None
        for original in content:
            block = dict(original)
            kind = block.get("type")
            if kind in ("tool_use", "server_tool_use") and "id" not in block:
                prefix = "toolu_01" if kind == "tool_use" else "srvtoolu_01"
                block = {"type": kind, "id": self.ids.make(prefix), **block}
            if kind == "server_tool_use":
                last_server_id = block["id"]
            if kind == "web_search_tool_result" and "tool_use_id" not in block:
                if last_server_id is None:
                    raise ScriptError(
                        "web_search_result() without tool_use_id follows no server_tool_use"
                    )
                block = {"type": kind, "tool_use_id": last_server_id, **block}
            out.append(block)
        return out

    def _reply(self, reply: Reply, message: JSON, stream: bool) -> Planned:
        if stream:
            events = message_events(message, self.style, reply.truncated)
            return self._stream(encode_events(events, self.style))
        if reply.truncated and message["content"][-1].get("type") in (
            "tool_use",
            "server_tool_use",
        ):
            message = {
                **message,
                "content": [*message["content"][:-1], {**message["content"][-1], "input": {}}],
            }
        return self._json(json.dumps(message, ensure_ascii=False).encode())

    def _json(self, body: bytes) -> Planned:
        head = [("content-type", "application/json"), ("request-id", self.ids.make("req_011C"))]
        return Planned(200, head, [body])

    def _stream(self, parts: list[bytes], end: Ending = "close", seconds: float = 0.0) -> Planned:
        head = [
            ("content-type", "text/event-stream; charset=utf-8"),
            ("cache-control", "no-cache"),
            ("request-id", self.ids.make("req_011C")),
        ]
        return Planned(200, head, parts, sse=True, end=end, stall_seconds=seconds)

    def _broken(self, item: BrokenStream, request: RecordedRequest) -> Planned:
        message = self._message(item.reply, request)
        if not request.stream:
            if item.error_type is not None:
                status = STATUS_BY_ERROR_TYPE.get(item.error_type, 500)
                return self.error(status, item.error_type, item.message or item.error_type)
            body = json.dumps(message).encode()
            return self._json(body[: len(body) // 2])
        events = message_events(message, self.style, item.reply.truncated)[: item.after_events]
        if item.error_type is not None:
            events.append(error_event(item.error_type, item.message or item.error_type))
        return self._stream(encode_events(events, self.style))

    def _fault(self, item: Fault, request: RecordedRequest) -> Planned:
        if item.reply is None:
            return Planned(None, end="reset")
        message = self._message(item.reply, request)
        if request.stream:
            events = message_events(message, self.style, item.reply.truncated)
            parts = encode_events(events[: item.after_events], self.style)
            return self._stream(parts, item.kind, item.seconds)
        body = json.dumps(message).encode()
        planned = self._json(body[: len(body) // 2])
        planned.end, planned.stall_seconds = item.kind, item.seconds
        return planned


def _served(reply: Reply, message: JSON) -> Served:
    return Served(message["content"], reply.stop_reason, reply.truncated)


def _default_usage(request: RecordedRequest, content: list[JSON]) -> JSON:
    return {
        "input_tokens": max(1, len(request.raw) // 4),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": max(1, len(json.dumps(content)) // 4),
        "service_tier": "standard",
    }
