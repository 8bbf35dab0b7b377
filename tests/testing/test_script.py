"""Builders, and the script file format round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import agentloop.testing as testing
from agentloop.testing import (
    FakeAnthropic,
    Reply,
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


def test_public_names_are_sorted_and_complete() -> None:
    assert testing.__all__ == sorted(testing.__all__)
    public = {name for name in vars(testing) if not name.startswith("_")}
    modules = {"server", "pytest_plugin"}
    assert public - modules - {"annotations"} == set(testing.__all__)


def test_blocks_are_the_apis_json() -> None:
    assert text("hi") == {"type": "text", "text": "hi"}
    assert text("hi", citations=[{"type": "char_location"}])["citations"] == [
        {"type": "char_location"}
    ]
    assert tool_use("t", {"a": 1}, id="toolu_01", caller={"type": "direct"}) == {
        "type": "tool_use",
        "id": "toolu_01",
        "name": "t",
        "input": {"a": 1},
        "caller": {"type": "direct"},
    }
    assert tool_use("t") == {"type": "tool_use", "name": "t", "input": {}}
    assert server_tool_use("web_search", {"q": "x"}, id="srvtoolu_01")["type"] == "server_tool_use"
    assert web_search_result("srvtoolu_01", [{"url": "u"}]) == {
        "type": "web_search_tool_result",
        "tool_use_id": "srvtoolu_01",
        "content": [{"type": "web_search_result", "url": "u"}],
    }
    assert redacted_thinking("abc") == {"type": "redacted_thinking", "data": "abc"}
    assert block({"type": "compaction", "content": "x"}) == {"type": "compaction", "content": "x"}
    with pytest.raises(ValueError, match="type"):
        block({"content": "x"})


def test_thinking_signature_is_stable() -> None:
    assert thinking("a")["signature"] == thinking("a")["signature"] != thinking("b")["signature"]
    assert thinking("a", signature="sig")["signature"] == "sig"


def test_reply_infers_its_stop_reason() -> None:
    assert reply("hi").stop_reason == "end_turn"
    assert reply("hi").content == [text("hi")]
    assert reply(tool_use("t")).stop_reason == "tool_use"
    assert reply(tool_use("t"), truncated=True).stop_reason == "max_tokens"
    assert reply("x", stop_reason="stop_sequence", stop_sequence="END").stop_sequence == "END"
    assert reply(container={"id": "c"}).extra == {"container": {"id": "c"}}
    with pytest.raises(ValueError, match="truncated"):
        reply(truncated=True)


def test_failures() -> None:
    assert http_error(529, "overloaded_error", "Overloaded", {"retry-after-ms": "10"}).headers == {
        "retry-after-ms": "10"
    }
    broken = stream_error(reply("x"), after_events=3)
    assert (broken.after_events, broken.error_type) == (3, "overloaded_error")
    assert truncated_stream(reply("x")).error_type is None
    assert garbage(b"x").status == 200
    assert connection_reset().reply is None
    assert stall(reply("x"), 2.5).seconds == 2.5


def every_kind() -> Script:
    rich = reply(
        thinking("hmm"),
        text("a", citations=[{"type": "char_location", "cited_text": "c"}]),
        tool_use("t", {"x": [1, 2]}, caller={"type": "direct"}),
        block({"type": "compaction", "content": "y"}),
        stop_details={"type": "refusal"},
        usage={"input_tokens": 1, "output_tokens": 2},
        model="claude-opus-4-8",
        id="msg_01",
        container={"id": "c"},
    )
    return Script(
        [
            rich,
            reply(tool_use("t", {"a": "b"}), truncated=True),
            http_error(429, "rate_limit_error", "slow", {"retry-after": "1"}),
            stream_error(rich, 2, "api_error", "boom"),
            truncated_stream(rich, 4),
            garbage(b"not json"),
            garbage(b"\xff\xfe", 502, "text/html"),
            connection_reset(),
            connection_reset(rich, 2),
            stall(rich, 1.5),
        ],
        repeat=True,
        style=SSEStyle(crlf=True, chunking="events", seed=7),
    )


def test_script_file_round_trip(tmp_path: Path) -> None:
    script = every_kind()
    path = tmp_path / "script.json"
    script.dump(path)
    data = json.loads(path.read_text())
    assert data["version"] == 1
    assert [item["kind"] for item in data["responses"]] == [
        "reply",
        "reply",
        "http_error",
        "stream_error",
        "truncated_stream",
        "garbage",
        "garbage",
        "reset",
        "reset",
        "stall",
    ]
    assert data["responses"][5]["body"] == "not json"
    assert "body_base64" in data["responses"][6]
    assert Script.load(path) == script
    fake = FakeAnthropic.from_file(path)
    assert (fake.repeat, fake.style, fake.remaining) == (True, script.style, 10)


def test_a_hand_written_file_gets_defaults(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps({"responses": [{"kind": "reply", "content": [{"type": "text", "text": "hi"}]}]})
    )
    assert Script.load(path) == Script([Reply(content=[text("hi")], stop_reason="end_turn")])


@pytest.mark.parametrize(
    "data",
    [{"version": 2}, {"responses": [{"kind": "nope"}]}, {"sse": {"colour": "red"}}],
    ids=["version", "kind", "style"],
)
def test_bad_files_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="unknown"):
        Script.from_json(data)
