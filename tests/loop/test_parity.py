"""Sync and async behave the same by construction: one scenario, six ways to run it.

Each scenario runs through ``run``, ``arun``, ``iter``, ``aiter``, ``stream`` and
``astream`` against the same script. Events are compared in full (types,
order, payloads; durations zeroed, states as the JSON they had when the event
arrived), and so are the requests the fake received and the result (or the
error, with the run it carries).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, Field

from agentloop import AgentloopError, RunFinished, StepFinished, ToolError, tool
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

MODES = ["run", "arun", "iter", "aiter", "stream", "astream"]

_first_done = threading.Event()


@tool
def slow(city: str) -> str:
    """Finishes second: waits for the fast one.

    Args:
        city: A city.
    """
    _first_done.wait(5)
    time.sleep(0.2)  # the fast call's outcome is recorded well before this one's
    return f"slow {city}"


@tool
def fast(city: str) -> str:
    """Finishes first.

    Args:
        city: A city.
    """
    _first_done.set()
    return f"fast {city}"


@tool
def broken(x: int) -> str:
    """Always fails.

    Args:
        x: Anything.
    """
    raise ToolError(f"no luck with {x}")


def raising_hook(call: Any, ctx: Any) -> None:
    if call.name == "broken":
        raise RuntimeError("hook bug")


Scenario = tuple[dict[str, Any], list[Any], Any]


def parallel_tools() -> Scenario:
    script = [
        reply(tool_use("slow", {"city": "Oslo"}), tool_use("fast", {"city": "Rome"})),
        reply("done"),
    ]
    return {"tools": [slow, fast]}, script, "go"


def failing_tool() -> Scenario:
    script = [reply(tool_use("broken", {"x": 1})), reply("it failed")]
    return {"tools": [broken]}, script, "go"


def raising_hook_scenario() -> Scenario:
    script = [reply(tool_use("fast", {"city": "A"}), tool_use("broken", {"x": 2}))]
    options = {"tools": [fast, broken], "before_tool": [raising_hook], "max_concurrency": 1}
    return options, script, "go"  # one at a time: the finishing order is the call order


def limit() -> Scenario:
    script = [reply(tool_use("fast", {"city": "A"}))]
    return {"tools": [fast], "max_requests": 1}, script, "go"


def pause_turn() -> Scenario:
    search = server_tool_use("web_search", {"query": "q"}, id="srvtoolu_1")
    script = [
        reply(text("searching"), search, stop_reason="pause_turn"),
        reply(web_search_result(search["id"]), text("found it")),
    ]
    return {"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, script, "go"


def max_tokens() -> Scenario:
    return {}, [reply("cut he", stop_reason="max_tokens")], "go"


def refusal() -> Scenario:
    details = {"type": "refusal", "category": "cyber"}
    return {}, [reply("", stop_reason="refusal", stop_details=details)], "go"


def mid_stream_retry() -> Scenario:
    return {}, [stream_error(reply("hello"), after_events=2), reply("hello")], "go"


class Town(BaseModel):
    name: str
    people: int = Field(ge=0)


def native_output() -> Scenario:
    script = [
        reply(tool_use("fast", {"city": "Oslo"})),
        reply(json.dumps({"name": "Oslo", "people": -1})),
        reply(json.dumps({"name": "Oslo", "people": 700_000})),
    ]
    return {"model": "claude-sonnet-4-6", "tools": [fast], "output_type": Town}, script, "go"


def output_tool() -> Scenario:
    script = [
        reply(tool_use("fast", {"city": "Oslo"})),
        reply(tool_use("final_result", {"name": "Oslo", "people": -1})),
        reply(tool_use("final_result", {"name": "Oslo" * 40, "people": 700_000})),
    ]
    return {"model": "claude-mythos-5", "tools": [fast], "output_type": Town}, script, "go"


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "parallel tools": parallel_tools,
    "a failing tool": failing_tool,
    "a raising hook": raising_hook_scenario,
    "a limit": limit,
    "pause_turn": pause_turn,
    "max_tokens": max_tokens,
    "a refusal": refusal,
    "a retried request": mid_stream_retry,
    "a native output": native_output,
    "an output tool": output_tool,
}


def snapshot(value: Any) -> Any:
    """A comparable copy of an event or payload, taken when it arrives."""
    if isinstance(value, StepFinished):
        return ("StepFinished", value.to_json())
    if hasattr(value, "state") and hasattr(value, "run_id"):  # RunResult
        return ("RunResult", value.state.model_dump_json())
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        fields.pop("duration", None)
        fields.pop("error", None)
        return (type(value).__name__, {k: snapshot(v) for k, v in fields.items()})
    if isinstance(value, list):
        return [snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    return value


def without_usage(end: Any) -> Any:
    """A result or error snapshot with token counts taken out (they depend on "stream")."""
    text = json.dumps(end)
    return re.sub(r'\\?"(input|output)_tokens\\?": ?\d+', "", text)


def outcome_of(error: BaseException) -> Any:
    result = getattr(error, "result", None)
    return (type(error).__name__, str(error), snapshot(result) if result is not None else None)


async def collect(mode: str, agent: Any) -> tuple[list[Any], Any]:
    """Events (snapshotted as they arrive) and the result or error, for one way to run."""
    events: list[Any] = []
    try:
        if mode == "run":
            result: Any = await asyncio.to_thread(agent.run, "go", run_id="r1")
        elif mode == "arun":
            result = await agent.arun("go", run_id="r1")
        elif mode == "iter":

            def go() -> Any:
                for event in agent.iter("go", run_id="r1"):
                    events.append(snapshot(event))
                    if isinstance(event, RunFinished):
                        return event.result
                return None

            result = await asyncio.to_thread(go)
        elif mode == "aiter":
            result = None
            async for event in agent.aiter("go", run_id="r1"):
                events.append(snapshot(event))
                if isinstance(event, RunFinished):
                    result = event.result
        elif mode == "stream":

            def go_stream() -> Any:
                with agent.stream("go", run_id="r1") as run:
                    for event in run:
                        events.append(snapshot(event))
                    return run.result()

            result = await asyncio.to_thread(go_stream)
        else:
            async with agent.astream("go", run_id="r1") as arun:
                async for event in arun:
                    events.append(snapshot(event))
                result = await arun.result()
    except AgentloopError as exc:
        return events, outcome_of(exc)
    return events, snapshot(result)


def play(mode: str, scenario: Callable[[], Scenario]) -> tuple[list[Any], Any, list[Any]]:
    _first_done.clear()
    options, script, _ = scenario()
    fake = FakeAnthropic(script)
    runner = Runner("async" if mode.startswith("a") else "sync", fake)
    agent = runner.agent(**options)
    events, end = asyncio.run(collect(mode, agent))
    fake.assert_clean()
    return events, end, [request.body for request in fake.requests]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_way_to_run_behaves_the_same(name: str):
    scenario = SCENARIOS[name]
    played = {mode: play(mode, scenario) for mode in MODES}
    # the fake counts input tokens from the request's size, "stream": true included,
    # so results are equal within each group, and equal but for usage across them
    for group in (["run", "arun", "iter", "aiter"], ["stream", "astream"]):
        assert all(played[m][1] == played[group[0]][1] for m in group), name
    assert without_usage(played["run"][1]) == without_usage(played["stream"][1])
    # what the API saw differs only in "stream": true
    bodies = {
        mode: [{k: v for k, v in b.items() if k != "stream"} for b in played[mode][2]]
        for mode in MODES
    }
    assert all(b == bodies["run"] for b in bodies.values())
    assert played["iter"][0] == played["aiter"][0]
    assert played["stream"][0] == played["astream"][0]
    deltas = ("TextDelta", "ThinkingDelta", "ToolInputDelta", "ModelRetry", "PartialOutput")
    without_deltas = [
        e for e in played["stream"][0] if not (isinstance(e, tuple) and e[0] in deltas)
    ]
    iter_without_retries = [
        e for e in played["iter"][0] if not (isinstance(e, tuple) and e[0] == "ModelRetry")
    ]
    assert without_usage(without_deltas) == without_usage(iter_without_retries)


def test_parallel_tool_events_come_in_finishing_order_and_results_in_call_order():
    events, _, bodies = play("aiter", parallel_tools)
    finished = [e[1]["call"]["name"] for e in events if e[0] == "ToolCallFinished"]
    assert finished == ["fast", "slow"]
    results = bodies[1]["messages"][-1]["content"]
    assert [r["content"] for r in results] == ["slow Oslo", "fast Rome"]
