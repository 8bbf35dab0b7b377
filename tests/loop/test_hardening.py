"""Run-level fixes from the new-user trial (issue: hardening), both drivers where it applies."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from agentloop import (
    Agent,
    AsyncClient,
    Client,
    ConfigurationError,
    OverloadedError,
    RequestLimitExceeded,
    tool,
)
from agentloop.testing import (
    FakeAnthropic,
    reply,
    server_tool_use,
    stream_error,
    text,
    tool_use,
    web_search_result,
)
from helpers import Runner

pytestmark = pytest.mark.anyio


@tool
def noop() -> str:
    """Does nothing."""
    return "ok"


async def test_a_run_stopped_by_a_limit_is_continued_with_a_user_turn(runner: Runner):
    runner.fake.add(reply(tool_use("noop", {})))
    with pytest.raises(RequestLimitExceeded) as caught:
        await runner.run(runner.agent(tools=[noop], max_requests=1), "go")
    runner.fake.add(reply("Summary."))
    follow_up = [*caught.value.result.messages, {"role": "user", "content": "Summarize."}]
    result = await runner.run(runner.agent(tools=[noop]), follow_up)
    assert result.text == "Summary."


def paused(i: int) -> Any:
    return reply(text(f"part {i}"), server_tool_use("web_search", {"query": str(i)}, id=f"s{i}"),
                 stop_reason="pause_turn")  # fmt: skip


SEARCH = {"type": "web_search_20250305", "name": "web_search"}


@pytest.mark.parametrize("how", ["state", "messages"])
async def test_a_turn_paused_at_the_cap_is_continued_both_ways(runner: Runner, how: str):
    runner.fake.add(paused(0), paused(1))
    agent = runner.agent(model="claude-opus-4-6", tools=[SEARCH], max_pause_continuations=1)
    first = await runner.run(agent, "search")
    assert first.stop_reason == "pause_turn" and first.truncated
    runner.fake.add(reply(web_search_result("s1"), text("found")))
    prompt = first.state if how == "state" else first.messages
    second = await runner.run(agent, prompt)
    assert second.text.endswith("found")
    assert second.stop_reason == "end_turn"
    sent = runner.fake.requests[-1].body["messages"]
    assert sent[-1]["role"] == "assistant"  # the paused turn, sent back as it is
    assert second.messages[-1]["content"][-1] == text("found")
    assert [m["role"] for m in second.messages] == ["user", "assistant"]


async def test_a_failed_run_logs_its_finish_with_the_error(runner: Runner):
    runner.fake.add(reply(tool_use("noop", {})))
    with capture_logs() as logs, pytest.raises(RequestLimitExceeded):
        await runner.run(runner.agent(tools=[noop], max_requests=1), "go")
    finish = [e for e in logs if e["event"] == "run.finish"]
    assert len(finish) == 1
    assert finish[0]["error"] == "RequestLimitExceeded"


async def test_one_retry_budget_for_a_request_whose_stream_fails_at_once(runner: Runner):
    """An error event with the first events: sent 1 + max_retries times, not (1+n)²."""
    broken = [stream_error(reply("hi"), after_events=1) for _ in range(9)]
    runner.fake.add(*broken)
    agent = runner.agent()
    with pytest.raises(OverloadedError):
        await runner.stream(agent, "go")
    assert len(runner.fake.requests) == 3  # the client's max_retries=2
    assert len(runner.sleeps) == 2


def test_a_sync_run_inside_an_event_loop_is_refused_with_the_async_way():
    fake = FakeAnthropic([reply("hi")])
    agent = Agent("claude-sonnet-4-6", client=fake.client())

    async def main() -> None:
        for call in (lambda: agent.run("x"), lambda: agent.iter("x"), lambda: agent.stream("x")):
            with pytest.raises(ConfigurationError, match="arun"):
                call()

    asyncio.run(main())
    assert fake.requests == []


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        (None, "NoneType"),
        ({"role": "user", "content": "hi"}, "wrap it in a list"),
        ({"type": "text", "text": "hi"}, "wrap it in a list"),
        ([], "empty"),
        (["hi", "there"], "prompt item 0"),
        (42, "int"),
    ],
)
def test_a_prompt_that_cannot_be_sent_is_refused_before_sending(prompt: Any, message: str):
    fake = FakeAnthropic()
    agent = Agent("claude-sonnet-4-6", client=fake.client())
    with pytest.raises(ConfigurationError, match=message):
        agent.run(prompt)
    assert fake.requests == []


# --- resources ---------------------------------------------------------------------------


def test_exit_closes_only_the_clients_the_agent_created(monkeypatch: pytest.MonkeyPatch):
    http = httpx.Client(transport=FakeAnthropic().transport)
    mine = Client(api_key="k", http_client=http)
    owned_http = httpx.Client(transport=FakeAnthropic().transport)
    with Agent("claude-sonnet-4-6", client=mine):
        pass
    assert not http.is_closed
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    with Agent("claude-sonnet-4-6") as agent:
        created = agent.client
    assert created._http.is_closed  # type: ignore[attr-defined]
    owned_http.close()
    http.close()


async def test_async_with_closes_the_async_client_the_agent_created(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    async with Agent("claude-sonnet-4-6") as agent:
        created = agent.async_client
    assert created._http.is_closed  # type: ignore[attr-defined]
    given = AsyncClient(api_key="k", http_client=httpx.AsyncClient())
    agent = Agent("claude-sonnet-4-6", client=given)
    await agent.aclose()
    assert not given._http.is_closed  # type: ignore[attr-defined]
    await given.aclose()


# --- override --------------------------------------------------------------------------------


async def test_override_swaps_the_model_for_a_block(runner: Runner):
    agent = runner.agent()
    other = FakeAnthropic([reply("from the override")])
    client = other.client() if runner.mode == "sync" else other.async_client()
    with agent.override(client=client):
        result = await runner.run(agent, "hi")
    assert result.text == "from the override"
    runner.fake.add(reply("from the agent's own"))
    assert (await runner.run(agent, "hi")).text == "from the agent's own"


def test_override_refuses_what_is_not_a_client():
    agent = Agent("claude-sonnet-4-6", client=FakeAnthropic().client())
    with pytest.raises(ConfigurationError, match="str"), agent.override(client="sk-ant-xyz"):  # type: ignore[arg-type]
        pass


def test_check_rules_off_also_lets_a_prefill_through():
    fake = FakeAnthropic([reply("4)")])
    agent = Agent("claude-opus-4-6", client=fake.client(), check_rules=False)
    prompt = [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "The answer is ("},
    ]
    with pytest.raises(Exception) as caught:  # the fake answers as the API would: a 400
        agent.run(prompt)
    assert "prefill" in str(caught.value).lower()
    assert len(fake.requests) == 1  # it was sent: the API is the judge


def test_an_unknown_run_option_is_named():
    agent = Agent("claude-sonnet-4-6", client=FakeAnthropic().client())
    with pytest.raises(TypeError, match="dep"):
        agent.run("hi", dep=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="temperature"):
        agent.aiter("hi", temperature=0.5)  # type: ignore[call-arg]


def test_leaving_aiter_in_the_middle_of_a_tool_turn_leaves_the_caller_intact():
    """No event is yielded inside a task group: closing the generator from the
    garbage collector's task must not cancel the task that iterated it."""
    import gc

    from agentloop import ToolCallFinished

    @tool
    def slow_ok(x: int) -> str:
        """Works.

        Args:
            x: Anything.
        """
        return "ok"

    async def main() -> str:
        fake = FakeAnthropic([reply(tool_use("slow_ok", {"x": 1}), tool_use("slow_ok", {"x": 2}))])
        agent = Agent("claude-sonnet-4-6", tools=[slow_ok], async_client=fake.async_client())
        async for event in agent.aiter("go"):
            if isinstance(event, ToolCallFinished):
                break
        gc.collect()
        await asyncio.sleep(0.05)  # the finalizer's aclose runs here
        return "still running"

    assert asyncio.run(main()) == "still running"
