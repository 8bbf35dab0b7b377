"""A fast fake Messages API for the bench: asyncio sockets, keep-alive, precomputed bytes.

    python tools/bench/_server.py        # prints its URL, serves until killed

The testing kit's server renders every response (and checks every request
against the protocol) per request; here each (shape, round, stream) response
is built once and replayed, with fresh tool_use ids spliced in. The server
still reads each request's JSON to pick the round and checks that the last
user message answers the previous assistant's tool calls, in order.

``GET /_stats`` returns the requests served, protocol problems seen, and the
process CPU seconds used, so the runner can show the server is not the
bottleneck.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
import time
from functools import lru_cache
from typing import Any

from _wire import ID_SLOT, Shape, json_body, message, sse_events

HOST = "127.0.0.1"
_ids = itertools.count(1)
_stats = {"requests": 0, "problems": 0, "last_problem": ""}


@lru_cache(maxsize=256)
def _template(key: str, round_: int, stream: bool) -> tuple[bytes, ...]:
    """The whole HTTP response, split where tool_use ids go."""
    shape = Shape.from_key(key)
    msg = message(shape, round_)
    if stream:
        chunks = b"".join(b"%x\r\n%b\r\n" % (len(e), e) for e in sse_events(shape, msg))
        head = b"content-type: text/event-stream\r\ntransfer-encoding: chunked\r\n"
        raw = _head(head) + chunks + b"0\r\n\r\n"
    else:
        body = json_body(msg)
        head = b"content-type: application/json\r\ncontent-length: %d\r\n" % len(body)
        raw = _head(head) + body
    return tuple(raw.split(ID_SLOT))


def _head(fields: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nrequest-id: req_bench\r\n" + fields + b"\r\n"


def _response(path: str, body: dict[str, Any]) -> bytes:
    messages = body["messages"]
    _check(messages)
    key = path.split("/")[2]
    parts = _template(key, (len(messages) - 1) // 2, bool(body.get("stream")))
    out = [parts[0]]
    for part in parts[1:]:
        out.append(b"toolu_%024d" % next(_ids))
        out.append(part)
    return b"".join(out)


def _check(messages: list[dict[str, Any]]) -> None:
    """The last message answers every tool_use of the one before, in order."""
    if len(messages) < 3:
        return
    calls = [b["id"] for b in messages[-2]["content"] if b.get("type") == "tool_use"]
    content = messages[-1]["content"]
    answers = [b.get("tool_use_id") for b in content if b.get("type") == "tool_result"]
    if calls != answers or messages[-1]["role"] != "user":
        _stats["problems"] += 1
        _stats["last_problem"] = f"tool_use ids {calls} answered by {answers}"


def _stats_response() -> bytes:
    data = {**_stats, "cpu": time.process_time()}
    body = json.dumps(data).encode()
    return _head(b"content-type: application/json\r\ncontent-length: %d\r\n" % len(body)) + body


async def _connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, _, rest = head.partition(b"\r\n")
            method, path, _ = request_line.decode("latin-1").split(" ", 2)
            length = 0
            for line in rest.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            if method == "GET":
                writer.write(_stats_response())
            else:
                _stats["requests"] += 1
                writer.write(_response(path, json.loads(body)))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(_connection, HOST, 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"http://{HOST}:{port}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
