"""Small functions that build content blocks, replies and scripted failures."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from ._errors import ScriptError
from ._script import JSON, BrokenStream, ErrorReply, Fault, Garbage, Reply
from ._validate import as_body, describe

__all__ = [
    "block",
    "connection_reset",
    "garbage",
    "http_error",
    "redacted_thinking",
    "reply",
    "server_tool_use",
    "stall",
    "stream_error",
    "text",
    "thinking",
    "tool_use",
    "truncated_stream",
    "web_search_result",
]


def text(s: str, citations: Sequence[JSON] | None = None) -> JSON:
    """A ``text`` block, with ``citations`` when given."""
    out: JSON = {"type": "text", "text": s}
    if citations is not None:
        out["citations"] = [dict(c) for c in citations]
    return out


def tool_use(
    name: str, input: Mapping[str, Any] | None = None, id: str | None = None, **extra: Any
) -> JSON:
    """A client ``tool_use`` block; without ``id`` the fake makes one when serving it.

    ``extra`` fields (``caller={"type": "direct"}``, say) are kept on the block.
    """
    return _tool_block("tool_use", name, input, id, extra)


def server_tool_use(
    name: str, input: Mapping[str, Any] | None = None, id: str | None = None, **extra: Any
) -> JSON:
    """A ``server_tool_use`` block (``srvtoolu_01...`` id made when left out)."""
    return _tool_block("server_tool_use", name, input, id, extra)


def _tool_block(
    kind: str, name: str, input: Mapping[str, Any] | None, id: str | None, extra: JSON
) -> JSON:
    out: JSON = {"type": kind}
    if id is not None:
        out["id"] = id
    out.update(name=name, input=dict(input or {}), **extra)
    return out


def web_search_result(tool_use_id: str | None = None, results: Sequence[JSON] = ()) -> JSON:
    """A ``web_search_tool_result`` block.

    With ``tool_use_id`` None it answers the ``server_tool_use`` just before it
    in the same reply. Each result gets ``"type": "web_search_result"`` if it
    has no type.
    """
    out: JSON = {"type": "web_search_tool_result"}
    if tool_use_id is not None:
        out["tool_use_id"] = tool_use_id
    out["content"] = [{"type": "web_search_result", **r} for r in results]
    return out


def thinking(text: str, signature: str | None = None) -> JSON:
    """A ``thinking`` block; the default signature is derived from the text."""
    if signature is None:
        digest = hashlib.sha256(b"agentloop.testing:" + text.encode()).digest()
        signature = base64.b64encode(digest * 3).decode()
    return {"type": "thinking", "thinking": text, "signature": signature}


def redacted_thinking(data: str) -> JSON:
    """A ``redacted_thinking`` block."""
    return {"type": "redacted_thinking", "data": data}


def block(data: Mapping[str, Any]) -> JSON:
    """Any block given as the API's JSON (``{"type": "compaction", ...}``), served as is."""
    if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
        raise ScriptError(f"block() takes a dict with a string 'type', got {describe(data)}")
    return dict(data)


def reply(
    *blocks: JSON | str,
    stop_reason: str | None = None,
    stop_sequence: str | None = None,
    stop_details: JSON | None = None,
    usage: JSON | None = None,
    model: str | None = None,
    id: str | None = None,
    truncated: bool = False,
    **extra: Any,
) -> Reply:
    """A complete response; a ``str`` block is short for ``text(s)``.

    ``stop_reason`` defaults to ``"max_tokens"`` when ``truncated``, else to
    ``"tool_use"`` if a ``tool_use`` block is present, else ``"end_turn"``.
    ``usage`` defaults to counts derived from the sizes of request and reply;
    ``model`` to the request's model. ``truncated=True`` says max_tokens cut
    the last block short. ``extra`` adds top-level fields.
    """
    content = [text(b) if isinstance(b, str) else _as_block(b) for b in blocks]
    return Reply(
        content=content,
        stop_reason=stop_reason,
        stop_sequence=stop_sequence,
        stop_details=stop_details,
        usage=usage,
        model=model,
        id=id,
        truncated=truncated,
        extra=extra,
    )


def _as_block(value: Any) -> JSON:
    if not isinstance(value, Mapping):
        raise ScriptError(
            f"reply() takes blocks (text(...), tool_use(...), ...) or strings, got {describe(value)}"
        )
    return dict(value)


def http_error(
    status: int, error_type: str, message: str, headers: Mapping[str, str] | None = None
) -> ErrorReply:
    """An HTTP error response, e.g. ``http_error(429, "rate_limit_error", "slow down",
    {"retry-after": "2"})``; headers such as ``retry-after-ms`` or
    ``x-should-retry`` are sent as given."""
    return ErrorReply(status, error_type, message, dict(headers or {}))


def stream_error(
    reply: Reply,
    after_events: int = 1,
    error_type: str = "overloaded_error",
    message: str = "Overloaded",
) -> BrokenStream:
    """``reply``'s stream cut after ``after_events`` events by an ``event: error``."""
    return BrokenStream(reply, after_events, error_type, message)


def truncated_stream(reply: Reply, after_events: int = 1) -> BrokenStream:
    """``reply``'s stream ending cleanly after ``after_events`` events, before
    ``message_stop`` (over HTTP the body is complete; the SSE is not)."""
    return BrokenStream(reply, after_events)


def garbage(
    body: bytes | str, status: int = 200, content_type: str = "application/json"
) -> Garbage:
    """A broken response: ``body`` served as is (a ``str`` is sent as UTF-8)."""
    return Garbage(as_body(body), status, content_type)


def connection_reset(reply: Reply | None = None, after_events: int = 1) -> Fault:
    """Reset the connection: before any response, or after ``after_events`` events
    of ``reply``'s stream."""
    return Fault("reset", reply, after_events)


def stall(reply: Reply, seconds: float, after_events: int = 1) -> Fault:
    """Send ``after_events`` events of ``reply``, then nothing for ``seconds``,
    then close the connection (the body left incomplete)."""
    return Fault("stall", reply, after_events, seconds)
