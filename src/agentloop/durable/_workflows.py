"""The bodies of the durable workflows, async and sync: the run stepped through DBOS steps.

Replay reads every step's stored JSON back the way the first run read it, so
both take the same branches. Tool steps get their step ids in call order
before anything is awaited, so a slow hook on replay cannot hand one tool's
saved result to another; each replayed outcome is checked against its call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from dbos import DBOS

from .. import (
    AWAITING_APPROVAL,
    APIError,
    CallModel,
    Decision,
    Finish,
    Run,
    RunError,
    RunResult,
    RunTools,
    ToolCallOutcome,
    ToolUseBlock,
)
from ._steps import (
    AWAITING_EVENT,
    DECISIONS_TOPIC,
    MODEL_STEP,
    amodel_step,
    atool_step,
    feed_model,
    model_step,
    require_workflow,
    tool_step,
    tool_step_options,
)
from ._values import decisions_from_json, outcome_of, run_value

__all__ = ["arun_workflow", "run_workflow"]

_log = logging.getLogger("agentloop.durable")

RECV_SECONDS = 3600.0
"""How long one wait for decisions lasts before the workflow waits again."""


async def arun_workflow(run: Run) -> dict[str, Any]:
    """Step ``run`` to its end inside an async DBOS workflow; the final value as JSON."""
    require_workflow()
    try:
        while True:
            step = run.next()
            if isinstance(step, Finish):
                if step.result.stop_reason != AWAITING_APPROVAL:
                    return run_value(run.state)
                run.decide(await _adecisions(step.result))
            elif isinstance(step, CallModel):
                feed_model(run, await DBOS.run_step_async(MODEL_STEP, amodel_step, run))
            else:
                run.feed_tool_outcomes(await _atools(run, step))
    except (APIError, RunError) as exc:
        return run_value(exc.result.state if exc.result else run.state, exc)


def run_workflow(run: Run) -> dict[str, Any]:
    """Step ``run`` to its end inside a sync DBOS workflow: tools one after another, in
    the workflow's own thread (DBOS's context does not reach other threads)."""
    require_workflow()
    try:
        while True:
            step = run.next()
            if isinstance(step, Finish):
                if step.result.stop_reason != AWAITING_APPROVAL:
                    return run_value(run.state)
                run.decide(_decisions(step.result))
            elif isinstance(step, CallModel):
                feed_model(run, DBOS.run_step(MODEL_STEP, model_step, run))
            else:
                run.feed_tool_outcomes(
                    [
                        outcome_of(
                            DBOS.run_step(tool_step_options(c), tool_step, run, c), c, _id(run)
                        )
                        for c in step.calls
                    ]
                )
    except (APIError, RunError) as exc:
        return run_value(exc.result.state if exc.result else run.state, exc)


async def _atools(run: Run, step: RunTools) -> list[ToolCallOutcome]:
    """The calls' steps, reserved in call order before any await, run group by group."""
    reserved = [(call, DBOS.reserve_step()) for call in step.calls]
    limit = asyncio.Semaphore(run.max_concurrency)

    async def one(call: ToolUseBlock, reservation: Any) -> ToolCallOutcome:
        async with limit:
            value = await reservation.run_async(tool_step_options(call), atool_step, run, call)
        return outcome_of(value, call, _id(run))

    outcomes: list[ToolCallOutcome] = []
    for group in step.groups or [step.calls]:
        ids = {call.id for call in group}
        batch = [one(call, res) for call, res in reserved if call.id in ids]
        outcomes += await asyncio.gather(*batch)
    return outcomes


async def _adecisions(result: RunResult) -> dict[str, Decision]:
    waiting = [call.id for call in result.awaiting]
    await DBOS.set_event_async(AWAITING_EVENT, _calls_json(result.awaiting))
    decided: dict[str, Any] = {}
    while not set(waiting) <= set(decided):
        message = await DBOS.recv_async(DECISIONS_TOPIC, timeout_seconds=RECV_SECONDS)
        decided.update(_known(message, waiting))
    await DBOS.set_event_async(AWAITING_EVENT, [])
    return decisions_from_json(decided)


def _decisions(result: RunResult) -> dict[str, Decision]:
    waiting = [call.id for call in result.awaiting]
    DBOS.set_event(AWAITING_EVENT, _calls_json(result.awaiting))
    decided: dict[str, Any] = {}
    while not set(waiting) <= set(decided):
        message = DBOS.recv(DECISIONS_TOPIC, timeout_seconds=RECV_SECONDS)
        decided.update(_known(message, waiting))
    DBOS.set_event(AWAITING_EVENT, [])
    return decisions_from_json(decided)


def _known(message: Any, waiting: list[str]) -> dict[str, Any]:
    """The decisions of ``message`` on calls the run waits for; others are logged, not used."""
    if not isinstance(message, Mapping):
        if message is not None:
            _log.warning("durable.decisions_ignored", extra={"reason": "not a mapping"})
        return {}
    unknown = sorted(set(message) - set(waiting))
    if unknown:
        _log.warning("durable.decisions_ignored", extra={"unknown": unknown, "awaiting": waiting})
    return {k: v for k, v in message.items() if k in waiting}


def _calls_json(calls: list[ToolUseBlock]) -> list[dict[str, Any]]:
    return [call.model_dump(mode="json") for call in calls]


def _id(run: Run) -> str:
    return run.state.run_id
