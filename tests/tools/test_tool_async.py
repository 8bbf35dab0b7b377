"""Async tools, sync tools from async code, and the sync bridge."""

from __future__ import annotations

import asyncio
import threading

import anyio
import anyio.lowlevel
import pytest
from structlog.testing import capture_logs

from agentloop._context import RunContext
from agentloop._tools import ToolResult, tool


@tool
async def slow_echo(text: str) -> str:
    await anyio.lowlevel.checkpoint()
    return text


@pytest.mark.anyio
async def test_acall_awaits_async_tools(ctx: RunContext[None]) -> None:
    assert await slow_echo.acall({"text": "hi"}, ctx) == ToolResult("hi")


@pytest.mark.anyio
async def test_acall_runs_sync_tools_in_a_worker_thread(ctx: RunContext[None]) -> None:
    @tool
    def which_thread() -> int:
        return threading.get_ident()

    result = await which_thread.acall({}, ctx)
    assert result.content != str(threading.get_ident())


@pytest.mark.anyio
async def test_sync_tool_never_blocks_the_event_loop(ctx: RunContext[None]) -> None:
    released = threading.Event()

    @tool
    def wait_for_release() -> bool:
        return released.wait(timeout=5)

    async def release() -> None:
        await anyio.sleep(0.01)
        released.set()

    results: list[ToolResult] = []

    async def run_tool() -> None:
        results.append(await wait_for_release.acall({}, ctx))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run_tool)
            tg.start_soon(release)
    assert results == [ToolResult("true")]


@pytest.mark.anyio
async def test_async_tool_errors_become_results(ctx: RunContext[None]) -> None:
    @tool
    async def broken() -> str:
        raise ValueError("bad")

    with capture_logs():
        assert await broken.acall({}, ctx) == ToolResult("ValueError: bad", is_error=True)


@pytest.mark.anyio
async def test_cancellation_propagates_through_acall(ctx: RunContext[None]) -> None:
    @tool
    async def forever() -> None:
        await anyio.sleep_forever()

    with anyio.move_on_after(0.01) as scope:
        await forever.acall({}, ctx)
        pytest.fail("acall returned after cancellation")
    assert scope.cancelled_caught


@pytest.mark.anyio
async def test_invalid_input_for_async_tool(ctx: RunContext[None]) -> None:
    result = await slow_echo.acall({}, ctx)
    assert result.is_error
    assert "text: required property is missing" in str(result.content)


def test_call_runs_async_tools_with_asyncio_run(ctx: RunContext[None]) -> None:
    assert slow_echo.call({"text": "sync"}, ctx) == ToolResult("sync")


def test_call_from_worker_threads(ctx: RunContext[None]) -> None:
    results: list[ToolResult] = []

    def worker(n: int) -> None:
        results.append(slow_echo.call({"text": str(n)}, ctx))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(str(r.content) for r in results) == ["0", "1", "2", "3"]


@pytest.mark.anyio
async def test_call_inside_a_running_loop_is_an_error_not_a_hang(ctx: RunContext[None]) -> None:
    with capture_logs() as logs:
        result = slow_echo.call({"text": "x"}, ctx)
    assert result.is_error
    assert "use the async API" in str(result.content)
    assert logs[0]["event"] == "tool.error"


def test_sync_function_returning_a_coroutine_is_awaited(ctx: RunContext[None]) -> None:
    async def inner() -> str:
        return "awaited"

    @tool
    def wrapper() -> object:
        return inner()

    assert wrapper.call({}, ctx) == ToolResult("awaited")
    assert asyncio.run(wrapper.acall({}, ctx)) == ToolResult("awaited")


@pytest.mark.anyio
async def test_cancelling_acall_does_not_wait_for_a_blocked_sync_tool(
    ctx: RunContext[None],
) -> None:
    released = threading.Event()

    @tool
    def blocked() -> bool:
        return released.wait(timeout=5)

    try:
        with anyio.fail_after(2), anyio.move_on_after(0.05) as scope:
            await blocked.acall({}, ctx)
        assert scope.cancelled_caught
    finally:
        released.set()
