"""The async driver: performs the run flow's effects with an AsyncClient and tasks.

The twin of ``_drive.py``; it decides nothing. Sync tools and hooks run in
worker threads, so the event loop is never blocked.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import AsyncGenerator, Generator, Sequence
from typing import Any

import anyio

from .._async_client import AsyncClient
from .._context import with_deadline
from .._exceptions import APIError
from .._tools import ToolRegistry, ToolResult, acall_tool, arequest_definitions
from .._tools._aio import in_worker_thread
from ._events import Event, delta_event
from ._flow import (
    DRIVER_EFFECTS,
    CallHook,
    InvokeTool,
    ListTools,
    Raised,
    RunBatch,
    SendRequest,
    Sleep,
    batch_done,
)
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
                kind = type(item)
                if kind is SendRequest and item.stream:
                    box: list[Any] = []
                    async for event in self._stream(item, box):
                        yield event
                    outcome = box[0]
                elif kind in DRIVER_EFFECTS:
                    outcome, done = await self._perform(item)
                    for event in done:
                        yield event
                else:
                    yield item
                    item = next(flow)
                    continue
                item = flow.send(outcome)
        except StopIteration as stop:
            yield FlowReturn(stop.value)
        finally:
            flow.close()

    async def drive(self, flow: Generator[Any, Any, Any]) -> Any:
        """Run ``flow`` to its end, dropping its events (no generator in between)."""
        try:
            item = next(flow)
            while True:
                kind = type(item)
                if kind is SendRequest and item.stream:
                    box: list[Any] = []
                    async for _event in self._stream(item, box):
                        pass
                    item = flow.send(box[0])
                elif kind in DRIVER_EFFECTS:
                    item = flow.send((await self._perform(item))[0])
                else:
                    item = next(flow)
        except StopIteration as stop:
            return stop.value
        finally:
            flow.close()

    async def _perform(self, effect: Any) -> tuple[Any, Sequence[Event]]:
        """Carry out an effect other than a streamed request: its outcome, and the events
        to show after it (a batch's ``ToolCallFinished``, in finishing order)."""
        kind = type(effect)
        if kind is SendRequest:
            assert self.client is not None
            try:
                return await self.client.create(**effect.params, max_retries=0), ()
            except APIError as exc:
                return exc, ()
        if kind is ListTools:
            return await arequest_definitions(self.registry, effect.ctx), ()
        if kind is Sleep:
            await _sleep_of(self.client)(effect.seconds)
            return None, ()
        return await self._batch(effect)

    async def _stream(self, effect: SendRequest, box: list[Any]) -> AsyncGenerator[Event, None]:
        assert self.client is not None
        try:
            async with self.client.stream(**effect.params, max_retries=0) as stream:
                async for data in stream.iter_data():
                    event = delta_event(data)
                    if event is not None:
                        yield event
                box.append(await stream.final_message())
        except APIError as exc:
            box.append(exc)

    async def _batch(self, batch: RunBatch) -> tuple[list[ToolCallOutcome], list[Event]]:
        """Every call a task of one task group: cancelling the run cancels them all.

        Nothing is yielded inside the task group (a consumer that stops
        iterating would close it from another task): the events come once
        the batch is done, in finishing order, as in the sync driver.
        """
        flows = batch.flows
        finished: list[tuple[int, ToolCallOutcome]] = []
        if len(flows) == 1:
            finished.append((0, await self.drive_call(flows[0])))
        else:
            # a limiter only when the calls outnumber max_concurrency
            limiter = None
            if len(flows) > batch.concurrency:
                limiter = anyio.CapacityLimiter(batch.concurrency)

            async def one(index: int) -> None:
                if limiter is None:
                    finished.append((index, await self.drive_call(flows[index])))
                    return
                async with limiter:
                    finished.append((index, await self.drive_call(flows[index])))

            native_group = _native_task_group()
            if native_group is not None:
                async with native_group() as native:  # the same semantics, a third the cost
                    for index in range(len(flows)):
                        native.create_task(one(index))
            else:
                async with anyio.create_task_group() as group:
                    for index in range(len(flows)):
                        group.start_soon(one, index)
        return batch_done(batch, finished)

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


def _native_task_group() -> Any:
    """``asyncio.TaskGroup`` when this task runs on asyncio and Python has it (3.11+):
    the same semantics as anyio's task group, at a third of its cost. Else None."""
    if not _on_asyncio():
        return None
    import asyncio  # imported already: this task runs on it

    return getattr(asyncio, "TaskGroup", None)


def _on_asyncio() -> bool:
    """Whether this task runs on asyncio (not trio), asked the way anyio asks."""
    if "asyncio" not in sys.modules:
        return False  # nothing runs on asyncio before it is imported; nor imports it here
    try:
        import sniffio
    except ModuleNotFoundError:
        import asyncio  # a real import: waits if another thread is still importing it

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True
    try:
        return sniffio.current_async_library() == "asyncio"
    except sniffio.AsyncLibraryNotFoundError:
        return False


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
