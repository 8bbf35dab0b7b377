"""``DurableAgent``: an :class:`~agentloop.Agent` whose runs are DBOS workflows."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic

from dbos import (
    DBOS,
    DBOSClient,
    EnqueueOptions,
    SetWorkflowID,
    WorkflowHandle,
    WorkflowHandleAsync,
    WorkflowSerializationFormat,
)
from dbos._error import DBOSException
from typing_extensions import TypeVar

from .. import Agent, ConfigurationError, RunResult, RunState
from ._values import result_of
from ._workflows import arun_workflow, run_workflow

__all__ = ["DurableAgent"]

DepsT = TypeVar("DepsT", default=Any)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_REGISTERED: dict[str, DurableAgent[Any]] = {}
_PORTABLE = WorkflowSerializationFormat.PORTABLE
POLL_SECONDS = 0.5
"""How often a wait for another process's run reads the database."""


class DurableAgent(Generic[DepsT]):
    """``agent``'s runs as DBOS workflows, registered under a stable ``name``.

    Create it before ``DBOS.launch()``, under the same ``name`` in every
    process that may run or recover its runs. A run's workflow id is its
    ``run_id``; each model request is one step and each tool call one step.
    ``deps`` is handed to tools as ``ctx.deps`` in this process (it is not
    stored: a process that recovers a run gives its own).

    Async runs (:meth:`arun`, :meth:`astart`, :meth:`aenqueue`) run a turn's
    tools side by side, like ``agent.arun``. Sync runs (:meth:`run`,
    :meth:`start`, :meth:`enqueue`) run them one after another, in the
    workflow's own thread: DBOS's context does not reach other threads, and
    a tool call outside it would not be durable.
    """

    def __init__(self, agent: Agent[DepsT], *, name: str, deps: DepsT | None = None) -> None:
        if not isinstance(agent, Agent):
            raise ConfigurationError(
                f"DurableAgent takes an agentloop Agent, not {type(agent).__name__}"
            )
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigurationError(
                f"DurableAgent(name={name!r}): give a stable name of letters, digits, '_', "
                "'.' and '-' (it names the workflows that recover the agent's runs)"
            )
        if name in _REGISTERED:
            raise ConfigurationError(
                f"a DurableAgent named {name!r} already exists in this process: each needs "
                "its own name, or recovered runs could go to the wrong agent"
            )
        self.agent = agent
        self.name = name
        self.deps = deps
        self.workflow_name = f"agentloop.{name}"
        self.sync_workflow_name = f"agentloop.{name}.sync"
        self._workflow = _register_async(self, self.workflow_name)
        self._sync_workflow = _register_sync(self, self.sync_workflow_name)
        _REGISTERED[name] = self

    # --- async ----------------------------------------------------------------------

    async def arun(self, prompt: Any, *, run_id: str | None = None) -> RunResult:
        """Run ``prompt`` durably to the end (or attach to run ``run_id`` if it exists)
        and return its result; an error that ended the run is raised, result attached."""
        handle = await self.astart(prompt, run_id=run_id)
        return result_of(await handle.get_result())

    async def astart(
        self, prompt: Any, *, run_id: str | None = None
    ) -> WorkflowHandleAsync[dict[str, Any]]:
        """Start a durable run in the background; a DBOS handle to it."""
        state = self._state(prompt, run_id)
        with _dbos_errors(), SetWorkflowID(state["run_id"]):
            return await DBOS.start_workflow_async(self._workflow, state)

    async def aenqueue(
        self,
        queue: str,
        prompt: Any,
        *,
        run_id: str | None = None,
        client: DBOSClient | None = None,
        application_version: str | None = None,
        sync: bool = False,
    ) -> str:
        """Put a run on the DBOS queue ``queue`` (any worker listening on it runs it);
        returns the run id. ``sync=True`` makes it a sync run (its tools one after
        another, with the agent's sync client). With a ``DBOSClient``
        (:func:`dbos_client`), from a process that runs no DBOS: give the workers'
        ``application_version``, or only workers of the latest version take it."""
        state = self._state(prompt, run_id)
        with _dbos_errors():
            if client is None:
                with SetWorkflowID(state["run_id"]):
                    if sync:
                        await asyncio.to_thread(
                            DBOS.enqueue_workflow, queue, self._sync_workflow, state
                        )
                    else:
                        await DBOS.enqueue_workflow_async(queue, self._workflow, state)
            else:
                options = self._enqueue_options(queue, state, application_version, sync)
                await client.enqueue_async(options, state)
        return str(state["run_id"])

    async def aresult(self, run_id: str, *, poll_seconds: float = POLL_SECONDS) -> RunResult:
        """Wait for run ``run_id`` (started, queued or recovered anywhere) and return its
        result, reading the database every ``poll_seconds``."""
        with _dbos_errors():
            handle: WorkflowHandleAsync[Any] = await DBOS.retrieve_workflow_async(run_id)
            value = await handle.get_result(polling_interval_sec=poll_seconds)
        return result_of(value)

    # --- sync ----------------------------------------------------------------------

    def run(self, prompt: Any, *, run_id: str | None = None) -> RunResult:
        """:meth:`arun` for sync code: the run's tools run one after another."""
        _refuse_in_event_loop()
        return result_of(self.start(prompt, run_id=run_id).get_result())

    def start(self, prompt: Any, *, run_id: str | None = None) -> WorkflowHandle[dict[str, Any]]:
        """Start a sync durable run in the background; a DBOS handle to it."""
        state = self._state(prompt, run_id)
        with _dbos_errors(), SetWorkflowID(state["run_id"]):
            return DBOS.start_workflow(self._sync_workflow, state)

    def enqueue(
        self,
        queue: str,
        prompt: Any,
        *,
        run_id: str | None = None,
        client: DBOSClient | None = None,
        application_version: str | None = None,
        sync: bool = False,
    ) -> str:
        """:meth:`aenqueue` for sync code."""
        state = self._state(prompt, run_id)
        with _dbos_errors():
            if client is None:
                workflow = self._sync_workflow if sync else self._workflow
                with SetWorkflowID(state["run_id"]):
                    DBOS.enqueue_workflow(queue, workflow, state)
            else:
                options = self._enqueue_options(queue, state, application_version, sync)
                client.enqueue(options, state)
        return str(state["run_id"])

    def result(self, run_id: str, *, poll_seconds: float = POLL_SECONDS) -> RunResult:
        """:meth:`aresult` for sync code."""
        _refuse_in_event_loop()
        with _dbos_errors():
            handle: WorkflowHandle[Any] = DBOS.retrieve_workflow(run_id)
            value = handle.get_result(polling_interval_sec=poll_seconds)
        return result_of(value)

    # --- plumbing ------------------------------------------------------------------------

    def _state(self, prompt: Any, run_id: str | None) -> dict[str, Any]:
        if run_id is not None and (not isinstance(run_id, str) or not run_id):
            raise ConfigurationError(f"run_id={run_id!r}: give a non-empty string, or None")
        state: RunState = self.agent.start(prompt, run_id=run_id).state
        return state.model_dump(mode="json")

    def _enqueue_options(
        self, queue: str, state: dict[str, Any], version: str | None, sync: bool
    ) -> EnqueueOptions:
        options: EnqueueOptions = {
            "workflow_name": self.sync_workflow_name if sync else self.workflow_name,
            "queue_name": queue,
            "workflow_id": state["run_id"],
            "serialization_type": _PORTABLE,
        }
        if version is not None:
            options["app_version"] = version
        return options

    def __repr__(self) -> str:
        return f"DurableAgent(name={self.name!r}, model={self.agent.model!r})"


def _register_async(durable: DurableAgent[Any], name: str) -> Callable[..., Any]:
    async def workflow(state: dict[str, Any]) -> dict[str, Any]:
        run = durable.agent.resume(RunState.model_validate(state), deps=durable.deps)
        return await arun_workflow(run)

    return DBOS.workflow(name=name, serialization_type=_PORTABLE)(workflow)


def _register_sync(durable: DurableAgent[Any], name: str) -> Callable[..., Any]:
    def workflow(state: dict[str, Any]) -> dict[str, Any]:
        run = durable.agent.resume(RunState.model_validate(state), deps=durable.deps)
        return run_workflow(run)

    return DBOS.workflow(name=name, serialization_type=_PORTABLE)(workflow)


@contextmanager
def _dbos_errors() -> Iterator[None]:
    """DBOS's own errors about its setup, as a ConfigurationError naming the fix."""
    try:
        yield
    except DBOSException as exc:
        raise ConfigurationError(
            f"DBOS refused the run: {exc}. Create DurableAgent(...) first, then "
            "DBOS(config=dbos_config(...)) and DBOS.launch()"
        ) from exc


def _refuse_in_event_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise ConfigurationError(
        "durable.run() / result() block, and this thread runs an event loop: "
        "use `await durable.arun(...)` / `await durable.aresult(...)` in async code"
    )
