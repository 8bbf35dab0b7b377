"""The tools of the scenarios, as plain functions every implementation wraps its own way."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

from _cases import Case

PROMPT = "Use the tools, then answer."
DESCRIPTIONS = {
    "lookup": "Look a key up and return its value.",
    "slow": "Look a key up in a slow store.",
    "wait": "Look a key up after a short wait.",
    "ingest": "Store rows and say how many there were.",
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "lookup": {"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]},
    "ingest": {
        "type": "object",
        "properties": {"rows": {"type": "array", "items": {"type": "object"}}},
        "required": ["rows"],
    },
}
SCHEMAS["slow"] = SCHEMAS["wait"] = SCHEMAS["lookup"]


def answer(key: str) -> str:
    return f"value of {key}"


def sync_tool(case: Case) -> Callable[..., str]:
    """The case's tool as a sync function taking the tool input as keywords."""
    sleep = case.sleep
    if case.shape.tool == "ingest":
        return lambda rows: f"{len(rows)} rows"
    if not sleep:
        return answer

    def slow(key: str) -> str:
        time.sleep(sleep)
        return answer(key)

    return slow


def async_tool(case: Case) -> Callable[..., Awaitable[str]]:
    """The case's tool as a coroutine function."""
    sleep = case.sleep

    async def call(**kwargs: Any) -> str:
        if case.shape.tool == "ingest":
            return f"{len(kwargs['rows'])} rows"
        if sleep:
            await asyncio.sleep(sleep)
        return answer(kwargs["key"])

    return call


def definition(case: Case) -> dict[str, Any]:
    name = case.shape.tool
    return {"name": name, "description": DESCRIPTIONS[name], "input_schema": SCHEMAS[name]}


def typed(func: Any, name: str) -> Any:
    """The tool with a real signature, so @tool derives the same schema as the others."""
    if name == "ingest":
        if inspect.iscoroutinefunction(func):

            async def ingest(rows: list[dict[str, Any]]) -> str:
                return str(await func(rows=rows))
        else:

            def ingest(rows: list[dict[str, Any]]) -> str:  # type: ignore[misc]
                return str(func(rows=rows))

        return ingest
    if inspect.iscoroutinefunction(func):

        async def keyed(key: str) -> str:
            return str(await func(key=key))
    else:

        def keyed(key: str) -> str:  # type: ignore[misc]
            return str(func(key=key))

    return keyed
