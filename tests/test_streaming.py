import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentloop import OverloadedError, StreamError, TextBlock, ThinkingBlock, ToolUseBlock
from agentloop._base_client import StreamCore
from agentloop._models import UnknownBlock
from agentloop._streaming import (
    ContentBlockDeltaEvent,
    InputJSONDelta,
    MessageAccumulator,
    UnknownEvent,
    parse_event,
)

START = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-sonnet-4-6",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 25, "output_tokens": 1, "service_tier": "standard"},
    },
}


def events() -> list[dict[str, Any]]:
    """A realistic stream: thinking, text with a citation, a tool call, an unknown block."""
    return [
        START,
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "thinking_delta", "thinking": "Let me "}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "thinking_delta", "thinking": "think."}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "ping"},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hé"}},
        {"type": "content_block_delta", "index": 1,
         "delta": {"type": "citations_delta", "citation": {"type": "char_location", "cited_text": "x"}}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "llo"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "content_block_start", "index": 2,
         "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {},
                           "caller": {"type": "direct"}}},
        {"type": "content_block_delta", "index": 2,
         "delta": {"type": "input_json_delta", "partial_json": ""}},
        {"type": "content_block_delta", "index": 2,
         "delta": {"type": "input_json_delta", "partial_json": '{"location": "Par'}},
        {"type": "content_block_delta", "index": 2,
         "delta": {"type": "input_json_delta", "partial_json": 'is", "n": null}'}},
        {"type": "content_block_stop", "index": 2},
        {"type": "content_block_start", "index": 3,
         "content_block": {"type": "compaction", "content": "summary", "extra": [1, None]}},
        {"type": "content_block_delta", "index": 3,
         "delta": {"type": "compaction_delta", "content": "more"}},
        {"type": "content_block_stop", "index": 3},
        {"type": "some_future_event", "x": 1},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
         "usage": {"output_tokens": 89, "input_tokens": None}},
        {"type": "message_stop"},
    ]  # fmt: skip


def fold(items: list[dict[str, Any]]) -> MessageAccumulator:
    acc = MessageAccumulator()
    for item in items:
        acc.feed(item)
    return acc


def test_folds_every_block_kind_into_the_final_message():
    message = fold(events()).message()
    thinking, text, tool, unknown = message.content
    assert isinstance(thinking, ThinkingBlock)
    assert (thinking.thinking, thinking.signature) == ("Let me think.", "EqQBCgIYAhIM")
    assert isinstance(text, TextBlock)
    assert text.text == "Héllo"
    assert text.citations is not None and text.citations[0].type == "char_location"
    assert isinstance(tool, ToolUseBlock)
    assert tool.input == {"location": "Paris", "n": None}
    assert isinstance(unknown, UnknownBlock)
    assert unknown.to_param() == {
        "type": "compaction",
        "content": "summarymore",
        "extra": [1, None],
    }
    assert message.stop_reason == "tool_use"
    assert message.usage.input_tokens == 25
    assert message.usage.output_tokens == 89


def test_extra_fields_of_known_blocks_survive_the_round_trip():
    message = fold(events()).message()
    assert message.content[2].to_param() == {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "get_weather",
        "input": {"location": "Paris", "n": None},
        "caller": {"type": "direct"},
    }
    assert message.usage.model_dump()["service_tier"] == "standard"


def test_tool_use_without_fragments_keeps_empty_input():
    items = events()
    del items[13:16]
    message = fold(items).message()
    assert message.content[2].input == {}  # type: ignore[union-attr]


def test_message_before_message_stop_is_an_error():
    acc = fold(events()[:-1])
    with pytest.raises(StreamError, match="before message_stop"):
        acc.message()


def test_broken_tool_json_is_an_error_unless_cut_by_max_tokens():
    items = events()
    items[15] = {"type": "content_block_delta", "index": 2,
                 "delta": {"type": "input_json_delta", "partial_json": 'is", "n'}}  # fmt: skip
    with pytest.raises(StreamError, match="not valid JSON"):
        fold(items).message()
    items[-2] = {"type": "message_delta", "delta": {"stop_reason": "max_tokens"},
                 "usage": {"output_tokens": 5}}  # fmt: skip
    message = fold(items).message()
    assert message.stop_reason == "max_tokens"
    assert message.content[2].input == {}  # type: ignore[union-attr]


def test_error_event_raises_its_typed_error():
    acc = fold(events()[:5])
    with pytest.raises(OverloadedError) as info:
        acc.feed({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    assert info.value.status_code == 529
    assert info.value.error_type == "overloaded_error"


@pytest.mark.parametrize(
    "event",
    [
        {"type": "content_block_delta", "index": 9, "delta": {"type": "text_delta", "text": "x"}},
        {"type": "content_block_delta", "index": 1},
        {"type": "content_block_stop", "index": 7},
        {"type": "message_start"},
    ],
)
def test_malformed_events_raise_stream_error(event: dict[str, Any]):
    acc = fold(events()[:8])
    with pytest.raises(StreamError):
        acc.feed(event)


def test_delta_before_message_start_is_an_error():
    with pytest.raises(StreamError, match="before message_start"):
        fold(events()[1:2])


def test_partial_tool_input_on_demand():
    acc = fold(events()[:15])
    assert acc.partial_input(2) == {"location": "Par"}
    acc.feed(events()[15])
    assert acc.partial_input(2) == {"location": "Paris", "n": None}


def test_typed_events_parse_unknown_types():
    assert isinstance(parse_event({"type": "future", "a": 1}), UnknownEvent)
    event = parse_event(events()[14])
    assert isinstance(event, ContentBlockDeltaEvent)
    assert isinstance(event.delta, InputJSONDelta)


def sse_body(items: list[dict[str, Any]]) -> bytes:
    """The wire form, with the quirks of real traffic: padded data lines, CRLF, comments."""
    out = []
    for i, item in enumerate(items):
        end = "\r\n" if i % 2 else "\n"
        out.append(f"event: {item['type']}{end}data: {json.dumps(item)}   {end}{end}")
        if i % 5 == 0:
            out.append(f": keepalive{end}")
    return "".join(out).encode()


def parse_chunks(chunks: list[bytes]) -> Any:
    core = StreamCore(None, model="m", attempt=1, started=0.0)
    for chunk in chunks:
        core.feed(chunk)
    core.end()
    return core.accumulator.message().model_dump()


BODY = sse_body(events())
EXPECTED = parse_chunks([BODY])


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=len(BODY)), max_size=40))
def test_any_chunking_gives_the_same_final_message(cuts: list[int]):
    points = sorted(set(cuts))
    chunks = [BODY[a:b] for a, b in zip([0, *points], [*points, len(BODY)], strict=True)]
    assert parse_chunks(chunks) == EXPECTED


def test_garbage_event_data_is_a_stream_error():
    core = StreamCore(None, model="m", attempt=1, started=0.0)
    with pytest.raises(StreamError, match="malformed event data"):
        core.feed(b"event: message_start\ndata: {not json\n\n")


def test_truncated_body_is_a_stream_error():
    core = StreamCore("req_1", model="m", attempt=1, started=0.0)
    core.feed(BODY[: len(BODY) // 2])
    with pytest.raises(StreamError, match="incomplete") as info:
        core.end()
    assert info.value.request_id == "req_1"


def sparkle_stream() -> list[dict[str, Any]]:
    """A block type invented here: started with a null field, grown by its own deltas."""
    return [
        START,
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "sparkle", "content": None, "tags": ["a"], "meta": {"k": 1}}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "sparkle_delta", "content": "abc", "glow": "x"}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "sparkle_delta", "content": "def", "glow": "y", "tags": ["b"]}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "sparkle_delta", "content": "", "meta": {"k": 2}}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
        {"type": "message_stop"},
    ]  # fmt: skip


def test_unknown_deltas_are_folded_generically():
    block = fold(sparkle_stream()).message().content[0]
    assert isinstance(block, UnknownBlock)
    assert block.to_param() == {
        "type": "sparkle",
        "content": "abcdef",  # null starts as "", string fields appended
        "glow": "xy",  # a field the start did not have starts as ""
        "tags": ["a", "b"],  # lists are extended
        "meta": {"k": 2},  # other values: the last one
    }


def test_unknown_deltas_fold_through_the_byte_stream_and_go_back_unchanged():
    core = StreamCore(None, model="m", attempt=1, started=0.0)
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in sparkle_stream()).encode()
    for i in range(0, len(body), 7):  # any chunking
        core.feed(body[i : i + 7])
    core.end()
    message = core.accumulator.message()
    assert message.content[0].to_param()["content"] == "abcdef"
    assert message.model_dump(mode="json", exclude_none=True)["content"][0]["glow"] == "xy"


def test_an_unknown_delta_appending_text_to_a_non_text_field_is_a_stream_error():
    items = sparkle_stream()
    items[1]["content_block"]["content"] = {"not": "text"}
    with pytest.raises(StreamError, match="'content'"):
        fold(items)


def test_the_stream_core_dispatches_a_last_event_without_its_blank_line():
    core = StreamCore(None, model="m", attempt=1, started=0.0)
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in sparkle_stream()).encode()
    core.feed(body.removesuffix(b"\n\n"))
    assert not core.accumulator.done
    assert core.end() == [{"type": "message_stop"}]
    assert core.accumulator.done
