"""Return values, ToolResult blocks, images, and exceptions raised by tools."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from structlog.testing import capture_logs

from agentloop._context import RunContext
from agentloop._exceptions import ConfigurationError, ToolError
from agentloop._models import ImageBlock, TextBlock
from agentloop._tools import TOOL_ERROR, ToolResult, image, image_file, tool

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
PNG_BLOCK = {
    "type": "image",
    "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgoAAAAAAAAAAA=="},
}


class Weather(BaseModel):
    city: str
    degrees: float


@dataclass
class Point:
    x: int
    y: int


class Color(enum.Enum):
    RED = "red"


def returning(value: Any, ctx: RunContext[None]) -> ToolResult:
    @tool
    def f() -> Any:
        return value

    return f.call({}, ctx)


@pytest.mark.parametrize(
    ("value", "content"),
    [
        ("15 degrees", "15 degrees"),
        ("", ""),
        (None, ""),
        ({"a": 1, "b": [True, None]}, '{"a": 1, "b": [true, null]}'),
        ([1, 2], "[1, 2]"),
        ([], "[]"),
        (3, "3"),
        (2.5, "2.5"),
        (True, "true"),
        (Weather(city="Paris", degrees=15.5), '{"city": "Paris", "degrees": 15.5}'),
        (Point(1, 2), '{"x": 1, "y": 2}'),
        (
            {"when": dt.date(2025, 1, 2), "color": Color.RED},
            '{"when": "2025-01-02", "color": "red"}',
        ),
        ("héllo", "héllo"),
        ([{"type": "fruit", "name": "apple"}], '[{"type": "fruit", "name": "apple"}]'),
    ],
)
def test_return_values_become_content(value: Any, content: str, ctx: RunContext[None]) -> None:
    assert returning(value, ctx) == ToolResult(content)


def test_content_blocks_are_passed_as_given(ctx: RunContext[None]) -> None:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": "a chart:"}, PNG_BLOCK]
    assert returning(blocks, ctx) == ToolResult(blocks)


def test_block_models_become_dicts(ctx: RunContext[None]) -> None:
    blocks = [TextBlock(text="hi"), ImageBlock.model_validate(PNG_BLOCK)]
    assert returning(blocks, ctx) == ToolResult([{"type": "text", "text": "hi"}, PNG_BLOCK])


def test_single_image_block_is_wrapped_in_a_list(ctx: RunContext[None]) -> None:
    assert returning(image(PNG), ctx) == ToolResult([PNG_BLOCK])


def test_a_returned_tool_result_is_used_as_is(ctx: RunContext[None]) -> None:
    assert returning(ToolResult("nope", is_error=True), ctx) == ToolResult("nope", is_error=True)


def test_value_json_cannot_hold_is_an_error(ctx: RunContext[None]) -> None:
    with capture_logs() as logs:
        result = returning(object(), ctx)
    assert result.is_error
    assert str(result.content).startswith("tool 'f' returned <object object at")
    assert "(a object), which cannot be sent to the model; return str" in str(result.content)
    assert logs[0]["event"] == TOOL_ERROR
    assert logs[0]["tool"] == "f"


def test_to_block() -> None:
    assert ToolResult("15 degrees").to_block("toolu_1") == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": "15 degrees",
    }
    assert ToolResult("boom", is_error=True).to_block("toolu_2") == {
        "type": "tool_result",
        "tool_use_id": "toolu_2",
        "content": "boom",
        "is_error": True,
    }
    assert ToolResult([PNG_BLOCK]).to_block("t")["content"] == [PNG_BLOCK]


def test_to_block_leaves_out_empty_content() -> None:
    assert ToolResult("").to_block("t") == {"type": "tool_result", "tool_use_id": "t"}
    assert ToolResult([]).to_block("t") == {"type": "tool_result", "tool_use_id": "t"}


def test_tool_result_is_frozen() -> None:
    result = ToolResult("x")
    with pytest.raises(AttributeError):
        result.content = "y"  # type: ignore[misc]


def test_image_sniffs_the_media_type() -> None:
    assert image(PNG) == PNG_BLOCK
    assert image(b"\xff\xd8\xff\xe0rest")["source"]["media_type"] == "image/jpeg"
    assert image(b"GIF89a...")["source"]["media_type"] == "image/gif"
    assert image(b"RIFF\x00\x00\x00\x00WEBPVP8 ")["source"]["media_type"] == "image/webp"
    assert image(b"raw", media_type="image/png")["source"]["media_type"] == "image/png"


def test_image_with_unknown_bytes_needs_a_media_type() -> None:
    with pytest.raises(ValueError, match="pass media_type"):
        image(b"not an image")
    with pytest.raises(ValueError, match="unsupported image media type 'image/bmp'"):
        image(b"BM", media_type="image/bmp")


def test_image_file(tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    path.write_bytes(PNG)
    assert image_file(path) == PNG_BLOCK
    odd = tmp_path / "photo.JPG"
    odd.write_bytes(b"unsniffable")
    assert image_file(odd)["source"]["media_type"] == "image/jpeg"


def test_tool_error_with_a_message(ctx: RunContext[None]) -> None:
    @tool
    def f() -> str:
        raise ToolError("The city 'Atlantis' was not found; try a real city.")

    with capture_logs() as logs:
        result = f.call({}, ctx)
    assert result == ToolResult(
        "The city 'Atlantis' was not found; try a real city.", is_error=True
    )
    assert logs == []


def test_tool_error_with_blocks(ctx: RunContext[None]) -> None:
    @tool
    def f() -> str:
        raise ToolError([{"type": "text", "text": "see the screenshot"}, image(PNG)])

    result = f.call({}, ctx)
    assert result == ToolResult(
        [{"type": "text", "text": "see the screenshot"}, PNG_BLOCK], is_error=True
    )


def test_other_exceptions_become_errors_and_are_logged(ctx: RunContext[None]) -> None:
    @tool
    def get_weather(city: str) -> str:
        raise ConnectionError("the weather service API is not available (HTTP 500)")

    with capture_logs() as logs:
        result = get_weather.call({"city": "Paris"}, ctx)
    assert result == ToolResult(
        "ConnectionError: the weather service API is not available (HTTP 500)", is_error=True
    )
    assert len(logs) == 1
    log = logs[0]
    assert log["event"] == TOOL_ERROR == "tool.error"
    assert log["log_level"] == "error"
    assert log["tool"] == "get_weather"
    assert log["tool_use_id"] == "toolu_01"
    assert log["error_type"] == "ConnectionError"
    assert "exc_info" not in log  # no exception object: its frames hold the tool's locals
    assert log["exception"].startswith("Traceback (most recent call last):")
    assert log["exception"].endswith(
        "ConnectionError: the weather service API is not available (HTTP 500)\n"
    )
    assert 'raise ConnectionError("the weather service' in log["exception"]


def test_exception_without_message(ctx: RunContext[None]) -> None:
    @tool
    def f() -> str:
        raise KeyError

    with capture_logs():
        assert f.call({}, ctx) == ToolResult("KeyError", is_error=True)


def test_base_exceptions_propagate(ctx: RunContext[None]) -> None:
    @tool
    def f() -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        f.call({}, ctx)


# --- results that cannot be sent become errors, never exceptions -----------------


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ({"a": 1}, "its content {'a': 1} is a dict, not a str or a list of content blocks"),
        (["txt"], "its content item 0, 'txt', is a str, not a content block"),
        ([{"text": "no type"}], "its content item 0, {'text': 'no type'}, is a dict, not a"),
        (7, "its content 7 is a int, not a str"),
        (b"\x00\x01", "its content b'\\x00\\x01' is a bytes, not a str"),
    ],
)
def test_to_block_turns_bad_content_into_an_error_naming_tool_and_value(
    content: Any, why: str
) -> None:
    with capture_logs() as logs:
        block = ToolResult(content).to_block("toolu_9", "get_weather")
    assert block["type"] == "tool_result"
    assert block["tool_use_id"] == "toolu_9"
    assert block["is_error"] is True
    assert block["content"].startswith(
        "tool 'get_weather' returned a result that cannot be sent to the model: "
    )
    assert why in block["content"]
    assert [(e["event"], e["tool"], e["tool_use_id"]) for e in logs] == [
        (TOOL_ERROR, "get_weather", "toolu_9")
    ]


def test_to_block_without_a_tool_name_still_never_raises() -> None:
    with capture_logs():
        block = ToolResult({"a": 1}).to_block("t")  # type: ignore[arg-type]
    assert block["is_error"] is True
    assert block["content"].startswith("a tool returned a result that cannot be sent")


def test_to_block_shortens_a_long_bad_value() -> None:
    with capture_logs():
        block = ToolResult({"a": "x" * 10_000})  # type: ignore[arg-type]
        content = block.to_block("t", "f")["content"]
    assert len(content) < 400
    assert "..." in content


def test_to_block_accepts_block_models_and_tuples() -> None:
    result = ToolResult((TextBlock(text="hi"), PNG_BLOCK))  # type: ignore[arg-type]
    assert result.to_block("t")["content"] == [{"type": "text", "text": "hi"}, PNG_BLOCK]


def test_to_block_copies_the_blocks() -> None:
    blocks: list[dict[str, Any]] = [dict(PNG_BLOCK)]
    sent = ToolResult(blocks).to_block("t")["content"]
    sent[0]["source"]["data"] = "changed"
    assert blocks[0]["source"]["data"] == PNG_BLOCK["source"]["data"]


def test_checked() -> None:
    assert ToolResult("x").checked() == ToolResult("x")
    assert ToolResult([TextBlock(text="hi")]).checked() == ToolResult(  # type: ignore[list-item]
        [{"type": "text", "text": "hi"}]
    )
    bad = ToolResult(["txt"]).checked("f")  # type: ignore[list-item]
    assert bad.is_error
    assert str(bad.content).startswith("tool 'f' returned a result that cannot be sent")


@pytest.mark.parametrize("content", [{"a": 1}, ["txt"], 3.5])
def test_a_tool_returning_a_bad_tool_result_gets_an_error_result(
    content: Any, ctx: RunContext[None]
) -> None:
    with capture_logs() as logs:
        result = returning(ToolResult(content), ctx)
    assert result.is_error
    assert str(result.content).startswith(
        "tool 'f' returned a ToolResult that cannot be sent to the model: its content"
    )
    assert logs[0]["event"] == TOOL_ERROR


def test_a_tool_error_with_bad_content_gets_an_error_result(ctx: RunContext[None]) -> None:
    @tool
    def f() -> str:
        raise ToolError(["txt"])  # type: ignore[list-item]

    result = f.call({}, ctx)
    assert result.is_error
    assert "tool 'f' returned a result that cannot be sent" in str(result.content)
    assert "'txt'" in str(result.content)


# --- bytes ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_image_bytes_become_an_image_block(kind: Any, ctx: RunContext[None]) -> None:
    assert returning(kind(PNG), ctx) == ToolResult([PNG_BLOCK])


def test_jpeg_gif_webp_bytes_become_image_blocks(ctx: RunContext[None]) -> None:
    for data, media_type in [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"GIF87a...", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    ]:
        content = returning(data, ctx).content
        assert isinstance(content, list)
        assert content[0]["source"]["media_type"] == media_type


def test_other_bytes_give_a_clear_error(ctx: RunContext[None]) -> None:
    with capture_logs() as logs:
        result = returning(b"\xff\xfe not utf-8 and not an image", ctx)
    assert result == ToolResult(
        "tool 'f' returned 29 bytes that are not an image (PNG, JPEG, GIF or WEBP); "
        "return str, or use agentloop.image(data, media_type=...)",
        is_error=True,
    )
    assert "UnicodeDecodeError" not in str(result.content)
    assert logs[0]["event"] == TOOL_ERROR


# --- JSON round trip ----------------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [
        ToolResult("15 degrees"),
        ToolResult(""),
        ToolResult([{"type": "text", "text": "a chart:"}, PNG_BLOCK]),
        ToolResult([PNG_BLOCK]),
        ToolResult("ConnectionError: down", is_error=True),
        ToolResult([{"type": "text", "text": "see this"}, PNG_BLOCK], is_error=True),
        ToolResult([{"type": "search_result", "source": "s", "title": "t", "content": []}]),
    ],
)
def test_tool_result_round_trips_through_json(result: ToolResult) -> None:
    data = result.to_json()
    assert ToolResult.from_json(json.loads(json.dumps(data))) == result
    assert data == {"content": result.content, "is_error": result.is_error}


def test_to_json_gives_json_data_for_block_models() -> None:
    data = ToolResult([TextBlock(text="hi")]).to_json()  # type: ignore[list-item]
    assert json.loads(json.dumps(data)) == {
        "content": [{"type": "text", "text": "hi"}],
        "is_error": False,
    }


def test_to_json_of_bad_content_stores_the_error_the_model_would_get() -> None:
    data = ToolResult({"a": 1}).to_json()  # type: ignore[arg-type]
    assert data["is_error"] is True
    assert "its content {'a': 1} is a dict" in data["content"]


def test_from_json_fills_defaults() -> None:
    assert ToolResult.from_json({}) == ToolResult("")
    assert ToolResult.from_json({"content": "x"}) == ToolResult("x")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("text", "needs a dict like"),
        ({"content": "x", "extra": 1}, "unknown keys ['extra']"),
        ({"content": "x", "is_error": "yes"}, "'is_error' must be true or false, not 'yes'"),
        ({"content": {"a": 1}}, "its content {'a': 1} is a dict"),
        ({"content": ["txt"]}, "its content item 0, 'txt', is a str"),
    ],
)
def test_from_json_refuses_bad_data_with_a_typed_error(data: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=r"ToolResult\.from_json") as info:
        ToolResult.from_json(data)
    assert message in str(info.value)
