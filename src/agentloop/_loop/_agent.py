"""``Agent``: one object holding an agent's configuration, and the ways to run it."""

from __future__ import annotations

import sys
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Generator,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import aclosing, contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Generic, Literal, NamedTuple, TypeAlias, Union, overload

from typing_extensions import Required, Self, TypedDict, TypeVar, Unpack

from .._async_client import AsyncClient
from .._client import Client
from .._exceptions import ConfigurationError
from .._retry import RetryPolicy
from .._settings import RequestSettings
from .._tools import (
    AsyncToolRegistry,
    ToolPolicy,
    ToolRegistry,
    as_registry,
    holds_connections,
    tool_policies,
)
from .._versions import ApiVersion, agent_api_version
from ._adrive import AsyncPerformer, FlowReturn
from ._agent_streams import AgentStream, AsyncAgentStream
from ._config import AgentConfig, ThinkingOption, ToolChoiceOption, check_int, check_timeout
from ._drive import SyncPerformer
from ._events import Event
from ._flow import run_flow
from ._hooks import AfterToolHook, BeforeToolHook, as_hooks
from ._outcome import Decision
from ._output import OutputMode, OutputSpec, output_spec
from ._output_partial import PartialTracker, with_partials
from ._prompt import Prompt, new_state
from ._result import OutputT, RunResult
from ._run import Run
from ._setup import check_tool_choice, split_clients
from ._state import RunState

__all__ = ["Agent"]

DepsT = TypeVar("DepsT", default=Any)
RunT = TypeVar("RunT")

Tools: TypeAlias = Union[
    ToolRegistry, AsyncToolRegistry, Sequence[Union[Callable[..., Any], Mapping[str, Any]]]
]
Hooks: TypeAlias = Union[Callable[..., Any], Sequence[Callable[..., Any]], None]


class Agent(Generic[DepsT, OutputT]):
    """A model, its tools and its settings; run it with :meth:`run` or :meth:`arun`.

    ``tools`` is a list of ``@tool`` functions (plain functions are decorated
    on the fly, raw dicts such as server tools pass through) or any
    :class:`~agentloop.ToolRegistry`. ``thinking`` and ``tool_choice`` take the
    API's dicts or short forms (``thinking="adaptive"``, ``thinking=2048``,
    ``tool_choice="any"``); a forced ``tool_choice`` applies until a tool call
    succeeds, then falls back to ``auto`` (``reset_tool_choice=False`` keeps
    it forced). Every other request setting (``system``, ``temperature``,
    ``cache_control``, ``service_tier``, ...: see
    :class:`~agentloop.RequestSettings`) is a keyword too; an unknown keyword
    raises ``TypeError`` (fields agentloop does not know go in ``extra_body``).
    Settings the API would reject fail here, at once, with
    :class:`~agentloop.ConfigurationError`; ``check_rules=False`` sends them
    unchecked. ``api_version`` (``"2026-10-21"``, the default, or
    ``"2023-06-01"``) is the API version the rules are those of, and the one
    the clients the agent creates speak; by default that of the client given.

    Limits: ``max_requests`` model requests per run, ``max_total_tokens``
    (input + output across the run), ``max_tokens_ceiling`` (default 64,000
    or ``max_tokens`` if higher) and ``max_tokens_retries`` for re-sending a
    tool call cut by ``max_tokens``, ``max_pause_continuations`` for
    ``pause_turn``; ``on_max_tokens="raise"`` raises
    :class:`~agentloop.MaxTokensExceeded` instead of finishing truncated.
    Tools: ``before_tool`` / ``after_tool`` hooks, ``max_concurrency`` parallel
    calls at most (1 or more), ``tool_timeout`` seconds per call (above 0, or
    None), ``max_tool_retries`` consecutive failures allowed per tool that sets
    no ``max_retries`` of its own (None: no limit). A tool's own
    :class:`~agentloop.ToolPolicy` (``@tool(timeout=..., max_retries=...,
    sequential=...)``) wins over these.

    Output: ``output_type`` (a pydantic model, dataclass, TypedDict,
    ``list[...]``, ``Literal``, Enum, union of models, ``int``...) makes
    ``result.output`` a validated value of that type, asked natively
    (``output_config.format``) on models whose rules say ``structured_outputs``
    and through a final output tool otherwise (``output_mode="native"`` or
    ``"tool"`` forces one); an invalid output goes back with its field errors
    ``output_retries`` times (default 1), then raises
    :class:`~agentloop.OutputValidationError`. See docs/structured-output.md.
    """

    max_tool_retries: int | None = None
    _registry_entered: bool = False

    def __init__(
        self,
        model: str,
        *,
        tools: Tools = (),
        max_tokens: int = 4096,
        thinking: ThinkingOption = None,
        tool_choice: ToolChoiceOption = None,
        betas: Sequence[str] = (),
        interleaved_thinking: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        client: Client | AsyncClient | None = None,
        async_client: AsyncClient | None = None,
        max_requests: int = 50,
        max_total_tokens: int | None = None,
        max_tokens_ceiling: int | None = None,
        max_tokens_retries: int = 2,
        max_pause_continuations: int = 10,
        on_max_tokens: Literal["finish", "raise"] = "finish",
        reset_tool_choice: bool = True,
        before_tool: Hooks = None,
        after_tool: Hooks = None,
        max_concurrency: int = 16,
        tool_timeout: float | None = None,
        max_tool_retries: int | None = None,
        output_type: type[OutputT] | None = None,
        output_mode: OutputMode = "auto",
        output_retries: int = 1,
        check_rules: bool = True,
        api_version: ApiVersion | None = None,
        **settings: Unpack[RequestSettings],
    ) -> None:
        check_int("max_concurrency", max_concurrency, 1)
        check_timeout("tool_timeout", tool_timeout)
        check_int("max_tool_retries", max_tool_retries, 0, optional=True)
        self._client, self._async_client = split_clients(client, async_client)
        given = [("client", self._client), ("async_client", self._async_client)]
        versions = [(which, c.api_version) for which, c in given if c is not None]
        self.config = AgentConfig.build(
            api_version=agent_api_version(api_version, versions),
            model=model,
            max_tokens=max_tokens,
            thinking=thinking,
            tool_choice=tool_choice,
            betas=betas,
            interleaved_thinking=interleaved_thinking,
            extra_body=dict(extra_body or {}),
            settings=dict(settings),
            max_requests=max_requests,
            max_total_tokens=max_total_tokens,
            max_tokens_ceiling=max_tokens_ceiling,
            max_tokens_retries=max_tokens_retries,
            max_pause_continuations=max_pause_continuations,
            on_max_tokens=on_max_tokens,
            reset_tool_choice=reset_tool_choice,
            check_rules=check_rules,
        )
        self.registry: ToolRegistry = as_registry(tools)
        check_tool_choice(self.config, tools, self.registry)
        self.before_tool: tuple[BeforeToolHook, ...] = as_hooks(before_tool, "before_tool")
        self.after_tool: tuple[AfterToolHook, ...] = as_hooks(after_tool, "after_tool")
        self.max_concurrency = max_concurrency
        self.tool_timeout = tool_timeout
        self.max_tool_retries = max_tool_retries
        self.output_mode: OutputMode = output_mode
        self.output_retries = output_retries
        self.output_spec: OutputSpec | None = output_spec(
            output_type, output_mode, self.config.model, retries=output_retries
        )
        """How runs get the agent's ``output_type`` (``None``: the final text)."""
        self._owned: list[Client | AsyncClient] = []

    @property
    def model(self) -> str:
        return self.config.model

    @property
    def client(self) -> Client:
        """The sync client (created from the environment on first use if none was given)."""
        if self._client is None:
            self._client = Client(api_version=self.config.api_version)
            self._owned.append(self._client)
        return self._client

    @property
    def async_client(self) -> AsyncClient:
        """The async client (created from the environment on first use if none was given)."""
        if self._async_client is None:
            self._async_client = AsyncClient(api_version=self.config.api_version)
            self._owned.append(self._async_client)
        return self._async_client

    def current_client(self) -> Client:
        """The sync client runs use here and now (an :meth:`override`'s, if one is active)."""
        return self._clients()[0] or self.client

    def current_async_client(self) -> AsyncClient:
        """The async client runs use here and now (an :meth:`override`'s, if one is active)."""
        return self._clients()[1] or self.async_client

    def tool_policies(self) -> Mapping[str, ToolPolicy]:
        """Each tool's :class:`~agentloop.ToolPolicy`, by the name the model sees."""
        return tool_policies(self.registry)

    # --- sync -----------------------------------------------------------------

    @overload
    def run(
        self, prompt: Prompt | RunState, **options: Unpack[_TypedRunOptions[DepsT, RunT]]
    ) -> RunResult[RunT]: ...
    @overload
    def run(
        self, prompt: Prompt | RunState, **options: Unpack[RunOptions[DepsT, OutputT]]
    ) -> RunResult[OutputT]: ...
    def run(
        self, prompt: Prompt | RunState, **options: Unpack[RunOptions[DepsT, Any]]
    ) -> RunResult[Any]:
        """Run to the end and return the result.

        ``prompt`` may be a saved :class:`RunState` (or its JSON) to go on
        with. Options: ``deps`` (handed to tools as ``ctx.deps``), ``run_id``
        (a new run's id; random by default), ``decisions`` (answers to the
        calls a resumed run awaits: ``{tool_use_id: Approve() | Deny(msg)}``),
        ``output_type`` (this run's, instead of the agent's).
        """
        refuse_in_event_loop()
        client = self.current_client()
        opts = _run_options(options)
        run = self._run_of(
            prompt, opts.deps, opts.run_id, opts.decisions, client.retry_policy, opts.output_type
        )
        flow = run_flow(run, stream=False, events=False)
        result: RunResult[Any] = SyncPerformer(client, self.registry).drive(flow)
        return result

    def iter(
        self, prompt: Prompt | RunState, **options: Unpack[RunOptions[DepsT, Any]]
    ) -> Iterator[Event]:
        """Run step by step: yields each event; the last one is RunFinished."""
        return self._events(prompt, options, stream=False)

    @overload
    def stream(
        self, prompt: Prompt | RunState, **options: Unpack[_TypedRunOptions[DepsT, RunT]]
    ) -> AgentStream[RunT]: ...
    @overload
    def stream(
        self, prompt: Prompt | RunState, **options: Unpack[RunOptions[DepsT, OutputT]]
    ) -> AgentStream[OutputT]: ...
    def stream(
        self, prompt: Prompt | RunState, **options: Unpack[RunOptions[DepsT, Any]]
    ) -> AgentStream[Any]:
        """Run with streamed model responses: ``with agent.stream(p) as run:`` yields
        text, thinking and tool-input deltas as they arrive, and with an
        ``output_type`` :class:`PartialOutput` events; ``run.result()`` after."""
        return AgentStream(self._events(prompt, options, stream=True))

    # --- async ----------------------------------------------------------------

    @overload
    async def arun(
        self, prompt: Prompt | RunState, **options: Unpack[_TypedRunOptions[DepsT, RunT]]
    ) -> RunResult[RunT]: ...
    @overload
    async def arun(
        self, prompt: Prompt | RunState, **options: Unpack[RunOptions[DepsT, OutputT]]
    ) -> RunResult[OutputT]: ...
    async def arun(
        self, prompt: Prompt | RunState, **options: Unpack[RunOptions[DepsT, Any]]
    ) -> RunResult[Any]:
        """Run to the end and return the result (async); options as for :meth:`run`."""
        performer, run = self._async_run(prompt, _run_options(options))
        flow = run_flow(run, stream=False, events=False)
        result: RunResult[Any] = await performer.drive(flow)
        return result

    def aiter(
        self, prompt: Prompt | RunState, **options: Unpack[RunOptions[DepsT, Any]]
    ) -> AsyncIterator[Event]:
        """Run step by step (async): yields each event; the last one is RunFinished."""
        return self._aevents(prompt, options, stream=False)

    @overload
    def astream(
        self, prompt: Prompt | RunState, **options: Unpack[_TypedRunOptions[DepsT, RunT]]
    ) -> AsyncAgentStream[RunT]: ...
    @overload
    def astream(
        self, prompt: Prompt | RunState, **options: Unpack[RunOptions[DepsT, OutputT]]
    ) -> AsyncAgentStream[OutputT]: ...
    def astream(
        self, prompt: Prompt | RunState, **options: Unpack[RunOptions[DepsT, Any]]
    ) -> AsyncAgentStream[Any]:
        """Streamed run (async): ``async with agent.astream(p) as run:``."""
        return AsyncAgentStream(self._aevents(prompt, options, stream=True))

    # --- stepping from outside -------------------------------------------------

    def start(self, prompt: Prompt, *, deps: DepsT | None = None, run_id: str | None = None) -> Run:
        """A new run of ``prompt``, to step from outside (see :class:`~agentloop.Run`).

        ``run_id`` names it (a durable engine's workflow id, say); by default a
        random one.
        """
        return Run(self, new_state(self.config, prompt, run_id), deps=deps)

    def resume(
        self,
        state: RunState | str | bytes,
        *,
        deps: DepsT | None = None,
        decisions: Mapping[str, Decision] | None = None,
    ) -> Run:
        """A saved run (its :class:`RunState` or that state's JSON), to step from outside.

        ``decisions`` answer the calls it awaits (``stop_reason ==
        "awaiting_approval"``): ``{tool_use_id: Approve() | Approve(input={...}) | Deny(msg)}``.
        """
        return self._run_of(state, deps, None, decisions, None)

    # --- tests ---------------------------------------------------------------------

    @contextmanager
    def override(
        self, *, client: Client | AsyncClient | None = None, async_client: AsyncClient | None = None
    ) -> Iterator[Self]:
        """Within the block, runs of this agent (in this thread or task) use these clients.

        ``with agent.override(client=fake.client()):`` swaps the model for a test
        without rebuilding the agent. Other threads and tasks are not affected.
        """
        sync_client, aclient = _split_clients(client, async_client)
        token = _OVERRIDES.set({**(_OVERRIDES.get() or {}), id(self): (sync_client, aclient)})
        try:
            yield self
        finally:
            _OVERRIDES.reset(token)

    # --- plumbing ---------------------------------------------------------------

    def _clients(self) -> tuple[Client | None, AsyncClient | None]:
        return (_OVERRIDES.get() or {}).get(id(self), (None, None))

    def _run_of(
        self,
        prompt: Prompt | RunState | str | bytes,
        deps: Any,
        run_id: str | None,
        decisions: Mapping[str, Decision] | None,
        policy: RetryPolicy | None,
        output_type: Any = None,
    ) -> Run:
        if isinstance(prompt, RunState):
            state = prompt.model_copy(deep=True)
        elif isinstance(prompt, bytes) or (isinstance(prompt, str) and prompt.startswith("{")):
            state = _state_from_json(prompt)
        else:
            state = new_state(self.config, prompt, run_id)
        spec = self._output_of(output_type)
        run = Run(self, state, deps=deps, retry_policy=policy, output=spec)
        if decisions:
            run.decide(decisions)
        return run

    def _output_of(self, output_type: Any) -> OutputSpec | Literal["agent"] | None:
        """A run's output spec: the agent's, unless the run names its own type."""
        if output_type is None:
            return "agent"
        return output_spec(
            output_type, self.output_mode, self.config.model, retries=self.output_retries
        )

    def _events(
        self, prompt: Prompt | RunState, options: Mapping[str, Any], *, stream: bool
    ) -> Generator[Event, None, RunResult[Any]]:
        refuse_in_event_loop()
        client = self.current_client()
        opts = _run_options(options)
        run = self._run_of(
            prompt, opts.deps, opts.run_id, opts.decisions, client.retry_policy, opts.output_type
        )
        flow = run_flow(run, stream=stream)
        events: Generator[Event, None, RunResult[Any]] = SyncPerformer(
            client, self.registry
        ).events(flow)
        if stream and run.output is not None:
            return with_partials(events, PartialTracker(run.output))
        return events

    def _aevents(
        self, prompt: Prompt | RunState, options: Mapping[str, Any], *, stream: bool
    ) -> AsyncGenerator[Event, None]:
        run_options = _run_options(options)  # checked now, not at the first event
        return self._aevents_of(prompt, run_options, stream=stream)

    def _async_run(
        self, prompt: Prompt | RunState, options: _Options
    ) -> tuple[AsyncPerformer, Run]:
        client = self.current_async_client()
        run = self._run_of(
            prompt,
            options.deps,
            options.run_id,
            options.decisions,
            client.retry_policy,
            options.output_type,
        )
        return AsyncPerformer(client, self.registry), run

    async def _aevents_of(
        self, prompt: Prompt | RunState, options: _Options, *, stream: bool
    ) -> AsyncGenerator[Event, None]:
        performer, run = self._async_run(prompt, options)
        tracker = PartialTracker(run.output) if stream and run.output is not None else None
        async with aclosing(performer.events(run_flow(run, stream=stream))) as items:
            async for item in items:
                if not isinstance(item, FlowReturn):
                    yield item
                    partial = tracker.on_event(item) if tracker is not None else None
                    if partial is not None:
                        yield partial

    def close(self) -> None:
        """Close the sync client, if this agent created it (a client you passed is yours)."""
        for client in list(self._owned):
            if isinstance(client, Client):
                client.close()
                self._owned.remove(client)
                self._client = None

    async def aclose(self) -> None:
        """Close the clients this agent created (a client you passed is yours to close)."""
        for client in list(self._owned):
            if isinstance(client, AsyncClient):
                await client.aclose()
                self._async_client = None
            else:
                client.close()
                self._client = None
            self._owned.remove(client)

    def __enter__(self) -> Self:
        """Enter the registries that hold connections (MCP servers, say) on the portal
        event loop, where sync runs reach them; leaving closes them and our clients."""
        if holds_connections(self.registry):
            from .._tools._portal import run_in_portal

            registry: Any = self.registry
            run_in_portal(registry.__aenter__())
            self._registry_entered = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._registry_entered:
                from .._tools._portal import run_in_portal

                self._registry_entered = False
                registry: Any = self.registry
                run_in_portal(registry.__aexit__(exc_type, exc, tb))
        finally:
            self.close()

    async def __aenter__(self) -> Self:
        """Enter the registries that hold connections, in this task (leave in it too)."""
        if holds_connections(self.registry):
            registry: Any = self.registry
            await registry.__aenter__()
            self._registry_entered = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._registry_entered:
                self._registry_entered = False
                registry: Any = self.registry
                await registry.__aexit__(exc_type, exc, tb)
        finally:
            await self.aclose()


class _BaseRunOptions(TypedDict, Generic[DepsT], total=False):
    deps: DepsT
    run_id: str
    decisions: Mapping[str, Decision]


class RunOptions(_BaseRunOptions[DepsT], Generic[DepsT, OutputT], total=False):
    """The keyword options of :meth:`Agent.run` and its siblings."""

    output_type: type[OutputT]


class _TypedRunOptions(_BaseRunOptions[DepsT], Generic[DepsT, OutputT], total=False):
    """:class:`RunOptions` naming the run's own ``output_type`` (so the result has that type)."""

    output_type: Required[type[OutputT]]


class _Options(NamedTuple):
    deps: Any
    run_id: str | None
    decisions: Mapping[str, Decision] | None
    output_type: Any


_RUN_OPTIONS = _Options._fields


def _run_options(options: Mapping[str, Any]) -> _Options:
    unknown = sorted(set(options) - set(_RUN_OPTIONS))
    if unknown:
        raise TypeError(
            f"unknown run option(s) {', '.join(unknown)}: a run takes deps=, run_id=, "
            "decisions= and output_type= (request settings go to Agent(...))"
        )
    return _Options(*(options.get(name) for name in _RUN_OPTIONS))


_OVERRIDES: ContextVar[dict[int, tuple[Client | None, AsyncClient | None]] | None] = ContextVar(
    "agentloop_overrides", default=None
)


def _split_clients(
    client: Client | AsyncClient | None, async_client: AsyncClient | None
) -> tuple[Client | None, AsyncClient | None]:
    for given in (client, async_client):
        if given is not None and not isinstance(given, (Client, AsyncClient)):
            raise ConfigurationError(
                f"override(client=...) takes an agentloop Client or AsyncClient, not "
                f"{type(given).__name__}"
            )
    if isinstance(client, AsyncClient):
        return None, async_client or client
    return client, async_client


def _state_from_json(data: str | bytes) -> RunState:
    try:
        return RunState.model_validate_json(data)
    except ValueError as exc:
        raise ConfigurationError(f"not a saved RunState (JSON): {exc}") from None


def refuse_in_event_loop() -> None:
    """Raise when called inside a running event loop, where a sync run would block it.

    Reads ``sys.modules`` without importing: a module another thread is still
    importing lacks the function looked up, and then no loop of it can be
    running in this thread.
    """
    get_loop = getattr(sys.modules.get("asyncio"), "_get_running_loop", None)
    running = get_loop is not None and get_loop() is not None
    trio_token = getattr(
        getattr(sys.modules.get("trio"), "lowlevel", None), "current_trio_token", None
    )
    if not running and trio_token is not None:
        try:
            trio_token()
            running = True
        except RuntimeError:
            pass
    if running:
        raise ConfigurationError(
            "agent.run() / iter() / stream() block, and this thread runs an event loop: "
            "use `await agent.arun(...)` (or aiter / astream) in async code"
        )
