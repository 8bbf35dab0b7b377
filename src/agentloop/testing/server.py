"""The fake as a local HTTP/1.1 server, with transport faults httpx mocks cannot make.

Run a script file::

    python -m agentloop.testing.server --script FILE --port 0

It binds 127.0.0.1 only and prints its URL (``http://127.0.0.1:PORT``) as its
only line on stdout; on SIGINT or SIGTERM it stops, writes any protocol
violations to stderr and exits 1 if there were any. ``GET /_agentloop/state``
returns ``{"requests": N, "remaining": N, "violations": [...]}``.

In tests, :func:`serve` runs the server for a :class:`FakeAnthropic` in a
background thread. Scripted faults (:func:`~agentloop.testing.connection_reset`,
:func:`~agentloop.testing.stall`, :func:`~agentloop.testing.truncated_stream`)
happen on the real socket: a reset is a TCP RST.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http
import json
import signal
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from typing import Any

from ._errors import ScriptError
from ._fake import FakeAnthropic
from ._render import Planned
from ._script import SSEStyle
from ._sse import chunked

__all__ = ["FakeServer", "main", "serve"]

HOST = "127.0.0.1"
_FLUSH_AT = 1 << 16
_RESET_GRACE = 0.05
"""Seconds between the last bytes sent and a reset, so the client reads them first."""
_GONE = (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError)


class FakeServer:
    """An asyncio HTTP/1.1 server (keep-alive, chunked streams) for one fake."""

    def __init__(self, fake: FakeAnthropic, port: int = 0) -> None:
        self.fake = fake
        self.port = port
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:8123``."""
        return f"http://{HOST}:{self.port}"

    async def start(self) -> str:
        """Start listening; returns :attr:`url`."""
        self._server = await asyncio.start_server(self._connection, HOST, self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.url

    async def aclose(self) -> None:
        """Stop listening and drop every open connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while await self._exchange(reader, writer):
                pass
        except _GONE:
            pass  # the client went away, or sent something that is not HTTP
        except asyncio.CancelledError:
            pass  # the server is closing; ending quietly keeps asyncio from logging it
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; whether the connection stays open."""
        method, path, headers = _parse_head(await reader.readuntil(b"\r\n\r\n"))
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await _read_chunked(reader)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        if method == "GET" and path == "/_agentloop/state":
            planned = self._state()
        else:
            try:
                planned = self.fake.respond(method, path, headers, body)
            except Exception as exc:
                planned = self.fake._failure("handler raised", f"{type(exc).__name__}: {exc}")
        keep = await _send(writer, planned, self.fake.style)
        return keep and headers.get("connection", "").lower() != "close"

    def _state(self) -> Planned:
        state = {
            "requests": len(self.fake.requests),
            "remaining": self.fake.remaining,
            "violations": [str(v) for v in self.fake.violations],
        }
        return Planned(200, [("content-type", "application/json")], [json.dumps(state).encode()])


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, target, _version = request_line.split(" ", 2)
    headers = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return method, target.split("?", 1)[0], headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
        pass
    return b"".join(parts)


async def _send(writer: asyncio.StreamWriter, planned: Planned, style: SSEStyle) -> bool:
    """Write ``planned``; whether the connection can serve another request."""
    if planned.status is None:
        _reset(writer)
        return False
    streamed = planned.sse or planned.end != "close"
    head = [f"HTTP/1.1 {planned.status} {_phrase(planned.status)}"]
    head += [f"{name}: {value}" for name, value in planned.headers]
    body = b"".join(planned.parts)
    head.append("transfer-encoding: chunked" if streamed else f"content-length: {len(body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    if not streamed:
        writer.write(body)
    else:
        pieces = chunked(planned.parts, style, planned.request_index) if planned.sse else [body]
        batch = bytearray()
        for piece in pieces:  # each piece is one HTTP chunk, so one read for the client
            batch += b"%x\r\n%b\r\n" % (len(piece), piece)
            if len(batch) > _FLUSH_AT:
                writer.write(batch)
                batch = bytearray()
                await writer.drain()
        writer.write(batch)
    await writer.drain()
    if planned.end == "reset":
        await asyncio.sleep(_RESET_GRACE)
        _reset(writer)
        return False
    if planned.end == "stall":
        await asyncio.sleep(planned.stall_seconds)
        return False
    if streamed:
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    return True


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Overloaded" if status == 529 else "Unknown"


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@contextlib.contextmanager
def serve(fake: FakeAnthropic, port: int = 0) -> Iterator[str]:
    """Serve ``fake`` on 127.0.0.1 in a background thread; yields the base URL.

    Leaving the block closes every connection and stops the thread.
    """
    server = FakeServer(fake, port)
    started = threading.Event()
    failure: list[BaseException] = []
    control: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def run() -> None:
        stop = asyncio.Event()
        control.append((asyncio.get_running_loop(), stop))
        try:
            await server.start()
        except BaseException as exc:
            failure.append(exc)
            raise
        finally:
            started.set()
        await stop.wait()
        await server.aclose()

    thread = threading.Thread(target=asyncio.run, args=(run(),), name="agentloop-fake-server")
    thread.start()
    started.wait()
    if failure:
        thread.join()
        raise failure[0]
    try:
        yield server.url
    finally:
        loop, stop = control[0]
        loop.call_soon_threadsafe(stop.set)
        thread.join()


async def _run_until_signalled(server: FakeServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    url = await server.start()
    sys.stdout.write(url + "\n")
    sys.stdout.flush()
    await stop.wait()
    await server.aclose()


def main(argv: list[str] | None = None) -> int:
    """The command line: serve a script file until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m agentloop.testing.server",
        description="Serve a scripted fake of the Messages API on 127.0.0.1.",
    )
    parser.add_argument("--script", required=True, help="a script file (JSON)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--no-checks", action="store_true", help="skip the protocol checks")
    parser.add_argument(
        "--round-trip",
        action="store_true",
        help="also check that served blocks come back unchanged and paused turns are continued",
    )
    args = parser.parse_args(argv)
    try:
        fake = FakeAnthropic.from_file(
            args.script, checks=not args.no_checks, round_trip=args.round_trip
        )
    except (OSError, ScriptError) as exc:
        parser.error(str(exc))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run_until_signalled(FakeServer(fake, args.port)))
    for violation in fake.violations:
        sys.stderr.write(f"{violation}\n")
    return 1 if fake.violations else 0


if __name__ == "__main__":
    sys.exit(main())
