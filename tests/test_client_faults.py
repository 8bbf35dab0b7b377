"""Transport faults a MockTransport cannot make, on a real socket: the kit's local server.

A reset connection, a stream closed after its first event, a stream that
stalls: each raises a typed agentloop error (never a raw httpx one), a
failure before the first event is retried, and no incomplete message is
ever returned as complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import httpx
import pytest

from agentloop import Agent, APIConnectionError, AsyncClient, Client, ModelRetry, StreamError
from agentloop.testing import FakeAnthropic, connection_reset, reply, stall, truncated_stream
from agentloop.testing.server import serve

pytestmark = pytest.mark.anyio

PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "Hi"}],
}
TIMEOUT = httpx.Timeout(5.0, read=1.0)


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic()
    yield fake
    fake.assert_clean()


@pytest.fixture
def url(fake: FakeAnthropic) -> Iterator[str]:
    with serve(fake) as base_url:
        yield base_url


def clients(url: str) -> tuple[Client, AsyncClient]:
    options: dict[str, Any] = {"api_key": "k", "base_url": url, "timeout": TIMEOUT}
    return (
        Client(sleep=lambda s: None, **options),
        AsyncClient(sleep=_no_sleep, **options),
    )


async def _no_sleep(seconds: float) -> None:
    return None


async def stream_message(url: str, mode: str) -> Any:
    sync, async_ = clients(url)
    if mode == "sync":
        with sync, sync.stream(**PARAMS) as stream:
            return stream.final_message()
    async with async_, async_.stream(**PARAMS) as astream:
        return await astream.final_message()


async def create(url: str, mode: str) -> Any:
    sync, async_ = clients(url)
    if mode == "sync":
        with sync:
            return sync.create(**PARAMS)
    async with async_:
        return await async_.create(**PARAMS)


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


@MODES
async def test_reset_before_any_response_is_retried(fake: FakeAnthropic, url: str, mode: str):
    fake.add(connection_reset(), connection_reset(), reply("survived"))
    assert (await create(url, mode)).text == "survived"
    assert len(fake.requests) == 3


@MODES
async def test_reset_every_time_raises_a_connection_error(fake: FakeAnthropic, url: str, mode: str):
    fake.add(connection_reset(), connection_reset(), connection_reset())
    with pytest.raises(APIConnectionError):
        await create(url, mode)


@MODES
async def test_stream_reset_before_first_event_is_retried(fake: FakeAnthropic, url: str, mode: str):
    fake.add(connection_reset(), reply("ok"))
    assert (await stream_message(url, mode)).text == "ok"


@MODES
async def test_stream_reset_after_first_event_is_a_stream_error(
    fake: FakeAnthropic, url: str, mode: str
):
    fake.add(connection_reset(reply("never complete " * 10), after_events=1))
    with pytest.raises(StreamError, match="cut"):
        await stream_message(url, mode)
    assert len(fake.requests) == 1


@MODES
async def test_stream_closed_after_first_event_is_a_stream_error(
    fake: FakeAnthropic, url: str, mode: str
):
    fake.add(truncated_stream(reply("never complete " * 10), after_events=1))
    with pytest.raises(StreamError, match="before message_stop"):
        await stream_message(url, mode)


@MODES
async def test_stalled_stream_is_a_stream_error(fake: FakeAnthropic, url: str, mode: str):
    fake.add(stall(reply("never complete " * 10), seconds=3.0, after_events=1))
    with pytest.raises(StreamError, match="stalled"):
        await stream_message(url, mode)


@MODES
async def test_agent_recovers_from_a_stream_cut_mid_way(fake: FakeAnthropic, url: str, mode: str):
    fake.add(
        connection_reset(reply("The answer is 42."), after_events=2), reply("The answer is 42.")
    )
    sync, async_ = clients(url)
    agent = Agent(model="claude-sonnet-4-6", client=sync, async_client=async_)
    if mode == "sync":

        def go() -> tuple[list[Any], Any]:
            with sync, agent.stream("go") as run:
                return list(run), run.result()

        events, result = await anyio.to_thread.run_sync(go)  # run() refuses a running loop
    else:
        async with async_, agent.astream("go") as arun:
            events = [e async for e in arun]
            result = await arun.result()
    assert result.text == "The answer is 42."
    assert sum(isinstance(e, ModelRetry) for e in events) == 1
