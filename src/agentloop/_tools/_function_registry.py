"""The default registry: Python functions (and server tools passed through)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from agentloop._context import RunContext
from agentloop._exceptions import ToolDefinitionError

from ._decorator import Tool
from ._policy import ToolPolicy
from ._registry import (
    AsyncToolRegistry,
    ToolRegistry,
    alist_definitions,
    is_registry,
    is_server_tool,
    list_definitions,
    unknown_tool,
)
from ._results import ToolResult
from ._wrappers import CombinedRegistry, ValidatedRegistry, validates_input

__all__ = [
    "FunctionRegistry",
    "ToolLike",
    "arequest_definitions",
    "as_registry",
    "request_definitions",
]

ToolLike: TypeAlias = Tool[..., Any] | Callable[..., Any] | Mapping[str, Any]
"""What a :class:`FunctionRegistry` accepts: a tool, a function, or a server tool dict."""


class FunctionRegistry:
    """Tools made from Python functions, in the order given.

    Accepts :class:`Tool` objects, plain functions (decorated with ``@tool`` on
    the fly), and server tool definitions (dicts with a ``type`` such as
    ``{"type": "web_search_20250305", "name": "web_search"}``), which are listed
    unchanged and never called here. Two tools with one name raise
    :class:`ToolDefinitionError`.
    """

    validates_input = True
    """Every tool here checks its input against its schema before it runs."""

    def __init__(self, tools: Iterable[ToolLike] = ()) -> None:
        self._entries: dict[str, Tool[..., Any] | dict[str, Any]] = {}
        for item in tools:
            self.add(item)

    def add(self, item: ToolLike) -> Tool[..., Any] | dict[str, Any]:
        """Add a tool, a function or a server tool definition; return what was stored."""
        entry = _entry(item)
        name = entry.name if isinstance(entry, Tool) else entry["name"]
        if name in self._entries:
            raise ToolDefinitionError(
                f"two tools are named {name!r}: {self._entries[name]!r} and {entry!r}; "
                "give one of them another name, e.g. @tool(name='...')"
            )
        self._entries[name] = entry
        return entry

    @property
    def tools(self) -> list[Tool[..., Any]]:
        """The tools this registry calls (server tools left out)."""
        return [e for e in self._entries.values() if isinstance(e, Tool)]

    def get(self, name: str) -> Tool[..., Any] | None:
        """The tool called ``name``, or None."""
        entry = self._entries.get(name)
        return entry if isinstance(entry, Tool) else None

    def definitions(self, ctx: RunContext[Any] | None = None) -> list[dict[str, Any]]:
        """Every definition, tools and server tools, in the order they were added (the
        same for every run: ``ctx`` is not needed)."""
        return [
            e.definition if isinstance(e, Tool) else copy.deepcopy(e)
            for e in self._entries.values()
        ]

    async def adefinitions(self, ctx: RunContext[Any] | None = None) -> list[dict[str, Any]]:
        """Same as :meth:`definitions` (no I/O, so no thread needed)."""
        return self.definitions(ctx)

    def policies(self) -> dict[str, ToolPolicy]:
        """Each tool's :class:`ToolPolicy`, by name (server tools left out)."""
        return {t.name: t.policy for t in self.tools}

    def _shared_definitions(self) -> list[dict[str, Any]]:
        """The stored definitions themselves, not copies: only to serialize a request."""
        return [e._spec.definition if isinstance(e, Tool) else e for e in self._entries.values()]

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Call tool ``name``; an async tool runs with ``asyncio.run`` in this thread."""
        found = self._lookup(name)
        return found.call(input, ctx) if isinstance(found, Tool) else found

    async def acall(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Call tool ``name``: an async tool is awaited, a sync one runs in a worker thread."""
        found = self._lookup(name)
        return await found.acall(input, ctx) if isinstance(found, Tool) else found

    def _lookup(self, name: str) -> Tool[..., Any] | ToolResult:
        entry = self._entries.get(name)
        if isinstance(entry, Tool):
            return entry
        return unknown_tool(name, [t.name for t in self.tools], server=entry is not None)

    def __repr__(self) -> str:
        return f"FunctionRegistry([{', '.join(self._entries)}])"


def _entry(item: ToolLike) -> Tool[..., Any] | dict[str, Any]:
    if isinstance(item, Tool):
        if item.needs_binding:
            raise ToolDefinitionError(
                f"tool {item.name!r} is a method read from its class; "
                f"register it bound to an instance (instance.{item.name})"
            )
        return item
    if isinstance(item, Mapping):
        return _server_tool(item)
    if callable(item):
        return Tool(item)
    raise ToolDefinitionError(f"{item!r} is neither a tool, a function nor a server tool dict")


def _server_tool(definition: Mapping[str, Any]) -> dict[str, Any]:
    name = definition.get("name")
    if not is_server_tool(definition):
        raise ToolDefinitionError(
            f"the tool definition {name!r} has no handler: build a tool from it with "
            "Tool.from_definition(definition, handler); only server tool dicts "
            '(with a "type" such as "web_search_20250305") can be listed as they are'
        )
    if not isinstance(name, str) or not name:
        raise ToolDefinitionError(f"server tool {definition!r} needs a name")
    return copy.deepcopy(dict(definition))


def as_registry(
    tools: ToolRegistry | AsyncToolRegistry | Sequence[ToolLike | ToolRegistry | AsyncToolRegistry],
) -> Any:
    """One registry from a registry, or from a list of tools, functions and registries.

    The tools and functions of the list go into one :class:`FunctionRegistry`,
    combined with the registries of the list (:class:`CombinedRegistry`). A
    registry that does not validate input itself is wrapped in a
    :class:`ValidatedRegistry` (with the registry's own ``on_invalid_schema``,
    if it sets one), so every tool's input is checked against its listed
    ``input_schema`` before it runs.
    """
    if is_registry(tools):
        return _validated(tools)
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Iterable):
        raise ToolDefinitionError(
            f"tools must be a ToolRegistry or a list of tools, functions and registries, "
            f"not {type(tools).__name__}"
        )
    items = list(tools)
    registries = [_validated(t) for t in items if is_registry(t)]
    others: list[Any] = [t for t in items if not is_registry(t)]
    if len(registries) == 1 and not others:
        return registries[0]
    if not registries:
        return FunctionRegistry(others)
    functions: list[Any] = [FunctionRegistry(others)] if others else []
    return CombinedRegistry(*functions, *registries)


def _validated(registry: Any) -> Any:
    if validates_input(registry):
        return registry
    return ValidatedRegistry(
        registry, on_invalid_schema=getattr(registry, "on_invalid_schema", "raise")
    )


def request_definitions(registry: Any, ctx: RunContext[Any] | None = None) -> list[dict[str, Any]]:
    """The definitions for the ``tools`` of a request, from sync code, for the run ``ctx``.

    A :class:`FunctionRegistry` lends its own definitions, uncopied, because the
    request only serializes them; other registries are asked as usual.
    """
    if isinstance(registry, FunctionRegistry):
        return registry._shared_definitions()
    return list_definitions(registry, ctx)


async def arequest_definitions(
    registry: Any, ctx: RunContext[Any] | None = None
) -> list[dict[str, Any]]:
    """:func:`request_definitions`, from async code."""
    if isinstance(registry, FunctionRegistry):
        return registry._shared_definitions()
    return await alist_definitions(registry, ctx)
