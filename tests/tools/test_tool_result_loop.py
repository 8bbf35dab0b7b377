"""Results a tool (or an after-hook) gets wrong: the run goes on, the model is told."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from agentloop import Agent, AsyncClient, Client, RunContext, ToolResult, ToolUseBlock, tool
from agentloop.testing import FakeAnthropic, reply, tool_use

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def run(tools: list[Any], mode: str, **options: Any) -> tuple[Any, dict[str, Any]]:
    """Run one tool call and a final answer; return the result and the tool_result sent."""
    fake = FakeAnthropic([reply(tool_use("f", {}, id="toolu_1")), reply("done")])
    with capture_logs():
        if mode == "sync":
            client = Client(api_key="test", http_client=httpx.Client(transport=fake.transport))
            agent = Agent(model="claude-sonnet-4-6", tools=tools, client=client, **options)
            result = agent.run("go")
        else:
            aclient = AsyncClient(
                api_key="test", http_client=httpx.AsyncClient(transport=fake.transport)
            )
            agent = Agent(model="claude-sonnet-4-6", tools=tools, client=aclient, **options)
            result = asyncio.run(agent.arun("go"))
    (answer,) = fake.requests[-1].body["messages"][-1]["content"]
    return result, answer


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize(
    ("bad", "shown"),
    [({"a": 1}, "{'a': 1} is a dict"), (["txt"], "item 0, 'txt', is a str")],
)
def test_a_tool_returning_a_malformed_tool_result(bad: Any, shown: str, mode: str) -> None:
    @tool
    def f() -> ToolResult:
        "Answer badly."
        return ToolResult(bad)

    result, answer = run([f], mode)
    assert result.text == "done"
    assert answer["tool_use_id"] == "toolu_1"
    assert answer["is_error"] is True
    assert answer["content"].startswith("tool 'f' returned a ToolResult that cannot be sent")
    assert shown in answer["content"]


def test_an_after_hook_building_a_malformed_tool_result(mode: str) -> None:
    @tool
    def f() -> str:
        "Answer."
        return "fine"

    def after(call: ToolUseBlock, result: ToolResult, ctx: RunContext[Any]) -> ToolResult:
        return ToolResult(["txt"])  # type: ignore[list-item]

    result, answer = run([f], mode, after_tool=[after])
    assert result.text == "done"
    assert answer["is_error"] is True
    assert answer["content"].startswith(
        "tool 'f' returned a result that cannot be sent to the model"
    )
    assert "item 0, 'txt', is a str" in answer["content"]


def test_a_tool_returning_image_bytes(mode: str) -> None:
    @tool
    def f() -> bytes:
        "Draw."
        return PNG

    _, answer = run([f], mode)
    assert answer["content"] == [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": "image/png",
                "data": "iVBORw0KGgoAAAAAAAAAAA==",
            },
        }
    ]


def test_a_tool_returning_other_bytes(mode: str) -> None:
    @tool
    def f() -> bytes:
        "Read."
        return b"\xff\xfe\x00"

    result, answer = run([f], mode)
    assert result.text == "done"
    assert answer["is_error"] is True
    assert answer["content"] == (
        "tool 'f' returned 3 bytes that are not an image (PNG, JPEG, GIF or WEBP); "
        "return str, or use agentloop.image(data, media_type=...)"
    )
