"""Wire models: the discriminated block union, unknown types kept, exact round trips."""

from __future__ import annotations

from typing import Any

import pytest

from agentloop import (
    DocumentBlock,
    ImageBlock,
    Message,
    RedactedThinkingBlock,
    ServerToolUseBlock,
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
    UnknownBlock,
    WebSearchToolResultBlock,
)
from agentloop._models import Base64ImageSource, FileSource, OtherSource, URLSource, parse_block

BLOCKS: list[tuple[dict[str, Any], type]] = [
    ({"type": "text", "text": "hi", "citations": [{"type": "char_location", "cited_text": "h",
      "document_index": 0, "start_char_index": 0, "end_char_index": 1}]}, TextBlock),
    ({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"}},
     ImageBlock),
    ({"type": "image", "source": {"type": "url", "url": "https://x/y.png"}}, ImageBlock),
    ({"type": "document", "source": {"type": "file", "file_id": "file_1"}, "title": "T"},
     DocumentBlock),
    ({"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}},
     DocumentBlock),
    ({"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": None},
      "caller": {"type": "direct"}}, ToolUseBlock),
    ({"type": "tool_result", "tool_use_id": "toolu_1", "content": "15", "is_error": True},
     ToolResultBlock),
    ({"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "a"},
      {"type": "image", "source": {"type": "base64", "media_type": "image/gif", "data": "R0"}}]},
     ToolResultBlock),
    ({"type": "thinking", "thinking": "", "signature": "EqQB/+=="}, ThinkingBlock),
    ({"type": "redacted_thinking", "data": "EmwKAhgB"}, RedactedThinkingBlock),
    ({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
      "input": {"query": "q"}, "caller": {"type": "direct"}}, ServerToolUseBlock),
    ({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
        {"type": "web_search_result", "url": "https://x", "title": "X", "page_age": None,
         "encrypted_content": "abc"}]}, WebSearchToolResultBlock),
    ({"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "x", "server_name": "s", "input": {}},
     UnknownBlock),
    ({"type": "compaction", "content": "summary"}, UnknownBlock),
    ({"type": "container_upload", "file_id": "file_1"}, UnknownBlock),
]  # fmt: skip


@pytest.mark.parametrize(("data", "cls"), BLOCKS)
def test_each_block_parses_to_its_model_and_dumps_back_unchanged(data: dict[str, Any], cls: type):
    block = parse_block(data)
    assert type(block) is cls
    assert block.to_param() == data


def test_sources_are_typed_with_unknown_kinds_kept():
    assert isinstance(parse_block(BLOCKS[1][0]).source, Base64ImageSource)  # type: ignore[union-attr]
    assert isinstance(parse_block(BLOCKS[2][0]).source, URLSource)  # type: ignore[union-attr]
    assert isinstance(parse_block(BLOCKS[3][0]).source, FileSource)  # type: ignore[union-attr]
    assert isinstance(parse_block(BLOCKS[4][0]).source, OtherSource)  # type: ignore[union-attr]


def response(**extra: Any) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "content": [data for data, _ in BLOCKS if data["type"] != "tool_result"],
        "model": "claude-opus-4-8",
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 12,
            "output_tokens": 6,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 3,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 0},
            "output_tokens_details": {"thinking_tokens": 2},
            "service_tier": "standard",
            "inference_geo": "us",
        },
        **extra,
    }


def test_message_dump_is_exactly_the_api_json():
    data = response(container={"id": "c1", "expires_at": "2026-01-01T00:00:00Z"},
                    context_management={"applied_edits": []})  # fmt: skip
    message = Message.model_validate(data)
    expected = {k: v for k, v in data.items() if v is not None}
    assert message.model_dump(mode="json", exclude_none=True) == expected


def test_usage_keeps_every_field_the_api_sends():
    usage = Message.model_validate(response()).usage
    assert usage.cache_read_input_tokens == 3
    assert usage.server_tool_use is not None and usage.server_tool_use.web_search_requests == 1
    assert usage.model_dump()["output_tokens_details"] == {"thinking_tokens": 2}


@pytest.mark.parametrize("reason", ["refusal", "pause_turn", "a_reason_from_2027", None])
def test_any_stop_reason_is_accepted(reason: str | None):
    details = {"type": "refusal", "category": "cyber"} if reason == "refusal" else None
    message = Message.model_validate(response(stop_reason=reason, stop_details=details))
    assert message.stop_reason == reason
    assert message.stop_details == details


def test_message_helpers():
    message = Message.model_validate(response())
    assert message.text == "hi"
    assert [t.id for t in message.tool_uses] == ["toolu_1"]
    param = message.to_message_param()
    assert param["role"] == "assistant"
    assert param["content"] == response()["content"]
