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
from dataclasses import dataclass
from typing import Any, TypeAlias, Union

from pydantic import BaseModel, ConfigDict, Field

from .._exceptions import (
    APIStatusError,
    MaxTokensExceeded,
    RequestLimitExceeded,
    StreamError,
    TokenBudgetExceeded,
)
from .._models import Message, ToolUseBlock, Usage, to_param
from .._retry import is_retryable
from ._config import AgentConfig
from ._result import RunResult

__all__ = ["CallModel", "Finish", "LoopMachine", "RunState", "RunTools"]


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


@dataclass(frozen=True)
class CallModel:
    """Send this request (the driver adds ``tools``, re-read from the registry)."""

    params: dict[str, Any]
    request: int


@dataclass(frozen=True)
class RunTools:
    """Run these tool calls (concurrently) and report their results in order."""

    calls: list[ToolUseBlock]


@dataclass(frozen=True)
class Finish:
    result: RunResult


Action: TypeAlias = Union[CallModel, RunTools, Finish]

_DONE = ("end_turn", "stop_sequence")


class LoopMachine:
    """Decides each step of one run. Feed it events; it returns the next action."""

    def __init__(self, config: AgentConfig, state: RunState, *, request_retries: int = 2) -> None:
        self.config = config
        self.state = state
        self.request_retries = request_retries

    # --- inputs ---------------------------------------------------------------

    def start(self) -> Action:
        """The first action of the run (or of a resumed run)."""
        if self.state.finished:
            return Finish(self.result())
        if self.state.pending_calls:
            return RunTools(list(self.state.pending_calls))
        return self._call_model()

    def on_response(self, message: Message) -> Action:
        """A model response arrived."""
        state = self.state
        state.requests += 1
        state.request_retries = 0
        _add_usage(state.usage, message.usage)
        state.last_response = message
        reason = message.stop_reason
        if reason == "tool_use":
            calls = message.tool_uses
            self._append_assistant(message, keep_tool_use=True)
            if calls:
                state.pending_calls = calls
                return RunTools(calls)
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

    def on_tool_results(self, blocks: list[dict[str, Any]]) -> Action:
        """The results of the last :class:`RunTools`, one ``tool_result`` block per call."""
        ids = [call.id for call in self.state.pending_calls]
        answered = [block.get("tool_use_id") for block in blocks]
        if answered != ids:
            raise ValueError(f"tool results {answered} do not answer the calls {ids} in order")
        if any(not block.get("is_error") for block in blocks):
            self.state.forced_tool_used = True
        self.state.messages.append({"role": "user", "content": blocks})
        self.state.pending_calls = []
        return self._call_model()

    def on_error(self, error: BaseException) -> Action:
        """A model request failed after the client's own retries.

        A stream that broke after its first event was not retried by the
        client (it had started); nothing of it was kept, so the same request
        is sent again while the client's retry budget allows. Anything else
        is raised.
        """
        state = self.state
        retry = isinstance(error, StreamError) or (
            isinstance(error, APIStatusError) and error.mid_stream and is_retryable(error)
        )
        if retry and state.request_retries < self.request_retries:
            state.request_retries += 1
            return self._call_model(check_limits=False)
        raise error

    # --- decisions --------------------------------------------------------------

    def _call_model(self, *, check_limits: bool = True) -> Action:
        state = self.state
        if check_limits:
            self._check_limits()
        params = self.config.request_params(
            state.messages, state.max_tokens, forced_tool_used=state.forced_tool_used
        )
        return CallModel(params, state.requests + 1)

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
        return Finish(RunResult(state))  # the run is over: nothing changes it any more

    def result(self) -> RunResult:
        """The run so far, as a result (a snapshot: later steps do not change it)."""
        return RunResult(copy.deepcopy(self.state))


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
