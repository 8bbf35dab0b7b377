"""The real client over httpx against the scripted fake, sync and async alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

import agentloop
from agentloop import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    OverloadedError,
    RateLimitError,
    StreamError,
    ThinkingBlock,
    ToolUseBlock,
)
from agentloop.testing import (
    FakeAnthropic,
    block,
    garbage,
    http_error,
    redacted_thinking,
    reply,
    stream_error,
    text,
    thinking,
    tool_use,
    truncated_stream,
)
from helpers import API_KEY, Api

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    fake = FakeAnthropic(round_trip=True)
    yield Api(request.param, fake)
    fake.assert_clean()


async def test_create_sends_the_documented_headers_and_body(api: Api):
    api.fake.add(reply("Hello!"))
    message = await api.create(system="be brief", stop_sequences=["###"], betas=["b1", "b2"],
                               extra_body={"future_field": {"x": 1}})  # fmt: skip
    assert message.text == "Hello!"
    sent = api.fake.requests[0]
    assert sent.headers["x-api-key"] == API_KEY
    assert sent.headers["anthropic-version"] == "2026-10-21"
    assert "authorization" not in sent.headers
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["anthropic-beta"] == "b1,b2"
    assert sent.body == {
        "model": "claude-sonnet-4-6",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Hi"}],
        "system": "be brief",
        "stop_sequences": ["###"],
        "future_field": {"x": 1},
    }


async def test_response_round_trips_to_the_api_json(api: Api):
    served = reply(
        thinking("I should call the tool."),
        text("Let me look."),
        tool_use("get_weather", {"location": "Paris", "unit": None}, id="toolu_1",
                 caller={"type": "direct"}),
        block({"type": "compaction", "content": "summary", "nested": {"k": None}}),
    )  # fmt: skip
    api.fake.add(served)
    message = await api.create()
    dumped = message.model_dump(mode="json", exclude_none=True)
    assert dumped["content"] == served.content
    assert isinstance(message.content[0], ThinkingBlock)
    assert isinstance(message.content[2], ToolUseBlock)
    assert message.content[2].input == {"location": "Paris", "unit": None}


async def test_stream_yields_typed_events_and_the_final_message(api: Api):
    served = reply(thinking("hmm"), redacted_thinking("EmwKAhgB"), text("Hello there"),
                   tool_use("f", {"a": [1, 2, {"b": "c"}]}, id="toolu_1"))  # fmt: skip
    api.fake.add(served)
    events, message = await api.stream()
    kinds = [event.type for event in events]
    assert kinds[0] == "message_start"
    assert kinds[-1] == "message_stop"
    assert "ping" in kinds
    streamed = message.model_dump(mode="json", exclude_none=True)["content"]
    assert streamed == served.content
    assert message.stop_reason == "tool_use"
    assert api.fake.requests[0].body["stream"] is True


@pytest.mark.parametrize(
    ("status", "error_type", "cls"),
    [
        (400, "invalid_request_error", BadRequestError),
        (401, "authentication_error", AuthenticationError),
        (403, "permission_error", agentloop.PermissionDeniedError),
        (404, "not_found_error", agentloop.NotFoundError),
        (413, "request_too_large", agentloop.RequestTooLargeError),
        (402, "billing_error", agentloop.BillingError),
    ],
)
async def test_non_retryable_errors_raise_their_typed_error_at_once(
    api: Api, status: int, error_type: str, cls: type[APIStatusError]
):
    api.fake.add(http_error(status, error_type, "nope"))
    with pytest.raises(cls) as info:
        await api.create()
    error = info.value
    assert (error.status_code, error.error_type, error.message) == (status, error_type, "nope")
    assert error.request_id and error.request_id.startswith("req_")
    assert error.body["error"]["type"] == error_type
    assert len(api.fake.requests) == 1
    assert api.sleeps == []


@pytest.mark.parametrize(
    ("status", "error_type", "cls"),
    [
        (429, "rate_limit_error", RateLimitError),
        (500, "api_error", InternalServerError),
        (504, "timeout_error", InternalServerError),
        (529, "overloaded_error", OverloadedError),
        (409, "conflict_error", agentloop.ConflictError),
        (408, "timeout_error", APIStatusError),
    ],
)
async def test_retryable_errors_are_retried_then_raise_the_typed_last_error(
    api: Api, status: int, error_type: str, cls: type[APIStatusError]
):
    api.fake.add(*[http_error(status, error_type, f"try {i}") for i in range(3)])
    with pytest.raises(cls) as info:
        await api.create()
    assert type(info.value) is cls
    assert info.value.message == "try 2"
    assert len(api.fake.requests) == 3
    assert len(api.sleeps) == 2


async def test_retry_succeeds_after_transient_errors(api: Api):
    api.fake.add(http_error(529, "overloaded_error", "busy"), http_error(500, "api_error", "x"),
                 reply("ok"))  # fmt: skip
    assert (await api.create()).text == "ok"
    assert len(api.fake.requests) == 3
    assert 0 < api.sleeps[0] <= 0.5 and 0 < api.sleeps[1] <= 1.0  # exponential, jittered


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
    ],
)
async def test_retry_after_headers_are_honoured(api: Api, headers: dict[str, str], expected: float):
    api.fake.add(http_error(429, "rate_limit_error", "slow down", headers), reply("ok"))
    await api.create()
    assert api.sleeps == [expected]


async def test_retry_after_beyond_the_cap_falls_back_to_backoff(api: Api):
    api.fake.add(http_error(429, "rate_limit_error", "x", {"retry-after": "3600"}), reply("ok"))
    await api.create()
    assert api.sleeps[0] <= 0.5


async def test_x_should_retry_overrides_the_status(api: Api):
    api.fake.add(http_error(529, "overloaded_error", "no", {"x-should-retry": "false"}))
    with pytest.raises(OverloadedError):
        await api.create()
    assert len(api.fake.requests) == 1
    api.fake.add(http_error(400, "invalid_request_error", "yes", {"x-should-retry": "true"}),
                 reply("ok"))  # fmt: skip
    assert (await api.create()).text == "ok"


async def test_max_retries_zero_sends_once(api: Api):
    api.client_options = {"max_retries": 0}
    api.fake.add(http_error(529, "overloaded_error", "busy"))
    with pytest.raises(OverloadedError):
        await api.create()
    assert len(api.fake.requests) == 1


async def test_garbage_json_is_a_typed_response_error(api: Api):
    api.fake.add(garbage(b"<html>not json</html>"))
    with pytest.raises(APIResponseError):
        await api.create()


async def test_error_event_mid_stream_raises_the_typed_error_without_retry(api: Api):
    api.fake.add(stream_error(reply("a long answer " * 5), after_events=4))
    with pytest.raises(OverloadedError) as info:
        await api.stream()
    assert info.value.error_type == "overloaded_error"
    assert info.value.mid_stream
    assert len(api.fake.requests) == 1


async def test_stream_cut_before_message_stop_is_never_a_complete_message(api: Api):
    api.fake.add(truncated_stream(reply("a long answer " * 5), after_events=5))
    with pytest.raises(StreamError, match="before message_stop"):
        await api.stream()
    assert len(api.fake.requests) == 1


async def test_stream_failing_before_its_first_event_is_retried(api: Api):
    api.fake.add(http_error(529, "overloaded_error", "busy"), truncated_stream(reply("x"), 0),
                 reply("ok"))  # fmt: skip
    _, message = await api.stream()
    assert message.text == "ok"
    assert len(api.fake.requests) == 3


async def test_stream_error_before_first_event_maps_to_typed_error(api: Api):
    api.fake.add(*[http_error(401, "authentication_error", "bad key")])
    with pytest.raises(AuthenticationError):
        await api.stream()


async def test_connection_errors_are_typed_and_retried():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            raise httpx.ConnectError("connection refused", request=request)
        raise httpx.ReadTimeout("timed out", request=request)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = agentloop.Client(api_key="k", http_client=http, sleep=lambda s: None)
    with pytest.raises(APITimeoutError):
        client.create(model="m", max_tokens=1, messages=[{"role": "user", "content": "x"}])
    assert len(calls) == 3
    with pytest.raises(APIConnectionError):
        client.create(model="m", max_tokens=1, messages=[{"role": "user", "content": "x"}])


def test_missing_api_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="ANTHROPIC_API_KEY"):
        agentloop.Client()


def test_key_and_base_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/")
    fake = FakeAnthropic([reply("hi")])
    client = agentloop.Client(http_client=httpx.Client(transport=fake.transport))
    assert client.base_url == "http://127.0.0.1:9"
    client.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert fake.requests[0].headers["x-api-key"] == "from-env"


def test_models_in_the_body_are_serialized_as_api_json():
    served = reply(tool_use("f", {"x": 1}, id="toolu_1"))
    fake = FakeAnthropic([served, reply("done")])
    client = agentloop.Client(api_key="k", http_client=httpx.Client(transport=fake.transport))
    messages: list[Any] = [{"role": "user", "content": "go"}]
    first = client.create(model="m", max_tokens=50, messages=messages)
    messages.append({"role": "assistant", "content": first.content})  # models, not dicts
    messages.append({"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "1"}]})  # fmt: skip
    client.create(model="m", max_tokens=50, messages=messages)
    assert fake.requests[1].body["messages"][1]["content"] == served.content
    fake.assert_clean()


async def test_the_api_key_never_leaks(api: Api):
    api.fake.add(http_error(401, "authentication_error", "invalid x-api-key"), reply("ok"))
    with capture_logs() as logs:
        with pytest.raises(AuthenticationError) as info:
            await api.create()
        await api.create()
    error = info.value
    seen = [str(error), repr(error), repr(error.body), repr(error.headers), json.dumps(logs),
            repr(api.sync_client()), repr(api.async_client())]  # fmt: skip
    assert all(API_KEY not in item for item in seen)
    assert any(entry["event"] == "model.request" for entry in logs)


async def test_each_request_emits_a_model_request_event(api: Api):
    api.fake.add(http_error(529, "overloaded_error", "busy"), reply("ok"))
    with capture_logs() as logs:
        await api.create()
    events = [e for e in logs if e["event"] == "model.request"]
    assert [e["attempt"] for e in events] == [1, 2]
    assert [e["status"] for e in events] == [529, 200]
    assert events[1]["usage"]["output_tokens"] > 0
    assert events[1]["request_id"].startswith("req_")
    assert events[1]["model"] == "claude-sonnet-4-6"
    assert "latency_ms" in events[1]


def test_headers_follow_the_client_settings_changed_between_requests():
    """The headers are made once per client settings and reused: a change of
    ``default_headers``, ``betas`` or ``api_version`` shows in the next request, and a
    request's own headers never stick to the next one."""
    fake = FakeAnthropic([reply(str(i)) for i in range(6)])
    client = agentloop.Client(api_key="k", http_client=httpx.Client(transport=fake.transport))
    ask: dict[str, Any] = {
        "model": "m",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "x"}],
    }
    client.create(**ask, extra_headers={"X-Once": "1"})
    client.default_headers["X-Team"] = "blue"
    client.create(**ask)
    client.default_headers["X-Team"] = "red"
    client.create(**ask)
    client.betas = ("b1",)
    client.create(**ask)
    client.api_version = "2023-06-01"
    client.create(**ask)
    client.default_headers.clear()
    client.betas = ()
    assert client.create(**ask, betas=["b2"]).text == "5"
    sent = [request.headers for request in fake.requests]
    assert sent[0]["x-once"] == "1" and "x-team" not in sent[0]
    assert "x-once" not in sent[1] and sent[1]["x-team"] == "blue"
    assert sent[2]["x-team"] == "red" and "anthropic-beta" not in sent[2]
    assert sent[3]["anthropic-beta"] == "b1" and sent[3]["anthropic-version"] == "2026-10-21"
    assert sent[4]["anthropic-version"] == "2023-06-01"
    assert "x-team" not in sent[5] and sent[5]["anthropic-beta"] == "b2"
    assert all(headers["x-api-key"] == "k" for headers in sent)
    fake.assert_clean()
