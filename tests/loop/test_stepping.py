"""The public stepping seam: a run driven by hand, saved and resumed as JSON, and
deferred approval across processes. Only public names are used here."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import agentloop
from agentloop import (
    AWAITING_APPROVAL,
    Agent,
    Approve,
    CallModel,
    Defer,
    Deny,
    Finish,
    RunState,
    RunTools,
    StepFinished,
    ToolCallOutcome,
    tool,
)
from agentloop.testing import FakeAnthropic, reply, tool_use

CALLS: list[str] = []


@tool
def send_mail(to: str) -> str:
    """Send a mail.

    Args:
        to: The address.
    """
    CALLS.append(to)
    return f"sent to {to}"


@tool
def lookup(name: str) -> str:
    """Look up an address.

    Args:
        name: Who.
    """
    return f"{name}@example.com"


def script() -> list[Any]:
    return [
        reply(
            tool_use("lookup", {"name": "ann"}, id="t1"),
            tool_use("send_mail", {"to": "x"}, id="t2"),
        ),
        reply("done"),
    ]


def test_a_run_driven_by_hand_sends_what_run_sends():
    by_run = FakeAnthropic(script())
    agent = Agent("claude-sonnet-4-6", tools=[lookup, send_mail], client=by_run.client())
    expected = agent.run("mail ann", run_id="r-1")

    by_hand = FakeAnthropic(script())
    agent = Agent("claude-sonnet-4-6", tools=[lookup, send_mail], client=by_hand.client())
    run = agent.start("mail ann", run_id="r-1")
    while not run.finished:
        step = run.next()
        # everything that crosses the seam goes through JSON on the way
        run = agent.resume(RunState.model_validate_json(run.state.model_dump_json()))
        if isinstance(step, CallModel):
            message = run.request_model()
            run.feed(type(message).model_validate_json(message.model_dump_json()))
        else:
            assert isinstance(step, RunTools)
            outcomes = [run.call_tool(call) for call in step.calls]
            run.feed_tool_outcomes([ToolCallOutcome.from_json(o.to_json()) for o in outcomes])
    result = run.result()
    assert [r.body for r in by_hand.requests] == [r.body for r in by_run.requests]
    assert result.text == expected.text == "done"
    assert result.run_id == "r-1"
    assert result.messages == expected.messages
    by_hand.assert_clean()


@pytest.mark.anyio
async def test_a_run_driven_by_hand_with_the_async_client():
    fake = FakeAnthropic(script())
    agent = Agent("claude-sonnet-4-6", tools=[lookup, send_mail], async_client=fake.async_client())
    run = agent.start("mail ann")
    while not isinstance(step := run.next(), Finish):
        if isinstance(step, CallModel):
            run.feed(await run.arequest_model())
        else:
            run.feed_tool_outcomes([await run.acall_tool(call) for call in step.calls])
    assert run.result().text == "done"


def test_the_wrong_step_is_refused_with_what_to_do():
    fake = FakeAnthropic(script())
    run = Agent("claude-sonnet-4-6", tools=[lookup], client=fake.client()).start("hi")
    with pytest.raises(agentloop.ConfigurationError, match=r"run\.next"):
        run.feed_tool_outcomes([])


def test_a_tool_call_at_the_seam_never_raises():
    @tool
    def boom() -> str:
        """Fails."""
        raise RuntimeError("nope")

    fake = FakeAnthropic([reply(tool_use("boom", {}, id="t1"))])
    agent = Agent("claude-sonnet-4-6", tools=[boom], client=fake.client())
    run = agent.start("go")
    run.feed(run.request_model())
    step = run.next()
    assert isinstance(step, RunTools)
    outcome = run.call_tool(step.calls[0])
    assert outcome.kind == "error" and outcome.result.is_error
    assert "RuntimeError: nope" in str(outcome.result.content)


# --- saving after every step, resuming in another process ----------------------------


def test_the_state_is_saved_mid_run_and_the_run_finished_in_a_fresh_process(tmp_path: Path):
    fake = FakeAnthropic(script()[:1])
    agent = Agent("claude-sonnet-4-6", tools=[lookup, send_mail], client=fake.client())
    saved = None
    for event in agent.iter("mail ann", run_id="r-7"):
        if isinstance(event, StepFinished) and not event.state.pending_calls:
            saved = event.to_json()  # after the tool turn: the next step is a model request
            break
    assert saved is not None
    (tmp_path / "state.json").write_text(saved)
    finish = textwrap.dedent(
        f"""
        from agentloop import Agent, RunState, tool
        from agentloop.testing import FakeAnthropic, reply

        fake = FakeAnthropic([reply("done")])
        agent = Agent("claude-sonnet-4-6", client=fake.client())
        state = RunState.model_validate_json(open({str(tmp_path / "state.json")!r}).read())
        result = agent.run(state)
        print(result.run_id, result.text, len(fake.requests), result.requests)
        fake.assert_clean()
        """
    )
    out = subprocess.run([sys.executable, "-c", finish], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["r-7", "done", "1", "2"]


# --- deferred approval -----------------------------------------------------------------


def ask_later(call: Any, ctx: Any) -> Any:
    return Defer("a person must approve mail") if call.name == "send_mail" else None


def test_a_deferred_call_stops_the_run_after_its_siblings_ran():
    CALLS.clear()
    fake = FakeAnthropic(script()[:1])
    agent = Agent(
        "claude-sonnet-4-6", tools=[lookup, send_mail], before_tool=ask_later, client=fake.client()
    )
    result = agent.run("mail ann")
    assert result.stop_reason == AWAITING_APPROVAL
    assert [c.id for c in result.awaiting] == ["t2"]
    assert result.state.answered["t1"]["content"] == "ann@example.com"  # the sibling ran
    assert CALLS == []
    fake.assert_clean()


@pytest.mark.parametrize(
    ("decision", "sent", "mailed"),
    [
        (Approve(), "sent to x", ["x"]),
        (Approve(input={"to": "boss"}), "sent to boss", ["boss"]),
        (Deny("not today"), "not today", []),
    ],
)
def test_decisions_given_in_another_process_resume_the_run(
    tmp_path: Path, decision: Any, sent: str, mailed: list[str]
):
    fake = FakeAnthropic(script()[:1])
    agent = Agent(
        "claude-sonnet-4-6", tools=[lookup, send_mail], before_tool=ask_later, client=fake.client()
    )
    waiting = agent.run("mail ann")
    (tmp_path / "state.json").write_text(waiting.state.model_dump_json())
    resume = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from agentloop import Agent, Approve, Deny, RunState
        from agentloop.testing import FakeAnthropic, reply
        import test_stepping as t

        fake = FakeAnthropic([reply("done")])
        agent = Agent("claude-sonnet-4-6", tools=[t.lookup, t.send_mail],
                      before_tool=t.ask_later, client=fake.client())
        state = RunState.model_validate_json(open({str(tmp_path / "state.json")!r}).read())
        result = agent.run(state, decisions={{"t2": {decision!r}}})
        results = fake.requests[0].body["messages"][-1]["content"]
        print(json.dumps([result.text, [r.get("content") for r in results], t.CALLS]))
        """
    )
    out = subprocess.run([sys.executable, "-c", resume], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    text, contents, calls = json.loads(out.stdout)
    assert text == "done"
    assert contents == ["ann@example.com", sent]
    assert calls == mailed


def test_resuming_without_every_decision_says_which_are_missing():
    fake = FakeAnthropic(script()[:1])
    agent = Agent(
        "claude-sonnet-4-6", tools=[lookup, send_mail], before_tool=ask_later, client=fake.client()
    )
    waiting = agent.run("mail ann")
    with pytest.raises(agentloop.ConfigurationError, match="t2"):
        agent.run(waiting.state)
    with pytest.raises(agentloop.ConfigurationError, match="nope"):
        agent.run(waiting.state, decisions={"nope": Approve()})


def test_a_run_that_ended_in_an_error_still_gives_its_result_and_the_error_its_json():
    fake = FakeAnthropic([reply(tool_use("lookup", {"name": "ann"}, id="t1"))])
    agent = Agent("claude-sonnet-4-6", tools=[lookup], client=fake.client(), max_requests=1)
    run = agent.start("hi")
    run.feed(run.request_model())
    step = run.next()
    assert isinstance(step, RunTools)
    with pytest.raises(agentloop.RequestLimitExceeded) as caught:
        run.feed_tool_outcomes([run.call_tool(call) for call in step.calls])
    saved = agent.resume(run.state.model_dump_json())
    assert saved.result().messages[-1]["content"][0]["tool_use_id"] == "t1"  # no raise
    data = json.loads(json.dumps(caught.value.to_json()))
    again = agentloop.AgentloopError.from_json(data)
    assert type(again) is agentloop.RequestLimitExceeded
    assert str(again) == str(caught.value)
