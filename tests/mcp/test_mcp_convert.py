"""MCP results as tool results: every kind of content (no server needed)."""

from __future__ import annotations

import mcp_types as types

from agentloop._tools import ToolResult
from agentloop.mcp._convert import tool_result


def result(*content: object, structured: object = None, error: bool = False) -> object:
    return types.CallToolResult(
        content=list(content), structured_content=structured, is_error=error
    )


def test_text_blocks_join_into_one_text():
    text = types.TextContent(type="text", text="a")
    assert tool_result(result(text, text)) == ToolResult("a\na")


def test_structured_content_becomes_json_text_in_place_of_its_text_copy():
    copy = types.TextContent(type="text", text='{\n  "n": 1\n}')
    assert tool_result(result(copy, structured={"n": 1})) == ToolResult('{"n":1}')


def test_is_error_is_kept():
    text = types.TextContent(type="text", text="bad")
    assert tool_result(result(text, error=True)) == ToolResult("bad", is_error=True)


def test_an_image_of_a_type_the_model_cannot_take_becomes_a_note():
    svg = types.ImageContent(type="image", data="PHN2Zz4=", mime_type="image/svg+xml")
    assert tool_result(result(svg)) == ToolResult(
        "[image (image/svg+xml) left out: the model takes PNG, JPEG, GIF or WEBP]"
    )


def test_embedded_resources_become_text_documents_or_images():
    text = types.EmbeddedResource(type="resource", resource=types.TextResourceContents(
        uri="file:///notes.md", text="# Notes", mime_type="text/markdown"))  # fmt: skip
    pdf = types.EmbeddedResource(type="resource", resource=types.BlobResourceContents(
        uri="file:///a.pdf", blob="JVBERi0=", mime_type="application/pdf"))  # fmt: skip
    png = types.EmbeddedResource(type="resource", resource=types.BlobResourceContents(
        uri="file:///a.png", blob="iVBORw0K", mime_type="image/png"))  # fmt: skip
    zip_ = types.EmbeddedResource(type="resource", resource=types.BlobResourceContents(
        uri="file:///a.zip", blob="UEs=", mime_type="application/zip"))  # fmt: skip
    assert tool_result(result(text, pdf, png, zip_)) == ToolResult([
        {"type": "text", "text": "Resource file:///notes.md:\n# Notes"},
        {"type": "document", "title": "file:///a.pdf",
         "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0K"}},
        {"type": "text", "text": "[resource file:///a.zip (application/zip) left out: not text, PDF or an image]"},
    ])  # fmt: skip


def test_a_resource_link_and_audio_become_text():
    link = types.ResourceLink(
        type="resource_link", uri="https://x/y", name="y", mime_type="text/csv"
    )
    audio = types.AudioContent(type="audio", data="AAAA", mime_type="audio/wav")
    assert tool_result(result(link, audio)) == ToolResult(
        "Resource link: y <https://x/y> (text/csv)\n"
        "[audio (audio/wav) left out: the model cannot take audio]"
    )
