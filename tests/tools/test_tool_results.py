"""Return values, ToolResult blocks, images, and exceptions raised by tools."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from structlog.testing import capture_logs

from agentloop._context import RunContext
from agentloop._exceptions import ToolError
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
    assert str(result.content).startswith("TypeError: the tool returned a object, which cannot")
    assert logs[0]["event"] == TOOL_ERROR


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
    assert isinstance(log["exc_info"], ConnectionError)
    assert log["exc_info"].__traceback__ is not None


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
