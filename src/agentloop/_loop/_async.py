"""The async driver: carries out the machine's actions with an AsyncClient and tasks."""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import anyio

from .._async_client import AsyncClient
from .._exceptions import AgentloopError, APIError
from .._models import Message, ToolUseBlock
from .._tools import ToolRegistry, ToolResult, acall_tool, arequest_definitions
from .._tools._aio import in_worker_thread
from ._common import (
    delta_event,
    log_finish,
    log_start,
    log_tool_call,
    timeout_result,
    tool_context,
    with_tools,
)
from ._events import (
    Event,
    ModelRequestStarted,
    ModelResponse,
    ModelRetry,
    RunFinished,
    RunStarted,
    ToolCallFinished,
    ToolCallStarted,
)
from ._hooks import after_outcome, before_outcome
from ._state import CallModel, Finish, LoopMachine, RunTools

__all__ = ["AsyncDriver"]


@dataclass
class AsyncDriver:
    """Runs one machine to the end, yielding events; the last event is RunFinished."""

    client: AsyncClient
    registry: ToolRegistry
    deps: Any
    before: tuple[Any, ...]
    after: tuple[Any, ...]
    max_concurrency: int
    tool_timeout: float | None
    stream: bool

    async def run(self, machine: LoopMachine) -> AsyncGenerator[Event, None]:
        state = machine.state
        log_start(state, machine.config)
        yield RunStarted(state.run_id, machine.config.model)
        try:
            action = machine.start()
            while not isinstance(action, Finish):
                if isinstance(action, CallModel):
                    yield ModelRequestStarted(action.request, action.params["max_tokens"])
                    message: Message | None = None
                    try:
                        async for event in self._call_model(action):
                            if isinstance(event, ModelResponse):
                                message = event.message
                            else:
                                yield event
                    except APIError as exc:
                        action = machine.on_error(exc)
                        yield ModelRetry(action.request if isinstance(action, CallModel) else 0,
                                         str(exc))  # fmt: skip
                        continue
                    assert message is not None
                    yield ModelResponse(message)
                    action = machine.on_response(message)
                elif isinstance(action, RunTools):
                    for call in action.calls:
                        yield ToolCallStarted(call)
                    finished = await self._run_tools(action.calls, machine)
                    for event in finished:
                        yield event
                    action = machine.on_tool_results(
                        [_result_of(finished, call).to_block(call.id) for call in action.calls]
                    )
        except AgentloopError as exc:
            if exc.result is None:
                exc.result = machine.result()
            raise
        log_finish(action.result)
        yield RunFinished(action.result)

    async def _call_model(self, action: CallModel) -> AsyncGenerator[Event, None]:
        params = with_tools(action.params, await arequest_definitions(self.registry))
        if not self.stream:
            yield ModelResponse(await self.client.create(**params))
            return
        async with self.client.stream(**params) as stream:
            async for data in stream.iter_data():
                event = delta_event(data)
                if event is not None:
                    yield event
            yield ModelResponse(await stream.final_message())

    async def _run_tools(
        self, calls: list[ToolUseBlock], machine: LoopMachine
    ) -> list[ToolCallFinished]:
        """Every call as a task of one task group: cancelling the run cancels them all."""
        if len(calls) == 1:
            return [await self._one(calls[0], machine)]
        finished: list[ToolCallFinished] = []
        limiter = anyio.CapacityLimiter(self.max_concurrency)

        async def one(call: ToolUseBlock) -> None:
            async with limiter:
                finished.append(await self._one(call, machine))

        async with anyio.create_task_group() as group:
            for call in calls:
                group.start_soon(one, call)
        return finished

    async def _one(self, call: ToolUseBlock, machine: LoopMachine) -> ToolCallFinished:
        start = time.perf_counter()
        ctx = tool_context(call, machine.state, machine.config, self.deps)
        tool_input: dict[str, Any] = dict(call.input)
        result: ToolResult | None = None
        for hook in self.before:
            decision = await _async(hook, call, ctx)
            tool_input, result = before_outcome(decision, call, tool_input)
            if result is not None:
                break
        if result is None:
            result = await self._invoke(call.name, tool_input, ctx)
        for hook in self.after:
            result = after_outcome(await _async(hook, call, result, ctx), result, call)
        duration = time.perf_counter() - start
        log_tool_call(machine.state.run_id, call, result, duration)
        return ToolCallFinished(call, result, duration)

    async def _invoke(self, name: str, tool_input: dict[str, Any], ctx: Any) -> ToolResult:
        timeout = self.tool_timeout
        if timeout is None:
            return await acall_tool(self.registry, name, tool_input, ctx)
        with anyio.move_on_after(timeout):
            return await acall_tool(self.registry, name, tool_input, ctx)
        return timeout_result(name, timeout)


def _result_of(finished: list[ToolCallFinished], call: ToolUseBlock) -> ToolResult:
    for event in finished:
        if event.call.id == call.id:
            return event.result
    raise AssertionError(f"no result for {call.id}")


async def _async(hook: Any, *args: Any) -> Any:
    """Call a hook: async hooks are awaited, sync ones run in a worker thread."""
    if _is_async_callable(hook):
        return await hook(*args)
    value = await in_worker_thread(hook, *args)
    if hasattr(value, "__await__"):
        return await value
    return value


def _is_async_callable(func: Any) -> bool:
    while hasattr(func, "func"):  # functools.partial
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(type(func).__call__)
