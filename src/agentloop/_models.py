"""Wire models of the Messages API: content blocks, messages, usage.

Every model allows extra fields, because the live API adds fields to known
blocks (``caller`` on ``tool_use``, say) and they must survive the round trip.
A block whose ``type`` we do not model becomes an :class:`UnknownBlock` that
keeps every field and serializes back unchanged.

``model.model_dump(mode="json", exclude_none=True)`` (or :func:`to_param`)
gives the API's JSON, ready to be appended to ``messages`` and sent back.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Annotated, Any, Literal, TypeAlias, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter
from typing_extensions import TypedDict

__all__ = [
    "Base64ImageSource",
    "Citation",
    "ContentBlock",
    "DocumentBlock",
    "FileSource",
    "ImageBlock",
    "Message",
    "MessageParam",
    "RedactedThinkingBlock",
    "ServerToolUsage",
    "ServerToolUseBlock",
    "StopReason",
    "TextBlock",
    "ThinkingBlock",
    "ToolResultBlock",
    "ToolUseBlock",
    "URLSource",
    "UnknownBlock",
    "Usage",
    "WebSearchToolResultBlock",
    "parse_block",
    "parse_message",
    "to_param",
]


class WireModel(BaseModel):
    """Base of every wire model: unknown fields are kept and sent back."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    def to_param(self) -> dict[str, Any]:
        """The API's JSON for this object (``None`` fields left out)."""
        return self.model_dump(mode="json", exclude_none=True)


# --- sources -----------------------------------------------------------------


class Base64ImageSource(WireModel):
    type: Literal["base64"] = "base64"
    media_type: str
    data: str


class URLSource(WireModel):
    type: Literal["url"] = "url"
    url: str


class FileSource(WireModel):
    type: Literal["file"] = "file"
    file_id: str


class OtherSource(WireModel):
    """A source type we do not model (``text``, ``content``...), kept as is."""

    type: str


def by_type(known: Collection[str], other: str = "unknown") -> Discriminator:
    """A discriminator on ``type``: the type itself when ``known``, else ``other``.

    It is what lets a union accept block, delta and event types newer than
    this library: they go to the union's catch-all member, kept verbatim.
    """

    def tag(value: Any) -> str:
        kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
        return kind if isinstance(kind, str) and kind in known else other

    return Discriminator(tag)


Source: TypeAlias = Annotated[
    Union[
        Annotated[Base64ImageSource, Tag("base64")],
        Annotated[URLSource, Tag("url")],
        Annotated[FileSource, Tag("file")],
        Annotated[OtherSource, Tag("other")],
    ],
    by_type(("base64", "url", "file"), other="other"),
]


# --- content blocks ----------------------------------------------------------


class Citation(WireModel):
    """One citation of a text block; its shape depends on its ``type``."""

    type: str


class TextBlock(WireModel):
    type: Literal["text"] = "text"
    text: str
    citations: list[Citation] | None = None


class ImageBlock(WireModel):
    type: Literal["image"] = "image"
    source: Source


class DocumentBlock(WireModel):
    type: Literal["document"] = "document"
    source: Source


class ToolUseBlock(WireModel):
    type: Literal["tool_use"] = "tool_use"
    id: str
    name: str
    input: dict[str, Any] = Field(default_factory=dict)


class ToolResultBlock(WireModel):
    type: Literal["tool_result"] = "tool_result"
    tool_use_id: str
    content: str | list[ContentBlock] | None = None
    is_error: bool | None = None


class ThinkingBlock(WireModel):
    type: Literal["thinking"] = "thinking"
    thinking: str
    signature: str


class RedactedThinkingBlock(WireModel):
    type: Literal["redacted_thinking"] = "redacted_thinking"
    data: str


class ServerToolUseBlock(WireModel):
    type: Literal["server_tool_use"] = "server_tool_use"
    id: str
    name: str
    input: dict[str, Any] = Field(default_factory=dict)


class WebSearchToolResultBlock(WireModel):
    type: Literal["web_search_tool_result"] = "web_search_tool_result"
    tool_use_id: str
    content: Any = None


class UnknownBlock(WireModel):
    """A block type agentloop does not model yet; every field is kept."""

    type: str


_KNOWN_BLOCKS: dict[str, type[WireModel]] = {
    "text": TextBlock,
    "image": ImageBlock,
    "document": DocumentBlock,
    "tool_use": ToolUseBlock,
    "tool_result": ToolResultBlock,
    "thinking": ThinkingBlock,
    "redacted_thinking": RedactedThinkingBlock,
    "server_tool_use": ServerToolUseBlock,
    "web_search_tool_result": WebSearchToolResultBlock,
}


ContentBlock: TypeAlias = Annotated[
    Union[
        Annotated[TextBlock, Tag("text")],
        Annotated[ImageBlock, Tag("image")],
        Annotated[DocumentBlock, Tag("document")],
        Annotated[ToolUseBlock, Tag("tool_use")],
        Annotated[ToolResultBlock, Tag("tool_result")],
        Annotated[ThinkingBlock, Tag("thinking")],
        Annotated[RedactedThinkingBlock, Tag("redacted_thinking")],
        Annotated[ServerToolUseBlock, Tag("server_tool_use")],
        Annotated[WebSearchToolResultBlock, Tag("web_search_tool_result")],
        Annotated[UnknownBlock, Tag("unknown")],
    ],
    by_type(_KNOWN_BLOCKS),
]

# ToolResultBlock names ContentBlock before it exists: pydantic resolves it from this
# module when the model is first used (every wire model defers its build).

# --- message -----------------------------------------------------------------

StopReason: TypeAlias = Literal[
    "end_turn",
    "max_tokens",
    "stop_sequence",
    "tool_use",
    "pause_turn",
    "refusal",
    "model_context_window_exceeded",
]
"""The stop reasons known today. Fields typed with it also accept any string,
because newer stop reasons appear over time."""


class ServerToolUsage(WireModel):
    web_search_requests: int = 0
    web_fetch_requests: int = 0


class Usage(WireModel):
    """Token counts of one response (or totals across a run)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    server_tool_use: ServerToolUsage | None = None


class Message(WireModel):
    """A response of the Messages API."""

    id: str
    type: Literal["message"] = "message"
    role: Literal["assistant"] = "assistant"
    content: list[ContentBlock] = Field(default_factory=list)
    model: str
    stop_reason: StopReason | str | None = None
    stop_sequence: str | None = None
    stop_details: dict[str, Any] | None = None
    usage: Usage = Field(default_factory=Usage)

    @property
    def text(self) -> str:
        """The text of every text block, joined."""
        return "".join(b.text for b in self.content if isinstance(b, TextBlock))

    @property
    def tool_uses(self) -> list[ToolUseBlock]:
        """The client tool calls of this message, in order."""
        return [b for b in self.content if isinstance(b, ToolUseBlock)]

    def to_message_param(self) -> MessageParam:
        """This response as an assistant turn, ready to append to ``messages``."""
        return {"role": "assistant", "content": [to_param(b) for b in self.content]}


class MessageParam(TypedDict):
    """One entry of the request's ``messages``: ``{"role", "content"}``."""

    role: Literal["user", "assistant", "system"]
    content: str | list[dict[str, Any]]


@functools.cache
def _block_adapter() -> TypeAdapter[ContentBlock]:
    return TypeAdapter(ContentBlock)  # built on first use: importing stays quick


def parse_block(data: dict[str, Any]) -> ContentBlock:
    """Validate one content block dict into its model (unknown types kept)."""
    return _block_adapter().validate_python(data)


def parse_message(data: dict[str, Any] | str | bytes) -> Message:
    """Validate a Messages API response body into a :class:`Message`."""
    if isinstance(data, dict):
        return Message.model_validate(data)
    return Message.model_validate_json(data)


def to_param(block: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """The API's JSON for a block given as a model or as a dict."""
    if isinstance(block, dict):
        return block
    return block.model_dump(mode="json", exclude_none=True)
