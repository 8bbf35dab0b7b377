"""``Run``: one run, stepped from outside. The seam durable engines, UIs and tests use.

A run is its JSON state plus the agent that runs it::

    run = agent.start("What's the weather in Paris?", run_id="order-1234")
    while not run.finished:
        step = run.next()
        if isinstance(step, CallModel):
            run.feed(run.request_model())            # one request, the client's retries inside
        else:                                        # RunTools
            run.feed_tool_outcomes([run.call_tool(call) for call in step.calls])
    result = run.result()

Everything that crosses the seam is JSON and round-trips: ``run.state``
(``RunState.model_dump_json``), the calls (``ToolUseBlock``), the outcomes
(``ToolCallOutcome.to_json``), and API errors (``APIError.to_json``).
``agent.run`` and ``agent.arun`` are built on this class.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar, overload

from .._context import RunContext
from .._exceptions import AgentloopError, APIError, ConfigurationError
from .._models import Message, ToolUseBlock
from .._retry import RetryPolicy
from ._flow import CallPlan, ListTools, ToolCallFlow, request_flow, tool_call_flow, with_tools
from ._outcome import ToolCallOutcome
from ._output import OutputSpec
from ._result import RunResult
from ._state import Action, CallModel, Finish, LoopMachine, RunState, RunTools

if TYPE_CHECKING:
    from ._agent import Agent

__all__ = ["Run"]

T = TypeVar("T")


class Run:
    """One run of an agent, stepped from outside; no I/O except in the ``request_*`` and
    ``call_tool`` methods, which perform exactly one step each."""

    def __init__(
        self,
        agent: Agent[Any, Any],
        state: RunState,
        *,
        deps: Any = None,
        retry_policy: RetryPolicy | None = None,
        output: OutputSpec | Literal["agent"] | None = "agent",
    ) -> None:
        self.agent = agent
        self.deps = deps
        self._policy = retry_policy
        self.output: OutputSpec | None = agent.output_spec if isinstance(output, str) else output
        """How this run gets its ``output_type`` (``None``: the final text)."""
        self._machine = LoopMachine(
            agent.config,
            state,
            policies=agent.tool_policies(),
            tool_retries=agent.max_tool_retries,
            output=self.output,
            output_retries=agent.output_retries,
        )
        self._step: Action | None = None
        self._listings: dict[int, Any] = {}  # the registry wrappers' views, for this run
        self._view: ReadOnlyMessages | None = None
        self._list_ctx: RunContext[Any] | None = None

    # --- the state ----------------------------------------------------------------

    @property
    def state(self) -> RunState:
        """The run's JSON-serializable state (``run.state.model_dump_json()``)."""
        return self._machine.state

    @property
    def model(self) -> str:
        return self.agent.config.model

    @property
    def finished(self) -> bool:
        return isinstance(self.next(), Finish)

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry budget of one model request (the client's)."""
        if self._policy is None:
            self._policy = self.agent.current_client().retry_policy
        return self._policy

    @property
    def max_concurrency(self) -> int:
        return self.agent.max_concurrency

    def result(self) -> RunResult[Any]:
        """The result of the finished run, or a snapshot of the run so far (never raises:
        a run that ended in an error, say a limit, gives its state as it stands)."""
        step = self._step
        return step.result if isinstance(step, Finish) else self._machine.result()

    # --- the steps ----------------------------------------------------------------------

    def next(self) -> CallModel | RunTools | Finish:
        """What to do next: call the model with ``params``, run ``calls``, or finish."""
        if self._step is None:
            self._step = self._guard(self._machine.start)
        return self._step

    def decide(self, decisions: Mapping[str, Any]) -> None:
        """Answer the calls this run awaits: ``{tool_use_id: Approve() | Deny(msg)}``.

        A decision may also be given as JSON, as a durable engine stores it:
        ``{"approve": None}`` (run as asked), ``{"approve": {...}}`` (run with
        this input), ``{"deny": "why"}``. A call that does not await a
        decision is a :class:`~agentloop.ConfigurationError`.
        """
        self._machine.decide(decisions)
        self._step = None

    def feed(self, message: Message) -> None:
        """The model's response to the last :class:`CallModel`."""
        self._expect(CallModel)
        self._step = self._guard(self._machine.on_response, message)

    def feed_error(self, error: BaseException) -> NoReturn:
        """The last model request failed for good: raises it, with the run attached."""
        self._expect(CallModel)
        self._machine.on_error(error)

    def feed_tool_outcomes(self, outcomes: Sequence[ToolCallOutcome]) -> None:
        """The outcomes of the last :class:`RunTools`, one per call, in its order."""
        self._expect(RunTools)
        self._step = self._guard(self._machine.on_tool_outcomes, list(outcomes))

    # --- performing one step -----------------------------------------------------------

    def request_model(self) -> Message:
        """Send the pending model request (retried by the client's policy) and return the
        Message; raises the typed API error once retries are spent. Does not feed it."""
        from ._drive import SyncPerformer

        client = self.agent.current_client()
        flow = self._request_flow(self._policy or client.retry_policy)
        return _result_or_raise(SyncPerformer(client, self.agent.registry).drive(flow))

    async def arequest_model(self) -> Message:
        """:meth:`request_model`, with the async client."""
        from ._adrive import AsyncPerformer

        client = self.agent.current_async_client()
        flow = self._request_flow(self._policy or client.retry_policy)
        return _result_or_raise(await AsyncPerformer(client, self.agent.registry).drive(flow))

    def call_tool(self, call: ToolUseBlock) -> ToolCallOutcome:
        """Perform one tool call of the pending :class:`RunTools`: hooks, input
        validation, the tool with its timeout. Never raises; does not feed the outcome."""
        from ._drive import SyncPerformer

        return SyncPerformer(None, self.agent.registry).drive_call(self.tool_call_flow(call))

    async def acall_tool(self, call: ToolUseBlock) -> ToolCallOutcome:
        """:meth:`call_tool`, for async code (sync tools and hooks run in worker threads)."""
        from ._adrive import AsyncPerformer

        performer = AsyncPerformer(None, self.agent.registry)
        return await performer.drive_call(self.tool_call_flow(call))

    # --- the flows the drivers drive -------------------------------------------------------

    def tool_call_flow(self, call: ToolUseBlock) -> ToolCallFlow:
        """The sans-I/O flow of one tool call (what :meth:`call_tool` drives)."""
        agent, state = self.agent, self.state
        ctx: RunContext[Any] = RunContext(
            self.deps, call.id, call.name, state.run_id, agent.config.model,
            self._messages_view(), None, self._listings,
        )  # fmt: skip
        policy = self._machine.policies.get(call.name)
        timeout = getattr(policy, "timeout", None) or agent.tool_timeout
        plan = CallPlan(agent.before_tool, agent.after_tool, timeout, state.decisions.get(call.id))
        return tool_call_flow(call, ctx, plan)

    def list_context(self) -> RunContext[Any]:
        """The context the registry lists its tools with (``definitions(ctx)``)."""
        view = self._messages_view()
        ctx = self._list_ctx
        if ctx is None or ctx.messages is not view:
            state = self.state
            ctx = RunContext(self.deps, "", "", state.run_id, self.agent.config.model,
                             view, None, self._listings)  # fmt: skip
            self._list_ctx = ctx
        return ctx

    def _messages_view(self) -> ReadOnlyMessages:
        """``ctx.messages``: a read-only view of the live history (made anew only if the
        state's list was replaced)."""
        messages = self.state.messages
        view = self._view
        if view is None or view._messages is not messages:
            view = self._view = ReadOnlyMessages(messages)
        return view

    def _request_flow(self, policy: RetryPolicy) -> Generator[Any, Any, Message | APIError]:
        step = self._expect(CallModel)
        definitions = yield ListTools(self.list_context())
        params = with_tools(step.params, definitions, step.tools)
        return (yield from request_flow(params, stream=False, policy=policy, request=step.request))

    # --- plumbing ------------------------------------------------------------------------

    def _expect(self, kind: type[T]) -> T:
        step = self.next()
        if not isinstance(step, kind):
            raise ConfigurationError(
                f"the run's next step is {type(step).__name__}, not {kind.__name__}: "
                "call run.next() to see what to do"
            )
        return step

    def _guard(self, method: Callable[..., Action], *args: Any) -> Action:
        try:
            return method(*args)
        except AgentloopError as exc:
            if exc.result is None:
                exc.result = self._machine.result()
            raise


def _result_or_raise(outcome: Message | APIError) -> Message:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


class ReadOnlyMessages(Sequence[Any]):
    """The run's history as tools see it (``ctx.messages``): read-only views, no copies."""

    __slots__ = ("_messages",)

    def __init__(self, messages: Sequence[Any]) -> None:
        self._messages = messages

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return tuple(_frozen(m) for m in self._messages[index])
        return _frozen(self._messages[index])

    def __len__(self) -> int:
        return len(self._messages)

    def __iter__(self) -> Iterator[Any]:
        return (_frozen(m) for m in self._messages)

    def __repr__(self) -> str:
        return f"ReadOnlyMessages({len(self)} messages)"


def _frozen(value: Any) -> Any:
    from types import MappingProxyType

    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value
