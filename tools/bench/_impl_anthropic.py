"""Optional peer: the official ``anthropic`` SDK's tool runner (``beta.messages.tool_runner``)."""

from __future__ import annotations

from typing import Any

from _cases import Case
from _tools import DESCRIPTIONS, PROMPT, async_tool, sync_tool, typed
from _wire import MODEL
from anthropic import Anthropic, AsyncAnthropic, beta_async_tool, beta_tool


def make(case: Case, base_url: str) -> Any:
    name = case.shape.tool
    params: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": PROMPT}],
        "max_iterations": case.requests + 1,
        "thread": False,  # resend the whole conversation, as the other loops do
    }
    if case.stream:
        params["stream"] = True
    if case.driver == "sync":
        func = beta_tool(typed(sync_tool(case), name), name=name, description=DESCRIPTIONS[name])
        client = Anthropic(api_key="bench", base_url=base_url)
        return lambda: _run(client.beta.messages.tool_runner(tools=[func], **params), case.stream)
    afunc = beta_async_tool(
        typed(async_tool(case), name), name=name, description=DESCRIPTIONS[name]
    )
    aclient = AsyncAnthropic(api_key="bench", base_url=base_url)

    async def one() -> tuple[str, int]:
        runner = aclient.beta.messages.tool_runner(tools=[afunc], **params)
        return await _arun(runner, case.stream)

    return one


def _text(message: Any) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


def _run(runner: Any, stream: bool) -> tuple[str, int]:
    requests, last = 0, None
    for item in runner:
        requests += 1
        if stream:
            for _event in item:
                pass
            last = item.get_final_message()
        else:
            last = item
    return _text(last), requests


async def _arun(runner: Any, stream: bool) -> tuple[str, int]:
    requests, last = 0, None
    async for item in runner:
        requests += 1
        if stream:
            async for _event in item:
                pass
            last = await item.get_final_message()
        else:
            last = item
    return _text(last), requests
