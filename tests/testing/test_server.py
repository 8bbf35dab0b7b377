"""The local server: same scripts and checks over real sockets, plus transport faults."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from agentloop.testing import (
    FakeAnthropic,
    Script,
    SSEStyle,
    connection_reset,
    reply,
    stall,
    tool_use,
    truncated_stream,
)
from agentloop.testing.server import serve

HEADERS = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
BODY = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "Hi"}],
}
STREAM = {**BODY, "stream": True}
TIMEOUT = httpx.Timeout(5.0, read=0.3)
HELLO = reply("Hello there, this is a streamed answer.", tool_use("t", {"a": 1}))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers=HEADERS, timeout=TIMEOUT) as client:
        yield client


def read_stream(client: httpx.Client, url: str) -> tuple[bytes, Exception | None]:
    chunks: list[bytes] = []
    try:
        with client.stream("POST", f"{url}/v1/messages", json=STREAM) as response:
            assert response.status_code == 200
            chunks.extend(response.iter_bytes())
    except httpx.TransportError as exc:
        return b"".join(chunks), exc
    return b"".join(chunks), None


def test_json_and_stream_over_keep_alive(client: httpx.Client, api: Any) -> None:
    fake = FakeAnthropic([HELLO, HELLO])
    with serve(fake) as url:
        assert url.startswith("http://127.0.0.1:")
        as_json = client.post(f"{url}/v1/messages", json=BODY).json()
        data, error = read_stream(client, url)
    assert error is None
    folded = api.fold(api.parse_sse(data))
    assert folded.pop("complete") is True
    assert folded["content"][0] == as_json["content"][0]
    assert [r.stream for r in fake.requests] == [False, True]
    fake.assert_clean()


def test_violations_are_answered_and_recorded(client: httpx.Client) -> None:
    fake = FakeAnthropic([HELLO])
    with serve(fake) as url:
        response = client.post(f"{url}/v1/messages", json={**BODY, "max_tokens": 0})
        state = client.get(f"{url}/_agentloop/state").json()
    assert response.status_code == 400
    assert "agentloop.testing: max_tokens" in response.json()["error"]["message"]
    assert state == {"requests": 1, "remaining": 1, "violations": [str(fake.violations[0])]}


def test_handler_errors_become_500_and_are_recorded(client: httpx.Client) -> None:
    def broken(request: Any) -> Any:
        raise RuntimeError("oops")

    fake = FakeAnthropic(broken)
    with serve(fake) as url:
        response = client.post(f"{url}/v1/messages", json=BODY)
    assert response.status_code == 500
    assert [v.rule for v in fake.violations] == ["handler raised"]


def test_chunked_request_bodies_are_read(client: httpx.Client) -> None:
    fake = FakeAnthropic([HELLO])
    payload = json.dumps(BODY).encode()
    with serve(fake) as url:
        headers = {"content-type": "application/json"}
        response = client.post(
            f"{url}/v1/messages", content=iter([payload[:10], payload[10:]]), headers=headers
        )
    assert response.status_code == 200
    assert fake.requests[0].body == BODY


def test_reset_before_any_response(client: httpx.Client) -> None:
    with serve(FakeAnthropic([connection_reset(), HELLO])) as url:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            client.post(f"{url}/v1/messages", json=BODY)
        assert client.post(f"{url}/v1/messages", json=BODY).status_code == 200


def test_reset_after_the_first_event(client: httpx.Client, api: Any) -> None:
    with serve(FakeAnthropic([connection_reset(HELLO, after_events=1)])) as url:
        data, error = read_stream(client, url)
    assert isinstance(error, (httpx.ReadError, httpx.RemoteProtocolError))
    assert [name for name, _ in api.parse_sse(data)] == ["message_start"]


def test_clean_close_after_the_first_event(client: httpx.Client, api: Any) -> None:
    with serve(FakeAnthropic([truncated_stream(HELLO, after_events=1), HELLO])) as url:
        data, error = read_stream(client, url)
        assert error is None
        assert api.fold(api.parse_sse(data))["complete"] is False
        assert read_stream(client, url)[1] is None


def test_stall_after_the_first_event(client: httpx.Client, api: Any) -> None:
    with serve(FakeAnthropic([stall(HELLO, seconds=30)])) as url:
        data, error = read_stream(client, url)
    assert isinstance(error, httpx.ReadTimeout)
    assert [name for name, _ in api.parse_sse(data)] == ["message_start"]


def test_a_short_stall_then_close(api: Any) -> None:
    with (
        serve(FakeAnthropic([stall(HELLO, seconds=0.1)])) as url,
        httpx.Client(headers=HEADERS) as client,
    ):
        data, error = read_stream(client, url)
    assert isinstance(error, httpx.RemoteProtocolError)
    assert api.fold(api.parse_sse(data))["complete"] is False


def test_serve_stops_listening_on_exit(client: httpx.Client) -> None:
    with serve(FakeAnthropic()) as url:
        pass
    with pytest.raises(httpx.ConnectError):
        client.post(f"{url}/v1/messages", json=BODY)


@pytest.mark.anyio
async def test_concurrent_streams_over_httpx(api: Any) -> None:
    fake = FakeAnthropic(Script([HELLO], repeat=True))
    results: list[bool] = []

    async def one(client: httpx.AsyncClient, url: str) -> None:
        async with client.stream("POST", f"{url}/v1/messages", json=STREAM) as response:
            data = b"".join([chunk async for chunk in response.aiter_bytes()])
        results.append(api.fold(api.parse_sse(data))["complete"])

    with serve(fake) as url:
        client = httpx.AsyncClient(headers=HEADERS, timeout=10)
        async with client, anyio.create_task_group() as tg:
            for _ in range(50):
                tg.start_soon(one, client, url)
    assert results == [True] * 50
    fake.assert_clean()


@pytest.mark.anyio
async def test_hundreds_of_concurrent_connections() -> None:
    """Raw sockets: httpx's own pool, not the server, is slow with hundreds of connections."""
    payload = json.dumps(STREAM).encode()
    head = (
        "POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\nanthropic-version: 2023-06-01\r\n"
    )
    head += f"content-type: application/json\r\nconnection: close\r\ncontent-length: {len(payload)}\r\n\r\n"
    fake = FakeAnthropic(Script([HELLO], repeat=True))
    ended: list[bool] = []

    async def one(port: int) -> None:
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(head.encode() + payload)
            data = b""
            with contextlib.suppress(anyio.EndOfStream):
                while True:
                    data += await stream.receive()
        ended.append(data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"0\r\n\r\n"))

    with serve(fake) as url, anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for _ in range(300):
                tg.start_soon(one, int(url.rsplit(":", 1)[1]))
    assert ended == [True] * 300
    assert len(fake.requests) == 300
    fake.assert_clean()


def test_a_20000_event_stream(api: Any) -> None:
    style = SSEStyle(delta_chars=1, chunking="events")
    fake = FakeAnthropic([reply("x" * 20_000)], style=style)
    # A generous read timeout: on a loaded machine a pause between reads is no stall.
    with serve(fake) as url, httpx.Client(headers=HEADERS, timeout=60.0) as client:
        data, error = read_stream(client, url)
    events = api.parse_sse(data)
    assert error is None
    assert len(events) > 20_000
    assert api.fold(events)["content"][0]["text"] == "x" * 20_000


def test_command_line(tmp_path: Path, api: Any) -> None:
    script = tmp_path / "script.json"
    Script([HELLO, HELLO]).dump(script)
    command = [
        sys.executable,
        "-m",
        "agentloop.testing.server",
        "--script",
        str(script),
        "--port",
        "0",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(headers=HEADERS, timeout=5) as client:
            assert client.post(f"{url}/v1/messages", json=BODY).status_code == 200
            assert (
                client.post(f"{url}/v1/messages", json={**BODY, "messages": []}).status_code == 400
            )
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=5)
    assert stdout == ""
    assert process.returncode == 1
    assert "request 2: messages:" in stderr
