"""Registries made of other registries: combined, prefixed, filtered.

Each routes calls to sync or async registries alike (through the adapters),
and answers a call for a tool that its last listing did not show with an
unknown-tool result. The loop lists definitions before every request, so the
last listing is what the model was shown.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from agentloop._context import RunContext
from agentloop._exceptions import ToolDefinitionError

from ._logging import log_invalid_input
from ._policy import ToolPolicy
from ._registry import (
    ToolRegistry,
    acall_tool,
    alist_definitions,
    call_tool,
    is_server_tool,
    list_definitions,
    tool_policies,
    unknown_tool,
)
from ._results import ToolResult
from ._validation import InvalidInput, SchemaValidator

__all__ = ["CombinedRegistry", "FilteredRegistry", "PrefixedRegistry", "ValidatedRegistry"]

Definition = dict[str, Any]


def _check_registry(registry: object) -> ToolRegistry:
    if not isinstance(registry, ToolRegistry):
        raise ToolDefinitionError(f"{registry!r} is not a ToolRegistry (definitions() and call())")
    return registry


def validates_input(registry: object) -> bool:
    """Whether ``registry`` checks every input against its tool's schema itself."""
    return bool(getattr(registry, "validates_input", False))


class _Wrapper(ABC):
    """Listing and call routing shared by the wrappers."""

    def __init__(self, *children: ToolRegistry) -> None:
        self._children = tuple(_check_registry(c) for c in children)
        self._names: tuple[str, ...] = ()

    @property
    def validates_input(self) -> bool:
        """True when every wrapped registry validates its tools' input."""
        return all(validates_input(c) for c in self._children)

    @abstractmethod
    def _view(self, listings: Sequence[list[Definition]]) -> list[Definition]:
        """This registry's definitions, from those of its children."""

    @abstractmethod
    def _route(self, name: str) -> tuple[ToolRegistry, str]:
        """The child that runs ``name`` (a listed tool) and the name it knows it by."""

    def _remember(self, definitions: list[Definition]) -> list[Definition]:
        self._names = tuple(d["name"] for d in definitions if not is_server_tool(d))
        return definitions

    def definitions(self) -> list[Definition]:
        """The tool definitions, listed from sync code."""
        return self._remember(self._view([list_definitions(c) for c in self._children]))

    async def adefinitions(self) -> list[Definition]:
        """The tool definitions, listed from async code."""
        return self._remember(self._view([await alist_definitions(c) for c in self._children]))

    def policies(self) -> dict[str, ToolPolicy]:
        """The wrapped registries' :class:`ToolPolicy` objects, by the names shown here."""
        merged: dict[str, ToolPolicy] = {}
        for child in self._children:
            merged.update(tool_policies(child))
        return merged

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Call tool ``name`` from sync code."""
        if name not in self._names:
            self.definitions()
        if name not in self._names:
            return unknown_tool(name, self._names)
        return call_tool(*self._route(name), input, ctx)

    async def acall(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Call tool ``name`` from async code."""
        if name not in self._names:
            await self.adefinitions()
        if name not in self._names:
            return unknown_tool(name, self._names)
        return await acall_tool(*self._route(name), input, ctx)


class CombinedRegistry(_Wrapper):
    """The tools of several registries; a name two of them share raises ToolDefinitionError.

    The clash is found when the definitions are listed, since registries may
    change their tools between turns.
    """

    def __init__(self, *registries: ToolRegistry) -> None:
        super().__init__(*registries)
        self._routes: dict[str, ToolRegistry] = {}

    @property
    def registries(self) -> tuple[ToolRegistry, ...]:
        """The combined registries, in order."""
        return self._children

    def _view(self, listings: Sequence[list[Definition]]) -> list[Definition]:
        routes: dict[str, ToolRegistry] = {}
        merged: list[Definition] = []
        for registry, definitions in zip(self._children, listings, strict=True):
            for definition in definitions:
                name = definition.get("name")
                if name in routes:
                    raise ToolDefinitionError(
                        f"tool name {name!r} is defined by both {routes[name]!r} and "
                        f"{registry!r}; rename one, or wrap one in "
                        "PrefixedRegistry(registry, prefix='...') to tell them apart"
                    )
                routes[str(name)] = registry
                merged.append(definition)
        self._routes = routes
        return merged

    def _route(self, name: str) -> tuple[ToolRegistry, str]:
        return self._routes[name], name

    def __repr__(self) -> str:
        return f"CombinedRegistry({', '.join(map(repr, self._children))})"


class PrefixedRegistry(_Wrapper):
    """A registry whose tool names get ``prefix + "_"`` in front (stripped again on call).

    Server tools keep their names, which the API fixes. A prefixed name longer
    than 64 characters raises ToolDefinitionError when definitions are listed.
    """

    def __init__(self, registry: ToolRegistry, prefix: str) -> None:
        if not re.fullmatch(r"[a-zA-Z0-9_-]{1,62}", prefix):
            raise ToolDefinitionError(
                f"invalid tool name prefix {prefix!r}: use 1 to 62 letters, digits, '_' or '-'"
            )
        super().__init__(registry)
        self.prefix = prefix

    def _view(self, listings: Sequence[list[Definition]]) -> list[Definition]:
        return [self._rename(d) for d in listings[0]]

    def _rename(self, definition: Definition) -> Definition:
        if is_server_tool(definition):
            return definition
        name = f"{self.prefix}_{definition['name']}"
        if len(name) > 64:
            raise ToolDefinitionError(
                f"prefixed tool name {name!r} is {len(name)} characters long; tool names "
                "are at most 64: use a shorter prefix or rename the tool"
            )
        return {**definition, "name": name}

    def _route(self, name: str) -> tuple[ToolRegistry, str]:
        return self._children[0], name[len(self.prefix) + 1 :]

    def policies(self) -> dict[str, ToolPolicy]:
        """The wrapped registry's policies, under the prefixed names."""
        return {f"{self.prefix}_{n}": p for n, p in super().policies().items()}

    def __repr__(self) -> str:
        return f"PrefixedRegistry({self._children[0]!r}, prefix={self.prefix!r})"


class FilteredRegistry(_Wrapper):
    """A registry showing only the tools whose definition ``predicate`` accepts.

    A hidden tool cannot be called: calling it gives an unknown-tool result.
    """

    def __init__(self, registry: ToolRegistry, predicate: Callable[[Mapping[str, Any]], bool]):
        super().__init__(registry)
        self.predicate = predicate
        self._listed = False

    def _view(self, listings: Sequence[list[Definition]]) -> list[Definition]:
        return [d for d in listings[0] if self.predicate(d)]

    def _route(self, name: str) -> tuple[ToolRegistry, str]:
        return self._children[0], name

    def _remember(self, definitions: list[Definition]) -> list[Definition]:
        self._listed = True
        return super()._remember(definitions)

    def policies(self) -> dict[str, ToolPolicy]:
        """The wrapped registry's policies, for the tools the last listing showed.

        Before the first listing nothing is known to be hidden, so every
        policy is reported (a hidden tool cannot be called anyway).
        """
        policies = super().policies()
        if not self._listed:
            return policies
        return {n: p for n, p in policies.items() if n in self._names}

    def __repr__(self) -> str:
        return f"FilteredRegistry({self._children[0]!r}, {self.predicate!r})"


class ValidatedRegistry(_Wrapper):
    """A registry whose calls are first checked against the listed ``input_schema``.

    Any registry passed to an Agent that does not validate input itself (a
    custom :class:`ToolRegistry` with hand-written schemas) is wrapped in one,
    so its tools get the same protection as decorated functions: input that
    breaks the schema never reaches ``call`` and the model gets an is_error
    result naming every failing field. A schema that is not valid JSON Schema
    raises :class:`ToolDefinitionError` when the definitions are listed.
    Validators are built once per schema and rebuilt only when it changes.
    """

    validates_input = True

    def __init__(self, registry: ToolRegistry) -> None:
        super().__init__(registry)
        self._validators: dict[str, tuple[Mapping[str, Any], SchemaValidator]] = {}

    def _view(self, listings: Sequence[list[Definition]]) -> list[Definition]:
        validators = {}
        for definition in listings[0]:
            schema = definition.get("input_schema")
            if is_server_tool(definition) or not isinstance(schema, Mapping):
                continue
            name = str(definition.get("name"))
            cached = self._validators.get(name)
            if cached is None or cached[0] != schema:
                cached = (schema, SchemaValidator(schema, where=f"tool {name!r}"))
            validators[name] = cached
        self._validators = validators
        return listings[0]

    def _route(self, name: str) -> tuple[ToolRegistry, str]:
        return self._children[0], name

    def _invalid(self, name: str, input: object, ctx: RunContext[Any]) -> ToolResult | None:
        cached = self._validators.get(name)
        if cached is None:
            return None
        try:
            cached[1].validate(input)
        except InvalidInput as exc:
            log_invalid_input(name, exc.errors, ctx.tool_use_id or None)
            return ToolResult(exc.message(name), is_error=True)
        return None

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Validate the input, then call tool ``name`` from sync code."""
        if name not in self._names:
            self.definitions()
        return self._invalid(name, input, ctx) or super().call(name, input, ctx)

    async def acall(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Validate the input, then call tool ``name`` from async code."""
        if name not in self._names:
            await self.adefinitions()
        return self._invalid(name, input, ctx) or await super().acall(name, input, ctx)

    def __repr__(self) -> str:
        return f"ValidatedRegistry({self._children[0]!r})"
