"""What a tool call gives back: :class:`ToolResult`, and how return values become one.

Conversion rules of :func:`to_result`:

=====================================  =========================================
the tool returns                       the ``tool_result`` content
=====================================  =========================================
``str``                                that text
``None``                               nothing (an empty result)
a :class:`ToolResult`                  used as it is
a content block (``{"type": "text"``,  a list holding that block
``"image"`` or ``"document"`` dict, or
a :mod:`agentloop._models` block)
a non-empty list of content blocks     those blocks, as dicts
anything else JSON can hold (dict,     JSON text (pydantic's JSON rules: models,
list, numbers, bool, BaseModel,        dataclasses, datetimes, UUIDs, enums...)
dataclass...)
=====================================  =========================================

A value JSON cannot hold raises :class:`TypeError` (the caller reports it as an
error result).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError, to_jsonable_python

from agentloop._exceptions import ToolError
from agentloop._models import DocumentBlock, ImageBlock, TextBlock, to_param

from ._logging import log_tool_error

__all__ = ["ToolResult", "error_message", "exception_result", "to_result"]

_BLOCK_MODELS = (TextBlock, ImageBlock, DocumentBlock)


@dataclass(frozen=True)
class ToolResult:
    """The outcome of one tool call, ready to become a ``tool_result`` block.

    ``content`` is text, or a list of content blocks (text, image, document
    dicts); ``is_error`` tells the model the call failed.
    """

    content: str | list[dict[str, Any]]
    is_error: bool = False

    def to_block(self, tool_use_id: str) -> dict[str, Any]:
        """The wire ``tool_result`` block answering the call ``tool_use_id``.

        ``content`` is left out when the result is empty, ``is_error`` when false.
        """
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_use_id}
        if self.content:
            content = self.content
            block["content"] = content if isinstance(content, str) else [dict(b) for b in content]
        if self.is_error:
            block["is_error"] = True
        return block


def is_content_block(value: object) -> bool:
    """Whether ``value`` is a text, image or document block (a dict or a wire model)."""
    if isinstance(value, _BLOCK_MODELS):
        return True
    if not isinstance(value, Mapping):
        return False
    kind = value.get("type")
    if kind == "text":
        return isinstance(value.get("text"), str)
    return kind in ("image", "document") and isinstance(value.get("source"), Mapping)


def _block_dict(block: Any) -> dict[str, Any]:
    return to_param(block) if isinstance(block, BaseModel) else dict(block)


def to_result(value: object) -> ToolResult:
    """Convert a tool's return value into a :class:`ToolResult` (rules in the module doc)."""
    if isinstance(value, ToolResult):
        return value
    if value is None:
        return ToolResult("")
    if isinstance(value, str):
        return ToolResult(value)
    if is_content_block(value):
        return ToolResult([_block_dict(value)])
    if isinstance(value, (list, tuple)) and value and all(map(is_content_block, value)):
        return ToolResult([_block_dict(b) for b in value])
    return ToolResult(_to_json(value))


def _to_json(value: object) -> str:
    try:
        data = to_jsonable_python(value)
    except PydanticSerializationError as exc:
        raise TypeError(
            f"the tool returned a {type(value).__name__}, which cannot be sent to the model; "
            "return str, None, JSON data, a pydantic model, a dataclass or content blocks"
        ) from exc
    return json.dumps(data, ensure_ascii=False)


def error_message(exc: BaseException) -> str:
    """``ExceptionType: message`` (just the type when the message is empty)."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def exception_result(tool: str, exc: Exception, tool_use_id: str | None = None) -> ToolResult:
    """The is_error result for an exception raised while calling ``tool``.

    A :class:`ToolError` gives its own content (message or blocks); any other
    exception gives ``ExceptionType: message`` and is logged with its traceback.
    """
    if isinstance(exc, ToolError):
        content = exc.content
        if isinstance(content, str):
            return ToolResult(content, is_error=True)
        return ToolResult(_blocks(content), is_error=True)
    log_tool_error(tool, exc, tool_use_id)
    return ToolResult(error_message(exc), is_error=True)


def _blocks(content: Sequence[Mapping[str, Any] | BaseModel]) -> list[dict[str, Any]]:
    return [_block_dict(b) for b in content]
