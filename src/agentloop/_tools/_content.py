"""What a ``tool_result`` may hold, checked when it is about to be sent.

Content is a ``str``, or a list of content blocks: dicts with a string
``type`` (text, image, document, search_result, ... new types pass), or the
block models of :mod:`agentloop._models`. ``None`` means no content.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from agentloop._models import to_param

__all__ = ["BadContent", "bad_result_message", "short_repr", "wire_content"]

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = 4
_REPR.maxlevel = 3


class BadContent(Exception):
    """Content that cannot go into a ``tool_result``; the message says why."""


def short_repr(value: object) -> str:
    """A repr cut to a readable length (never raises)."""
    try:
        return _REPR.repr(value)
    except Exception:
        return f"<{type(value).__name__} object>"


def wire_content(content: object) -> str | list[dict[str, Any]]:
    """``content`` in wire form: the str, or fresh block dicts; raises :class:`BadContent`."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, (list, tuple)):
        raise BadContent(
            f"its content {short_repr(content)} is a {type(content).__name__}, "
            "not a str or a list of content blocks"
        )
    return [_block(item, index) for index, item in enumerate(content)]


def _block(item: object, index: int) -> dict[str, Any]:
    data = to_param(item) if isinstance(item, BaseModel) else item
    if isinstance(data, Mapping) and isinstance(data.get("type"), str):
        copied: dict[str, Any] = _copy(data)
        return copied
    raise BadContent(
        f"its content item {index}, {short_repr(item)}, is a {type(item).__name__}, "
        'not a content block (a dict with a "type")'
    )


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(item) for item in value]
    return value


def bad_result_message(tool: str | None, why: str) -> str:
    """The is_error text for a result that cannot be sent (what the model and the log get)."""
    who = f"tool {tool!r}" if tool else "a tool"
    return (
        f"{who} returned a result that cannot be sent to the model: {why}. "
        'Return a str, or a list of content blocks such as {"type": "text", "text": "..."}.'
    )
