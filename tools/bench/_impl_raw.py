"""The raw httpx loop as a bench implementation."""

from __future__ import annotations

from typing import Any

import _raw
import httpx
from _cases import Case
from _tools import PROMPT, async_tool, definition, sync_tool
from _wire import MODEL


def make(case: Case, base_url: str) -> Any:
    url = base_url + "/v1/messages"
    definitions = [definition(case)]
    name = case.shape.tool
    if case.driver == "sync":
        http = httpx.Client(timeout=600)
        tools = {name: sync_tool(case)}
        return lambda: _raw.run(http, url, MODEL, PROMPT, tools, definitions, stream=case.stream)
    ahttp = httpx.AsyncClient(timeout=600)
    atools = {name: async_tool(case)} if case.async_tools else {name: _in_thread(sync_tool(case))}

    async def one() -> tuple[str, int]:
        return await _raw.arun(ahttp, url, MODEL, PROMPT, atools, definitions, stream=case.stream)

    return one


def _in_thread(func: Any) -> Any:
    import asyncio

    async def call(**kwargs: Any) -> Any:
        return await asyncio.to_thread(func, **kwargs)

    return call
