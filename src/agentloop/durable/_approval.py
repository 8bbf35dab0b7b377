"""Decisions on a durable run's deferred calls, from this process or any other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dbos import DBOS, DBOSClient

from .. import ConfigurationError, Decision, ToolUseBlock
from ._steps import AWAITING_EVENT, DECISIONS_TOPIC
from ._values import decisions_json

__all__ = ["asend_decisions", "awaiting_calls", "send_decisions"]


def awaiting_calls(
    run_id: str, *, client: DBOSClient | None = None, timeout: float = 0.0
) -> list[ToolUseBlock]:
    """The calls durable run ``run_id`` waits on (empty if it waits on none), waiting up
    to ``timeout`` seconds for it to reach its approval. ``client`` reads them from a
    process that runs no DBOS."""
    if client is None:
        calls = DBOS.get_event(run_id, AWAITING_EVENT, timeout_seconds=timeout)
    else:
        calls = client.get_event(run_id, AWAITING_EVENT, timeout_seconds=timeout)
    return [ToolUseBlock.model_validate(call) for call in calls or []]


def send_decisions(
    run_id: str,
    decisions: Mapping[str, Decision],
    *,
    client: DBOSClient | None = None,
) -> None:
    """Send decisions to durable run ``run_id``, which waits for them:
    ``{tool_use_id: Approve() | Approve(input={...}) | Deny("why")}``.

    Decisions for calls the run does not wait on raise ``ConfigurationError``.
    ``client`` sends them from a process that runs no DBOS.
    """
    message = _checked(run_id, decisions, awaiting_calls(run_id, client=client))
    if client is None:
        DBOS.send(run_id, message, DECISIONS_TOPIC)
    else:
        client.send(run_id, message, DECISIONS_TOPIC)


async def asend_decisions(
    run_id: str,
    decisions: Mapping[str, Decision],
    *,
    client: DBOSClient | None = None,
) -> None:
    """:func:`send_decisions` for async code."""
    if client is None:
        calls = await DBOS.get_event_async(run_id, AWAITING_EVENT, timeout_seconds=0.0)
    else:
        calls = await client.get_event_async(run_id, AWAITING_EVENT, timeout_seconds=0.0)
    waiting = [ToolUseBlock.model_validate(call) for call in calls or []]
    message = _checked(run_id, decisions, waiting)
    if client is None:
        await DBOS.send_async(run_id, message, DECISIONS_TOPIC)
    else:
        await client.send_async(run_id, message, DECISIONS_TOPIC)


def _checked(
    run_id: str, decisions: Mapping[str, Decision], waiting: list[ToolUseBlock]
) -> dict[str, Any]:
    message = decisions_json(decisions)
    ids = [call.id for call in waiting]
    unknown = sorted(set(message) - set(ids))
    if unknown:
        raise ConfigurationError(
            f"run {run_id} does not wait on tool calls {unknown} (it waits on {ids}): "
            "see awaiting_calls(run_id)"
        )
    if not message:
        raise ConfigurationError("send_decisions() needs at least one decision")
    return message
