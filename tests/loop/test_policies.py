"""Per-tool policies and hook safety, through the real client and both drivers."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from agentloop import HookError, ToolError, ToolResult, ToolRetriesExceeded, tool
from agentloop.testing import reply, tool_use
from helpers import Runner

pytestmark = pytest.mark.anyio


def results_sent(runner: Runner, request: int) -> list[dict[str, Any]]:
    last = runner.fake.requests[request - 1].body["messages"][-1]
    return [b for b in last["content"] if b["type"] == "tool_result"]


_release = threading.Event()


@tool(timeout=0.05)
def hangs() -> str:
    """Never finishes in time."""
    _release.wait(10)
    return "late"


async def test_a_tool_past_its_own_timeout_answers_with_a_timeout_error(runner: Runner):
    _release.clear()
    runner.fake.add(reply(tool_use("hangs", {})), reply("ok"))
    try:
        result = await runner.run(runner.agent(tools=[hangs]), "go")
    finally:
        _release.set()
    assert result.text == "ok"
    [sent] = results_sent(runner, 2)
    assert sent["is_error"] is True
    assert "did not finish within 0.05 seconds" in sent["content"]


_attempts: list[int] = []


@tool(max_retries=1)
def flaky(n: int) -> str:
    """Always fails.

    Args:
        n: Attempt.
    """
    _attempts.append(n)
    raise ToolError(f"failed {n}")


async def test_a_tool_over_its_retry_budget_ends_the_run_with_the_run_attached(runner: Runner):
    _attempts.clear()
    runner.fake.add(*[reply(tool_use("flaky", {"n": i})) for i in range(3)])
    with pytest.raises(ToolRetriesExceeded) as caught:
        await runner.run(runner.agent(tools=[flaky]), "go")
    assert _attempts == [0, 1]  # one retry allowed: the second failure ends the run
    messages = caught.value.result.messages
    assert messages[-1]["role"] == "user"  # every call answered: valid to continue
    assert messages[-1]["content"][0]["is_error"] is True
    assert len(runner.fake.requests) == 2


async def test_a_success_resets_the_count_of_failures(runner: Runner):
    calls = iter([False, True, False, True])

    @tool(max_retries=1)
    def sometimes() -> str:
        """Fails every other time."""
        if next(calls):
            return "ok"
        raise ToolError("not now")

    runner.fake.add(*[reply(tool_use("sometimes", {})) for _ in range(4)], reply("done"))
    result = await runner.run(runner.agent(tools=[sometimes]), "go")
    assert result.text == "done"


_running = 0
_most = 0
_lock = threading.Lock()


def _track() -> None:
    global _running, _most
    with _lock:
        _running += 1
        _most = max(_most, _running)
    time.sleep(0.02)
    with _lock:
        _running -= 1


@tool(sequential=True)
def migrate(step: int) -> str:
    """Must run alone.

    Args:
        step: Which step.
    """
    _track()
    return f"migrated {step}"


@tool
def read(step: int) -> str:
    """May run alongside others.

    Args:
        step: Which step.
    """
    _track()
    return f"read {step}"


async def test_a_sequential_tool_never_runs_alongside_other_calls(runner: Runner):
    global _most
    _most = 0
    calls = [tool_use("read", {"step": 1}), tool_use("migrate", {"step": 2}),
             tool_use("read", {"step": 3}), tool_use("migrate", {"step": 4})]  # fmt: skip
    runner.fake.add(reply(*calls), reply("ok"))
    await runner.run(runner.agent(tools=[read, migrate]), "go")
    assert _most == 1
    sent = [r["content"] for r in results_sent(runner, 2)]
    assert sent == ["read 1", "migrated 2", "read 3", "migrated 4"]


# --- hooks cannot lose a run -------------------------------------------------------------


@tool
def echo(x: str) -> str:
    """Echo.

    Args:
        x: Text.
    """
    return x


def hook_raises(call: Any, ctx: Any) -> None:
    if call.input.get("x") == "bad":
        raise ValueError("hook bug")


async def hook_returns_junk(call: Any, ctx: Any) -> Any:
    return 42


def after_returns_junk(call: Any, result: Any, ctx: Any) -> Any:
    return "not a ToolResult"


@pytest.mark.parametrize(
    ("hooks", "message"),
    [
        ({"before_tool": hook_raises}, "hook_raises raised ValueError: hook bug"),
        ({"before_tool": [hook_returns_junk]}, "returned 42"),
        ({"after_tool": after_returns_junk}, "returned 'not a ToolResult'"),
    ],
)
async def test_a_failing_hook_ends_the_run_with_a_history_valid_to_continue(
    runner: Runner, hooks: dict[str, Any], message: str
):
    runner.fake.add(reply(tool_use("echo", {"x": "good"}), tool_use("echo", {"x": "bad"})))
    agent = runner.agent(tools=[echo], **hooks)
    with pytest.raises(HookError, match=message) as caught:
        await runner.run(agent, "go")
    result = caught.value.result
    assert result is not None
    answered = [b["tool_use_id"] for b in result.messages[-1]["content"]]
    assert answered == [c.id for c in result.response.tool_uses]
    runner.fake.add(reply("continued"))
    follow_up = [*result.messages, {"role": "user", "content": "go on"}]
    again = await runner.run(runner.agent(tools=[echo]), follow_up)
    assert again.text == "continued"


async def test_an_after_hook_can_replace_the_result(runner: Runner):
    def redact(call: Any, result: ToolResult, ctx: Any) -> ToolResult:
        return ToolResult("[redacted]")

    runner.fake.add(reply(tool_use("echo", {"x": "secret"})), reply("ok"))
    await runner.run(runner.agent(tools=[echo], after_tool=redact), "go")
    assert results_sent(runner, 2)[0]["content"] == "[redacted]"


async def test_tools_cannot_change_the_history_through_their_context(runner: Runner):
    seen: list[int] = []

    from agentloop import RunContext

    @tool
    def meddler(ctx: RunContext) -> str:
        """Tries to edit the history."""
        seen.append(len(ctx.messages))
        for attempt in (
            lambda: ctx.messages.append({"role": "user", "content": "x"}),  # type: ignore[attr-defined]
            lambda: ctx.messages[0].update(role="assistant"),
            lambda: ctx.messages[0].__setitem__("role", "assistant"),
        ):
            with pytest.raises((AttributeError, TypeError)):
                attempt()
        return "ok"

    runner.fake.add(reply(tool_use("meddler", {})), reply("fine"))
    result = await runner.run(runner.agent(tools=[meddler]), "go")
    assert result.text == "fine"
    assert seen == [2]
    await anyio.lowlevel.checkpoint()


async def test_the_agent_wide_tool_retry_allowance_applies_to_tools_without_their_own(
    runner: Runner,
):
    @tool
    def always_fails() -> str:
        """Fails."""
        raise ToolError("down")

    runner.fake.add(*[reply(tool_use("always_fails", {})) for _ in range(5)])
    with pytest.raises(ToolRetriesExceeded, match="failed 3 times"):
        await runner.run(runner.agent(tools=[always_fails], max_tool_retries=2), "go")
    assert len(runner.fake.requests) == 3
