"""Consecutive same-role messages form one turn, as the API combines them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from agentloop import BadRequestError
from agentloop.testing import FakeAnthropic, reply, tool_use
from agentloop.testing.server import serve

HEADERS = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
USER = {"role": "user", "content": "Weather in Paris?"}
CALL = {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {}}
ASKED = {"role": "assistant", "content": [CALL]}
RESULTS = {
    "role": "user",
    "content": [{"type": "tool_result", "tool_use_id": "toolu_01A", "content": "15"}],
}
SUMMARIZE = {"role": "user", "content": "Summarize."}
API_TEXT = (
    "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_01A. "
    "Each `tool_use` block must have a corresponding `tool_result` block in the next message."
)


def body(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-6", "max_tokens": 100, "messages": list(messages)}


def test_a_continuation_after_tool_results_is_one_user_turn() -> None:
    fake = FakeAnthropic([reply("Summary.")])
    client = fake.client(max_retries=0)
    message = client.create(**body(USER, ASKED, RESULTS, SUMMARIZE))
    assert message.content[0].text == "Summary."  # type: ignore[union-attr]
    assert fake.violations == []


def test_consecutive_messages_of_each_role_are_accepted() -> None:
    fake = FakeAnthropic([reply("ok")])
    messages = [
        USER,
        {"role": "user", "content": "And Rome?"},
        {"role": "assistant", "content": "Let me check."},
        ASKED,
        RESULTS,
        {"role": "user", "content": [{"type": "text", "text": "Thanks"}]},
        SUMMARIZE,
    ]
    fake.client(max_retries=0).create(**body(*messages))
    assert fake.violations == []


def test_results_may_be_split_over_consecutive_user_messages() -> None:
    second = {**CALL, "id": "toolu_01B"}
    fake = FakeAnthropic([reply("ok")])
    split = [
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": i, "content": "1"}]}
        for i in ("toolu_01A", "toolu_01B")
    ]
    fake.client(max_retries=0).create(
        **body(USER, {"role": "assistant", "content": [CALL, second]}, *split)
    )
    assert fake.violations == []


def test_a_tool_use_unanswered_in_the_combined_turn_is_the_apis_400() -> None:
    fake = FakeAnthropic([reply("never served")])
    client = fake.client(max_retries=0)
    with pytest.raises(BadRequestError) as info:
        client.create(**body(USER, ASKED, SUMMARIZE, {"role": "user", "content": "Well?"}))
    assert f"messages.1: {API_TEXT}" in str(info.value)
    assert [v.rule for v in fake.violations] == ["tool_use answered"]
    assert fake.remaining == 1


def test_the_local_server_shares_the_combined_turn_rules() -> None:
    fake = FakeAnthropic([reply("Summary.")])
    with serve(fake) as url, httpx.Client(headers=HEADERS, timeout=30.0) as http:
        ok = http.post(f"{url}/v1/messages", json=body(USER, ASKED, RESULTS, SUMMARIZE))
        bad = http.post(f"{url}/v1/messages", json=body(USER, ASKED, SUMMARIZE))
    assert ok.status_code == 200, ok.text
    assert bad.status_code == 400 and API_TEXT in bad.json()["error"]["message"]


def test_the_agent_continuation_after_a_limit_is_accepted() -> None:
    from agentloop import Agent, RequestLimitExceeded, tool

    @tool
    def get_weather(location: str) -> str:
        """Weather.

        Args:
            location: A city.
        """
        return "15 degrees"

    fake = FakeAnthropic([reply(tool_use("get_weather", {"location": "Paris"})), reply("Sunny.")])
    agent = Agent(
        model="claude-sonnet-4-6", tools=[get_weather], client=fake.client(), max_requests=1
    )
    with pytest.raises(RequestLimitExceeded) as info:
        agent.run("Weather in Paris?")
    assert info.value.result is not None
    result = agent.run([*info.value.result.messages, SUMMARIZE])
    assert result.text == "Sunny."
    assert fake.violations == []


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": "Bearer sk-test", "anthropic-version": "2023-06-01"},
        {"x-api-key": "sk-test", "anthropic-version": "2026-10-21"},
    ],
)
def test_what_the_api_accepts_in_headers_is_accepted(headers: dict[str, str]) -> None:
    fake = FakeAnthropic([reply("ok")])
    with httpx.Client(transport=fake.transport) as http:
        response = http.post(
            "https://api.anthropic.com/v1/messages", json=body(USER), headers=headers
        )
    assert response.status_code == 200, response.text
    assert fake.violations == []
