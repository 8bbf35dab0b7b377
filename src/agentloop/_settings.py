"""The request's settings, declared once.

:class:`RequestSettings` declares every optional body field of a Messages API
request with its type. ``Client.create`` / ``stream`` take them as keywords
(:class:`MessageParams`), so does ``Agent(...)``, and :data:`SETTING_FIELDS`
is read from it: adding the next API field is one line in that class (two if
it needs a beta: add it to :data:`FIELD_BETAS`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Literal

import httpx
from typing_extensions import Required, TypedDict

__all__ = [
    "FIELD_BETAS",
    "SETTING_FIELDS",
    "MessageParams",
    "RequestSettings",
    "reject_unknown",
    "request_betas",
    "request_body",
]


class RequestSettings(TypedDict, total=False):
    """The optional fields of a request body, as the API takes them (``thinking``
    and ``tool_choice`` aside: they have short forms on ``Agent``)."""

    system: str | Sequence[Mapping[str, Any]]
    temperature: float
    top_p: float
    top_k: int
    stop_sequences: Sequence[str]
    metadata: Mapping[str, Any]
    output_config: Mapping[str, Any]
    """``{"effort": ..., "format": ..., "task_budget": {"type": "tokens", "total": N}}``."""
    cache_control: Mapping[str, Any]
    """Automatic prompt caching, e.g. ``{"type": "ephemeral"}``."""
    container: str | Mapping[str, Any]
    """A container id, or ``{"id": ..., "skills": [...]}``."""
    inference_geo: str
    service_tier: Literal["auto", "standard_only"]
    speed: Literal["standard", "fast"]
    diagnostics: Mapping[str, Any]
    """e.g. ``{"previous_message_id": ...}``."""
    context_management: Mapping[str, Any]
    mcp_servers: Sequence[Mapping[str, Any]]


class MessageParams(RequestSettings, total=False):
    """Keyword arguments of ``create`` and ``stream``: the request body, and
    ``betas`` (joined into ``anthropic-beta``), ``extra_body`` (fields passed
    through as they are, unchecked), ``extra_headers``, ``timeout`` and
    ``max_retries`` for this request, and ``check_rules=False`` to send it
    without checking it against the client's API version."""

    model: Required[str]
    max_tokens: Required[int]
    messages: Required[Sequence[Mapping[str, Any]]]
    tools: Sequence[Mapping[str, Any]]
    thinking: Mapping[str, Any]
    tool_choice: Mapping[str, Any]
    betas: Sequence[str]
    extra_body: Mapping[str, Any]
    extra_headers: Mapping[str, str]
    timeout: float | httpx.Timeout
    max_retries: int
    check_rules: bool


SETTING_FIELDS: tuple[str, ...] = ("thinking", "tool_choice", *RequestSettings.__annotations__)
"""The request's optional settings: the body fields besides the model, the limit,
the messages and the tools."""
BODY_FIELDS = ("model", "max_tokens", "messages", "tools", *SETTING_FIELDS)
_PARAM_KEYS = frozenset(MessageParams.__annotations__)
_BODY_KEYS = frozenset(BODY_FIELDS)

FIELD_BETAS: Mapping[str, str] = {
    "context_management": "context-management-2025-06-27",
    "mcp_servers": "mcp-client-2025-04-04",
}
"""The beta a body field needs; sent with it unless a beta of the same family
(another date) is already given."""
_TASK_BUDGET_BETA = "task-budgets-2026-03-13"
_DATE = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def reject_unknown(keys: Iterable[str], known: Collection[str], where: str) -> None:
    """Raise ``TypeError`` for the first key of ``keys`` not in ``known``."""
    for key in keys:
        if key not in known:
            raise TypeError(_unknown_message(key, known, where))


def _unknown_message(key: str, known: Collection[str], where: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return (
        f"{where}() got an unexpected keyword argument {key!r}: {hint}a body field "
        f"agentloop does not know goes in extra_body={{{key!r}: ...}}"
    )


def request_body(params: Mapping[str, Any], *, stream: bool, where: str) -> dict[str, Any]:
    """The JSON body of ``params`` (``None`` values left out, ``extra_body`` merged last)."""
    if not _PARAM_KEYS.issuperset(params):
        reject_unknown(params, _PARAM_KEYS, where)
    body = {k: v for k, v in params.items() if v is not None and k in _BODY_KEYS}
    if stream:
        body["stream"] = True
    body.update(params.get("extra_body") or {})
    return body


def request_betas(body: Mapping[str, Any], given: Sequence[str]) -> list[str]:
    """``given``, plus the betas the fields of ``body`` need and no given beta covers."""
    needed = [beta for name, beta in FIELD_BETAS.items() if body.get(name) is not None]
    output_config = body.get("output_config")
    if isinstance(output_config, Mapping) and output_config.get("task_budget") is not None:
        needed.append(_TASK_BUDGET_BETA)
    if not needed:
        return list(given)
    families = {_DATE.sub("", beta) for beta in given}
    return [*given, *(beta for beta in needed if _DATE.sub("", beta) not in families)]
