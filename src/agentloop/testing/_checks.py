"""The protocol rules every request must follow, checked one request at a time.

Each check yields ``(rule, detail)`` pairs; an empty result means the request
is well formed. The rules on the body's fields and settings (ranges, thinking,
tool_choice, the per-model table) are the agent's own pre-send rules
(:func:`agentloop._loop._rules.request_problems`), so the two cannot disagree.
Rules that need what the fake served earlier live in :mod:`._memory`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .._loop._rules import Problem, request_problems, thinking_on
from ._recorded import RecordedRequest

__all__ = ["Problem", "Violation", "check_request", "thinking_on"]

PREFIX = "agentloop.testing: "
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Violation:
    """A protocol rule a request broke."""

    request: int
    """The request's number (from 1)."""
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"request {self.request}: {self.rule}: {self.detail}"


def check_request(request: RecordedRequest) -> list[Problem]:
    """Every rule ``request`` breaks on its own."""
    problems = list(_check_http(request))
    body = request.body
    if not isinstance(body, dict):
        return [*problems, ("JSON body", "the body is not a JSON object")]
    problems += _check_fields(body)
    problems += request_problems(body, _betas(request.headers))
    messages = body.get("messages")
    if isinstance(messages, list) and messages:
        shape = list(_check_shapes(messages))
        problems += shape or [*_check_roles(messages), *_check_tool_results(messages)]
    problems += _check_tools(body)
    return problems


def _betas(headers: Mapping[str, str]) -> list[str]:
    return [beta.strip() for beta in headers.get("anthropic-beta", "").split(",") if beta.strip()]


def _check_http(request: RecordedRequest) -> Iterator[Problem]:
    if request.method != "POST":
        yield "method", f"expected POST, got {request.method}"
    if request.path != "/v1/messages":
        yield "path", f"expected /v1/messages, got {request.path}"
    headers = request.headers
    if not headers.get("x-api-key"):
        yield "x-api-key header", "missing"
    if headers.get("anthropic-version") != "2023-06-01":
        yield (
            "anthropic-version header",
            f"expected '2023-06-01', got {headers.get('anthropic-version')!r}",
        )
    content_type = headers.get("content-type", "").split(";")[0].strip()
    if content_type != "application/json":
        yield (
            "content-type header",
            f"expected 'application/json', got {headers.get('content-type')!r}",
        )


def _check_fields(body: dict[str, Any]) -> Iterator[Problem]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        yield "messages", f"must be a non-empty list, got {messages!r}"
    if "stream" in body and not isinstance(body["stream"], bool):
        yield "stream", f"must be true or false, got {body['stream']!r}"


def _check_shapes(messages: list[Any]) -> Iterator[Problem]:
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in (
            "user",
            "assistant",
            "system",
        ):
            yield "message shape", f"messages[{i}] needs a role of user, assistant or system"
            continue
        content = message.get("content")
        if isinstance(content, str):
            continue
        if not isinstance(content, list) or not all(
            isinstance(b, dict) and isinstance(b.get("type"), str) for b in content
        ):
            yield (
                "message shape",
                f"messages[{i}].content must be a string or a list of typed blocks",
            )


def _check_roles(messages: list[dict[str, Any]]) -> Iterator[Problem]:
    if messages[0]["role"] != "user":
        yield "first message", f"messages[0] must be a user message, got {messages[0]['role']!r}"
    previous: str | None = None
    for i, message in enumerate(messages):
        role = message["role"]
        if role == "system":
            if i == 0 or messages[i - 1]["role"] != "user":
                yield (
                    "system message placement",
                    f"messages[{i}] (role system) must follow a user message",
                )
            continue
        if role == previous:
            yield "roles alternate", f"messages[{i}] is a second {role!r} turn in a row"
        previous = role


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return content if isinstance(content, list) else []


def _check_tool_results(messages: list[dict[str, Any]]) -> Iterator[Problem]:
    for i, message in enumerate(messages):
        if message["role"] == "assistant":
            yield from _check_answered(messages, i)
        if message["role"] != "user":
            continue
        blocks = _blocks(message)
        results = [b for b in blocks if b["type"] == "tool_result"]
        if blocks[: len(results)] != results:
            yield (
                "tool_result first",
                f"messages[{i}]: tool_result blocks must come before any other block",
            )
        asked = (
            _tool_use_ids(messages[i - 1]) if i and messages[i - 1]["role"] == "assistant" else []
        )
        seen: set[str] = set()
        for j, result in enumerate(blocks):
            if result["type"] != "tool_result":
                continue
            answered = result.get("tool_use_id")
            if answered not in asked:
                yield (
                    "tool_result answers previous tool_use",
                    f"messages[{i}].content[{j}] answers {answered!r}, "
                    "which is no tool_use of the assistant message just before",
                )
            elif answered in seen:
                yield "tool_result once", f"messages[{i}] answers {answered!r} twice"
            seen.add(str(answered))


def _tool_use_ids(message: dict[str, Any]) -> list[str]:
    return [b.get("id", "") for b in _blocks(message) if b["type"] == "tool_use"]


def _check_answered(messages: list[dict[str, Any]], i: int) -> Iterator[Problem]:
    asked = _tool_use_ids(messages[i])
    after = messages[i + 1] if i + 1 < len(messages) else {"role": None}
    answered = {b.get("tool_use_id") for b in _blocks(after) if b["type"] == "tool_result"}
    missing = [tool_id for tool_id in asked if tool_id not in answered]
    if missing:
        yield (
            "tool_use answered",
            "tool_use ids were found without tool_result blocks immediately after: "
            f"{', '.join(missing)} (messages[{i}]). Each tool_use block must have a "
            "corresponding tool_result block in the next message",
        )


def _check_tools(body: dict[str, Any]) -> Iterator[Problem]:
    tools = body.get("tools", [])
    if not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools):
        yield "tools", "must be a list of tool definitions"
        return
    names: set[str] = set()
    for i, tool in enumerate(tools):
        name = tool.get("name")
        if not isinstance(name, str) or not _TOOL_NAME.match(name):
            yield "tool name", f"tools[{i}].name {name!r} does not match ^[a-zA-Z0-9_-]{{1,64}}$"
        elif name in names:
            yield "tool names unique", f"tools[{i}].name {name!r} is used twice"
        names.add(str(name))
        schema = tool.get("input_schema")
        if tool.get("type", "custom") == "custom" and (
            not isinstance(schema, dict) or schema.get("type") != "object"
        ):
            yield (
                "tool input_schema",
                f'tools[{i}] ({name!r}) needs an input_schema with "type": "object"',
            )
