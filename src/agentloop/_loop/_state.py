"""The loop's decisions, as a pure state machine: no I/O, no clock, no threads.

Given what just happened (a model response, a batch of tool results, a
failed request), :class:`LoopMachine` says what to do next: call the model,
run tools, or finish. Every protocol rule of the loop lives here once; the
sync and async drivers only carry the actions out.

The run state is a plain JSON-serializable pydantic model, so a run can be
saved after any step and resumed later.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeAlias, Union

from pydantic import BaseModel, ConfigDict, Field

from .._exceptions import (
    AgentloopError,
    ConfigurationError,
    HookError,
    MaxTokensExceeded,
    RequestLimitExceeded,
    TokenBudgetExceeded,
    ToolRetriesExceeded,
)
from .._models import Message, ToolUseBlock, Usage, to_param
from ._config import AgentConfig
from ._outcome import Approve, Deny, ToolCallOutcome
from ._output import OutputSpec
from ._output_steps import missing_output, on_output_response, output_params
from ._result import _MISSING, RunResult

__all__ = ["AWAITING_APPROVAL", "CallModel", "Finish", "LoopMachine", "RunState", "RunTools"]


class RunState(BaseModel):
    """Everything a run needs to go on: JSON-serializable, no live objects."""

    model_config = ConfigDict(defer_build=True)  # built on first use: importing stays quick

    run_id: str
    messages: list[dict[str, Any]]
    max_tokens: int
    requests: int = 0
    usage: Usage = Field(default_factory=Usage)
    max_tokens_retries: int = 0
    pause_continuations: int = 0
    request_retries: int = 0
    continuing: bool = False
    forced_tool_used: bool = False
    stop_reason: str | None = None
    stop_details: dict[str, Any] | None = None
    truncated: bool = False
    finished: bool = False
    last_response: Message | None = None
    pending_calls: list[ToolUseBlock] = Field(default_factory=list)
    answered: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """``tool_result`` blocks of pending calls that already ran (a deferred turn's siblings)."""
    awaiting: list[str] = Field(default_factory=list)
    """Ids of the pending calls that wait for a decision (``stop_reason`` awaiting_approval)."""
    decisions: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Decisions given for awaiting calls: ``{"approve": input-or-None}`` or ``{"deny": message}``."""
    tool_failures: dict[str, int] = Field(default_factory=dict)
    """Consecutive failures of each tool in this run (for its ``max_retries``)."""
    output_mode: str | None = None
    """How the ``output_type`` is asked: ``"native"`` or ``"tool"`` (``None``: no output type)."""
    output_failures: int = 0
    """Invalid or missing outputs so far (for ``output_retries``)."""
    has_output: bool = False
    output: Any = None
    """The validated output, as JSON (``RunResult.output`` builds the value from it)."""


@dataclass(frozen=True)
class CallModel:
    """Send this request (``tools`` are added from the registry, re-read every request,
    followed by the ``tools`` here: the output tool of an ``output_type``)."""

    params: dict[str, Any]
    request: int
    tools: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class RunTools:
    """Run these tool calls and report one outcome per call, in this order.

    ``groups`` splits them into batches that may run concurrently: a
    ``sequential`` tool's call is a batch of its own.
    """

    calls: list[ToolUseBlock]
    groups: list[list[ToolUseBlock]] = field(default_factory=list)


@dataclass(frozen=True)
class Finish:
    result: RunResult


Action: TypeAlias = Union[CallModel, RunTools, Finish]

_DONE = ("end_turn", "stop_sequence")
AWAITING_APPROVAL = "awaiting_approval"


class LoopMachine:
    """Decides each step of one run. Feed it events; it returns the next action.

    ``policies`` gives each tool's :class:`~agentloop.ToolPolicy` (by name);
    ``tool_retries`` is the consecutive-failure allowance of tools that set none;
    ``output`` the run's ``output_type`` spec, with ``output_retries`` tries more.
    """

    def __init__(
        self,
        config: AgentConfig,
        state: RunState,
        *,
        policies: Mapping[str, Any] | None = None,
        tool_retries: int | None = None,
        output: OutputSpec | None = None,
        output_retries: int = 1,
    ) -> None:
        self.config = config
        self.state = state
        self.policies: Mapping[str, Any] = policies or {}
        self.tool_retries = tool_retries
        self.output = output
        self.output_retries = output_retries
        self._output_value: Any = _MISSING
        if output is not None and state.output_mode is None:
            state.output_mode = output.mode

    # --- inputs ---------------------------------------------------------------

    def start(self) -> Action:
        """The first action of the run (or of a resumed run)."""
        state = self.state
        if state.awaiting:
            missing = [i for i in state.awaiting if i not in state.decisions]
            if missing:
                raise ConfigurationError(
                    f"the run awaits decisions on tool calls {missing}: resume it with "
                    "decisions={tool_use_id: Approve() or Deny('why')}"
                )
            state.finished = False
            state.stop_reason = None
            calls = [c for c in state.pending_calls if c.id in state.awaiting]
            return self._run_tools(calls)
        if state.finished and state.stop_reason == "pause_turn":
            # a turn paused at the continuation cap: go on with it
            state.finished = False
            state.truncated = False
            state.stop_reason = None
            state.pause_continuations = 0
            state.continuing = True
            return self._call_model()
        if state.finished:
            return Finish(self.result())
        if state.pending_calls:
            return self._run_tools([c for c in state.pending_calls if c.id not in state.answered])
        return self._call_model()

    def decide(self, decisions: Mapping[str, Any]) -> None:
        """Record decisions on awaiting calls (``Approve`` / ``Deny``, or their JSON)."""
        for tool_use_id, decision in decisions.items():
            if tool_use_id not in self.state.awaiting:
                raise ConfigurationError(
                    f"no tool call {tool_use_id!r} awaits a decision in this run "
                    f"(awaiting: {self.state.awaiting})"
                )
            self.state.decisions[tool_use_id] = decision_json(decision)

    def on_response(self, message: Message) -> Action:
        """A model response arrived."""
        state = self.state
        state.requests += 1
        if state.request_retries:
            state.request_retries = 0
        _add_usage(state.usage, message.usage)
        state.last_response = message
        if self.output is not None:
            action = on_output_response(self, message)
            if action is not None:
                return action
        reason = message.stop_reason
        if reason == "tool_use":
            calls = message.tool_uses
            self._append_assistant(message, keep_tool_use=True)
            if calls:
                state.pending_calls = calls
                return self._run_tools(calls)
            return self._finish(reason, message)
        if reason in _DONE:
            self._append_assistant(message)
            return self._finish(reason, message)
        if reason == "max_tokens":
            return self._on_max_tokens(message)
        if reason == "pause_turn":
            return self._on_pause(message)
        if reason == "model_context_window_exceeded":
            self._append_assistant(message)
            return self._finish(reason, message, truncated=True)
        # refusal, or a stop reason newer than this library: stop, never loop.
        self._append_assistant(message)
        return self._finish(reason, message)

    def on_tool_outcomes(self, outcomes: Sequence[ToolCallOutcome]) -> Action:
        """The outcomes of the last :class:`RunTools`, one per call, in its order.

        Deferred calls stop the run (``awaiting_approval``) once their siblings
        ran. A hook failure, or a tool over its retry allowance, answers every
        call (so the history stays valid) and then raises with the run attached.
        """
        state = self.state
        pending, answered = state.pending_calls, state.answered
        expected = [c.id for c in pending if c.id not in answered]
        got = [o.tool_use_id for o in outcomes]
        if got != expected:
            raise ConfigurationError(f"tool outcomes {got} do not answer the calls {expected}")
        deferred: list[str] = []
        ran_ok = False
        for outcome in outcomes:
            if outcome.kind == "deferred":
                deferred.append(outcome.tool_use_id)
                continue
            answered[outcome.tool_use_id] = outcome.to_block()
            ran_ok = ran_ok or outcome.kind == "ok"
        if state.decisions:
            for tool_use_id in got:
                state.decisions.pop(tool_use_id, None)
        if deferred:
            state.awaiting = deferred
            state.stop_reason = AWAITING_APPROVAL
            state.finished = True
            return Finish(self._live_result())
        if state.awaiting:
            state.awaiting = []
        if ran_ok and not state.forced_tool_used:
            state.forced_tool_used = True
        failing = self._count_failures(outcomes)
        state.messages.append({"role": "user", "content": [answered[c.id] for c in pending]})
        state.pending_calls = []
        state.answered = {}
        broken = next((o for o in outcomes if o.kind == "hook_error"), None)
        if broken is not None:
            raise HookError(
                f"a hook failed on the call of {broken.name} ({broken.tool_use_id}): "
                f"{broken.detail}; result.messages holds the run so far, with every call "
                "answered",
                self.result(),
            ) from broken.error
        if failing is not None:
            name, count = failing
            raise ToolRetriesExceeded(
                f"tool {name} failed {count} times in a row, over its max_retries="
                f"{count - 1}; result.messages holds the run so far",
                self.result(),
            )
        return self._call_model()

    def on_error(self, error: BaseException) -> NoReturn:
        """A model request failed for good: the run ends with it (the run attached)."""
        if isinstance(error, AgentloopError) and error.result is None:
            error.result = self.result()
        raise error

    # --- decisions --------------------------------------------------------------

    def _call_model(self, *, check_limits: bool = True) -> Action:
        state = self.state
        if check_limits:
            self._check_limits()
        params = self.config.request_params(
            state.messages, state.max_tokens, forced_tool_used=state.forced_tool_used
        )
        if self.output is None:
            return CallModel(params, state.requests + 1)
        params, tools = output_params(self.output, params)
        return CallModel(params, state.requests + 1, tools)

    def _check_limits(self) -> None:
        state = self.state
        if state.requests >= self.config.max_requests:
            raise RequestLimitExceeded(
                f"the run reached its limit of {self.config.max_requests} model requests "
                "(Agent(max_requests=...)); result.messages holds the run so far",
                self.result(),
            )
        budget = self.config.max_total_tokens
        used = state.usage.input_tokens + state.usage.output_tokens
        if budget is not None and used >= budget:
            raise TokenBudgetExceeded(
                f"the run used {used} tokens, over its budget of {budget} "
                "(Agent(max_total_tokens=...)); result.messages holds the run so far",
                self.result(),
            )

    def _run_tools(self, calls: list[ToolUseBlock]) -> RunTools:
        """Calls in batches: a ``sequential`` tool's call runs alone, the rest side by side."""
        groups: list[list[ToolUseBlock]] = []
        joinable = False
        for call in calls:
            alone = bool(getattr(self.policies.get(call.name), "sequential", False))
            if joinable and not alone:
                groups[-1].append(call)
            else:
                groups.append([call])
            joinable = not alone
        return RunTools(calls, groups)

    def _count_failures(self, outcomes: Sequence[ToolCallOutcome]) -> tuple[str, int] | None:
        """Update each tool's run of consecutive failures; the first tool over its allowance."""
        failures = self.state.tool_failures
        over: tuple[str, int] | None = None
        for outcome in outcomes:
            name = outcome.name
            if not outcome.failed:
                if outcome.kind == "ok":
                    failures.pop(name, None)
                continue
            failures[name] = failures.get(name, 0) + 1
            allowed = getattr(self.policies.get(name), "max_retries", None)
            if allowed is None:
                allowed = self.tool_retries
            if allowed is not None and failures[name] > allowed and over is None:
                over = (name, failures[name])
        return over

    def _on_max_tokens(self, message: Message) -> Action:
        state, config = self.state, self.config
        cut_tool_use = bool(message.content) and isinstance(message.content[-1], ToolUseBlock)
        can_grow = state.max_tokens < config.max_tokens_ceiling
        if cut_tool_use and can_grow and state.max_tokens_retries < config.max_tokens_retries:
            state.max_tokens_retries += 1
            state.max_tokens = min(state.max_tokens * 2, config.max_tokens_ceiling)
            config.check(state.max_tokens)
            return self._call_model()
        self._append_assistant(message)
        if config.on_max_tokens == "raise":
            state.truncated = True
            state.stop_reason = "max_tokens"
            state.finished = True
            raise MaxTokensExceeded(
                f"the answer was cut at max_tokens={state.max_tokens}", self.result()
            )
        return self._finish("max_tokens", message, truncated=True)

    def _on_pause(self, message: Message) -> Action:
        state = self.state
        self._append_assistant(message, keep_tool_use=True)
        if state.pause_continuations >= self.config.max_pause_continuations:
            return self._finish("pause_turn", message, truncated=True)
        state.pause_continuations += 1
        state.continuing = True
        return self._call_model()

    def _append_assistant(self, message: Message, *, keep_tool_use: bool = False) -> None:
        """Append the response to the history, so that the history stays valid.

        A turn that ends without running its tools (a refusal, a cut answer,
        an unknown stop reason) keeps no client ``tool_use`` block, because
        nothing will answer it and the API rejects an unanswered call.
        After ``pause_turn`` the response continues the paused assistant
        message, so its content is added to that message.
        """
        state = self.state
        content = [
            to_param(block)
            for block in message.content
            if keep_tool_use or not isinstance(block, ToolUseBlock)
        ]
        if state.continuing:
            state.continuing = False
            last = state.messages[-1]
            last["content"] = [*_as_blocks(last["content"]), *content]
            return
        if content:
            state.messages.append({"role": "assistant", "content": content})

    def _finish(self, reason: str | None, message: Message, *, truncated: bool = False) -> Finish:
        state = self.state
        state.stop_reason = reason
        state.stop_details = message.stop_details
        state.truncated = truncated
        state.finished = True
        if self.output is not None and not state.has_output:
            missing_output(self, reason, message)
        return Finish(self._live_result())  # the run is over: nothing changes it any more

    def _finish_with_output(self, reason: str | None, message: Message, value: Any) -> Finish:
        """Finish with ``value``, the validated output."""
        assert self.output is not None
        self.state.output = self.output.dump(value)
        self.state.has_output = True
        self._output_value = value
        return self._finish(reason, message)

    def _live_result(self) -> RunResult[Any]:
        return RunResult(self.state, self._output_value, self.output)

    def result(self) -> RunResult[Any]:
        """The run so far, as a result (a snapshot: later steps do not change it)."""
        return RunResult(copy.deepcopy(self.state), self._output_value, self.output)


def _as_blocks(content: Any) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content)


def _add_usage(total: Usage, usage: Usage) -> None:
    total.input_tokens += usage.input_tokens
    total.output_tokens += usage.output_tokens
    for name in ("cache_creation_input_tokens", "cache_read_input_tokens"):
        value = getattr(usage, name)
        if value:
            setattr(total, name, (getattr(total, name) or 0) + value)


def decision_json(decision: Any) -> dict[str, Any]:
    """A decision as JSON: ``{"approve": input-or-None}`` or ``{"deny": message}``."""
    if isinstance(decision, Approve):
        return {"approve": None if decision.input is None else dict(decision.input)}
    if isinstance(decision, Deny):
        return {"deny": decision.message}
    if (
        isinstance(decision, Mapping)
        and len(decision) == 1
        and set(decision) <= {"approve", "deny"}
    ):
        return dict(decision)
    raise ConfigurationError(
        f"a decision must be Approve(), Approve(input={{...}}) or Deny('why'), not {decision!r}"
    )
