"""The durable steps: one model request, one tool call. Each returns canonical JSON."""

from __future__ import annotations

from typing import Any

from dbos import DBOS, StepOptions

from .. import AgentloopError, APIError, ConfigurationError, Message, Run, ToolUseBlock
from ._values import canonical, model_value

__all__ = [
    "AWAITING_EVENT",
    "DECISIONS_TOPIC",
    "MODEL_STEP",
    "amodel_step",
    "atool_step",
    "feed_model",
    "model_step",
    "require_workflow",
    "tool_step",
    "tool_step_options",
]

MODEL_STEP: StepOptions = {"name": "agentloop.model", "retries_allowed": False}
"""One model request; the client's retries (which honour ``retry-after``) run inside it."""

AWAITING_EVENT = "agentloop.awaiting"
"""The workflow event listing the calls a run waits on (their ``ToolUseBlock`` JSON)."""

DECISIONS_TOPIC = "agentloop.decisions"
"""The message topic decisions arrive on."""


def tool_step_options(call: ToolUseBlock) -> StepOptions:
    """A tool step, named for its tool (DBOS checks the name on replay); no DBOS retries."""
    return {"name": f"agentloop.tool.{call.name}", "retries_allowed": False}


def require_workflow() -> None:
    """Refuse to run the loop outside a DBOS workflow, where steps would not be durable."""
    if DBOS.workflow_id is None:
        raise ConfigurationError(
            "a durable run must run as a DBOS workflow: start it with durable.arun(...), "
            "durable.run(...) or durable.aenqueue(...), after DBOS.launch()"
        )


async def amodel_step(run: Run) -> dict[str, Any]:
    try:
        return model_value(await run.arequest_model())
    except APIError as exc:
        return model_value(exc)


def model_step(run: Run) -> dict[str, Any]:
    try:
        return model_value(run.request_model())
    except APIError as exc:
        return model_value(exc)


async def atool_step(run: Run, call: ToolUseBlock) -> dict[str, Any]:
    """Hooks, input validation, the tool and its timeout: all inside the one step."""
    value: dict[str, Any] = canonical((await run.acall_tool(call)).to_json())
    return value


def tool_step(run: Run, call: ToolUseBlock) -> dict[str, Any]:
    value: dict[str, Any] = canonical(run.call_tool(call).to_json())
    return value


def feed_model(run: Run, value: dict[str, Any]) -> None:
    """Feed a model step's stored value to the run (raises the error it holds)."""
    if value.get("error") is not None:
        run.feed_error(AgentloopError.from_json(value["error"]))
    run.feed(Message.model_validate(value["message"]))
