"""What a tool call gives back: :class:`ToolResult`, and how return values become one.

Conversion rules of :func:`to_result`:

=====================================  =========================================
the tool returns                       the ``tool_result`` content
=====================================  =========================================
``str``                                that text
``None``                               nothing (an empty result)
a :class:`ToolResult`                  used as it is (block models as dicts)
a content block (``{"type": "text"``,  a list holding that block
``"image"`` or ``"document"`` dict, or
a :mod:`agentloop._models` block)
a non-empty list of content blocks     those blocks, as dicts
``bytes`` of a PNG, JPEG, GIF or WEBP  an image block
anything else JSON can hold (dict,     JSON text (pydantic's JSON rules: models,
list, numbers, bool, BaseModel,        dataclasses, datetimes, UUIDs, enums...)
dataclass...)
=====================================  =========================================

A value that cannot be sent (other bytes, a ``ToolResult`` whose content is
not text or blocks, an object JSON cannot hold) raises :class:`UnsendableResult`;
:func:`exception_result` turns it into an is_error result naming the tool.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError, to_jsonable_python

from agentloop._exceptions import ConfigurationError, ToolError
from agentloop._models import DocumentBlock, ImageBlock, TextBlock, to_param

from ._content import BadContent, bad_result_message, short_repr, wire_content
from ._images import image, sniff_media_type
from ._logging import log_bad_result, log_tool_error

__all__ = ["ToolResult", "UnsendableResult", "error_message", "exception_result", "to_result"]

_BLOCK_MODELS = (TextBlock, ImageBlock, DocumentBlock)
_JSON_KEYS = frozenset({"content", "is_error"})


@dataclass(frozen=True)
class ToolResult:
    """The outcome of one tool call, ready to become a ``tool_result`` block.

    ``content`` is text, or a list of content blocks (text, image, document
    dicts); ``is_error`` tells the model the call failed.
    """

    content: str | list[dict[str, Any]]
    is_error: bool = False

    def to_block(self, tool_use_id: str, tool_name: str | None = None) -> dict[str, Any]:
        """The wire ``tool_result`` block answering the call ``tool_use_id``; never raises.

        ``content`` is left out when the result is empty, ``is_error`` when false.
        Content that cannot be sent (not a str or a list of content blocks)
        gives an ``is_error`` block naming ``tool_name`` and the bad value,
        and is logged as ``tool.error``.
        """
        try:
            content, is_error = wire_content(self.content), bool(self.is_error)
        except BadContent as exc:
            content, is_error = bad_result_message(tool_name, str(exc)), True
            log_bad_result(tool_name, content, tool_use_id)
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_use_id}
        if content:
            block["content"] = content
        if is_error:
            block["is_error"] = True
        return block

    def checked(self, tool_name: str | None = None) -> ToolResult:
        """This result in wire form (block models as dicts); never raises.

        Content that cannot be sent gives instead the ``is_error`` result the
        model would get, naming ``tool_name`` and the bad value.
        """
        if type(self.content) is str and type(self.is_error) is bool:
            return self  # already in wire form
        try:
            return ToolResult(wire_content(self.content), bool(self.is_error))
        except BadContent as exc:
            return ToolResult(bad_result_message(tool_name, str(exc)), is_error=True)

    def to_json(self) -> dict[str, Any]:
        """This result as JSON data, ``{"content": ..., "is_error": ...}``; never raises.

        :meth:`from_json` reads it back. Content that cannot be sent is stored
        as the is_error result the model would get (see :meth:`checked`).
        """
        result = self.checked()
        return {"content": result.content, "is_error": result.is_error}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ToolResult:
        """The result that :meth:`to_json` gave ``data``.

        Raises :class:`~agentloop.ConfigurationError` naming what is wrong
        when ``data`` is not such a dict.
        """
        if not isinstance(data, Mapping):
            raise ConfigurationError(
                f"ToolResult.from_json needs a dict like {{'content': 'text', 'is_error': False}}, "
                f"not {short_repr(data)}"
            )
        unknown = sorted(map(str, set(data) - _JSON_KEYS))
        if unknown:
            raise ConfigurationError(
                f"ToolResult.from_json: unknown keys {unknown}; a result has only 'content' and "
                "'is_error'"
            )
        is_error = data.get("is_error", False)
        if not isinstance(is_error, bool):
            raise ConfigurationError(
                f"ToolResult.from_json: 'is_error' must be true or false, not {short_repr(is_error)}"
            )
        try:
            content = wire_content(data.get("content", ""))
        except BadContent as exc:
            raise ConfigurationError(f"ToolResult.from_json: {exc}") from None
        return cls(content, is_error)


class UnsendableResult(TypeError):
    """A tool's return value that cannot be sent to the model.

    ``what`` completes "tool X ..."; :func:`exception_result` makes the
    is_error result from it.
    """

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what

    def message(self, tool: str) -> str:
        """The text the model gets, naming the tool."""
        return f"tool {tool!r} {self.what}"


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
    """Convert a tool's return value into a :class:`ToolResult` (rules in the module doc).

    Raises :class:`UnsendableResult` for a value that cannot be sent.
    """
    if isinstance(value, ToolResult):
        return _checked(value)
    if value is None:
        return ToolResult("")
    if isinstance(value, str):
        return ToolResult(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _bytes_result(bytes(value))
    if is_content_block(value):
        return ToolResult([_block_dict(value)])
    if isinstance(value, (list, tuple)) and value and all(map(is_content_block, value)):
        return ToolResult([_block_dict(b) for b in value])
    return ToolResult(_to_json(value))


def _checked(result: ToolResult) -> ToolResult:
    if isinstance(result.content, str) and isinstance(result.is_error, bool):
        return result
    try:
        return ToolResult(wire_content(result.content), bool(result.is_error))
    except BadContent as exc:
        raise UnsendableResult(
            f"returned a ToolResult that cannot be sent to the model: {exc}"
        ) from None


def _bytes_result(data: bytes) -> ToolResult:
    if sniff_media_type(data) is not None:
        return ToolResult([image(data)])
    raise UnsendableResult(
        f"returned {len(data)} bytes that are not an image (PNG, JPEG, GIF or WEBP); "
        "return str, or use agentloop.image(data, media_type=...)"
    )


def _to_json(value: object) -> str:
    try:
        data = to_jsonable_python(value)
    except (PydanticSerializationError, ValueError, TypeError) as exc:
        raise UnsendableResult(
            f"returned {short_repr(value)} (a {type(value).__name__}), which cannot be sent "
            "to the model; return str, None, JSON data, a pydantic model, a dataclass or "
            "content blocks"
        ) from exc
    return json.dumps(data, ensure_ascii=False)


def error_message(exc: BaseException) -> str:
    """``ExceptionType: message`` (just the type when the message is empty)."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def exception_result(tool: str, exc: Exception, tool_use_id: str | None = None) -> ToolResult:
    """The is_error result for an exception raised while calling ``tool``.

    A :class:`ToolError` gives its own content (message or blocks); an
    :class:`UnsendableResult` says what the tool returned; any other
    exception gives ``ExceptionType: message`` and is logged with its traceback.
    """
    if isinstance(exc, ToolError):
        return ToolResult(exc.content, is_error=True).checked(tool)  # type: ignore[arg-type]
    if isinstance(exc, UnsendableResult):
        message = exc.message(tool)
        log_bad_result(tool, message, tool_use_id)
        return ToolResult(message, is_error=True)
    log_tool_error(tool, exc, tool_use_id)
    return ToolResult(error_message(exc), is_error=True)
