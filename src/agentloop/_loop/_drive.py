"""The sync driver: performs the run flow's effects with a Client and threads.

Nothing here decides anything: each method carries out one kind of effect
of ``_flow.py`` and hands back its outcome. ``_adrive.py`` is its async twin.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Sequence
from typing import Any

from .._client import Client
from .._context import with_deadline
from .._exceptions import APIError
from .._tools import ToolRegistry, ToolResult, call_tool, request_definitions
from .._tools._aio import run_awaitable
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

__all__ = ["SyncPerformer"]


class SyncPerformer:
    """Drives a flow to its end in this thread, yielding its events."""

    def __init__(self, client: Client | None, registry: ToolRegistry) -> None:
        self.client = client
        self.registry = registry

    def events(self, flow: Generator[Any, Any, Any]) -> Generator[Event, None, Any]:
        """Run ``flow``: perform its effects, yield its events; return what it returns."""
        try:
            item = next(flow)
            while True:
                kind = type(item)
                if kind is SendRequest and item.stream:
                    outcome = yield from self._stream(item)
                elif kind in DRIVER_EFFECTS:
                    outcome, done = self._perform(item)
                    yield from done
                else:
                    yield item
                    item = next(flow)
                    continue
                item = flow.send(outcome)
        except StopIteration as stop:
            return stop.value
        finally:
            flow.close()

    def drive(self, flow: Generator[Any, Any, Any]) -> Any:
        """Run ``flow`` to its end, dropping its events (no generator in between)."""
        try:
            item = next(flow)
            while True:
                kind = type(item)
                if kind is SendRequest and item.stream:
                    outcome = _exhaust(self._stream(item))
                elif kind in DRIVER_EFFECTS:
                    outcome = self._perform(item)[0]
                else:
                    item = next(flow)
                    continue
                item = flow.send(outcome)
        except StopIteration as stop:
            return stop.value
        finally:
            flow.close()

    def _perform(self, effect: Any) -> tuple[Any, Sequence[Event]]:
        """Carry out an effect other than a streamed request: its outcome, and the events
        to show after it (a batch's ``ToolCallFinished``, in finishing order)."""
        kind = type(effect)
        if kind is SendRequest:
            assert self.client is not None
            try:
                return self.client.create(**effect.params, max_retries=0), ()
            except APIError as exc:
                return exc, ()
        if kind is ListTools:
            return request_definitions(self.registry, effect.ctx), ()
        if kind is Sleep:
            _sleep_of(self.client)(effect.seconds)
            return None, ()
        return self._batch(effect)

    def _stream(self, effect: SendRequest) -> Generator[Event, None, Any]:
        assert self.client is not None
        try:
            with self.client.stream(**effect.params, max_retries=0) as stream:
                for data in stream.iter_data():
                    event = delta_event(data)
                    if event is not None:
                        yield event
                return stream.final_message()
        except APIError as exc:
            return exc

    def _batch(self, batch: RunBatch) -> tuple[list[ToolCallOutcome], list[Event]]:
        if len(batch.flows) == 1:
            finished = [(0, self.drive_call(batch.flows[0]))]
        else:
            from concurrent.futures import ThreadPoolExecutor, as_completed

            workers = min(batch.concurrency, len(batch.flows))
            with ThreadPoolExecutor(workers, thread_name_prefix="agentloop-tool") as pool:
                futures = {pool.submit(self.drive_call, f): i for i, f in enumerate(batch.flows)}
                finished = [(futures[f], f.result()) for f in as_completed(futures)]
        # the events once the batch is done, in finishing order; the outcomes in call order
        return batch_done(batch, finished)

    def drive_call(self, flow: Generator[Any, Any, ToolCallOutcome]) -> ToolCallOutcome:
        """One tool call's flow, to its outcome."""
        try:
            effect = next(flow)
            while True:
                if isinstance(effect, CallHook):
                    effect = flow.send(_call_hook(effect))
                else:
                    effect = flow.send(self._invoke(effect))
        except StopIteration as stop:
            outcome: ToolCallOutcome = stop.value
            return outcome

    def _invoke(self, effect: InvokeTool) -> ToolResult | None:
        name, tool_input, timeout = effect.name, effect.input, effect.timeout
        ctx = with_deadline(effect.ctx, timeout)
        if timeout is None:
            return call_tool(self.registry, name, tool_input, ctx)
        box: list[ToolResult] = []
        worker = threading.Thread(
            target=lambda: box.append(call_tool(self.registry, name, tool_input, ctx)),
            name=f"agentloop-tool-{name}",
            daemon=True,  # a tool past its timeout is abandoned, not awaited
        )
        worker.start()
        worker.join(timeout)
        return box[0] if box else None


def _exhaust(events: Generator[Event, None, Any]) -> Any:
    """Exhaust ``events``, dropping them; what it returns."""
    while True:
        try:
            next(events)
        except StopIteration as stop:
            return stop.value


def _call_hook(effect: CallHook) -> Any:
    try:
        value = effect.hook(*effect.args)
        if hasattr(value, "__await__"):
            value = run_awaitable(value)
        return value
    except Exception as exc:
        return Raised(exc)


def _sleep_of(client: Any) -> Any:
    return getattr(client, "_sleep", None) or time.sleep
