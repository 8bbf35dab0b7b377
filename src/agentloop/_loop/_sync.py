"""The sync driver: carries out the machine's actions with a Client and threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._client import Client
from .._exceptions import AgentloopError, APIError
from .._models import Message, ToolUseBlock
from .._tools import ToolRegistry, ToolResult, call_tool, request_definitions
from .._tools._aio import run_awaitable
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
from ._result import RunResult
from ._state import CallModel, Finish, LoopMachine, RunTools

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["SyncDriver"]


@dataclass
class SyncDriver:
    """Runs one machine to the end, yielding events; the generator returns the result."""

    client: Client
    registry: ToolRegistry
    deps: Any
    before: tuple[Any, ...]
    after: tuple[Any, ...]
    max_concurrency: int
    tool_timeout: float | None
    stream: bool

    def run(self, machine: LoopMachine) -> Generator[Event, None, RunResult]:
        state = machine.state
        log_start(state, machine.config)
        yield RunStarted(state.run_id, machine.config.model)
        try:
            action = machine.start()
            while not isinstance(action, Finish):
                if isinstance(action, CallModel):
                    yield ModelRequestStarted(action.request, action.params["max_tokens"])
                    try:
                        message = yield from self._call_model(action)
                    except APIError as exc:
                        action = machine.on_error(exc)
                        yield ModelRetry(action.request if isinstance(action, CallModel) else 0,
                                         str(exc))  # fmt: skip
                        continue
                    yield ModelResponse(message)
                    action = machine.on_response(message)
                elif isinstance(action, RunTools):
                    blocks = yield from self._run_tools(action.calls, machine)
                    action = machine.on_tool_results(blocks)
        except AgentloopError as exc:
            if exc.result is None:
                exc.result = machine.result()
            raise
        log_finish(action.result)
        yield RunFinished(action.result)
        return action.result

    def _call_model(self, action: CallModel) -> Generator[Event, None, Message]:
        params = with_tools(action.params, request_definitions(self.registry))
        if not self.stream:
            return self.client.create(**params)
        with self.client.stream(**params) as stream:
            for data in stream.iter_data():
                event = delta_event(data)
                if event is not None:
                    yield event
            return stream.final_message()

    def _run_tools(
        self, calls: list[ToolUseBlock], machine: LoopMachine
    ) -> Generator[Event, None, list[dict[str, Any]]]:
        for call in calls:
            yield ToolCallStarted(call)
        results: dict[str, ToolResult] = {}
        if len(calls) == 1:
            call = calls[0]
            result, duration = self._one(call, machine)
            results[call.id] = result
            yield ToolCallFinished(call, result, duration)
        else:
            from concurrent.futures import ThreadPoolExecutor, as_completed

            workers = min(self.max_concurrency, len(calls))
            with ThreadPoolExecutor(workers, thread_name_prefix="agentloop-tool") as pool:
                futures: dict[Future[tuple[ToolResult, float]], ToolUseBlock] = {
                    pool.submit(self._one, call, machine): call for call in calls
                }
                for future in as_completed(futures):
                    call = futures[future]
                    result, duration = future.result()
                    results[call.id] = result
                    yield ToolCallFinished(call, result, duration)
        return [results[call.id].to_block(call.id) for call in calls]

    def _one(self, call: ToolUseBlock, machine: LoopMachine) -> tuple[ToolResult, float]:
        """Hooks, then the tool (with its timeout), then after-hooks; never raises for a tool."""
        start = time.perf_counter()
        ctx = tool_context(call, machine.state, machine.config, self.deps)
        tool_input: dict[str, Any] = dict(call.input)
        result: ToolResult | None = None
        for hook in self.before:
            tool_input, result = before_outcome(_sync(hook(call, ctx)), call, tool_input)
            if result is not None:
                break
        if result is None:
            result = self._invoke(call.name, tool_input, ctx)
        for hook in self.after:
            result = after_outcome(_sync(hook(call, result, ctx)), result, call)
        duration = time.perf_counter() - start
        log_tool_call(machine.state.run_id, call, result, duration)
        return result, duration

    def _invoke(self, name: str, tool_input: dict[str, Any], ctx: Any) -> ToolResult:
        timeout = self.tool_timeout
        if timeout is None:
            return call_tool(self.registry, name, tool_input, ctx)
        box: list[ToolResult] = []
        worker = threading.Thread(
            target=lambda: box.append(call_tool(self.registry, name, tool_input, ctx)),
            name=f"agentloop-tool-{name}",
            daemon=True,
        )
        worker.start()
        worker.join(timeout)
        return box[0] if box else timeout_result(name, timeout)


def _sync(value: Any) -> Any:
    """A hook's return value, awaited here if the hook was async."""
    if hasattr(value, "__await__"):
        return run_awaitable(value)
    return value
