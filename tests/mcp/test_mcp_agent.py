"""An agent driven by the fake model, calling the test MCP server over stdio and HTTP."""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import anyio
import pytest
from structlog.testing import capture_logs

from agentloop import Agent
from agentloop.mcp import MCP_LIST_CHANGED, MCPRegistry
from agentloop.testing import FakeAnthropic, reply, tool_use

MODEL = "claude-sonnet-4-6"
STDIO_ARGS = (sys.executable, str(Path(__file__).with_name("mcp_server.py")))
QUIET = os.devnull
TRANSPORTS = ["stdio", "http"]


def server(transport: str, http_url: str, **options: Any) -> MCPRegistry:
    if transport == "stdio":
        return MCPRegistry.stdio(*STDIO_ARGS, prefix="t", stderr=QUIET, **options)
    return MCPRegistry.http(http_url, prefix="t", **options)


def parallel_script() -> FakeAnthropic:
    return FakeAnthropic([
        reply(
            tool_use("t_meet", {"who": "a"}, id="toolu_a"),
            tool_use("t_meet", {"who": "b"}, id="toolu_b"),
            tool_use("t_fail", {"reason": "no disk"}, id="toolu_c"),
        ),
        reply("done"),
    ])  # fmt: skip


EXPECTED_RESULTS = [
    {"type": "tool_result", "tool_use_id": "toolu_a", "content": "a met the other call"},
    {"type": "tool_result", "tool_use_id": "toolu_b", "content": "b met the other call"},
    {
        "type": "tool_result",
        "tool_use_id": "toolu_c",
        "content": "Error executing tool fail: cannot: no disk",
        "is_error": True,
    },
]


def results_sent(fake: FakeAnthropic, request: int = 1) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = fake.requests[request].messages[-1]["content"]
    return content


def tool_names(fake: FakeAnthropic, request: int) -> list[str]:
    return [t["name"] for t in fake.requests[request].body.get("tools", [])]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sync_run_calls_two_tools_at_once_and_one_that_fails(transport: str, http_url: str):
    fake = parallel_script()
    agent = Agent(model=MODEL, tools=[server(transport, http_url)], client=fake.client())
    with agent:  # connects on the portal loop
        result = agent.run("meet twice, then fail")
    assert result.text == "done"
    assert results_sent(fake) == EXPECTED_RESULTS  # 'met': the two calls overlapped
    assert "t_meet" in tool_names(fake, 0) and "t_files_read" in tool_names(fake, 0)


@pytest.mark.anyio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_async_run_calls_two_tools_at_once_and_one_that_fails(transport: str, http_url: str):
    fake = parallel_script()
    agent = Agent(model=MODEL, tools=[server(transport, http_url)], client=fake.async_client())
    async with agent:  # connects in this task
        result = await agent.arun("meet twice, then fail")
    assert result.text == "done"
    assert results_sent(fake) == EXPECTED_RESULTS


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_tool_added_on_the_server_is_in_the_next_request(mode: str, http_url: str):
    """Over HTTP the notice comes on its own stream: step the run, wait for the notice."""
    name = f"extra_{uuid.uuid4().hex[:8]}"
    fake = FakeAnthropic([
        reply(tool_use("t_grow", {"name": name})),
        reply(tool_use(f"t_{name}", {"x": 7})),
        reply("done"),
    ])  # fmt: skip
    registry = MCPRegistry.http(http_url, prefix="t", mode=mode)
    async with Agent(model=MODEL, tools=registry, client=fake.async_client()) as agent:
        run = agent.start("grow")
        with capture_logs() as logs:
            run.feed(await run.arequest_model())
            run.feed_tool_outcomes([await run.acall_tool(c) for c in run.next().calls])
            deadline = time.monotonic() + 20  # a readiness wait, not a timing verdict
            while not any(e["event"] == MCP_LIST_CHANGED for e in logs):
                assert time.monotonic() < deadline, "no list_changed notice"
                await anyio.sleep(0.02)
        run.feed(await run.arequest_model())
        run.feed_tool_outcomes([await run.acall_tool(c) for c in run.next().calls])
        run.feed(await run.arequest_model())
    assert run.result().text == "done"
    assert f"t_{name}" not in tool_names(fake, 0)
    assert f"t_{name}" in tool_names(fake, 1)
    assert results_sent(fake, 2)[0]["content"] == f"{name} 7"


def test_list_changed_over_stdio_with_an_older_protocol():
    name = f"extra_{uuid.uuid4().hex[:8]}"
    fake = FakeAnthropic([reply(tool_use("grow", {"name": name})), reply("done")])
    registry = MCPRegistry.stdio(*STDIO_ARGS, stderr=QUIET, mode="legacy")
    with Agent(model=MODEL, tools=registry, client=fake.client()) as agent:
        agent.run("grow")
    assert name not in tool_names(fake, 0)
    assert name in tool_names(fake, 1)


def test_the_tool_timeout_ends_the_call_and_the_session_goes_on(http_url: str):
    fake = FakeAnthropic([
        reply(tool_use("t_slow", {"seconds": 60}, id="toolu_s")),
        reply(tool_use("t_echo", {"text": "still here"}, id="toolu_e")),
        reply("done"),
    ])  # fmt: skip
    agent = Agent(model=MODEL, tools=[server("http", http_url)], client=fake.client(),
                  tool_timeout=0.5)  # fmt: skip
    with agent:
        agent.run("sleep")
    assert results_sent(fake, 1) == [{
        "type": "tool_result", "tool_use_id": "toolu_s", "is_error": True,
        "content": "TimeoutError: tool t_slow did not finish within 0.5 seconds",
    }]  # fmt: skip
    assert results_sent(fake, 2)[0]["content"] == "still here"


@pytest.mark.anyio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_cancelling_a_run_cancels_the_mcp_call_and_the_session_stays_usable(
    transport: str, http_url: str
):
    from agentloop import RunContext

    registry = server(transport, http_url)
    fake = FakeAnthropic([reply(tool_use("t_slow", {"seconds": 60}))])
    ctx = RunContext(deps=None)
    async with Agent(model=MODEL, tools=registry, client=fake.async_client()) as agent:
        before = await counts(registry, ctx)
        async with anyio.create_task_group() as group:
            group.start_soon(agent.arun, "sleep")
            await until(registry, ctx, lambda c: c["sleeping"] > before["sleeping"])
            group.cancel_scope.cancel()
        await until(registry, ctx, lambda c: c["cancelled"] > before["cancelled"])
        assert (await registry.acall("t_echo", {"text": "ok"}, ctx)).content == "ok"


async def counts(registry: MCPRegistry, ctx: Any) -> dict[str, int]:
    text = (await registry.acall("t_counts", {}, ctx)).content
    assert isinstance(text, str)
    return {k: int(v) for k, v in (part.split("=") for part in text.split())}


async def until(registry: MCPRegistry, ctx: Any, check: Any, limit: float = 20.0) -> None:
    """Poll the server until ``check`` holds (a readiness wait, not a timing verdict)."""
    deadline = time.monotonic() + limit
    while not check(await counts(registry, ctx)):
        assert time.monotonic() < deadline, "the server never got there"
        await anyio.sleep(0.02)


def test_a_draft_07_schema_validates_by_its_own_rules(http_url: str):
    fake = FakeAnthropic([
        reply(tool_use("t_pair", {"items": [3, "apples"]}, id="toolu_bad")),
        reply(tool_use("t_pair", {"items": ["apples", 3]}, id="toolu_ok")),
        reply("done"),
    ])  # fmt: skip
    with Agent(model=MODEL, tools=server("http", http_url), client=fake.client()) as agent:
        agent.run("pair")
    [bad] = results_sent(fake, 1)
    assert bad["is_error"] is True
    assert bad["content"] == (
        "Invalid input for tool t_pair:\n- items[0]: 3 is not of type 'string'\n"
        "- items[1]: 'apples' is not of type 'integer'"
    )
    assert results_sent(fake, 2)[0]["content"] == "apples x3"
