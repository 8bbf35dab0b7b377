"""The loop's decisions, tested without any HTTP: responses in, actions out."""

from typing import Any

import pytest

from agentloop import (
    MaxTokensExceeded,
    OverloadedError,
    RequestLimitExceeded,
    StreamError,
    TokenBudgetExceeded,
)
from agentloop._exceptions import BadRequestError
from agentloop._loop._config import AgentConfig
from agentloop._loop._flow import SendRequest, request_flow
from agentloop._loop._outcome import ToolCallOutcome
from agentloop._loop._prompt import new_state
from agentloop._loop._state import CallModel, Finish, LoopMachine, RunTools
from agentloop._models import Message
from agentloop._retry import RetryPolicy
from agentloop._tools import ToolResult

_ids = iter(range(1000))


def response(
    *blocks: dict[str, Any], stop_reason: str | None = "end_turn", **extra: Any
) -> Message:
    return Message.model_validate(
        {
            "id": f"msg_{next(_ids)}",
            "model": "claude-sonnet-4-6",
            "content": list(blocks),
            "stop_reason": stop_reason,
            "usage": {"input_tokens": 10, "output_tokens": 5},
            **extra,
        }
    )


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def call(name: str, id: str, **input: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": id, "name": name, "input": input}


def machine(**options: Any) -> LoopMachine:
    config = AgentConfig.build(model=options.pop("model", "claude-sonnet-4-6"), **options)
    return LoopMachine(config, new_state(config, "hi"))


def result_block(tool_use_id: str, content: str = "ok", kind: Any = "ok") -> ToolCallOutcome:
    result = ToolResult(content, is_error=kind != "ok")
    return ToolCallOutcome(tool_use_id, "tool", result, kind)


def test_first_action_calls_the_model_with_the_prompt():
    action = machine(system="be brief").start()
    assert isinstance(action, CallModel)
    assert action.request == 1
    assert action.params["messages"] == [{"role": "user", "content": "hi"}]
    assert action.params["system"] == "be brief"
    assert action.params["max_tokens"] == 4096


@pytest.mark.parametrize("reason", ["end_turn", "stop_sequence"])
def test_end_turn_and_stop_sequence_finish(reason: str):
    m = machine()
    m.start()
    action = m.on_response(response(text("done"), stop_reason=reason))
    assert isinstance(action, Finish)
    assert action.result.text == "done"
    assert action.result.stop_reason == reason
    assert not action.result.truncated
    assert action.result.messages[-1] == {"role": "assistant", "content": [text("done")]}


def test_tool_use_runs_every_call_then_answers_in_order():
    m = machine()
    m.start()
    action = m.on_response(response(text("let me"), call("a", "t1"), call("b", "t2"),
                                     stop_reason="tool_use"))  # fmt: skip
    assert isinstance(action, RunTools)
    assert [c.id for c in action.calls] == ["t1", "t2"]
    action = m.on_tool_outcomes([result_block("t1"), result_block("t2")])
    assert isinstance(action, CallModel)
    assert action.request == 2
    assert action.params["messages"][-1] == {
        "role": "user",
        "content": [result_block("t1").to_block(), result_block("t2").to_block()],
    }


def test_tool_results_out_of_order_are_refused():
    m = machine()
    m.start()
    m.on_response(response(call("a", "t1"), call("b", "t2"), stop_reason="tool_use"))
    with pytest.raises(ValueError, match="do not answer"):
        m.on_tool_outcomes([result_block("t2"), result_block("t1")])


def test_max_tokens_with_cut_tool_use_resends_with_doubled_max_tokens():
    m = machine(max_tokens=1000, max_tokens_ceiling=3000, max_tokens_retries=5)
    m.start()
    cut = response(text("x"), call("a", "t1"), stop_reason="max_tokens")
    action = m.on_response(cut)
    assert isinstance(action, CallModel)
    assert action.params["max_tokens"] == 2000
    assert action.params["messages"] == [{"role": "user", "content": "hi"}]  # not appended
    action = m.on_response(cut)
    assert isinstance(action, CallModel)
    assert action.params["max_tokens"] == 3000  # the ceiling
    action = m.on_response(cut)  # at the ceiling: give up, truncated, no unanswered call
    assert isinstance(action, Finish)
    assert action.result.truncated
    assert action.result.messages[-1] == {"role": "assistant", "content": [text("x")]}


def test_max_tokens_retries_are_bounded():
    m = machine(max_tokens=100, max_tokens_retries=1)
    m.start()
    cut = response(call("a", "t1"), stop_reason="max_tokens")
    assert isinstance(m.on_response(cut), CallModel)
    action = m.on_response(cut)
    assert isinstance(action, Finish)
    assert action.result.stop_reason == "max_tokens"
    assert action.result.messages == [{"role": "user", "content": "hi"}]


def test_max_tokens_without_tool_use_finishes_truncated():
    m = machine()
    m.start()
    action = m.on_response(response(text("partial"), stop_reason="max_tokens"))
    assert isinstance(action, Finish)
    assert action.result.truncated
    assert action.result.text == "partial"


def test_max_tokens_can_raise_instead():
    m = machine(on_max_tokens="raise")
    m.start()
    with pytest.raises(MaxTokensExceeded) as info:
        m.on_response(response(text("partial"), stop_reason="max_tokens"))
    assert info.value.result.text == "partial"
    assert info.value.result.truncated


def test_pause_turn_resends_the_paused_content_then_merges_the_continuation():
    m = machine()
    m.start()
    paused = [
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
         "input": {"query": "x"}, "caller": {"type": "direct"}},
    ]  # fmt: skip
    action = m.on_response(response(*paused, stop_reason="pause_turn"))
    assert isinstance(action, CallModel)
    assert action.params["messages"][-1] == {"role": "assistant", "content": paused}
    action = m.on_response(response(text("found it")))
    assert isinstance(action, Finish)
    assert action.result.messages[-1] == {
        "role": "assistant",
        "content": [*paused, text("found it")],
    }
    assert [msg["role"] for msg in action.result.messages] == ["user", "assistant"]


def test_pause_turn_continuations_are_bounded():
    m = machine(max_pause_continuations=2)
    m.start()
    for _ in range(2):
        assert isinstance(m.on_response(response(text("."), stop_reason="pause_turn")), CallModel)
    action = m.on_response(response(text("."), stop_reason="pause_turn"))
    assert isinstance(action, Finish)
    assert action.result.stop_reason == "pause_turn"


def test_refusal_stops_without_running_tools_and_keeps_stop_details():
    m = machine()
    m.start()
    details = {"type": "refusal", "category": "cyber"}
    action = m.on_response(
        response(text("I can't"), call("a", "t1"), stop_reason="refusal", stop_details=details)
    )
    assert isinstance(action, Finish)
    assert action.result.stop_details == details
    assert action.result.messages[-1] == {"role": "assistant", "content": [text("I can't")]}


@pytest.mark.parametrize("reason", ["model_context_window_exceeded", "brand_new_reason", None])
def test_context_window_and_unknown_stop_reasons_finish(reason: str | None):
    m = machine()
    m.start()
    action = m.on_response(response(text("x"), call("a", "t1"), stop_reason=reason))
    assert isinstance(action, Finish)
    assert action.result.stop_reason == reason
    assert action.result.truncated == (reason == "model_context_window_exceeded")


def test_thinking_blocks_are_kept_exactly_in_the_history():
    m = machine(thinking=1024)
    m.start()
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig=="}
    redacted = {"type": "redacted_thinking", "data": "EmwKAhgB"}
    m.on_response(response(thinking, redacted, call("a", "t1"), stop_reason="tool_use"))
    action = m.on_tool_outcomes([result_block("t1")])
    assert isinstance(action, CallModel)
    assert action.params["messages"][1]["content"][:2] == [thinking, redacted]
    assert action.params["thinking"] == {"type": "enabled", "budget_tokens": 1024}


def test_request_limit_raises_with_a_resumable_history():
    m = machine(max_requests=1)
    m.start()
    m.on_response(response(call("a", "t1"), stop_reason="tool_use"))
    with pytest.raises(RequestLimitExceeded) as info:
        m.on_tool_outcomes([result_block("t1")])
    messages = info.value.result.messages
    assert messages[-1]["content"] == [result_block("t1").to_block()]  # tool results not dropped


def test_token_budget_raises_before_the_next_request():
    m = machine(max_total_tokens=20)
    m.start()
    m.on_response(response(call("a", "t1"), stop_reason="tool_use"))  # 15 tokens
    assert isinstance(m.on_tool_outcomes([result_block("t1")]), CallModel)
    m.on_response(response(call("a", "t2"), stop_reason="tool_use"))  # 30 tokens
    with pytest.raises(TokenBudgetExceeded) as info:
        m.on_tool_outcomes([result_block("t2")])
    assert info.value.result.usage.input_tokens == 20


def test_usage_is_totalled_across_requests():
    m = machine()
    m.start()
    m.on_response(response(call("a", "t1"), stop_reason="tool_use"))
    m.on_tool_outcomes([result_block("t1")])
    action = m.on_response(response(text("done")))
    assert isinstance(action, Finish)
    assert (action.result.usage.input_tokens, action.result.usage.output_tokens) == (20, 10)
    assert action.result.requests == 2


def drive_request(outcomes: list[Any], max_retries: int = 2) -> tuple[Any, list[Any]]:
    """Run request_flow, answering each SendRequest with the next outcome."""
    flow = request_flow({"model": "m"}, stream=True, policy=RetryPolicy(max_retries), request=1)
    seen: list[Any] = []
    answers = iter(outcomes)
    item = next(flow)
    try:
        while True:
            seen.append(item)
            item = flow.send(next(answers) if isinstance(item, SendRequest) else None)
    except StopIteration as stop:
        return stop.value, seen


def test_a_stream_broken_mid_way_is_sent_again_within_one_budget():
    overloaded = OverloadedError("Overloaded", status_code=529)
    overloaded.mid_stream = True
    last = StreamError("cut again")
    outcome, seen = drive_request([StreamError("cut"), overloaded, last], max_retries=2)
    assert outcome is last  # three attempts in all: one budget, never multiplied
    assert [type(x).__name__ for x in seen] == [
        "SendRequest", "ModelRetry", "Sleep", "SendRequest", "ModelRetry", "Sleep", "SendRequest",
    ]  # fmt: skip


def test_errors_not_worth_retrying_end_the_request_at_once():
    bad = BadRequestError("bad", status_code=400)
    outcome, seen = drive_request([bad])
    assert outcome is bad and len(seen) == 1


def test_a_failed_model_request_is_raised_with_the_run_attached():
    m = machine()
    m.start()
    error = OverloadedError("Overloaded", status_code=529)
    with pytest.raises(OverloadedError) as caught:
        m.on_error(error)
    assert caught.value.result is not None
    assert caught.value.result.messages == [{"role": "user", "content": "hi"}]


def test_state_round_trips_through_json_and_resumes():
    m = machine()
    m.start()
    m.on_response(response(call("a", "t1", x=1), stop_reason="tool_use"))
    saved = m.state.model_dump_json()
    resumed = LoopMachine(m.config, type(m.state).model_validate_json(saved))
    action = resumed.start()
    assert isinstance(action, RunTools)
    assert action.calls[0].input == {"x": 1}


def test_a_forced_tool_choice_falls_back_to_auto_once_a_tool_ran():
    m = machine(tool_choice={"type": "tool", "name": "record", "disable_parallel_tool_use": True})
    first = m.start()
    assert isinstance(first, CallModel)
    assert first.params["tool_choice"]["type"] == "tool"
    m.on_response(response(call("record", "t1", x=1), stop_reason="tool_use"))
    rejected = result_block("t1", "Invalid input", kind="error")
    second = m.on_tool_outcomes([rejected])
    assert isinstance(second, CallModel)
    assert second.params["tool_choice"]["type"] == "tool"  # still forced: try again
    m.on_response(response(call("record", "t2", x=2), stop_reason="tool_use"))
    third = m.on_tool_outcomes([result_block("t2")])
    assert isinstance(third, CallModel)
    assert third.params["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


def test_a_forced_tool_choice_can_stay_forced():
    m = machine(tool_choice="any", reset_tool_choice=False)
    m.start()
    m.on_response(response(call("record", "t1"), stop_reason="tool_use"))
    action = m.on_tool_outcomes([result_block("t1")])
    assert isinstance(action, CallModel)
    assert action.params["tool_choice"] == {"type": "any"}
