"""agentloop as a bench implementation: the Agent as a user writes it."""

from __future__ import annotations

from typing import Any

from _cases import Case
from _tools import DESCRIPTIONS, PROMPT, async_tool, sync_tool, typed
from _wire import MODEL

from agentloop import Agent, AsyncClient, Client, tool


def make(case: Case, base_url: str) -> Any:
    name = case.shape.tool
    func = async_tool(case) if case.async_tools else sync_tool(case)
    wrapped = tool(typed(func, name), name=name, description=DESCRIPTIONS[name])
    if case.driver == "sync":
        agent = Agent(MODEL, tools=[wrapped], client=Client(api_key="bench", base_url=base_url))
        return _sync_stream(agent) if case.stream else _sync(agent)
    aclient = AsyncClient(api_key="bench", base_url=base_url)
    agent = Agent(MODEL, tools=[wrapped], async_client=aclient)
    return _async_stream(agent) if case.stream else _async(agent)


def _sync(agent: Agent) -> Any:
    def one() -> tuple[str, int]:
        result = agent.run(PROMPT)
        return result.text, result.requests

    return one


def _sync_stream(agent: Agent) -> Any:
    def one() -> tuple[str, int]:
        with agent.stream(PROMPT) as run:
            for _event in run:
                pass
            result = run.result()
        return result.text, result.requests

    return one


def _async(agent: Agent) -> Any:
    async def one() -> tuple[str, int]:
        result = await agent.arun(PROMPT)
        return result.text, result.requests

    return one


def _async_stream(agent: Agent) -> Any:
    async def one() -> tuple[str, int]:
        async with agent.astream(PROMPT) as run:
            async for _event in run:
                pass
            result = await run.result()
        return result.text, result.requests

    return one
