"""The run flow: all of a run's control flow, once, as generators that do no I/O.

Each flow yields *effects* (send this request, sleep, call this hook, invoke
this tool, run this batch of calls, list the tools) and *events* (for the
caller), and receives each effect's outcome as a value. The sync and async
drivers (``_drive.py``) only perform effects; whatever a run decides, in
what order, with which events, is decided here, so the two cannot differ.

* :func:`run_flow`: a whole run, on the public stepping seam (:class:`Run`).
* :func:`request_flow`: one model request with its retries (one budget, the
  client's ``max_retries``, for failures before and after a stream started).
* :func:`tool_call_flow`: one tool call: before-hooks, the tool with its
  timeout, after-hooks. It never raises: a failure is an outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, Union

from .._context import RunContext
from .._exceptions import AgentloopError, APIError, ConfigurationError, StreamError
from .._logging import MODEL_RETRY, RUN_FINISH, RUN_START, TOOL_CALL, get_logger, info_enabled
from .._models import Message, ToolUseBlock
from .._retry import RetryPolicy
from .._tools import ToolResult
from ._events import (
    Event,
    ModelRequestStarted,
    ModelResponse,
    ModelRetry,
    RunFinished,
    RunStarted,
    StepFinished,
    ToolCallStarted,
    finished_event,
)
from ._outcome import Approve, Defer, Deny, OutcomeKind, ToolCallOutcome
from ._result import RunResult
from ._state import CallModel, Finish, RunTools

if TYPE_CHECKING:
    from ._run import Run

__all__ = [
    "DRIVER_EFFECTS",
    "CallHook",
    "Effect",
    "InvokeTool",
    "ListTools",
    "Raised",
    "RunBatch",
    "SendRequest",
    "Sleep",
    "batch_done",
    "request_flow",
    "run_flow",
    "tool_call_flow",
]


# --- effects ------------------------------------------------------------------
# Plain slotted classes, not dataclasses: a run makes several per request, and
# nothing outside the flow and its drivers sees them.


class _Effect:
    __slots__ = ()

    def __repr__(self) -> str:
        names: tuple[str, ...] = self.__slots__
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__name__}({fields})"


class ListTools(_Effect):
    """List the registry's tool definitions for the run ``ctx``. Outcome: the definitions."""

    __slots__ = ("ctx",)

    def __init__(self, ctx: RunContext[Any] | None = None) -> None:
        self.ctx = ctx


class SendRequest(_Effect):
    """One attempt of a model request, no retries. Outcome: the Message or the APIError.

    When ``stream`` is set, the driver yields the stream's delta events as they arrive.
    """

    __slots__ = ("params", "stream")

    def __init__(self, params: dict[str, Any], stream: bool) -> None:
        self.params = params
        self.stream = stream


class Sleep(_Effect):
    """Wait before the next attempt. Outcome: None."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class CallHook(_Effect):
    """Call a hook (awaiting it if it is async). Outcome: its return value, or :class:`Raised`."""

    __slots__ = ("args", "hook")

    def __init__(self, hook: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.hook = hook
        self.args = args


class Raised(_Effect):
    """The outcome of a :class:`CallHook` whose hook raised."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class InvokeTool(_Effect):
    """Call the tool through the registry (never raises), within ``timeout`` seconds.

    Outcome: the :class:`ToolResult`, or ``None`` when the timeout ran out.
    """

    __slots__ = ("ctx", "input", "name", "timeout")

    def __init__(
        self, name: str, input: dict[str, Any], ctx: RunContext[Any], timeout: float | None
    ) -> None:
        self.name = name
        self.input = input
        self.ctx = ctx
        self.timeout = timeout


class RunBatch(_Effect):
    """Drive these tool-call flows side by side (at most ``concurrency`` at once).

    The driver yields a ``ToolCallFinished`` event per call once the batch is
    done, in finishing order; the outcome of the effect is the list of outcomes,
    in the order of ``flows``.
    """

    __slots__ = ("calls", "concurrency", "events", "flows")

    def __init__(
        self,
        flows: list[Generator[Any, Any, ToolCallOutcome]],
        calls: list[ToolUseBlock],
        concurrency: int,
        events: bool = True,
    ) -> None:
        self.flows = flows
        self.calls = calls
        self.concurrency = concurrency
        self.events = events


Effect: TypeAlias = Union[ListTools, SendRequest, Sleep, CallHook, InvokeTool, RunBatch]

DRIVER_EFFECTS = frozenset({SendRequest, ListTools, Sleep, RunBatch})
"""The effects a run flow yields to its driver (a tool-call flow yields the others)."""


def batch_done(
    batch: RunBatch, finished: list[tuple[int, ToolCallOutcome]]
) -> tuple[list[ToolCallOutcome], list[Event]]:
    """A batch's outcome from ``(index, outcome)`` pairs in finishing order: the outcomes
    in call order, and the ``ToolCallFinished`` events in finishing order."""
    done: list[Event] = (
        [finished_event(batch.calls[i], outcome) for i, outcome in finished] if batch.events else []
    )
    in_order = sorted(finished, key=_index)
    return [outcome for _, outcome in in_order], done


def _index(pair: tuple[int, Any]) -> int:
    return pair[0]


# --- one tool call --------------------------------------------------------------


class CallPlan(_Effect):
    """What one tool call needs besides the call: hooks, its timeout, a decision.

    ``decision`` is a decision on a deferred call, as JSON (``{"approve": ...}`` /
    ``{"deny": ...}``).
    """

    __slots__ = ("after", "before", "decision", "timeout")

    def __init__(
        self,
        before: tuple[Callable[..., Any], ...],
        after: tuple[Callable[..., Any], ...],
        timeout: float | None,
        decision: Mapping[str, Any] | None = None,
    ) -> None:
        self.before = before
        self.after = after
        self.timeout = timeout
        self.decision = decision


ToolCallFlow: TypeAlias = Generator[Effect, Any, ToolCallOutcome]


def tool_call_flow(call: ToolUseBlock, ctx: RunContext[Any], plan: CallPlan) -> ToolCallFlow:
    """Hooks, then the tool with its timeout, then after-hooks; returns the outcome."""
    started = time.perf_counter()
    outcome = yield from _call_steps(call, ctx, plan)
    # made just now and seen by no one yet: set its duration in place
    object.__setattr__(outcome, "duration", time.perf_counter() - started)
    _log_tool_call(ctx.run_id, call, outcome)
    return outcome


def _call_steps(call: ToolUseBlock, ctx: RunContext[Any], plan: CallPlan) -> ToolCallFlow:
    tool_input: dict[str, Any] = dict(call.input)
    decided = plan.decision
    if decided is not None and "deny" in decided:
        denied = ToolResult(str(decided["deny"]), is_error=True)
        return (yield from _after(call, ctx, plan, denied, "denied"))
    if decided is not None:
        if decided["approve"] is not None:
            tool_input = dict(decided["approve"])
    else:
        for hook in plan.before:
            answer = yield CallHook(hook, (call, ctx))
            if isinstance(answer, Raised):
                return _hook_failure(call, hook, answer.error)
            if answer is None:
                continue
            if isinstance(answer, Defer):
                return ToolCallOutcome.for_call(call, ToolResult(""), "deferred", answer.reason)
            if isinstance(answer, Deny):
                denied = ToolResult(answer.message, is_error=True)
                return (yield from _after(call, ctx, plan, denied, "denied"))
            if isinstance(answer, Approve):
                if answer.input is not None:
                    tool_input = dict(answer.input)
                continue
            if not isinstance(answer, Mapping):
                return _hook_misuse(call, hook, answer, "None (allow), Deny(message), "
                                    "Defer(), or a dict (the new input)")  # fmt: skip
            tool_input = dict(answer)
    result = yield InvokeTool(call.name, tool_input, ctx, plan.timeout)
    kind: OutcomeKind = "ok"
    if result is None:
        result = _timeout_result(call.name, plan.timeout or 0.0)
        kind = "timeout"
    elif result.is_error:
        kind = "error"
    return (yield from _after(call, ctx, plan, result, kind))


def _after(
    call: ToolUseBlock, ctx: RunContext[Any], plan: CallPlan, result: ToolResult, kind: OutcomeKind
) -> ToolCallFlow:
    for hook in plan.after:
        answer = yield CallHook(hook, (call, result, ctx))
        if isinstance(answer, Raised):
            return _hook_failure(call, hook, answer.error)
        if answer is None:
            continue
        if not isinstance(answer, ToolResult):
            return _hook_misuse(call, hook, answer, "None (keep) or a ToolResult")
        result = answer
    sendable = result.checked(call.name)  # what the model will get, for the events and JSON too
    if sendable is not result and sendable.is_error and kind == "ok":
        kind = "error"
    return ToolCallOutcome.for_call(call, sendable, kind)


def _hook_name(hook: Callable[..., Any]) -> str:
    return getattr(hook, "__qualname__", None) or repr(hook)


def _hook_failure(
    call: ToolUseBlock, hook: Callable[..., Any], error: Exception
) -> ToolCallOutcome:
    detail = f"hook {_hook_name(hook)} raised {type(error).__name__}: {error}"
    result = ToolResult(f"The call of {call.name} could not be completed.", is_error=True)
    return ToolCallOutcome(call.id, call.name, result, "hook_error", 0.0, detail, error)


def _hook_misuse(
    call: ToolUseBlock, hook: Callable[..., Any], answer: object, expected: str
) -> ToolCallOutcome:
    detail = f"hook {_hook_name(hook)} returned {answer!r:.200}; return {expected}"
    result = ToolResult(f"The call of {call.name} could not be completed.", is_error=True)
    return ToolCallOutcome(call.id, call.name, result, "hook_error", 0.0, detail)


def _timeout_result(name: str, timeout: float) -> ToolResult:
    return ToolResult(
        f"TimeoutError: tool {name} did not finish within {timeout:g} seconds", is_error=True
    )


# --- one model request ----------------------------------------------------------


RequestFlow: TypeAlias = Generator[Union[Effect, Event], Any, Union[Message, APIError]]


def request_flow(
    params: dict[str, Any], *, stream: bool, policy: RetryPolicy, request: int, events: bool = True
) -> RequestFlow:
    """Send the request; retry what is worth retrying, within one budget
    (``events=False``: no :class:`ModelRetry` event).

    A stream cut after its first event kept nothing, so it is sent again like
    any failed attempt: the budget is the client's ``max_retries``, shared by
    failures before and after a stream started (never multiplied).
    """
    attempt = 1
    while True:
        outcome: Message | APIError = yield SendRequest(params, stream)
        if isinstance(outcome, Message):
            return outcome
        wait = policy.delay(outcome, attempt)
        if wait is None and isinstance(outcome, StreamError) and attempt <= policy.max_retries:
            wait = policy.wait(attempt, outcome)  # cut after it started: nothing kept, send again
        if wait is None:
            return outcome
        _log_retry(attempt, outcome, wait)
        if events:
            yield ModelRetry(request, str(outcome))
        yield Sleep(wait)
        attempt += 1


# --- a whole run ------------------------------------------------------------------


RunFlow: TypeAlias = Generator[Union[Effect, Event], Any, RunResult]


def run_flow(run: Run, *, stream: bool, events: bool = True) -> RunFlow:
    """A whole run: model requests and tool batches until the run finishes.

    ``events=False`` makes no events, only effects: the same steps for
    ``run``/``arun``, which show none (the iterators and streams show them).
    """
    state = run.state
    _log_start(state.run_id, run.model)
    if events:
        yield RunStarted(state.run_id, run.model)
    try:
        step = run.next()
        while not isinstance(step, Finish):
            if isinstance(step, CallModel):
                yield from _model_step(run, step, stream, events)
            else:
                yield from _tools_step(run, step, events)
            if events:
                yield StepFinished(state)
            step = run.next()
    except BaseException as exc:
        _log_finish(run, exc)
        raise
    _log_finish(run, None)
    if events:
        yield RunFinished(step.result)
    return step.result


def _model_step(run: Run, step: CallModel, stream: bool, events: bool) -> Generator[Any, Any, None]:
    if events:
        yield ModelRequestStarted(step.request, step.params["max_tokens"])
    definitions = yield ListTools(run.list_context())
    params = with_tools(step.params, definitions, step.tools)
    outcome = yield from request_flow(
        params, stream=stream, policy=run.retry_policy, request=step.request, events=events
    )
    if isinstance(outcome, Message):
        if events:
            yield ModelResponse(outcome)
        run.feed(outcome)
    else:
        run.feed_error(outcome)


def _tools_step(run: Run, step: RunTools, events: bool) -> Generator[Any, Any, None]:
    if events:
        for call in step.calls:
            yield ToolCallStarted(call)
    outcomes: list[ToolCallOutcome] = []
    for group in step.groups:
        flows = [run.tool_call_flow(call) for call in group]
        outcomes.extend((yield RunBatch(flows, group, run.max_concurrency, events)))
    run.feed_tool_outcomes(outcomes)


def with_tools(
    params: dict[str, Any],
    definitions: Sequence[Mapping[str, Any]],
    extra: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """``params`` with the registry's tools, then ``extra`` (the output tool, if any)."""
    if extra:
        taken = {d.get("name") for d in definitions}
        clash = [t["name"] for t in extra if t["name"] in taken]
        if clash:
            raise ConfigurationError(
                f"a tool is named {clash[0]!r}, the name of the output tool of output_type: "
                "rename the tool"
            )
    if not definitions and not extra:
        return params
    return {**params, "tools": [*definitions, *extra]}


# --- logging ------------------------------------------------------------------------


def _log_start(run_id: str, model: str) -> None:
    get_logger().info(RUN_START, run_id=run_id, model=model)


def _log_finish(run: Run, error: BaseException | None) -> None:
    if not info_enabled():
        return
    state = run.state
    fields: dict[str, Any] = {
        "run_id": state.run_id,
        "stop_reason": state.stop_reason,
        "requests": state.requests,
        "input_tokens": state.usage.input_tokens,
        "output_tokens": state.usage.output_tokens,
    }
    if error is not None:
        fields["error"] = type(error).__name__
        if isinstance(error, AgentloopError):
            fields["error_message"] = str(error)[:500]
    get_logger().info(RUN_FINISH, **fields)


def _log_retry(attempt: int, error: BaseException, wait: float) -> None:
    get_logger().info(MODEL_RETRY, attempt=attempt, error=type(error).__name__, wait=round(wait, 3))


def _log_tool_call(run_id: str, call: ToolUseBlock, outcome: ToolCallOutcome) -> None:
    if not info_enabled():
        return
    get_logger().info(
        TOOL_CALL,
        run_id=run_id,
        tool=call.name,
        tool_use_id=call.id,
        duration_ms=round(outcome.duration * 1000, 1),
        is_error=outcome.result.is_error,
        outcome=outcome.kind,
    )
