"""MCP results and tool listings, as agentloop sees them.

=====================================  =========================================
MCP                                    becomes
=====================================  =========================================
text content                           a text block
image content (PNG, JPEG, GIF, WEBP)   an image block (another type: a note)
embedded text resource                 a text block, headed by its URI
embedded PDF resource                  a document block
embedded image resource                an image block
other embedded binary / audio          a note naming what was left out
resource link                          a text line with its name and URI
``structuredContent``                  JSON text (instead of the text blocks,
                                       which by the MCP spec repeat it)
``isError``                            ``is_error: true``
=====================================  =========================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from agentloop._exceptions import ToolDefinitionError
from agentloop._tools import ToolResult, api_name

__all__ = ["definition_of", "listing", "tool_result"]

_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def tool_result(result: Any) -> ToolResult:
    """A ``CallToolResult`` as a :class:`ToolResult`."""
    blocks = [b for item in result.content for b in _blocks(item)]
    structured = getattr(result, "structured_content", None)
    if structured is not None:
        text = json.dumps(structured, ensure_ascii=False, separators=(",", ":"))
        blocks = [{"type": "text", "text": text}, *(b for b in blocks if b["type"] != "text")]
    return ToolResult(_simplest(blocks), is_error=bool(result.is_error))


def _simplest(blocks: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    if all(b["type"] == "text" for b in blocks):
        return "\n".join(b["text"] for b in blocks)
    return blocks


def _blocks(item: Any) -> list[dict[str, Any]]:
    kind = getattr(item, "type", None)
    if kind == "text":
        return [_text(item.text)]
    if kind == "image":
        return [_image(item.data, item.mime_type)]
    if kind == "resource":
        return [_resource(item.resource)]
    if kind == "resource_link":
        mime = f" ({item.mime_type})" if getattr(item, "mime_type", None) else ""
        return [_text(f"Resource link: {item.name} <{item.uri}>{mime}")]
    if kind == "audio":
        return [_text(f"[audio ({item.mime_type}) left out: the model cannot take audio]")]
    return [_text(f"[MCP content of type {kind!r} left out]")]


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _image(data: str, mime: str) -> dict[str, Any]:
    if mime not in _IMAGE_TYPES:
        return _text(f"[image ({mime}) left out: the model takes PNG, JPEG, GIF or WEBP]")
    return {"type": "image", "source": {"type": "base64", "media_type": mime, "data": data}}


def _resource(resource: Any) -> dict[str, Any]:
    uri, mime = str(resource.uri), getattr(resource, "mime_type", None) or ""
    text = getattr(resource, "text", None)
    if text is not None:
        return _text(f"Resource {uri}:\n{text}")
    blob: str = resource.blob
    if mime == "application/pdf":
        source = {"type": "base64", "media_type": mime, "data": blob}
        return {"type": "document", "source": source, "title": uri}
    if mime in _IMAGE_TYPES:
        return _image(blob, mime)
    return _text(f"[resource {uri} ({mime or 'binary'}) left out: not text, PDF or an image]")


def definition_of(tool: Any, name: str) -> dict[str, Any]:
    """The API's tool definition for an MCP ``Tool``, shown as ``name``."""
    definition: dict[str, Any] = {"name": name}
    description = tool.description or getattr(tool, "title", None)
    if description:
        definition["description"] = description
    definition["input_schema"] = dict(tool.input_schema or {"type": "object"})
    return definition


def listing(
    tools: Sequence[Any], prefix: str | None, server: str
) -> tuple[list[dict[str, Any]], Mapping[str, str]]:
    """The definitions to show and the route of each shown name to the server's name.

    Raises :class:`ToolDefinitionError` when two tools would be shown under one name.
    """
    definitions: list[dict[str, Any]] = []
    routes: dict[str, str] = {}
    for tool in tools:
        shown = api_name(f"{prefix}_{tool.name}" if prefix else tool.name)
        if shown in routes:
            raise ToolDefinitionError(
                f"MCP server {server}: tools {routes[shown]!r} and {tool.name!r} both become "
                f"{shown!r} (tool names allow only letters, digits, '_' and '-', 64 at most); "
                "hide one with FilteredRegistry(registry, lambda d: d['name'] != '...')"
            )
        routes[shown] = tool.name
        definitions.append(definition_of(tool, shown))
    return definitions, routes
