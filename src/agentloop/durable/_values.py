"""What durable steps store, as canonical JSON, and how a workflow reads it back.

A step returns plain JSON (never a live object, never an exception), and the
workflow reads the value back the same way whether the step just ran or is
replayed, so the workflow cannot take another branch on replay.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .. import (
    AgentloopError,
    APIError,
    Approve,
    ConfigurationError,
    Decision,
    Deny,
    Message,
    RunResult,
    RunState,
    ToolCallOutcome,
    ToolUseBlock,
)

__all__ = [
    "ReplayMismatchError",
    "canonical",
    "decisions_from_json",
    "decisions_json",
    "error_json",
    "model_value",
    "outcome_of",
    "result_of",
    "run_value",
]


class ReplayMismatchError(AgentloopError):
    """A replayed step does not answer what the workflow asks now: the agent or its
    code changed under a run in flight. Deploy the change under a new
    ``application_version`` and let the old workers finish their runs."""


def canonical(value: Any) -> Any:
    """``value`` as the JSON a replay reads back (tuples become lists, and so on)."""
    return json.loads(json.dumps(value))


def error_json(error: AgentloopError) -> dict[str, Any]:
    """An error that ended a run, as JSON (``AgentloopError.from_json`` rebuilds it)."""
    if isinstance(error, APIError):
        data: dict[str, Any] = canonical(error.to_json())
        return data
    return {"error": type(error).__name__, "args": [str(arg) for arg in error.args]}


def model_value(outcome: Message | APIError) -> dict[str, Any]:
    """What a model step stores: the response only (not the history), or its error."""
    if isinstance(outcome, APIError):
        return {"error": error_json(outcome)}
    return {"message": canonical(outcome.model_dump(mode="json"))}


def outcome_of(value: Mapping[str, Any], call: ToolUseBlock, run_id: str) -> ToolCallOutcome:
    """The stored outcome of a tool step, checked to answer ``call``."""
    outcome = ToolCallOutcome.from_json(value)
    if outcome.tool_use_id != call.id or outcome.name != call.name:
        raise ReplayMismatchError(
            f"run {run_id}: the saved tool step answers {outcome.name} "
            f"({outcome.tool_use_id}), but the run now asks for {call.name} ({call.id}); "
            "the agent changed under a run in flight: deploy it under a new application_version"
        )
    return outcome


def run_value(state: RunState, error: AgentloopError | None = None) -> dict[str, Any]:
    """What a durable run returns: its final state, and the error that ended it, if any."""
    return {
        "state": canonical(state.model_dump(mode="json")),
        "error": None if error is None else error_json(error),
    }


def result_of(value: Mapping[str, Any]) -> RunResult:
    """The :class:`~agentloop.RunResult` of a durable run's value; raises the error that
    ended the run, with the result attached, as its own agentloop class."""
    result = RunResult(RunState.model_validate(value["state"]))
    if value.get("error") is not None:
        error = AgentloopError.from_json(value["error"])
        error.result = result
        raise error
    return result


def decisions_json(decisions: Mapping[str, Decision]) -> dict[str, Any]:
    """Decisions as JSON: ``{tool_use_id: {"approve": input-or-None} | {"deny": message}}``."""
    out: dict[str, Any] = {}
    for tool_use_id, decision in decisions.items():
        if isinstance(decision, Approve):
            data = None if decision.input is None else canonical(dict(decision.input))
            out[tool_use_id] = {"approve": data}
        elif isinstance(decision, Deny):
            out[tool_use_id] = {"deny": decision.message}
        else:
            raise ConfigurationError(
                f"the decision for {tool_use_id!r} must be Approve(), Approve(input={{...}}) "
                f"or Deny('why'), not {decision!r}"
            )
    return out


def decisions_from_json(data: Mapping[str, Any]) -> dict[str, Decision]:
    """The decisions :func:`decisions_json` wrote."""
    out: dict[str, Decision] = {}
    for tool_use_id, decision in data.items():
        if "deny" in decision:
            out[tool_use_id] = Deny(decision["deny"])
        else:
            out[tool_use_id] = Approve(input=decision.get("approve"))
    return out
