"""The protocol rules every request must follow, checked one request at a time.

Each check yields ``(rule, detail)`` pairs; an empty result means the request
is well formed. The rules on the body's fields and settings (the API
version's, ranges, thinking, tool_choice, the per-model table) are the agent's
own pre-send rules (:func:`agentloop._loop._rules.request_problems`, under the
request's ``anthropic-version``), so the two cannot disagree. An unknown
``anthropic-version`` is refused before the body is read
(:func:`header_refusal`), as the API does. Rules that need what the fake
served earlier live in :mod:`._memory`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .._loop._rules import Problem, request_problems, thinking_on
from .._versions import API_VERSIONS
from ._messages import check_messages
from ._recorded import RecordedRequest

__all__ = ["Problem", "Violation", "check_request", "header_refusal", "thinking_on"]

PREFIX = "agentloop.testing: "
VERSION_RULE = "anthropic-version header"
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


def header_refusal(headers: Mapping[str, str]) -> str | None:
    """The API's 400 message for a missing or unknown ``anthropic-version``; else None."""
    version = headers.get("anthropic-version")
    if version is None:
        return "anthropic-version: header is required"
    if version not in API_VERSIONS:
        return f'anthropic-version: "{version}" is not a valid version'
    return None


def check_request(request: RecordedRequest) -> list[Problem]:
    """Every rule ``request`` breaks on its own (its ``anthropic-version`` known)."""
    problems = list(_check_http(request))
    body = request.body
    if not isinstance(body, dict):
        return [*problems, ("JSON body", "the body is not a JSON object")]
    problems += _check_fields(body)
    version = request.headers.get("anthropic-version", "")
    problems += request_problems(body, _betas(request.headers), api_version=version)
    messages = body.get("messages")
    if isinstance(messages, list) and messages:
        problems += list(_check_shapes(messages)) or check_messages(messages)
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
    if not headers.get("x-api-key") and not _bearer(headers.get("authorization", "")):
        yield "x-api-key header", "missing (send x-api-key, or authorization: Bearer <key>)"
    content_type = headers.get("content-type", "").split(";")[0].strip()
    if content_type != "application/json":
        yield (
            "content-type header",
            f"expected 'application/json', got {headers.get('content-type')!r}",
        )


def _bearer(value: str) -> bool:
    scheme, _, token = value.partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


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
