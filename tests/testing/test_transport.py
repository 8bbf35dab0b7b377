"""The fake over httpx.MockTransport: replies, streams, failures, recording."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from agentloop.testing import (
    FakeAnthropic,
    RecordedRequest,
    Script,
    SSEStyle,
    block,
    connection_reset,
    garbage,
    http_error,
    redacted_thinking,
    reply,
    server_tool_use,
    stall,
    stream_error,
    text,
    thinking,
    tool_use,
    truncated_stream,
    web_search_result,
)

HEADERS = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
URL = "https://api.anthropic.com/v1/messages"

USAGE = {"input_tokens": 10, "output_tokens": 20}

RICH = reply(
    thinking("Let me think about Paris. " * 3),
    redacted_thinking("EmwKAhgBEgy3va3pzix/LafPsn4a"),
    text("Looking it up.", citations=[{"type": "char_location", "cited_text": "x"}]),
    server_tool_use("web_search", {"query": "weather paris"}, id="srvtoolu_01A"),
    web_search_result("srvtoolu_01A", [{"url": "https://example.com", "title": "Weather"}]),
    block({"type": "compaction", "content": "summary so far"}),
    tool_use(
        "get_weather",
        {"location": "Paris, France", "unit": "celsius"},
        id="toolu_01B",
        caller={"type": "direct"},
    ),
    usage=USAGE,
    id="msg_01X",
    container={"id": "container_1"},
)


def post(fake: FakeAnthropic, body: dict[str, Any], **headers: str) -> httpx.Response:
    with httpx.Client(transport=fake.transport) as client:
        return client.post(URL, json=body, headers={**HEADERS, **headers})


def stream(fake: FakeAnthropic, body: dict[str, Any]) -> tuple[list[bytes], Exception | None]:
    """The chunks a streaming request reads, and the error that ended it, if any."""
    chunks: list[bytes] = []
    with httpx.Client(transport=fake.transport) as client:
        try:
            with client.stream("POST", URL, json={**body, "stream": True}, headers=HEADERS) as r:
                chunks.extend(r.iter_bytes())
        except httpx.TransportError as exc:
            return chunks, exc
    return chunks, None


def test_json_reply_is_a_complete_message(api: Any) -> None:
    response = post(FakeAnthropic([RICH]), api.body())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["request-id"].startswith("req_")
    message = response.json()
    assert message["id"] == "msg_01X"
    assert message["model"] == "claude-sonnet-4-6"
    assert message["stop_reason"] == "tool_use"
    assert message["stop_sequence"] is None
    assert message["usage"] == USAGE
    assert message["container"] == {"id": "container_1"}
    assert message["content"] == RICH.content


def test_stream_folds_back_to_the_json_reply(api: Any) -> None:
    fake = FakeAnthropic([RICH, RICH])
    as_json = post(fake, api.body()).json()
    chunks, error = stream(fake, api.body())
    folded = api.fold(api.parse_sse(b"".join(chunks)))
    assert error is None
    assert folded.pop("complete") is True
    assert folded == as_json


def test_stream_has_the_shape_of_real_traffic(api: Any) -> None:
    fake = FakeAnthropic([reply(text("Hello " * 10), tool_use("t", {"a": 1}, id="toolu_01"))])
    chunks, _ = stream(fake, api.body())
    body = b"".join(chunks)
    events = api.parse_sse(body)
    names = [name for name, _ in events]
    assert names[0] == "message_start"
    assert names[-2:] == ["message_delta", "message_stop"]
    assert names.count("ping") == 2
    start = events[0][1]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    assert start["usage"]["input_tokens"] > 0
    text_deltas = [d for n, d in events if n == "content_block_delta" and d["index"] == 0]
    assert len(text_deltas) > 1
    fragments = [
        d["delta"]["partial_json"]
        for n, d in events
        if n == "content_block_delta" and d["index"] == 1
    ]
    assert fragments[0] == ""
    assert json.loads("".join(fragments)) == {"a": 1}
    starts = [d["content_block"] for n, d in events if n == "content_block_start"]
    assert starts == [
        {"type": "text", "text": ""},
        {"type": "tool_use", "id": "toolu_01", "name": "t", "input": {}},
    ]
    assert events[-2][1]["delta"] == {"stop_reason": "tool_use", "stop_sequence": None}
    assert all(line.endswith(b" ") for line in body.split(b"\n") if line.startswith(b"data:"))


def test_random_chunking_splits_events_across_reads(api: Any) -> None:
    chunks, _ = stream(FakeAnthropic([reply("x" * 500)]), api.body())
    assert max(len(c) for c in chunks) <= 64
    assert any(b"\n\n" not in c for c in chunks)
    again, _ = stream(FakeAnthropic([reply("x" * 500)]), api.body())
    assert [len(c) for c in again] == [len(c) for c in chunks]


@pytest.mark.parametrize("chunking", ["events", "whole"])
def test_chunking_by_event_or_whole(api: Any, chunking: Any) -> None:
    fake = FakeAnthropic([reply("hello")], style=SSEStyle(chunking=chunking))
    chunks, _ = stream(fake, api.body())
    if chunking == "whole":
        assert len(chunks) == 1
    else:
        assert all(c.startswith(b"event: ") for c in chunks)
        assert len(chunks) == len(api.parse_sse(b"".join(chunks)))


def test_crlf_comments_and_no_padding(api: Any) -> None:
    style = SSEStyle(crlf=True, comments=True, padding=False, pings=False)
    chunks, _ = stream(FakeAnthropic([reply("hi")], style=style), api.body())
    body = b"".join(chunks)
    assert b": keepalive\r\n" in body
    assert body.count(b"\n") == body.count(b"\r\n")
    assert b" \r\n" not in body
    assert "ping" not in [name for name, _ in api.parse_sse(body)]


def test_stop_details_arrive_in_message_delta(api: Any) -> None:
    details = {"type": "refusal", "category": "cyber"}
    fake = FakeAnthropic([reply(stop_reason="refusal", stop_details=details)] * 2)
    assert post(fake, api.body()).json()["stop_details"] == details
    events = api.parse_sse(b"".join(stream(fake, api.body())[0]))
    assert "stop_details" not in events[0][1]["message"]
    assert events[-2][1]["delta"]["stop_details"] == details


def test_truncated_tool_use_never_forms_valid_json(api: Any) -> None:
    cut = reply(
        text("Writing"), tool_use("write", {"path": "a.txt", "body": "x" * 40}), truncated=True
    )
    assert cut.stop_reason == "max_tokens"
    fake = FakeAnthropic([cut, cut])
    events = api.parse_sse(b"".join(stream(fake, api.body())[0]))
    fragments = "".join(
        d["delta"]["partial_json"]
        for n, d in events
        if n == "content_block_delta" and d["index"] == 1
    )
    assert fragments
    with pytest.raises(json.JSONDecodeError):
        json.loads(fragments)
    assert events[-1][0] == "message_stop"
    assert post(fake, api.body()).json()["content"][1]["input"] == {}


def test_tool_use_ids_are_made_when_left_out(api: Any) -> None:
    script = [
        reply(tool_use("a"), tool_use("a"), server_tool_use("web_search"), web_search_result())
    ]
    first = post(FakeAnthropic(script), api.body()).json()["content"]
    ids = [b["id"] for b in first[:3]]
    assert ids[0].startswith("toolu_01") and len(ids[0]) == 30
    assert ids[2].startswith("srvtoolu_01")
    assert len(set(ids)) == 3
    assert first[3]["tool_use_id"] == ids[2]
    assert post(FakeAnthropic(script), api.body()).json()["content"] == first


def test_http_error_body_and_headers(api: Any) -> None:
    fake = FakeAnthropic(
        [
            http_error(
                429, "rate_limit_error", "Slow down", {"retry-after": "2", "x-should-retry": "true"}
            )
        ]
    )
    response = post(fake, api.body())
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.headers["x-should-retry"] == "true"
    assert response.json() == {
        "type": "error",
        "error": {"type": "rate_limit_error", "message": "Slow down"},
        "request_id": response.headers["request-id"],
    }


def test_stream_error_event_mid_stream(api: Any) -> None:
    fake = FakeAnthropic([stream_error(reply("hello"), after_events=2)])
    events = api.parse_sse(b"".join(stream(fake, api.body())[0]))
    assert [n for n, _ in events] == ["message_start", "ping", "error"]
    assert events[-1][1] == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }


def test_stream_error_on_a_json_request_is_its_http_status(api: Any) -> None:
    response = post(FakeAnthropic([stream_error(reply("hello"))]), api.body())
    assert response.status_code == 529
    assert response.json()["error"]["type"] == "overloaded_error"


def test_truncated_stream_ends_before_message_stop(api: Any) -> None:
    chunks, error = stream(
        FakeAnthropic([truncated_stream(reply("hello"), after_events=4)]), api.body()
    )
    events = api.parse_sse(b"".join(chunks))
    assert error is None
    assert len(events) == 4
    assert api.fold(events)["complete"] is False


def test_garbage_is_served_as_is(api: Any) -> None:
    response = post(FakeAnthropic([garbage(b"<html>502</html>", 502, "text/html")]), api.body())
    assert (response.status_code, response.text) == (502, "<html>502</html>")
    assert response.headers["content-type"] == "text/html"


def test_faults_over_the_transport(api: Any) -> None:
    fake = FakeAnthropic(
        [connection_reset(), connection_reset(reply("hi")), stall(reply("hi"), 30)]
    )
    with pytest.raises(httpx.ReadError):
        post(fake, api.body())
    chunks, error = stream(fake, api.body())
    assert isinstance(error, httpx.ReadError)
    assert [n for n, _ in api.parse_sse(b"".join(chunks))] == ["message_start"]
    chunks, error = stream(fake, api.body())
    assert isinstance(error, httpx.ReadTimeout)


def test_requests_are_recorded(api: Any) -> None:
    fake = FakeAnthropic([reply("a"), reply("b")])
    post(fake, api.body())
    stream(fake, api.body(temperature=1))
    assert [r.index for r in fake.requests] == [1, 2]
    first, second = fake.requests
    assert (first.method, first.path, first.stream, second.stream) == (
        "POST",
        "/v1/messages",
        False,
        True,
    )
    assert first.headers["x-api-key"] == "sk-test"
    assert second.body["temperature"] == 1
    assert first.messages == [{"role": "user", "content": "Hi"}]
    assert fake.remaining == 0
    fake.assert_consumed()


def test_function_driven_mode(api: Any) -> None:
    def answer(request: RecordedRequest) -> Any:
        last = request.messages[-1]["content"]
        return (
            reply(f"you said {last}") if request.index < 3 else http_error(500, "api_error", "boom")
        )

    fake = FakeAnthropic(answer)
    user = {"role": "user", "content": "ping"}
    assert post(fake, api.body(user)).json()["content"] == [text("you said ping")]
    assert api.fold(api.parse_sse(b"".join(stream(fake, api.body(user))[0])))["content"] == [
        text("you said ping")
    ]
    assert post(fake, api.body(user)).status_code == 500


def test_running_out_of_script_names_the_request(api: Any) -> None:
    fake = FakeAnthropic([reply("only one")])
    post(fake, api.body())
    response = post(fake, api.body())
    assert response.status_code == 400
    assert "request 2" in response.json()["error"]["message"]
    assert "script exhausted" in response.json()["error"]["message"]
    assert [v.rule for v in fake.violations] == ["script exhausted"]


def test_repeat_starts_over(api: Any) -> None:
    fake = FakeAnthropic(Script([reply("a"), reply("b")], repeat=True))
    texts = [post(fake, api.body()).json()["content"][0]["text"] for _ in range(5)]
    assert texts == ["a", "b", "a", "b", "a"]


def test_unserved_script_is_reported() -> None:
    fake = FakeAnthropic([reply("a")])
    fake.add(reply("b"))
    with pytest.raises(AssertionError, match="2 of 2 scripted response"):
        fake.assert_consumed()


@pytest.mark.anyio
async def test_async_client_json_and_stream(api: Any) -> None:
    fake = FakeAnthropic([RICH, RICH, connection_reset(reply("x"))])
    async with httpx.AsyncClient(transport=fake.transport, headers=HEADERS) as client:
        as_json = (await client.post(api.url, json=api.body())).json()
        async with client.stream("POST", api.url, json=api.body(stream=True)) as response:
            chunks = [c async for c in response.aiter_bytes()]
        folded = api.fold(api.parse_sse(b"".join(chunks)))
        assert folded.pop("complete") is True
        assert folded == as_json
        async with client.stream("POST", api.url, json=api.body(stream=True)) as response:
            with pytest.raises(httpx.ReadError):
                await response.aread()


def test_unknown_events_and_deltas(api: Any) -> None:
    fake = FakeAnthropic(
        [reply("hi", tool_use("t", {"a": 1}))], style=SSEStyle(unknown_events=True)
    )
    events = api.parse_sse(b"".join(stream(fake, api.body())[0]))
    assert events[1][0] == "future_event"
    unknown = [
        d for n, d in events if n == "content_block_delta" and d["delta"]["type"] == "future_delta"
    ]
    assert [d["index"] for d in unknown] == [0, 1]
    assert api.fold(events)["content"] == [
        text("hi"),
        {**tool_use("t", {"a": 1}), "id": api.fold(events)["content"][1]["id"]},
    ]
