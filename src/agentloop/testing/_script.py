"""What a fake can be scripted to answer, and the JSON file format of a script.

A script file is one JSON object::

    {
      "version": 1,
      "repeat": false,                  # start over when the responses run out
      "sse": {"crlf": false, ...},      # SSEStyle fields, all optional
      "responses": [                    # one per request, in order
        {"kind": "reply", "content": [...], "stop_reason": "end_turn", ...},
        {"kind": "http_error", "status": 529, "error_type": "overloaded_error",
         "message": "Overloaded", "headers": {"retry-after": "1"}},
        {"kind": "stream_error", "reply": {...}, "after_events": 3,
         "error_type": "overloaded_error", "message": "Overloaded"},
        {"kind": "truncated_stream", "reply": {...}, "after_events": 3},
        {"kind": "garbage", "body": "not json", "status": 200, "content_type": "..."},
        {"kind": "reset", "reply": null, "after_events": 1},
        {"kind": "stall", "reply": {...}, "after_events": 1, "seconds": 5.0}
      ]
    }

A ``reply`` holds the fields of :func:`agentloop.testing.reply`: ``content`` (the
API's JSON blocks; ``tool_use`` ids may be left out, the fake fills them in),
``stop_reason`` (inferred when left out), ``stop_sequence``, ``stop_details``,
``usage``, ``model``, ``id``, ``truncated`` and ``extra`` (more top-level fields).
A garbage body that is not UTF-8 is written as ``"body_base64"``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, TypeAlias

from ._errors import ScriptError
from ._validate import as_body, check_content, check_status, describe

__all__ = [
    "BrokenStream",
    "ErrorReply",
    "Fault",
    "Garbage",
    "Reply",
    "SSEStyle",
    "Script",
    "ScriptItem",
    "ensure_item",
]

JSON: TypeAlias = dict[str, Any]


@dataclass
class Reply:
    """A complete model response, served as JSON or as an SSE stream."""

    content: list[JSON] = field(default_factory=list)
    stop_reason: str | None = None
    stop_sequence: str | None = None
    stop_details: JSON | None = None
    usage: JSON | None = None
    model: str | None = None
    id: str | None = None
    truncated: bool = False
    """``max_tokens`` cut the last block short: a ``tool_use``'s input fragments
    never form valid JSON (streamed), or its ``input`` is ``{}`` (JSON)."""
    extra: JSON = field(default_factory=dict)
    """More top-level fields of the response (``container``, ...)."""

    def __post_init__(self) -> None:
        check_content(self.content, self.truncated)
        if self.stop_reason is None:
            self.stop_reason = _infer_stop_reason(self.content, self.truncated)

    def to_json(self) -> JSON:
        """This reply in the script file format."""
        return {"kind": "reply", **asdict(self)}


def _infer_stop_reason(content: list[JSON], truncated: bool) -> str:
    if truncated:
        return "max_tokens"
    if any(b.get("type") == "tool_use" for b in content):
        return "tool_use"
    return "end_turn"


@dataclass
class ErrorReply:
    """An HTTP error: ``{"type": "error", "error": {...}, "request_id": ...}``."""

    status: int
    error_type: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_status(self.status, "http_error()")

    def to_json(self) -> JSON:
        """This error in the script file format."""
        return {"kind": "http_error", **asdict(self)}


@dataclass
class BrokenStream:
    """A stream that stops after ``after_events`` events.

    With ``error_type`` set, an ``event: error`` follows those events (and a
    non-streaming request gets that error as an HTTP status); without it the
    body just ends there, before ``message_stop``.
    """

    reply: Reply
    after_events: int = 1
    error_type: str | None = None
    message: str | None = None

    def __post_init__(self) -> None:
        _check_reply(self.reply, "stream_error() or truncated_stream()")

    def to_json(self) -> JSON:
        """This stream in the script file format."""
        if self.error_type is None:
            return {
                "kind": "truncated_stream",
                "reply": self.reply.to_json(),
                "after_events": self.after_events,
            }
        return {
            "kind": "stream_error",
            "reply": self.reply.to_json(),
            "after_events": self.after_events,
            "error_type": self.error_type,
            "message": self.message,
        }


@dataclass
class Garbage:
    """A broken response: any bytes, any status, any content type."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"

    def __post_init__(self) -> None:
        self.body = as_body(self.body)
        check_status(self.status, "garbage()")

    def to_json(self) -> JSON:
        """This response in the script file format."""
        data: JSON = {"kind": "garbage", "status": self.status, "content_type": self.content_type}
        try:
            data["body"] = self.body.decode()
        except UnicodeDecodeError:
            data["body_base64"] = base64.b64encode(self.body).decode()
        return data


@dataclass
class Fault:
    """A transport fault.

    ``reset``: the connection is reset, before any response when ``reply`` is
    None, else after ``after_events`` events of its stream. ``stall``: after
    ``after_events`` events nothing more is sent for ``seconds``, then the
    connection closes. Over :attr:`FakeAnthropic.transport` a reset raises
    ``httpx.ReadError`` and a stall raises ``httpx.ReadTimeout`` at once.
    """

    kind: Literal["reset", "stall"]
    reply: Reply | None = None
    after_events: int = 1
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("reset", "stall"):
            raise ScriptError(f"a Fault's kind is 'reset' or 'stall', got {describe(self.kind)}")
        if self.reply is not None:
            _check_reply(self.reply, f"{'stall' if self.kind == 'stall' else 'connection_reset'}()")

    def to_json(self) -> JSON:
        """This fault in the script file format."""
        return {
            "kind": self.kind,
            "reply": None if self.reply is None else self.reply.to_json(),
            "after_events": self.after_events,
            "seconds": self.seconds,
        }


ScriptItem: TypeAlias = Reply | ErrorReply | BrokenStream | Garbage | Fault
"""Anything a fake can answer one request with."""

_ITEM_TYPES = (Reply, ErrorReply, BrokenStream, Garbage, Fault)


def _check_reply(reply: Any, where: str) -> None:
    if not isinstance(reply, Reply):
        raise ScriptError(f"{where} takes a reply(...), got {describe(reply)}")


def ensure_item(item: Any, where: str) -> ScriptItem:
    """``item`` if it is a script item, else a :class:`ScriptError` saying what to pass."""
    if isinstance(item, _ITEM_TYPES):
        return item
    hint = f" (for a text reply, use reply({item!r}))" if isinstance(item, str) else ""
    raise ScriptError(
        f"{where} is {describe(item)}, which is no script item; build it with reply(), "
        f"http_error(), stream_error(), truncated_stream(), garbage(), connection_reset() "
        f"or stall(){hint}"
    )


@dataclass(frozen=True)
class SSEStyle:
    """How replies are written as server-sent events and cut into reads."""

    padding: bool = True
    """Pad ``data:`` lines with trailing spaces, as the live API does."""
    pings: bool = True
    """A ``ping`` event after ``message_start`` and between blocks."""
    crlf: bool = False
    """End lines with CRLF instead of LF."""
    comments: bool = False
    """A ``: keepalive`` comment line before every event."""
    unknown_events: bool = False
    """Add an event of a type no client knows after ``message_start``, and a delta of
    an unknown type in every block, as newer API versions do; clients must skip them."""
    delta_chars: int = 12
    """Characters of text, thinking or tool-input JSON per delta event."""
    chunking: Literal["random", "events", "whole"] = "random"
    """Body reads: split at random byte positions, one per event, or all at once."""
    max_chunk: int = 64
    """The largest random chunk, in bytes."""
    seed: int = 0
    """Seed of the random chunking (the same seed gives the same reads)."""

    def to_json(self) -> JSON:
        """This style in the script file format."""
        return asdict(self)


@dataclass
class Script:
    """A sequence of responses, one per request, and how to serve them."""

    responses: list[ScriptItem] = field(default_factory=list)
    repeat: bool = False
    style: SSEStyle = field(default_factory=SSEStyle)

    def to_json(self) -> JSON:
        """The script file's JSON object."""
        return {
            "version": 1,
            "repeat": self.repeat,
            "sse": self.style.to_json(),
            "responses": [item.to_json() for item in self.responses],
        }

    @classmethod
    def from_json(cls, data: JSON) -> Script:
        """Read a script from its JSON object (see the module docstring)."""
        if not isinstance(data, dict):
            raise ScriptError(f"a script is a JSON object, got {describe(data)}")
        if data.get("version", 1) != 1:
            raise ScriptError(f"unknown script version {data['version']!r}; this kit reads 1")
        responses = data.get("responses", [])
        if not isinstance(responses, list):
            raise ScriptError(f"a script's 'responses' is a list, got {describe(responses)}")
        return cls(
            responses=[_item_at(i, item) for i, item in enumerate(responses)],
            repeat=bool(data.get("repeat", False)),
            style=_style_from_json(data.get("sse", {})),
        )

    def dump(self, path: str | Path) -> None:
        """Write this script to a file."""
        Path(path).write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Script:
        """Read a script file."""
        try:
            data = json.loads(Path(path).read_text())
        except json.JSONDecodeError as exc:
            raise ScriptError(f"script file {str(path)!r} is not JSON: {exc}") from None
        try:
            return cls.from_json(data)
        except ScriptError as exc:
            raise ScriptError(f"script file {str(path)!r}: {exc}") from None


def _style_from_json(data: Any) -> SSEStyle:
    if not isinstance(data, dict):
        raise ScriptError(f"a script's 'sse' is a JSON object, got {describe(data)}")
    known = {f.name for f in fields(SSEStyle)}
    unknown = set(data) - known
    if unknown:
        raise ScriptError(f"unknown sse style fields {sorted(unknown)}; known: {sorted(known)}")
    return SSEStyle(**data)


def _item_at(index: int, data: Any) -> ScriptItem:
    try:
        return item_from_json(data)
    except ScriptError as exc:
        raise ScriptError(f"responses[{index}]: {exc}") from None


def _reply_from_json(data: Any) -> Reply:
    if not isinstance(data, dict):
        raise ScriptError(f"a reply is a JSON object, got {describe(data)}")
    fields_ = {k: v for k, v in data.items() if k != "kind"}
    known = {f.name for f in fields(Reply)}
    unknown = set(fields_) - known
    if unknown:
        raise ScriptError(f"unknown reply fields {sorted(unknown)}; known: {sorted(known)}")
    return Reply(**fields_)


def _need(data: JSON, key: str) -> Any:
    if key not in data:
        raise ScriptError(f"a {data.get('kind')!r} item needs {key!r}")
    return data[key]


def item_from_json(data: Any) -> ScriptItem:
    """Read one scripted response from its JSON object."""
    if not isinstance(data, dict):
        raise ScriptError(f"a script item is a JSON object with a 'kind', got {describe(data)}")
    kind = data.get("kind")
    reader = _READERS.get(kind) if isinstance(kind, str) else None
    if reader is None:
        raise ScriptError(f"unknown script item kind {kind!r}; known: {sorted(_READERS)}")
    return reader(data)


def _http_error_from_json(data: JSON) -> ScriptItem:
    return ErrorReply(
        status=_need(data, "status"),
        error_type=_need(data, "error_type"),
        message=_need(data, "message"),
        headers=data.get("headers", {}),
    )


def _broken_from_json(data: JSON) -> ScriptItem:
    return BrokenStream(
        reply=_reply_from_json(_need(data, "reply")),
        after_events=data.get("after_events", 1),
        error_type=data.get("error_type") if data["kind"] == "stream_error" else None,
        message=data.get("message"),
    )


def _garbage_from_json(data: JSON) -> ScriptItem:
    if "body_base64" in data:
        try:
            body = base64.b64decode(data["body_base64"], validate=True)
        except (ValueError, TypeError):
            raise ScriptError("a garbage item's 'body_base64' is not base64") from None
    else:
        body = str(data.get("body", "")).encode()
    return Garbage(
        body=body,
        status=data.get("status", 200),
        content_type=data.get("content_type", "application/json"),
    )


def _fault_from_json(data: JSON) -> ScriptItem:
    reply = data.get("reply")
    return Fault(
        kind=data["kind"],
        reply=None if reply is None else _reply_from_json(reply),
        after_events=data.get("after_events", 1),
        seconds=float(data.get("seconds", 0.0)),
    )


_READERS = {
    "reply": _reply_from_json,
    "http_error": _http_error_from_json,
    "stream_error": _broken_from_json,
    "truncated_stream": _broken_from_json,
    "garbage": _garbage_from_json,
    "reset": _fault_from_json,
    "stall": _fault_from_json,
}
