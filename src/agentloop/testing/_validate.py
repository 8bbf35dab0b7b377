"""Checks on what a script is built from, so misuse fails early with a clear message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._errors import ScriptError

__all__ = ["as_body", "check_content", "check_status", "describe"]


def describe(value: Any) -> str:
    """A short description of ``value`` for an error message."""
    text = repr(value)
    return f"{text[:60]}... ({type(value).__name__})" if len(text) > 60 else text


def as_body(body: Any) -> bytes:
    """A garbage body as bytes: bytes-like as is, a str encoded as UTF-8."""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    raise ScriptError(f"garbage() takes the body as bytes or str, got {describe(body)}")


def check_status(status: Any, where: str) -> None:
    """An HTTP status must be an int from 100 to 599."""
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ScriptError(
            f"{where}: the status must be an int from 100 to 599, got {describe(status)}"
        )


def check_content(content: Any, truncated: bool) -> None:
    """A reply's content: a list of blocks, each a mapping with a string ``type``."""
    if not isinstance(content, list):
        raise ScriptError(f"a reply's content must be a list of blocks, got {describe(content)}")
    for i, block in enumerate(content):
        if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
            raise ScriptError(
                f"reply content[{i}] must be a block with a 'type' (text(...), tool_use(...), "
                f"block({{'type': ...}})), got {describe(block)}"
            )
    if truncated and not content:
        raise ScriptError("a truncated reply needs a last block to cut short")
    _check_search_results(content)


def _check_search_results(content: list[Any]) -> None:
    seen_server_tool = False
    for i, block in enumerate(content):
        seen_server_tool = seen_server_tool or block["type"] == "server_tool_use"
        if (
            block["type"] == "web_search_tool_result"
            and "tool_use_id" not in block
            and not seen_server_tool
        ):
            raise ScriptError(
                f"reply content[{i}]: web_search_result() without tool_use_id must follow a "
                "server_tool_use in the same reply; pass tool_use_id="
            )
