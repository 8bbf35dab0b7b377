"""``Agent``: one object holding an agent's configuration, and the ways to run it."""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Generator,
    Iterator,
    Mapping,
    Sequence,
)
from types import TracebackType
from typing import Any, Generic, Literal, TypeAlias, Union

from typing_extensions import Self, TypeVar

from .._async_client import AsyncClient
from .._client import Client
from .._tools import ToolRegistry, as_registry
from ._agent_streams import AgentStream, AsyncAgentStream
from ._async import AsyncDriver
from ._common import Prompt, new_state
from ._config import AgentConfig, ThinkingOption, ToolChoiceOption
from ._events import Event, RunFinished
from ._hooks import AfterToolHook, BeforeToolHook, as_hooks
from ._result import RunResult
from ._state import LoopMachine, RunState
from ._sync import SyncDriver

__all__ = ["Agent"]

DepsT = TypeVar("DepsT", default=Any)

Tools: TypeAlias = Union[ToolRegistry, Sequence[Union[Callable[..., Any], Mapping[str, Any]]]]
Hooks: TypeAlias = Union[Callable[..., Any], Sequence[Callable[..., Any]], None]


class Agent(Generic[DepsT]):
    """A model, its tools and its settings; run it with :meth:`run` or :meth:`arun`.

    ``tools`` is a list of ``@tool`` functions (plain functions are decorated
    on the fly, raw dicts such as server tools pass through) or any
    :class:`~agentloop.ToolRegistry`. ``thinking`` and ``tool_choice`` take the
    API's dicts or short forms (``thinking="adaptive"``, ``thinking=2048``,
    ``tool_choice="any"``); a forced ``tool_choice`` applies until a tool call
    succeeds, then falls back to ``auto`` (``reset_tool_choice=False`` keeps
    it forced). Settings the API would reject fail here, at once.

    Limits: ``max_requests`` model requests per run, ``max_total_tokens``
    (input + output across the run), ``max_tokens_ceiling`` and
    ``max_tokens_retries`` for re-sending a tool call cut by ``max_tokens``,
    ``max_pause_continuations`` for ``pause_turn``; ``on_max_tokens="raise"``
    raises :class:`~agentloop.MaxTokensExceeded` instead of finishing truncated.
    Tools: ``before_tool`` / ``after_tool`` hooks, ``max_concurrency`` parallel
    calls at most, ``tool_timeout`` seconds per call.
    """

    def __init__(
        self,
        model: str,
        *,
        tools: Tools = (),
        system: str | Sequence[Mapping[str, Any]] | None = None,
        max_tokens: int = 4096,
        thinking: ThinkingOption = None,
        tool_choice: ToolChoiceOption = None,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        stop_sequences: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        output_config: Mapping[str, Any] | None = None,
        betas: Sequence[str] = (),
        interleaved_thinking: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        client: Client | AsyncClient | None = None,
        async_client: AsyncClient | None = None,
        max_requests: int = 50,
        max_total_tokens: int | None = None,
        max_tokens_ceiling: int = 64_000,
        max_tokens_retries: int = 2,
        max_pause_continuations: int = 10,
        on_max_tokens: Literal["finish", "raise"] = "finish",
        reset_tool_choice: bool = True,
        before_tool: Hooks = None,
        after_tool: Hooks = None,
        max_concurrency: int = 16,
        tool_timeout: float | None = None,
    ) -> None:
        self.config = AgentConfig.build(
            model=model,
            max_tokens=max_tokens,
            system=system,
            thinking=thinking,
            tool_choice=tool_choice,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            stop_sequences=stop_sequences,
            metadata=metadata,
            output_config=output_config,
            betas=betas,
            interleaved_thinking=interleaved_thinking,
            extra_body=dict(extra_body or {}),
            max_requests=max_requests,
            max_total_tokens=max_total_tokens,
            max_tokens_ceiling=max_tokens_ceiling,
            max_tokens_retries=max_tokens_retries,
            max_pause_continuations=max_pause_continuations,
            on_max_tokens=on_max_tokens,
            reset_tool_choice=reset_tool_choice,
        )
        self.registry: ToolRegistry = as_registry(tools)
        if isinstance(client, AsyncClient):
            client, async_client = None, async_client or client
        self._client = client
        self._async_client = async_client
        self.before_tool: tuple[BeforeToolHook, ...] = as_hooks(before_tool)
        self.after_tool: tuple[AfterToolHook, ...] = as_hooks(after_tool)
        self.max_concurrency = max_concurrency
        self.tool_timeout = tool_timeout

    @property
    def model(self) -> str:
        return self.config.model

    @property
    def client(self) -> Client:
        """The sync client (created from the environment on first use if none was given)."""
        if self._client is None:
            self._client = Client()
        return self._client

    @property
    def async_client(self) -> AsyncClient:
        """The async client (created from the environment on first use if none was given)."""
        if self._async_client is None:
            self._async_client = AsyncClient()
        return self._async_client

    # --- sync -----------------------------------------------------------------

    def run(self, prompt: Prompt | RunState, *, deps: DepsT | None = None) -> RunResult:
        """Run to the end and return the result. ``prompt`` may be a saved RunState."""
        events = self._events(prompt, deps, stream=False)
        while True:
            try:
                next(events)
            except StopIteration as stop:
                result: RunResult = stop.value
                return result

    def iter(self, prompt: Prompt | RunState, *, deps: DepsT | None = None) -> Iterator[Event]:
        """Run step by step: yields each event; the last one is RunFinished."""
        return self._events(prompt, deps, stream=False)

    def stream(self, prompt: Prompt | RunState, *, deps: DepsT | None = None) -> AgentStream:
        """Run with streamed model responses: ``with agent.stream(p) as run:`` yields
        text, thinking and tool-input deltas as they arrive; ``run.result()`` after."""
        return AgentStream(self._events(prompt, deps, stream=True))

    # --- async ----------------------------------------------------------------

    async def arun(self, prompt: Prompt | RunState, *, deps: DepsT | None = None) -> RunResult:
        """Run to the end and return the result (async)."""
        async for event in self._aevents(prompt, deps, stream=False):
            if isinstance(event, RunFinished):
                return event.result
        raise AssertionError("unreachable: a run ends with RunFinished or an error")

    def aiter(
        self, prompt: Prompt | RunState, *, deps: DepsT | None = None
    ) -> AsyncIterator[Event]:
        """Run step by step (async): yields each event; the last one is RunFinished."""
        return self._aevents(prompt, deps, stream=False)

    def astream(self, prompt: Prompt | RunState, *, deps: DepsT | None = None) -> AsyncAgentStream:
        """Streamed run (async): ``async with agent.astream(p) as run:``."""
        return AsyncAgentStream(self._aevents(prompt, deps, stream=True))

    # --- plumbing ---------------------------------------------------------------

    def _machine(self, prompt: Prompt | RunState) -> LoopMachine:
        if isinstance(prompt, RunState):
            state = prompt.model_copy(deep=True)
        else:
            state = new_state(self.config, prompt)
        return LoopMachine(self.config, state)

    def _events(
        self, prompt: Prompt | RunState, deps: Any, *, stream: bool
    ) -> Generator[Event, None, RunResult]:
        machine = self._machine(prompt)
        client = self.client
        machine.request_retries = client.max_retries
        driver = SyncDriver(
            client, self.registry, deps, self.before_tool, self.after_tool,
            self.max_concurrency, self.tool_timeout, stream,
        )  # fmt: skip
        return driver.run(machine)

    def _aevents(
        self, prompt: Prompt | RunState, deps: Any, *, stream: bool
    ) -> AsyncGenerator[Event, None]:
        machine = self._machine(prompt)
        client = self.async_client
        machine.request_retries = client.max_retries
        driver = AsyncDriver(
            client, self.registry, deps, self.before_tool, self.after_tool,
            self.max_concurrency, self.tool_timeout, stream,
        )  # fmt: skip
        return driver.run(machine)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            self._client.close()
