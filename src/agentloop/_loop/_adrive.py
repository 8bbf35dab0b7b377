"""The async driver: performs the run flow's effects with an AsyncClient and tasks.

The twin of ``_drive.py``; it decides nothing. Sync tools and hooks run in
worker threads, so the event loop is never blocked.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Generator
from typing import Any

import anyio

from .._async_client import AsyncClient
from .._context import with_deadline
from .._exceptions import APIError
from .._tools import ToolRegistry, ToolResult, acall_tool, arequest_definitions
from .._tools._aio import in_worker_thread
from ._events import Event, delta_event, finished_event
from ._flow import CallHook, InvokeTool, ListTools, Raised, RunBatch, SendRequest, Sleep
from ._outcome import ToolCallOutcome

__all__ = ["AsyncPerformer", "FlowReturn"]


class FlowReturn:
    """The last item an async driver yields: what the flow returned (never shown to users)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class AsyncPerformer:
    """Drives a flow to its end in this task, yielding its events."""

    def __init__(self, client: AsyncClient | None, registry: ToolRegistry) -> None:
        self.client = client
        self.registry = registry

    async def events(self, flow: Generator[Any, Any, Any]) -> AsyncGenerator[Any, None]:
        """Run ``flow``: perform its effects, yield its events, then a :class:`FlowReturn`."""
        try:
            item = next(flow)
            while True:
                if isinstance(item, (ListTools, SendRequest, Sleep, RunBatch)):
                    box: list[Any] = []
                    async for event in self._perform(item, box):
                        yield event
                    item = flow.send(box[0])
                else:
                    yield item
                    item = next(flow)
        except StopIteration as stop:
            yield FlowReturn(stop.value)
        finally:
            flow.close()

    async def drive(self, flow: Generator[Any, Any, Any]) -> Any:
        """Run ``flow`` to its end, dropping its events."""
        async for item in self.events(flow):
            if isinstance(item, FlowReturn):
                return item.value
        raise AssertionError("the flow did not end")

    async def _perform(self, effect: Any, box: list[Any]) -> AsyncGenerator[Event, None]:
        if isinstance(effect, ListTools):
            box.append(await arequest_definitions(self.registry, effect.ctx))
        elif isinstance(effect, SendRequest):
            async for event in self._send(effect, box):
                yield event
        elif isinstance(effect, Sleep):
            await _sleep_of(self.client)(effect.seconds)
            box.append(None)
        else:
            async for event in self._batch(effect, box):
                yield event

    async def _send(self, effect: SendRequest, box: list[Any]) -> AsyncGenerator[Event, None]:
        assert self.client is not None
        try:
            if not effect.stream:
                box.append(await self.client.create(**effect.params, max_retries=0))
                return
            async with self.client.stream(**effect.params, max_retries=0) as stream:
                async for data in stream.iter_data():
                    event = delta_event(data)
                    if event is not None:
                        yield event
                box.append(await stream.final_message())
        except APIError as exc:
            box.append(exc)

    async def _batch(self, batch: RunBatch, box: list[Any]) -> AsyncGenerator[Event, None]:
        """Every call a task of one task group: cancelling the run cancels them all.

        Nothing is yielded inside the task group (a consumer that stops
        iterating would close it from another task): the events come once
        the batch is done, in finishing order, as in the sync driver.
        """
        finished: list[tuple[int, ToolCallOutcome]] = []
        limiter = anyio.CapacityLimiter(batch.concurrency)

        async def one(index: int) -> None:
            async with limiter:
                finished.append((index, await self.drive_call(batch.flows[index])))

        if len(batch.flows) == 1:
            await one(0)
        else:
            async with anyio.create_task_group() as group:
                for index in range(len(batch.flows)):
                    group.start_soon(one, index)
        for index, outcome in finished:
            yield finished_event(batch.calls[index], outcome)
        box.append([outcome for _, outcome in sorted(finished, key=lambda pair: pair[0])])

    async def drive_call(self, flow: Generator[Any, Any, ToolCallOutcome]) -> ToolCallOutcome:
        """One tool call's flow, to its outcome."""
        try:
            effect = next(flow)
            while True:
                if isinstance(effect, CallHook):
                    effect = flow.send(await _call_hook(effect))
                else:
                    effect = flow.send(await self._invoke(effect))
        except StopIteration as stop:
            outcome: ToolCallOutcome = stop.value
            return outcome

    async def _invoke(self, effect: InvokeTool) -> ToolResult | None:
        ctx = with_deadline(effect.ctx, effect.timeout)
        call = acall_tool(self.registry, effect.name, effect.input, ctx)
        if effect.timeout is None:
            return await call
        with anyio.move_on_after(effect.timeout):
            return await call
        return None


async def _call_hook(effect: CallHook) -> Any:
    """Async hooks are awaited; sync ones run in a worker thread."""
    try:
        if _is_async_callable(effect.hook):
            return await effect.hook(*effect.args)
        value = await in_worker_thread(effect.hook, *effect.args)
        if inspect.isawaitable(value):
            value = await value
        return value
    except Exception as exc:
        return Raised(exc)


def _is_async_callable(func: Any) -> bool:
    while hasattr(func, "func"):  # functools.partial
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(type(func).__call__)


def _sleep_of(client: Any) -> Any:
    return getattr(client, "_sleep", None) or anyio.sleep
