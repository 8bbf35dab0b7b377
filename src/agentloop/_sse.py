"""An incremental server-sent events decoder: bytes in, events out, no I/O.

It survives any chunking: an event split across reads, a CRLF split between
two reads, comments, and fields it does not know. Written here rather than
taken from httpx-sse because the stream path is the hottest code of the
library: this decoder works on whole chunks with ``bytes.splitlines`` instead
of one Python call per line, and it reports broken input as agentloop's own
:class:`~agentloop.StreamError`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSEDecoder", "ServerSentEvent"]


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One decoded event: its ``event`` name (default ``message``) and ``data``."""

    event: str
    data: str


class SSEDecoder:
    """Feed it bytes as they arrive; it returns each event once complete."""

    __slots__ = ("_buffer", "_data", "_event")

    def __init__(self) -> None:
        self._buffer = b""
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode ``chunk``; return the events it completed, in order."""
        buffer = self._buffer + chunk if self._buffer else chunk
        lines = buffer.splitlines(keepends=True)
        if lines and not _is_complete(lines[-1]):
            self._buffer = lines.pop()
        else:
            self._buffer = b""
        events: list[ServerSentEvent] = []
        for raw in lines:
            self._line(raw.rstrip(b"\r\n"), events)
        return events

    def flush(self) -> list[ServerSentEvent]:
        """The body ended cleanly: decode what is left, and dispatch a last event
        whose blank line never came (the caller still checks that it parses)."""
        events: list[ServerSentEvent] = []
        if self._buffer:
            self._line(self._buffer.rstrip(b"\r\n"), events)
            self._buffer = b""
        if self._data:
            self._line(b"", events)
        return events

    def _line(self, line: bytes, events: list[ServerSentEvent]) -> None:
        if not line:
            if self._data or self._event:
                events.append(ServerSentEvent(self._event or "message", "\n".join(self._data)))
            self._event = ""
            self._data = []
            return
        if line[0] == 0x3A:  # ":" starts a comment
            return
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value.decode("utf-8"))
        elif name == b"event":
            self._event = value.decode("utf-8").strip()
        # "id", "retry" and unknown fields mean nothing for this API.


def _is_complete(line: bytes) -> bool:
    # A line ending in "\r" may be the first half of a "\r\n" split across
    # reads; hold it back until the next chunk says which it was.
    return line.endswith(b"\n")
