"""The loop end to end: real client, real stream parser, real tool dispatch, both drivers."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
from typing import Any, Literal

import anyio
import pytest
from structlog.testing import capture_logs

from agentloop import (
    BadRequestError,
    MaxTokensExceeded,
    RequestLimitExceeded,
    RunContext,
    TokenBudgetExceeded,
    ToolError,
    ToolUseBlock,
    tool,
)
from agentloop._loop import (
    Deny,
    ModelResponse,
    ModelRetry,
    RunFinished,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolInputDelta,
)
from agentloop._tools import ToolResult
from agentloop.testing import (
    FakeAnthropic,
    block,
    http_error,
    redacted_thinking,
    reply,
    server_tool_use,
    stream_error,
    text,
    thinking,
    tool_use,
    truncated_stream,
    web_search_result,
)
from helpers import Runner

pytestmark = pytest.mark.anyio


@tool
def get_weather(location: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Get the current weather in a given location.

    Args:
        location: The city, e.g. Paris.
        unit: Temperature unit.
    """
    return f"15 degrees {unit} in {location}"


def results_of(runner: Runner, request: int) -> list[dict[str, Any]]:
    """The tool_result blocks sent with request number ``request`` (from 1)."""
    last = runner.fake.requests[request - 1].body["messages"][-1]
    return [b for b in last["content"] if b["type"] == "tool_result"]


async def test_plain_answer(runner: Runner):
    runner.fake.add(reply("Hello!"))
    result = await runner.run(runner.agent(system="be nice"), "Hi")
    assert result.text == "Hello!"
    assert result.stop_reason == "end_turn"
    assert result.requests == 1
    assert result.messages == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [text("Hello!")]},
    ]
    assert runner.fake.requests[0].body["system"] == "be nice"


async def test_tool_round_trip(runner: Runner):
    runner.fake.add(
        reply(text("Let me check."), tool_use("get_weather", {"location": "Paris"}, id="toolu_1")),
        reply("It is 15 degrees."),
    )
    result = await runner.run(runner.agent(tools=[get_weather]), "Weather in Paris?")
    assert result.text == "It is 15 degrees."
    assert result.requests == 2
    assert results_of(runner, 2) == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "15 degrees celsius in Paris"}
    ]
    sent_tools = runner.fake.requests[0].body["tools"]
    assert sent_tools == [get_weather.definition]
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0


async def test_parallel_calls_overlap_and_answer_in_call_order(runner: Runner):
    barrier = threading.Barrier(4, timeout=10)
    order: list[int] = []

    @tool
    def slow(n: int) -> str:
        """Wait until every call is running at once."""
        barrier.wait()  # raises (an is_error result) unless 4 calls run concurrently
        order.append(n)
        return f"done {n}"

    calls = [tool_use("slow", {"n": n}, id=f"toolu_{n}") for n in range(4)]
    runner.fake.add(reply(*calls), reply("all done"))
    result = await runner.run(runner.agent(tools=[slow]), "go")
    assert result.text == "all done"
    answers = results_of(runner, 2)
    assert [a["tool_use_id"] for a in answers] == [f"toolu_{n}" for n in range(4)]
    assert all("is_error" not in a for a in answers)
    assert sorted(order) == [0, 1, 2, 3]


async def test_async_tools_overlap_in_the_async_driver(runner: Runner):
    running = 0
    peak = 0
    all_in = anyio.Event() if runner.mode == "async" else None

    @tool
    async def fetch(n: int) -> int:
        """Fetch something."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if all_in is not None:
            if running == 3:
                all_in.set()
            with anyio.fail_after(10):
                await all_in.wait()
        running -= 1
        return n

    runner.fake.add(reply(*[tool_use("fetch", {"n": n}) for n in range(3)]), reply("ok"))
    await runner.run(runner.agent(tools=[fetch]), "go")
    assert [a["content"] for a in results_of(runner, 2)] == ["0", "1", "2"]
    if runner.mode == "async":
        assert peak == 3


async def test_concurrency_cap_is_respected(runner: Runner):
    lock = threading.Lock()
    running = peak = 0

    @tool
    def work(n: int) -> str:
        """Work."""
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        threading.Event().wait(0.02)
        with lock:
            running -= 1
        return "ok"

    runner.fake.add(reply(*[tool_use("work", {"n": n}) for n in range(6)]), reply("ok"))
    await runner.run(runner.agent(tools=[work], max_concurrency=2), "go")
    assert peak <= 2


async def test_tool_failures_become_error_results_and_the_run_goes_on(runner: Runner):
    @tool
    def boom() -> str:
        """Always fails."""
        raise ConnectionError("the weather service API is not available (HTTP 500)")

    @tool
    def refuse() -> str:
        """Fails on purpose."""
        raise ToolError("try a city name instead")

    runner.fake.add(
        reply(
            tool_use("boom", {}, id="t1"),
            tool_use("refuse", {}, id="t2"),
            tool_use("get_weather", {"unit": "kelvin"}, id="t3"),
            tool_use("nope", {}, id="t4"),
        ),
        reply("sorry"),
    )
    result = await runner.run(runner.agent(tools=[boom, refuse, get_weather]), "go")
    assert result.text == "sorry"
    boom_r, refuse_r, invalid_r, unknown_r = results_of(runner, 2)
    assert all(r["is_error"] is True for r in (boom_r, refuse_r, invalid_r, unknown_r))
    assert boom_r["content"] == (
        "ConnectionError: the weather service API is not available (HTTP 500)"
    )
    assert refuse_r["content"] == "try a city name instead"
    assert "location" in invalid_r["content"] and "kelvin" in invalid_r["content"]
    assert "get_weather" in unknown_r["content"]  # lists the available tools


async def test_thinking_blocks_go_back_byte_for_byte(runner: Runner):
    served = reply(
        thinking("I need the weather.", signature="EqQBCgIYAhIM+sig/=="),
        redacted_thinking("EmwKAhgBEgy3va3pzix/LafPsn4a"),
        tool_use("get_weather", {"location": "Paris"}, id="toolu_1", caller={"type": "direct"}),
    )
    runner.fake.add(served, reply(thinking("Done."), text("15 degrees.")))
    agent = runner.agent(tools=[get_weather], thinking={"type": "enabled", "budget_tokens": 1024})
    result = await runner.run(agent, "Weather?")
    sent = runner.fake.requests[1].body
    assert sent["messages"][1] == {"role": "assistant", "content": served.content}
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert result.messages[1]["content"] == served.content


async def test_pause_turn_is_resumed_with_the_paused_content(runner: Runner):
    paused = reply(
        server_tool_use("web_search", {"query": "agentloop"}, id="srvtoolu_1"),
        stop_reason="pause_turn",
    )
    runner.fake.add(
        paused,
        reply(
            web_search_result("srvtoolu_1", [{"url": "https://x", "title": "X"}]), text("Found.")
        ),
    )
    server_tool = {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
    result = await runner.run(runner.agent(tools=[get_weather, server_tool]), "search")
    second = runner.fake.requests[1].body
    assert second["messages"][-1] == {"role": "assistant", "content": paused.content}
    assert second["tools"][1] == server_tool
    assert result.text == "Found."
    assert result.requests == 2


async def test_max_tokens_cutting_a_tool_call_resends_with_more_tokens(runner: Runner):
    cut = reply(text("Let me"), tool_use("get_weather", {"location": "Paris"}), truncated=True)
    runner.fake.add(cut, reply(tool_use("get_weather", {"location": "Paris"})), reply("15."))
    result = await runner.run(runner.agent(tools=[get_weather], max_tokens=1000), "go")
    bodies = [r.body for r in runner.fake.requests]
    assert [b["max_tokens"] for b in bodies] == [1000, 2000, 2000]
    assert bodies[1]["messages"] == bodies[0]["messages"]  # the cut call never ran
    assert result.text == "15."


async def test_max_tokens_on_text_finishes_truncated(runner: Runner):
    runner.fake.add(reply(text("A long ans"), stop_reason="max_tokens"))
    result = await runner.run(runner.agent(), "go")
    assert result.truncated
    assert result.text == "A long ans"
    assert result.stop_reason == "max_tokens"


async def test_refusal_runs_no_tool_and_carries_stop_details(runner: Runner):
    ran = []

    @tool
    def risky() -> str:
        """Risky."""
        ran.append(1)
        return "x"

    details = {"type": "refusal", "category": "cyber", "explanation": "..."}
    runner.fake.add(reply(tool_use("risky", {}), stop_reason="refusal", stop_details=details))
    result = await runner.run(runner.agent(tools=[risky]), "go")
    assert ran == []
    assert result.stop_reason == "refusal"
    assert result.stop_details == details


@pytest.mark.parametrize("reason", ["model_context_window_exceeded", "some_future_reason"])
async def test_other_stop_reasons_finish_and_never_loop(runner: Runner, reason: str):
    runner.fake.add(reply(text("partial"), stop_reason=reason))
    result = await runner.run(runner.agent(), "go")
    assert result.stop_reason == reason
    assert result.requests == 1


async def test_unknown_blocks_are_sent_back_unchanged(runner: Runner):
    odd = block({"type": "compaction", "content": "earlier turns", "weird": {"n": None}})
    served = reply(odd, tool_use("get_weather", {"location": "X"}, id="toolu_1"))
    runner.fake.add(served, reply("ok"))
    await runner.run(runner.agent(tools=[get_weather]), "go")
    assert runner.fake.requests[1].body["messages"][1]["content"] == served.content


async def test_before_hook_denies_and_changes_input_after_hook_replaces(runner: Runner):
    def before(call: ToolUseBlock, ctx: RunContext) -> Any:
        if call.input.get("location") == "Moon":
            return Deny("No weather on the Moon.")
        if call.input.get("location") == "paris":
            return {**call.input, "location": "Paris"}
        return None

    def after(call: ToolUseBlock, result: ToolResult, ctx: RunContext) -> ToolResult | None:
        if call.input.get("location") == "Oslo":
            return ToolResult(result.content + " (cached)")
        return None

    runner.fake.add(
        reply(*[tool_use("get_weather", {"location": c}) for c in ("Moon", "paris", "Oslo")]),
        reply("ok"),
    )
    agent = runner.agent(tools=[get_weather], before_tool=before, after_tool=after)
    await runner.run(agent, "go")
    moon, paris, oslo = results_of(runner, 2)
    assert moon == {**moon, "is_error": True, "content": "No weather on the Moon."}
    assert paris["content"] == "15 degrees celsius in Paris"
    assert oslo["content"] == "15 degrees celsius in Oslo (cached)"


async def test_human_approval_is_a_before_hook(runner: Runner):
    asked: list[str] = []
    answers = {"delete_file": False, "read_file": True}

    def approve(call: ToolUseBlock, ctx: RunContext) -> Deny | None:
        asked.append(call.name)
        return None if answers[call.name] else Deny("The user did not approve this.")

    deleted = []

    @tool
    def delete_file(path: str) -> str:
        """Delete a file."""
        deleted.append(path)
        return "deleted"

    @tool
    def read_file(path: str) -> str:
        """Read a file."""
        return "contents"

    runner.fake.add(
        reply(tool_use("read_file", {"path": "a"}), tool_use("delete_file", {"path": "a"})),
        reply("ok"),
    )
    await runner.run(runner.agent(tools=[delete_file, read_file], before_tool=approve), "go")
    assert sorted(asked) == ["delete_file", "read_file"]
    assert deleted == []
    read, delete = results_of(runner, 2)
    assert read["content"] == "contents"
    assert delete["is_error"] is True


async def test_request_limit_raises_with_the_run_so_far(runner: Runner):
    runner.fake.add(*[reply(tool_use("get_weather", {"location": "X"})) for _ in range(2)])
    with pytest.raises(RequestLimitExceeded) as info:
        await runner.run(runner.agent(tools=[get_weather], max_requests=2), "go")
    messages = info.value.result.messages
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    assert messages[-1]["content"][0]["type"] == "tool_result"  # answered, resumable


async def test_a_run_resumes_from_its_saved_state(runner: Runner):
    runner.fake.add(reply(tool_use("get_weather", {"location": "X"})), reply("done"))
    agent = runner.agent(tools=[get_weather], max_requests=1)
    with pytest.raises(RequestLimitExceeded) as info:
        await runner.run(agent, "go")
    saved = info.value.result.state.model_dump_json()
    from agentloop._loop import RunState

    resumed = await runner.run(
        runner.agent(tools=[get_weather]), RunState.model_validate_json(saved)
    )
    assert resumed.text == "done"
    assert resumed.requests == 2


async def test_tool_timeout_answers_an_error(runner: Runner):
    release = threading.Event()

    @tool
    def hang() -> str:
        """Never finishes in time."""
        release.wait(10)
        return "late"

    runner.fake.add(reply(tool_use("hang", {}), tool_use("get_weather", {"location": "X"})),
                    reply("ok"))  # fmt: skip
    try:
        # long enough for the quick tool on a loaded CI machine (it runs in a worker thread)
        await runner.run(runner.agent(tools=[hang, get_weather], tool_timeout=0.5), "go")
    finally:
        release.set()
    hung, fine = results_of(runner, 2)
    assert hung["is_error"] is True and "did not finish within 0.5" in hung["content"]
    assert fine["content"].startswith("15 degrees")


async def test_run_context_carries_deps_and_tool_use_id(runner: Runner):
    seen: list[tuple[str, Any]] = []

    @tool
    def whoami(ctx: RunContext[dict[str, str]]) -> str:
        """Who is asking."""
        seen.append((ctx.tool_use_id, ctx.deps))
        return ctx.deps["user"]

    runner.fake.add(reply(tool_use("whoami", {}, id="toolu_9")), reply("ok"))
    await runner.run(runner.agent(tools=[whoami]), "go", deps={"user": "ada"})
    assert seen == [("toolu_9", {"user": "ada"})]
    assert results_of(runner, 2)[0]["content"] == "ada"
    assert "ctx" not in str(whoami.definition["input_schema"])


async def test_tool_definitions_are_reread_every_turn(runner: Runner):
    class Growing:
        def __init__(self) -> None:
            self.turn = 0

        def definitions(self, ctx: RunContext) -> list[dict[str, Any]]:
            self.turn += 1
            return [{**get_weather.definition, "name": f"w{i}"} for i in range(self.turn)]

        def call(self, name: str, input: dict[str, Any], ctx: RunContext) -> ToolResult:
            return ToolResult(name)

    runner.fake.add(reply(tool_use("w0", {"location": "x"})), reply("ok"))
    await runner.run(runner.agent(tools=Growing()), "go")
    assert [len(r.body["tools"]) for r in runner.fake.requests] == [1, 2]


async def test_events_step_by_step(runner: Runner):
    runner.fake.add(reply(tool_use("get_weather", {"location": "X"})), reply("ok"))
    events = await runner.events(runner.agent(tools=[get_weather]), "go")
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "RunStarted", "ModelRequestStarted", "ModelResponse", "StepFinished",
        "ToolCallStarted", "ToolCallFinished", "StepFinished", "ModelRequestStarted",
        "ModelResponse", "StepFinished", "RunFinished",
    ]  # fmt: skip
    finished = events[5]
    assert isinstance(finished, ToolCallFinished) and not finished.result.is_error
    assert isinstance(events[-1], RunFinished) and events[-1].result.text == "ok"


async def test_streaming_run_yields_deltas_as_they_arrive(runner: Runner):
    runner.fake.add(
        reply(thinking("Let me think about it."), tool_use("get_weather", {"location": "Paris"})),
        reply(text("It is fifteen degrees in Paris today.")),
    )
    agent = runner.agent(tools=[get_weather], thinking=1024)
    events, result = await runner.stream(agent, "go")
    streamed = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert streamed == "It is fifteen degrees in Paris today." == result.text
    assert "".join(e.thinking for e in events if isinstance(e, ThinkingDelta)) == (
        "Let me think about it."
    )
    fragments = [e.partial_json for e in events if isinstance(e, ToolInputDelta)]
    assert len(fragments) > 1
    assert json.loads("".join(fragments)) == {"location": "Paris"}
    assert sum(isinstance(e, ModelResponse) for e in events) == 2
    assert all(r.body["stream"] is True for r in runner.fake.requests)


async def test_a_stream_broken_mid_way_is_sent_again(runner: Runner):
    runner.fake.add(
        stream_error(reply("The answer is 42."), after_events=4),
        truncated_stream(reply("The answer is 42."), after_events=3),
        reply("The answer is 42."),
    )
    events, result = await runner.stream(runner.agent(), "go")
    assert result.text == "The answer is 42."
    assert sum(isinstance(e, ModelRetry) for e in events) == 2
    assert len(runner.fake.requests) == 3
    assert result.requests == 1


async def test_structured_events_name_every_step(runner: Runner):
    runner.fake.add(reply(tool_use("get_weather", {"location": "X"}, id="toolu_1")), reply("ok"))
    with capture_logs() as logs:
        await runner.run(runner.agent(tools=[get_weather]), "go")
    names = [e["event"] for e in logs]
    assert names == ["run.start", "model.request", "tool.call", "model.request", "run.finish"]
    call = logs[2]
    assert call["tool"] == "get_weather" and call["tool_use_id"] == "toolu_1"
    assert call["is_error"] is False and call["duration_ms"] >= 0
    assert logs[-1]["stop_reason"] == "end_turn"


async def test_prompt_as_blocks_and_as_a_conversation(runner: Runner):
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"},
    }
    runner.fake.add(reply("a cat"), reply("still a cat"))
    first = await runner.run(runner.agent(), [image, {"type": "text", "text": "What is it?"}])
    assert runner.fake.requests[0].body["messages"] == [
        {"role": "user", "content": [image, {"type": "text", "text": "What is it?"}]}
    ]
    follow_up = [*first.messages, {"role": "user", "content": "Sure?"}]
    second = await runner.run(runner.agent(), follow_up)
    assert second.text == "still a cat"
    assert len(runner.fake.requests[1].body["messages"]) == 3


async def test_tool_choice_and_mid_conversation_system_pass_through(runner: Runner):
    runner.fake.add(reply(tool_use("get_weather", {"location": "X"})), reply("ok"))
    choice = {"type": "auto", "disable_parallel_tool_use": True}
    conversation = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Weather?"},
        {"role": "system", "content": "Answer in French from now on."},
    ]
    agent = runner.agent(model="claude-opus-4-8", tools=[get_weather], tool_choice=choice)
    await runner.run(agent, conversation)
    body = runner.fake.requests[0].body
    assert body["tool_choice"] == choice
    assert body["messages"][3] == conversation[3]


async def test_started_events_name_each_call(runner: Runner):
    runner.fake.add(reply(tool_use("get_weather", {"location": "X"}, id="toolu_1")), reply("ok"))
    events = await runner.events(runner.agent(tools=[get_weather]), "go")
    started = [e for e in events if isinstance(e, ToolCallStarted)]
    assert [e.call.id for e in started] == ["toolu_1"]


async def test_cancelling_an_async_run_cancels_its_tools():
    runner = Runner("async", FakeAnthropic())
    started = anyio.Event()
    cancelled: list[int] = []

    @tool
    async def slow(n: int) -> str:
        """Slow."""
        try:
            started.set()
            await anyio.sleep(30)
        except BaseException:
            cancelled.append(n)
            raise
        return "never"

    runner.fake.add(reply(tool_use("slow", {"n": 1}), tool_use("slow", {"n": 2})))
    agent = runner.agent(tools=[slow])
    before = set(asyncio.all_tasks())
    async with anyio.create_task_group() as group:
        group.start_soon(agent.arun, "go")
        await started.wait()
        await anyio.sleep(0.01)
        group.cancel_scope.cancel()
    assert sorted(cancelled) == [1, 2]
    assert set(asyncio.all_tasks()) <= before


async def test_custom_registries_get_schema_validation(runner: Runner):
    calls: list[dict[str, Any]] = []

    class Notes:
        def definitions(self, ctx: RunContext) -> list[dict[str, Any]]:
            schema = {"type": "object", "properties": {"title": {"type": "string"}},
                      "required": ["title"]}  # fmt: skip
            return [{"name": "add_note", "description": "Add a note.", "input_schema": schema}]

        def call(self, name: str, input: dict[str, Any], ctx: RunContext) -> ToolResult:
            calls.append(input)
            return ToolResult("added")

    runner.fake.add(
        reply(tool_use("add_note", {"name": "x"})), reply(tool_use("add_note", {"title": "x"})),
        reply("done"),
    )  # fmt: skip
    await runner.run(runner.agent(tools=Notes()), "go")
    bad = results_of(runner, 2)[0]
    assert bad["is_error"] is True and "title: required property is missing" in bad["content"]
    assert calls == [{"title": "x"}]


async def test_stop_sequence_finishes_with_the_sequence(runner: Runner):
    runner.fake.add(reply(text("1, 2, 3"), stop_reason="stop_sequence", stop_sequence="4"))
    result = await runner.run(runner.agent(stop_sequences=["4"]), "count")
    assert result.stop_reason == "stop_sequence"
    assert result.response.stop_sequence == "4"
    assert runner.fake.requests[0].body["stop_sequences"] == ["4"]


async def test_token_budget_raises_with_every_tool_result_kept(runner: Runner):
    usage = {"input_tokens": 600, "output_tokens": 500}
    runner.fake.add(reply(tool_use("get_weather", {"location": "X"}, id="toolu_1"), usage=usage))
    agent = runner.agent(tools=[get_weather], max_total_tokens=1000)
    with pytest.raises(TokenBudgetExceeded) as info:
        await runner.run(agent, "go")
    result = info.value.result
    assert result.usage.input_tokens + result.usage.output_tokens == 1100
    assert result.messages[-1]["content"][0]["tool_use_id"] == "toolu_1"
    assert len(runner.fake.requests) == 1


async def test_max_tokens_can_raise(runner: Runner):
    runner.fake.add(reply(text("cut"), stop_reason="max_tokens"))
    with pytest.raises(MaxTokensExceeded) as info:
        await runner.run(runner.agent(on_max_tokens="raise"), "go")
    assert info.value.result.text == "cut"


async def test_pause_turn_continuations_are_bounded(runner: Runner):
    paused = [reply(server_tool_use("web_search", {"query": str(i)}), stop_reason="pause_turn")
              for i in range(3)]  # fmt: skip
    runner.fake.add(*paused)
    server_tool = {"type": "web_search_20250305", "name": "web_search"}
    result = await runner.run(runner.agent(tools=[server_tool], max_pause_continuations=2), "go")
    assert result.stop_reason == "pause_turn"
    assert result.truncated
    assert len(runner.fake.requests) == 3


async def test_api_errors_carry_the_run_so_far(runner: Runner):
    runner.fake.add(
        reply(tool_use("get_weather", {"location": "X"}, id="toolu_1")),
        http_error(400, "invalid_request_error", "prompt is too long"),
    )
    with pytest.raises(BadRequestError) as info:
        await runner.run(runner.agent(tools=[get_weather]), "go")
    assert info.value.result is not None
    assert info.value.result.messages[-1]["content"][0]["tool_use_id"] == "toolu_1"


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("max_concurrency", [2, 8])
def test_async_tool_batches_on_each_backend(backend: str, max_concurrency: int):
    """asyncio batches run in an asyncio.TaskGroup, trio ones in an anyio task group;
    both overlap the calls (within max_concurrency) and answer in call order."""
    if backend == "trio":
        pytest.importorskip("trio")
    running = peak = 0

    @tool
    async def work(n: int) -> str:
        """Work."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.01 * (4 - n))  # the last call finishes first
        running -= 1
        return f"done {n}"

    runner = Runner("async", FakeAnthropic())
    calls = [tool_use("work", {"n": n}, id=f"toolu_{n}") for n in range(4)]
    runner.fake.add(reply(*calls), reply("all done"))
    agent = runner.agent(tools=[work], max_concurrency=max_concurrency)

    async def main() -> list[str]:
        return [e.call.id async for e in agent.aiter("go") if isinstance(e, ToolCallFinished)]

    finished = anyio.run(main, backend=backend)
    assert peak == min(4, max_concurrency)
    answers = runner.fake.requests[1].body["messages"][-1]["content"]
    assert [a["tool_use_id"] for a in answers] == [f"toolu_{n}" for n in range(4)]
    assert [a["content"] for a in answers] == [f"done {n}" for n in range(4)]
    if max_concurrency >= 4:
        assert finished == [f"toolu_{n}" for n in (3, 2, 1, 0)]  # in finishing order


def test_the_async_driver_knows_its_backend():
    from agentloop._loop._adrive import _on_asyncio

    async def ask() -> bool:
        return _on_asyncio()

    assert anyio.run(ask, backend="asyncio") is True
    if importlib.util.find_spec("trio") is not None:
        assert anyio.run(ask, backend="trio") is False
    assert _on_asyncio() is False  # no event loop at all
