"""The protocol checks: a compliant conversation passes, each broken rule is named."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from agentloop.testing import (
    FakeAnthropic,
    ProtocolViolationError,
    redacted_thinking,
    reply,
    server_tool_use,
    text,
    thinking,
    tool_use,
    web_search_result,
)

HEADERS = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
URL = "https://api.anthropic.com/v1/messages"
USER = {"role": "user", "content": "Weather in Paris and Rome?"}
TOOLS = [
    {
        "name": "get_weather",
        "description": "d",
        "input_schema": {"type": "object", "properties": {}},
    },
    {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
]
THINKING = {"type": "enabled", "budget_tokens": 2000}


def body(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-6", "max_tokens": 4096, "messages": list(messages), **fields}


def post(
    fake: FakeAnthropic, payload: Any, headers: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    with httpx.Client(transport=fake.transport) as client:
        kw.setdefault("method", "POST")
        kw.setdefault("url", URL)
        kw["headers"] = HEADERS if headers is None else headers
        if isinstance(payload, bytes):
            kw["content"] = payload
        else:
            kw["json"] = payload
        return client.request(**kw)


def tool_turn() -> Any:
    return reply(
        thinking("Two cities, two calls."),
        redacted_thinking("EmwKAhgBEgy3va3pzix"),
        tool_use("get_weather", {"location": "Paris"}, caller={"type": "direct"}),
        tool_use("get_weather", {"location": "Rome"}, caller={"type": "direct"}),
    )


def results_for(assistant: dict[str, Any]) -> dict[str, Any]:
    ids = [b["id"] for b in assistant["content"] if b["type"] == "tool_use"]
    results = [{"type": "tool_result", "tool_use_id": i, "content": "15 degrees"} for i in ids]
    return {"role": "user", "content": [*results, {"type": "text", "text": "Thanks"}]}


def as_turn(message: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": message["content"]}


def test_a_compliant_conversation_passes() -> None:
    paused = reply(
        server_tool_use("web_search", {"query": "rome weather"}),
        web_search_result(results=[{"url": "https://example.com", "title": "t"}]),
        stop_reason="pause_turn",
    )
    fake = FakeAnthropic(
        [tool_turn(), paused, reply(text("Sunny in both.")), reply("Bye.")], round_trip=True
    )
    options = {
        "tools": TOOLS,
        "thinking": THINKING,
        "tool_choice": {"type": "auto"},
        "system": "Be brief.",
    }
    with fake:
        first = as_turn(post(fake, body(USER, **options)).json())
        history = [USER, first, results_for(first)]
        second = as_turn(post(fake, body(*history, **options)).json())
        third = as_turn(post(fake, body(*history, second, **options)).json())
        history += [
            {"role": "assistant", "content": second["content"] + third["content"]},
            {"role": "user", "content": "And tomorrow?"},
            {"role": "system", "content": "Answer in French from now on."},
        ]
        response = post(fake, body(*history, **options))
        assert response.status_code == 200, response.text
    assert fake.violations == []


BASE = body(USER)
TOOL_USE = {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {}}
RESULT = {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "15"}

Breaker = Callable[[dict[str, Any], dict[str, str]], Any]


def with_messages(*messages: dict[str, Any]) -> Breaker:
    def breaker(payload: dict[str, Any], headers: dict[str, str]) -> None:
        payload["messages"] = list(messages)

    return breaker


def with_fields(**fields: Any) -> Breaker:
    def breaker(payload: dict[str, Any], headers: dict[str, str]) -> None:
        payload.update(fields)

    return breaker


def without(key: str) -> Breaker:
    def breaker(payload: dict[str, Any], headers: dict[str, str]) -> None:
        payload.pop(key, None)
        headers.pop(key, None)

    return breaker


def with_header(name: str, value: str) -> Breaker:
    def breaker(payload: dict[str, Any], headers: dict[str, str]) -> None:
        headers[name] = value

    return breaker


def with_new_version(*messages: dict[str, Any]) -> Breaker:
    def breaker(payload: dict[str, Any], headers: dict[str, str]) -> None:
        payload["messages"] = list(messages)
        headers["anthropic-version"] = "2026-10-21"

    return breaker


ASSISTANT = {"role": "assistant", "content": "Hello"}
CASES: dict[str, tuple[Breaker, str]] = {
    "no api key": (without("x-api-key"), "x-api-key header"),
    "no model": (without("model"), "model"),
    "no max_tokens": (without("max_tokens"), "max_tokens"),
    "zero max_tokens": (with_fields(max_tokens=0), "max_tokens"),
    "string max_tokens": (with_fields(max_tokens="100"), "max_tokens"),
    "no messages": (with_messages(), "messages"),
    "bad role": (with_messages({"role": "tool", "content": "x"}), "message shape"),
    "untyped block": (with_messages({"role": "user", "content": [{"text": "x"}]}), "message shape"),
    "assistant first": (with_messages(ASSISTANT, USER), "first message"),
    "system first": (
        with_messages({"role": "system", "content": "x"}, USER),
        "system message placement",
    ),
    "system after assistant": (
        with_messages(USER, ASSISTANT, {"role": "system", "content": "x"}),
        "system message placement",
    ),
    "unanswered tool_use": (
        with_messages(
            USER, {"role": "assistant", "content": [TOOL_USE]}, {"role": "user", "content": "?"}
        ),
        "tool_use answered",
    ),
    "tool_use last": (
        with_messages(USER, {"role": "assistant", "content": [TOOL_USE]}),
        "tool_use answered",
    ),
    "result for nothing": (
        with_messages(USER, ASSISTANT, {"role": "user", "content": [RESULT]}),
        "tool_result answers previous tool_use",
    ),
    "unanswered in the combined turn": (
        with_messages(
            USER,
            {"role": "assistant", "content": "Let me check."},
            {"role": "assistant", "content": [TOOL_USE]},
            {"role": "user", "content": "?"},
            {"role": "user", "content": [{"type": "text", "text": "still nothing"}]},
        ),
        "tool_use answered",
    ),
    "result after text in the combined turn": (
        with_messages(
            USER,
            {"role": "assistant", "content": [TOOL_USE]},
            {"role": "user", "content": "first"},
            {"role": "user", "content": [RESULT]},
        ),
        "tool_result first",
    ),
    "result twice across messages": (
        with_messages(
            USER,
            {"role": "assistant", "content": [TOOL_USE]},
            {"role": "user", "content": [RESULT]},
            {"role": "user", "content": [RESULT]},
        ),
        "tool_result once",
    ),
    "document in assistant under 2026-10-21": (
        with_new_version(
            USER,
            {"role": "assistant", "content": [{"type": "document", "source": {}}]},
            {"role": "user", "content": "ok"},
        ),
        "document in assistant message",
    ),
    "cited user text under 2026-10-21": (
        with_new_version(
            {"role": "user", "content": [{"type": "text", "text": "x", "citations": [{}]}]}
        ),
        "citations in user message",
    ),
    "cited search result under 2026-10-21": (
        with_new_version(
            {
                "role": "user",
                "content": [
                    {
                        "type": "search_result",
                        "source": "s",
                        "title": "t",
                        "content": [{"type": "text", "text": "x", "citations": [{}]}],
                    }
                ],
            }
        ),
        "citations in user message",
    ),
    "temperature under 2026-10-21": (
        lambda payload, headers: (
            payload.update(temperature=1),
            headers.update({"anthropic-version": "2026-10-21"}),
        ),
        "sampling parameters",
    ),
    "result after text": (
        with_messages(
            USER,
            {"role": "assistant", "content": [TOOL_USE]},
            {"role": "user", "content": [{"type": "text", "text": "x"}, RESULT]},
        ),
        "tool_result first",
    ),
    "result twice": (
        with_messages(
            USER,
            {"role": "assistant", "content": [TOOL_USE]},
            {"role": "user", "content": [RESULT, RESULT]},
        ),
        "tool_result once",
    ),
    "bad tool name": (with_fields(tools=[{**TOOLS[0], "name": "get weather"}]), "tool name"),
    "long tool name": (with_fields(tools=[{**TOOLS[0], "name": "x" * 65}]), "tool name"),
    "no input_schema": (
        with_fields(tools=[{"name": "t", "description": "d"}]),
        "tool input_schema",
    ),
    "array input_schema": (
        with_fields(tools=[{"name": "t", "input_schema": {"type": "array"}}]),
        "tool input_schema",
    ),
    "same tool twice": (with_fields(tools=[TOOLS[0], TOOLS[0]]), "tool names unique"),
    "forced tool with thinking": (
        with_fields(
            tools=TOOLS, thinking=THINKING, tool_choice={"type": "tool", "name": "get_weather"}
        ),
        "tool_choice with thinking",
    ),
}


@pytest.mark.parametrize(("breaker", "rule"), CASES.values(), ids=CASES.keys())
def test_each_broken_rule_is_named(breaker: Breaker, rule: str) -> None:
    fake = FakeAnthropic([reply("never served")])
    payload, headers = copy.deepcopy(BASE), dict(HEADERS)
    breaker(payload, headers)
    response = post(fake, payload, headers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("request 1: agentloop.testing: ")
    assert f"{rule}: " in error["message"]
    assert rule in [v.rule for v in fake.violations]
    assert fake.remaining == 1


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("2022-01-01", 'anthropic-version: "2022-01-01" is not a valid version'),
        (None, "anthropic-version: header is required"),
    ],
)
def test_an_unknown_version_gets_the_apis_400_before_the_body_is_read(
    version: str | None, message: str
) -> None:
    fake = FakeAnthropic([reply("never served")])
    headers = {k: v for k, v in HEADERS.items() if k != "anthropic-version"}
    if version is not None:
        headers["anthropic-version"] = version
    response = post(fake, b"{not json", {**headers, "content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "invalid_request_error", "message": message}
    assert [(v.rule, v.detail) for v in fake.violations] == [("anthropic-version header", message)]
    assert fake.remaining == 1


def test_each_version_applies_its_own_rules() -> None:
    cited = {"role": "user", "content": [{"type": "text", "text": "x", "citations": [{}]}]}
    fake = FakeAnthropic([reply("a"), reply("b")])
    for version in ("2023-06-01", "2026-10-21"):
        headers = {**HEADERS, "anthropic-version": version}
        post(fake, {**BASE, "temperature": 0.5, "messages": [cited]}, headers)
    assert [v.request for v in fake.violations] == [2, 2]
    assert {v.rule for v in fake.violations} == {"sampling parameters", "citations in user message"}


def test_http_level_rules() -> None:
    fake = FakeAnthropic()
    post(fake, BASE, method="GET")
    post(fake, BASE, url="https://api.anthropic.com/v1/complete")
    post(fake, b"{not json", {**HEADERS, "content-type": "application/json"})
    post(fake, b"{}", {**HEADERS, "content-type": "text/plain"})
    rules = [v.rule for v in fake.violations]
    assert rules[:3] == ["method", "path", "JSON body"]
    assert "content-type header" in rules


def test_thinking_on_allows_auto_and_none() -> None:
    fake = FakeAnthropic([reply("a"), reply("b")])
    for kind in ("auto", "none"):
        assert (
            post(
                fake, body(USER, tools=TOOLS, thinking=THINKING, tool_choice={"type": kind})
            ).status_code
            == 200
        )
    disabled = {"type": "disabled"}
    fake.add(reply("c"))
    assert (
        post(
            fake, body(USER, tools=TOOLS, thinking=disabled, tool_choice={"type": "any"})
        ).status_code
        == 200
    )


def served_then(
    change: Callable[[dict[str, Any]], None], round_trip: bool = True, **fields: Any
) -> FakeAnthropic:
    """Serve the tool turn, then send it back after ``change`` (with ``fields``)."""
    fake = FakeAnthropic([tool_turn(), reply("done")], round_trip=round_trip)
    first = as_turn(post(fake, body(USER, tools=TOOLS, **fields)).json())
    answer = results_for(first)
    change(first)
    post(fake, body(USER, first, answer, tools=TOOLS, **fields))
    return fake


def test_changed_signature_is_caught() -> None:
    fake = served_then(lambda turn: turn["content"][0].update(signature="forged"))
    assert [v.rule for v in fake.violations] == ["thinking unchanged"]


def test_changed_redacted_thinking_is_caught() -> None:
    fake = served_then(lambda turn: turn["content"][1].update(data="other"))
    assert [v.rule for v in fake.violations] == ["thinking unchanged"]


def test_dropped_thinking_is_caught_when_thinking_is_on() -> None:
    def drop(turn: dict[str, Any]) -> None:
        del turn["content"][:2]

    assert [v.rule for v in served_then(drop, thinking=THINKING).violations] == [
        "thinking kept with tool_use"
    ]
    assert served_then(drop).violations == []


def test_dropped_extra_field_is_caught() -> None:
    fake = served_then(lambda turn: turn["content"][2].pop("caller"))
    assert [v.rule for v in fake.violations] == ["served block unchanged"]
    assert "caller" in fake.violations[0].detail


def test_a_changed_tool_use_is_accepted_as_the_api_does_without_round_trip() -> None:
    # The API is stateless: an edited (or synthetic) assistant turn is valid.
    def edit(turn: dict[str, Any]) -> None:
        turn["content"][2]["input"] = {"location": "[redacted]"}

    assert served_then(edit, round_trip=False).violations == []
    assert [v.rule for v in served_then(edit).violations] == ["served block unchanged"]
    # thinking is checked either way: the API verifies its signature
    forged = served_then(lambda t: t["content"][0].update(signature="x"), round_trip=False)
    assert [v.rule for v in forged.violations] == ["thinking unchanged"]


def test_pause_turn_must_be_resent_unchanged() -> None:
    paused = reply(server_tool_use("web_search", {"q": "x"}), stop_reason="pause_turn")
    fake = FakeAnthropic([paused, reply("done")], round_trip=True)
    turn = as_turn(post(fake, body(USER)).json())
    post(fake, body(USER, turn, {"role": "user", "content": "go on"}))
    assert [v.rule for v in fake.violations] == ["pause_turn continuation"]


def test_without_round_trip_a_paused_turn_may_be_left_as_the_stateless_api_allows() -> None:
    paused = reply(server_tool_use("web_search", {"q": "x"}), stop_reason="pause_turn")
    fake = FakeAnthropic([paused, reply("fresh start")])
    post(fake, body(USER))
    assert post(fake, body({"role": "user", "content": "Another conversation"})).status_code == 200
    assert fake.violations == []


def test_a_turn_paused_twice_may_come_back_as_one_message() -> None:
    first = reply(server_tool_use("web_search", {"q": "a"}), stop_reason="pause_turn")
    second = reply(server_tool_use("web_search", {"q": "b"}), stop_reason="pause_turn")
    fake = FakeAnthropic([first, second, reply("done")], round_trip=True)
    turn = as_turn(post(fake, body(USER)).json())
    more = as_turn(post(fake, body(USER, turn)).json())
    merged = {"role": "assistant", "content": [*turn["content"], *more["content"]]}
    post(fake, body(USER, merged))
    assert fake.violations == []
    fake = FakeAnthropic([first, second, reply("done")], round_trip=True)
    post(fake, body(USER))
    post(fake, body(USER, turn))
    post(fake, body(USER, turn, more))  # two assistant messages: one combined turn
    assert fake.violations == []
    changed = {"role": "assistant", "content": [*more["content"], *turn["content"]]}
    fake = FakeAnthropic([first, second, reply("done")], round_trip=True)
    post(fake, body(USER))
    post(fake, body(USER, turn))
    post(fake, body(USER, changed))
    assert [v.rule for v in fake.violations] == ["pause_turn continuation"]


def test_violations_fail_the_with_block_even_if_swallowed() -> None:
    fake = FakeAnthropic([reply("x")])
    with pytest.raises(ProtocolViolationError, match="request 1: x-api-key header: missing"), fake:
        assert post(fake, BASE, {"anthropic-version": "2023-06-01"}).status_code == 400
    with pytest.raises(ProtocolViolationError):
        fake.assert_clean()


def test_checks_can_be_turned_off() -> None:
    fake = FakeAnthropic([reply("x")], checks=False)
    assert post(fake, {"anything": True}, {}).status_code == 200
    assert fake.violations == []
