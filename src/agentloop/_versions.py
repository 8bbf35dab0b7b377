"""The Messages API versions agentloop speaks, and what each one refuses.

The ``anthropic-version`` header picks the version. ``2026-10-21`` (the
default) removed ``temperature``, ``top_p`` and ``top_k``, and refuses a
``document`` block directly in an assistant message and a user ``text``
block carrying citations (directly or inside a ``search_result``);
``2023-06-01`` accepts all three, within each model's own rules.

:func:`version_problems` is the one place these rules live: the client
checks every request against its own version before sending, the agent's
:func:`~agentloop._loop._rules.request_problems` includes them, and the
testing fake answers them with the API's 400.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

from ._exceptions import ConfigurationError

__all__ = [
    "API_VERSIONS",
    "DEFAULT_API_VERSION",
    "LEGACY_API_VERSION",
    "SAMPLING_FIELDS",
    "VERSION_RULES",
    "ApiVersion",
    "VersionRules",
    "agent_api_version",
    "check_api_version",
    "version_problems",
]

ApiVersion: TypeAlias = Literal["2026-10-21", "2023-06-01"]
"""An ``anthropic-version`` agentloop speaks."""

DEFAULT_API_VERSION: ApiVersion = "2026-10-21"
LEGACY_API_VERSION: ApiVersion = "2023-06-01"
SAMPLING_FIELDS = ("temperature", "top_p", "top_k")

Problem = tuple[str, str]


@dataclass(frozen=True)
class VersionRules:
    """What one API version accepts, whatever the model."""

    sampling_params: bool = True
    """``temperature``, ``top_p``, ``top_k`` exist (then each model's rules apply)."""
    assistant_documents: bool = True
    """A ``document`` block may appear directly in an assistant message."""
    user_citations: bool = True
    """A user ``text`` block (or one inside a ``search_result``) may carry citations."""


VERSION_RULES: Mapping[str, VersionRules] = MappingProxyType(
    {
        "2026-10-21": VersionRules(
            sampling_params=False, assistant_documents=False, user_citations=False
        ),
        "2023-06-01": VersionRules(),
    }
)
"""The rules per API version (read-only)."""
API_VERSIONS: tuple[str, ...] = tuple(VERSION_RULES)


_SAMPLING_KEYS = frozenset(SAMPLING_FIELDS)


def check_api_version(value: object) -> ApiVersion:
    """``value`` if it is a version agentloop speaks; else a :class:`ConfigurationError`."""
    if isinstance(value, str) and value in VERSION_RULES:
        return value  # type: ignore[return-value]
    known = " or ".join(repr(v) for v in API_VERSIONS)
    raise ConfigurationError(
        f"api_version={value!r} is not an API version agentloop speaks: pass {known} "
        f"(the default is {DEFAULT_API_VERSION!r})"
    )


def version_problems(
    body: Mapping[str, Any], api_version: str, *, json_text: str | None = None
) -> list[Problem]:
    """Every rule of ``api_version`` that the request ``body`` breaks (an unknown version: none).

    ``json_text``, the body as it will be sent, lets the history scan be skipped
    when the text cannot hold what the content rules look for (the common case:
    the scan costs a pass over every block of every message, on every request).
    """
    rules = VERSION_RULES.get(api_version)
    if rules is None:
        return []
    problems: list[Problem] = []
    if not rules.sampling_params and not _SAMPLING_KEYS.isdisjoint(body):
        problems += _sampling_problems(body, api_version)
    messages = body.get("messages")
    if (
        isinstance(messages, (list, tuple))
        and not (rules.assistant_documents and rules.user_citations)
        and (json_text is None or _may_break_content_rules(json_text, rules))
    ):
        problems += _content_problems(messages, rules, api_version)
    return problems


def _may_break_content_rules(json_text: str, rules: VersionRules) -> bool:
    """False when the JSON surely breaks no content rule: an assistant ``document``
    block needs the string ``"document"``, user citations the key ``"citations"``."""
    return (not rules.assistant_documents and '"document"' in json_text) or (
        not rules.user_citations and '"citations"' in json_text
    )


def _sampling_problems(body: Mapping[str, Any], api_version: str) -> Iterator[Problem]:
    given = [name for name in SAMPLING_FIELDS if body.get(name) is not None]
    if not given:
        return
    names = " and ".join(given) if len(given) < 3 else "temperature, top_p and top_k"
    verb = "was" if len(given) == 1 else "were"
    yield (
        "sampling parameters",
        f"{names} {verb} removed in API version {api_version} (the API answers 400 "
        f"'Extra inputs are not permitted'): leave {'it' if len(given) == 1 else 'them'} "
        f"unset, so the model's defaults apply, or pin the previous version with "
        f"api_version={LEGACY_API_VERSION!r} (on Client, AsyncClient or Agent)",
    )


def _content_problems(
    messages: Sequence[Any], rules: VersionRules, api_version: str
) -> Iterator[Problem]:
    # Runs before every request over the whole history: the plain-dict path
    # stays cheap, and a block's place is spelled out only when it breaks a rule.
    documents, citations = rules.assistant_documents, rules.user_citations
    for i, message in enumerate(messages):
        role = message.get("role") if type(message) is dict else _get(message, "role")
        if role == "assistant":
            if documents:
                continue
        elif role != "user" or citations:
            continue
        content = message.get("content") if type(message) is dict else _get(message, "content")
        if type(content) is not list and not isinstance(content, (list, tuple)):
            continue
        for j, block in enumerate(content):
            kind = block.get("type") if type(block) is dict else _get(block, "type")
            if role == "assistant":
                if kind == "document":
                    yield _document_problem(f"messages[{i}].content[{j}]", api_version)
            elif (kind == "text" or kind == "search_result") and _cites(block):
                yield _citation_problem(f"messages[{i}].content[{j}]", api_version)


def _document_problem(where: str, api_version: str) -> Problem:
    return (
        "document in assistant message",
        f"{where}: under API version {api_version} a document block may not appear "
        "directly in an assistant message: move it to a user message, or pin "
        f"api_version={LEGACY_API_VERSION!r}",
    )


def _citation_problem(where: str, api_version: str) -> Problem:
    return (
        "citations in user message",
        f"{where}: under API version {api_version} text in a user message may not carry "
        "citations: drop the text block's 'citations' (citations on assistant text stay "
        f"valid), or pin api_version={LEGACY_API_VERSION!r}",
    )


def _get(item: object, name: str) -> Any:
    """A field of a block or message given as a dict or as a model."""
    if type(item) is dict:  # the common case, without the ABC check below
        return item.get(name)
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def _cites(block: object) -> bool:
    kind = _get(block, "type")
    if kind == "text":
        return bool(_get(block, "citations"))
    if kind == "search_result":
        inner = _get(block, "content")
        return isinstance(inner, (list, tuple)) and any(_cites(b) for b in inner)
    return False


def agent_api_version(given: object, clients: Sequence[tuple[str, str]]) -> ApiVersion:
    """The version an agent checks its settings against: ``given``, else its clients'.

    ``clients`` holds ``(which, api_version)`` of the clients passed to it; they
    must agree with each other and with ``given``.
    """
    version = check_api_version(given) if given is not None else None
    for which, theirs in clients:
        if version is not None and theirs != version:
            source = "api_version" if given is not None else "the other client"
            raise ConfigurationError(
                f"{which} speaks API version {theirs!r} but {source} says {version!r}: "
                f"build the client with api_version={version!r}, or pass the same "
                "version to both"
            )
        version = check_api_version(theirs)
    return version or DEFAULT_API_VERSION
