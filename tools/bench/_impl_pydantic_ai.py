"""Optional peer: pydantic-ai's Agent on its Anthropic model (non-streaming runs only)."""

from __future__ import annotations

from typing import Any

from _cases import Case
from _tools import DESCRIPTIONS, PROMPT, async_tool, sync_tool, typed
from _wire import MODEL
from pydantic_ai import Agent, Tool
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.providers.anthropic import AnthropicProvider


def make(case: Case, base_url: str) -> Any:
    name = case.shape.tool
    func = typed(async_tool(case) if case.async_tools else sync_tool(case), name)
    provider = AnthropicProvider(api_key="bench", base_url=base_url)
    model = AnthropicModel(MODEL, provider=provider)
    agent = Agent(model, tools=[Tool(func, name=name, description=DESCRIPTIONS[name])])
    if case.driver == "sync":

        def one() -> tuple[str, int]:
            result = agent.run_sync(PROMPT)
            return result.output, _requests(result)

        return one

    async def aone() -> tuple[str, int]:
        result = await agent.run(PROMPT)
        return result.output, _requests(result)

    return aone


def _requests(result: Any) -> int:
    usage = result.usage  # a property in recent versions, a method in older ones
    return int((usage() if callable(usage) else usage).requests)
