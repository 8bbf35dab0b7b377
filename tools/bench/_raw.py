"""The floor: a minimal hand-written tool loop on httpx, plain dicts and json.

It does what a correct loop must do and nothing more: send the conversation,
append the assistant's content, run the tools it asked for (concurrently when
there are several), send their results back as tool_result blocks, stop at
end_turn. The streaming variant parses SSE by hand and accumulates the text
and the tool input JSON (parsed once per block), as a real client must.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

HEADERS = {
    "x-api-key": "bench",
    "anthropic-version": "2023-06-01",
    "content-type": "application/json",
}
Tools = dict[str, Callable[..., Any]]


def _body(
    model: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]], stream: bool
) -> bytes:
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": 4096,
        "messages": messages,
        "tools": tools,
    }
    if stream:
        body["stream"] = True
    return json.dumps(body).encode()


def _calls(content: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [block for block in content if block["type"] == "tool_use"]


def _text(content: list[dict[str, Any]]) -> str:
    return "".join(block["text"] for block in content if block["type"] == "text")


def _result(call: dict[str, Any], output: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": call["id"], "content": str(output)}


# --- sync ---------------------------------------------------------------------


def run(http: httpx.Client, url: str, model: str, prompt: str, tools: Tools,
        definitions: list[dict[str, Any]], *, stream: bool = False) -> tuple[str, int]:  # fmt: skip
    """Run one conversation; the final text and the number of requests."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
    requests = 0
    while True:
        data = _body(model, messages, definitions, stream)
        requests += 1
        if stream:
            with http.stream("POST", url, content=data, headers=HEADERS) as response:
                response.raise_for_status()
                content, stop = _fold(_sse(response.iter_lines()))
        else:
            response = http.post(url, content=data, headers=HEADERS)
            response.raise_for_status()
            message = response.json()
            content, stop = message["content"], message["stop_reason"]
        messages.append({"role": "assistant", "content": content})
        calls = _calls(content)
        if stop != "tool_use" or not calls:
            return _text(content), requests
        if len(calls) == 1:
            outputs = [tools[calls[0]["name"]](**calls[0]["input"])]
        else:
            with ThreadPoolExecutor(len(calls)) as pool:
                outputs = list(pool.map(lambda c: tools[c["name"]](**c["input"]), calls))
        messages.append(
            {
                "role": "user",
                "content": [_result(c, o) for c, o in zip(calls, outputs, strict=False)],
            }
        )


# --- async --------------------------------------------------------------------


async def arun(http: httpx.AsyncClient, url: str, model: str, prompt: str,
               tools: dict[str, Callable[..., Awaitable[Any]]], definitions: list[dict[str, Any]],
               *, stream: bool = False) -> tuple[str, int]:  # fmt: skip
    """Run one conversation (async tools, gathered)."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
    requests = 0
    while True:
        data = _body(model, messages, definitions, stream)
        requests += 1
        if stream:
            async with http.stream("POST", url, content=data, headers=HEADERS) as response:
                response.raise_for_status()
                content, stop = await _afold(response.aiter_lines())
        else:
            response = await http.post(url, content=data, headers=HEADERS)
            response.raise_for_status()
            message = response.json()
            content, stop = message["content"], message["stop_reason"]
        messages.append({"role": "assistant", "content": content})
        calls = _calls(content)
        if stop != "tool_use" or not calls:
            return _text(content), requests
        outputs = await asyncio.gather(*(tools[c["name"]](**c["input"]) for c in calls))
        messages.append(
            {
                "role": "user",
                "content": [_result(c, o) for c, o in zip(calls, outputs, strict=False)],
            }
        )


# --- SSE ----------------------------------------------------------------------


def _sse(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Each event's data, decoded (the event name repeats the data's type)."""
    for line in lines:
        if line.startswith("data:"):
            yield json.loads(line[5:])


class _Folder:
    """Folds stream events into the message content, joining pieces once per block."""

    def __init__(self) -> None:
        self.blocks: dict[int, dict[str, Any]] = {}
        self.parts: dict[int, list[str]] = {}
        self.content: list[dict[str, Any]] = []
        self.stop: str | None = None

    def feed(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "content_block_delta":
            delta = event["delta"]
            piece = (
                delta.get("text") if delta["type"] == "text_delta" else delta.get("partial_json")
            )
            self.parts[event["index"]].append(piece or "")
        elif kind == "content_block_start":
            self.blocks[event["index"]] = dict(event["content_block"])
            self.parts[event["index"]] = []
        elif kind == "content_block_stop":
            block = self.blocks[event["index"]]
            joined = "".join(self.parts.pop(event["index"]))
            if block["type"] == "text":
                block["text"] += joined
            elif block["type"] == "tool_use":
                block["input"] = json.loads(joined) if joined else {}
            self.content.append(block)
        elif kind == "message_delta":
            self.stop = event["delta"]["stop_reason"]


def _fold(events: Iterator[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    folder = _Folder()
    for event in events:
        folder.feed(event)
    return folder.content, folder.stop


async def _afold(lines: AsyncIterator[str]) -> tuple[list[dict[str, Any]], str | None]:
    folder = _Folder()
    async for line in lines:
        if line.startswith("data:"):
            folder.feed(json.loads(line[5:]))
    return folder.content, folder.stop
