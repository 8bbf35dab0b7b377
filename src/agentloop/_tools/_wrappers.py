"""Registries made of other registries: combined, prefixed, filtered, validated.

The wrappers keep no listing of their own: a listing belongs to a run. Each
listing builds a :class:`_View` (the definitions shown, the route of every
tool name back to the registry and the name it knows, the input validators)
and leaves it in the run's context (``ctx._listings``), where the run's tool
calls find it. Two runs at once on one agent never see each other's view; a
call with no view at hand (a resumed run, a direct call) lists first.

Names the API refuses (``files.read``, names over 64 characters) are shown
as :func:`api_name` makes them and routed back to the original name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from agentloop._context import RunContext
from agentloop._exceptions import ToolDefinitionError
from agentloop._logging import get_logger

from ._logging import TOOL_SCHEMA_SKIPPED, log_invalid_input
from ._names import api_name
from ._policy import ToolPolicy
from ._registry import (
    acall_tool,
    alist_definitions,
    call_tool,
    is_registry,
    is_server_tool,
    list_context,
    list_definitions,
    tool_policies,
    unknown_tool,
)
from ._results import ToolResult
from ._validation import InvalidInput, SchemaValidator

__all__ = [
    "CombinedRegistry",
    "FilteredRegistry",
    "OnInvalidSchema",
    "PrefixedRegistry",
    "ValidatedRegistry",
    "holds_connections",
    "validates_input",
]

Definition = dict[str, Any]
OnInvalidSchema = Literal["raise", "skip"]


def _check_registry(registry: object) -> Any:
    if not is_registry(registry):
        raise ToolDefinitionError(
            f"{registry!r} is not a ToolRegistry: it needs definitions(ctx) and "
            "call(name, input, ctx), or adefinitions(ctx) and acall(name, input, ctx)"
        )
    return registry


def validates_input(registry: object) -> bool:
    """Whether ``registry`` checks every input against its tool's schema itself."""
    return bool(getattr(registry, "validates_input", False))


def holds_connections(registry: object) -> bool:
    """Whether ``registry`` (or one it wraps) must be entered (``async with``) before use."""
    if isinstance(registry, _Wrapper):
        return any(holds_connections(c) for c in registry._children)
    return hasattr(type(registry), "__aenter__")


@dataclass(frozen=True)
class _Entry:
    registry: Any
    definition: Definition  # as this wrapper shows it, before api_name
    original: str  # the name the registry knows


@dataclass
class _View:
    """One listing of one wrapper, for one run."""

    definitions: list[Definition]
    routes: dict[str, tuple[Any, str]]
    validators: dict[str, SchemaValidator] = field(default_factory=dict)


class _Wrapper:
    """Listing, call routing and lifecycle shared by the wrappers."""

    def __init__(self, *children: Any) -> None:
        self._children = tuple(_check_registry(c) for c in children)
        self._stack: AsyncExitStack | None = None

    @property
    def validates_input(self) -> bool:
        """True when every wrapped registry validates its tools' input."""
        return all(validates_input(c) for c in self._children)

    def _entries(self, listings: Sequence[list[Definition]]) -> list[_Entry]:
        """The tools shown here, from the listings of the children (default: all)."""
        return [
            _Entry(child, d, str(d.get("name")))
            for child, listing in zip(self._children, listings, strict=True)
            for d in listing
        ]

    def _build(self, listings: Sequence[list[Definition]]) -> _View:
        view = _View([], {})
        shown: dict[str, _Entry] = {}
        for entry in self._entries(listings):
            definition = entry.definition
            name = str(definition.get("name"))
            if not is_server_tool(definition):
                name = api_name(name)
                definition = {**definition, "name": name}
            if name in shown:
                raise ToolDefinitionError(_clash(name, shown[name], entry))
            shown[name] = entry
            view.definitions.append(definition)
            if not is_server_tool(definition):
                view.routes[name] = (entry.registry, entry.original)
        return view

    # --- listing --------------------------------------------------------------------

    def definitions(self, ctx: RunContext[Any] | None = None) -> list[Definition]:
        """The tool definitions, listed from sync code for the run ``ctx``."""
        ctx = list_context(ctx)
        return self._keep(ctx, self._build([list_definitions(c, ctx) for c in self._children]))

    async def adefinitions(self, ctx: RunContext[Any] | None = None) -> list[Definition]:
        """The tool definitions, listed from async code for the run ``ctx``."""
        ctx = list_context(ctx)
        listings = [await alist_definitions(c, ctx) for c in self._children]
        return self._keep(ctx, self._build(listings))

    def _keep(self, ctx: RunContext[Any], view: _View) -> list[Definition]:
        ctx._listings[id(self)] = view
        return view.definitions

    def _view(self, name: str, ctx: RunContext[Any]) -> _View:
        view: _View | None = ctx._listings.get(id(self))
        if view is None or name not in view.routes:
            self.definitions(ctx)  # the first call of a run, or a tool new since
            view = ctx._listings[id(self)]
        return view

    async def _aview(self, name: str, ctx: RunContext[Any]) -> _View:
        view: _View | None = ctx._listings.get(id(self))
        if view is None or name not in view.routes:
            await self.adefinitions(ctx)
            view = ctx._listings[id(self)]
        return view

    # --- calling ----------------------------------------------------------------------

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Call tool ``name`` (as listed here) from sync code."""
        view = self._view(name, ctx)
        refused = self._refuse(view, name, input, ctx)
        if refused is not None:
            return refused
        return call_tool(*view.routes[name], input, ctx)

    async def acall(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Call tool ``name`` (as listed here) from async code."""
        view = await self._aview(name, ctx)
        refused = self._refuse(view, name, input, ctx)
        if refused is not None:
            return refused
        return await acall_tool(*view.routes[name], input, ctx)

    def _refuse(
        self, view: _View, name: str, input: object, ctx: RunContext[Any]
    ) -> ToolResult | None:
        if name not in view.routes:
            return unknown_tool(name, view.routes)
        validator = view.validators.get(name)
        if validator is None:
            return None
        try:
            validator.validate(input)
        except InvalidInput as exc:
            log_invalid_input(name, exc.errors, ctx.tool_use_id or None)
            return ToolResult(exc.message(name), is_error=True)
        return None

    # --- policies and lifecycle ---------------------------------------------------------

    def policies(self) -> dict[str, ToolPolicy]:
        """The wrapped registries' :class:`ToolPolicy` objects, by the names shown here."""
        merged: dict[str, ToolPolicy] = {}
        for child in self._children:
            for name, policy in tool_policies(child).items():
                merged[api_name(self._shown_name(name))] = policy
        return merged

    def _shown_name(self, name: str) -> str:
        return name

    async def __aenter__(self) -> Any:
        """Enter every wrapped registry that holds a connection."""
        stack = AsyncExitStack()
        async with stack:
            for child in self._children:
                if holds_connections(child):
                    await stack.enter_async_context(child)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Leave the registries :meth:`__aenter__` entered, in reverse order."""
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.__aexit__(exc_type, exc, tb)

    def __enter__(self) -> Any:
        """Enter from sync code: the connections live on the portal event loop."""
        from ._portal import run_in_portal

        return run_in_portal(self.__aenter__())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        from ._portal import run_in_portal

        run_in_portal(self.__aexit__(exc_type, exc, tb))


def _clash(name: str, first: _Entry, second: _Entry) -> str:
    if first.registry is second.registry:
        return (
            f"tools {first.original!r} and {second.original!r} of {first.registry!r} both "
            f"become {name!r} (tool names allow only letters, digits, '_' and '-'); rename "
            "one, or hide one with FilteredRegistry(registry, lambda d: d['name'] != '...')"
        )
    return (
        f"tool name {name!r} is defined by both {first.registry!r} and "
        f"{second.registry!r}; rename one, or wrap one in "
        "PrefixedRegistry(registry, prefix='...') to tell them apart (or hide one "
        "with FilteredRegistry)"
    )


class CombinedRegistry(_Wrapper):
    """The tools of several registries; a name two of them share raises ToolDefinitionError.

    The clash is found when the definitions are listed (before the first
    request), since registries may change their tools between turns.
    """

    def __init__(self, *registries: Any) -> None:
        super().__init__(*registries)

    @property
    def registries(self) -> tuple[Any, ...]:
        """The combined registries, in order."""
        return self._children

    def __repr__(self) -> str:
        return f"CombinedRegistry({', '.join(map(repr, self._children))})"


class PrefixedRegistry(_Wrapper):
    """A registry whose tool names get ``prefix + "_"`` in front (stripped again on call).

    Server tools keep their names, which the API fixes. A prefixed name the
    API would refuse (over 64 characters, say) is shortened stably (see
    ``api_name``); calls still reach the original tool.
    """

    def __init__(self, registry: Any, prefix: str) -> None:
        if not isinstance(prefix, str) or not api_name(prefix) == prefix:
            raise ToolDefinitionError(
                f"invalid tool name prefix {prefix!r}: use letters, digits, '_' or '-'"
            )
        super().__init__(registry)
        self.prefix = prefix

    def _entries(self, listings: Sequence[list[Definition]]) -> list[_Entry]:
        child = self._children[0]
        return [
            _Entry(child, d, str(d.get("name")))
            if is_server_tool(d)
            else _Entry(child, {**d, "name": self._shown_name(str(d["name"]))}, str(d["name"]))
            for d in listings[0]
        ]

    def _shown_name(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def __repr__(self) -> str:
        return f"PrefixedRegistry({self._children[0]!r}, prefix={self.prefix!r})"


class FilteredRegistry(_Wrapper):
    """A registry showing only the tools whose definition ``predicate`` accepts.

    A hidden tool cannot be called: calling it gives an unknown-tool result.
    """

    def __init__(self, registry: Any, predicate: Callable[[Mapping[str, Any]], bool]):
        super().__init__(registry)
        self.predicate = predicate

    def _entries(self, listings: Sequence[list[Definition]]) -> list[_Entry]:
        child = self._children[0]
        return [_Entry(child, d, str(d.get("name"))) for d in listings[0] if self.predicate(d)]

    def __repr__(self) -> str:
        return f"FilteredRegistry({self._children[0]!r}, {self.predicate!r})"


class ValidatedRegistry(_Wrapper):
    """A registry whose calls are first checked against the listed ``input_schema``.

    Any registry passed to an Agent that does not validate input itself (a
    custom registry with hand-written schemas) is wrapped in one, so its tools
    get the same protection as decorated functions: input that breaks the
    schema never reaches ``call`` and the model gets an is_error result naming
    every failing field. The validator follows the schema's ``$schema``
    (Draft 2020-12 without one). A schema that is not valid JSON Schema raises
    :class:`ToolDefinitionError` when the definitions are listed, or, with
    ``on_invalid_schema="skip"``, leaves that tool out with a warning logged.
    Validators are built once per schema.
    """

    validates_input = True

    def __init__(self, registry: Any, *, on_invalid_schema: OnInvalidSchema = "raise") -> None:
        if on_invalid_schema not in ("raise", "skip"):
            raise ToolDefinitionError(
                f"on_invalid_schema={on_invalid_schema!r}: use 'raise' or 'skip'"
            )
        super().__init__(registry)
        self.on_invalid_schema = on_invalid_schema

    def _build(self, listings: Sequence[list[Definition]]) -> _View:
        view = super()._build(listings)
        kept: list[Definition] = []
        for definition in view.definitions:
            name = str(definition.get("name"))
            schema = definition.get("input_schema")
            if not is_server_tool(definition) and isinstance(schema, Mapping):
                try:
                    view.validators[name] = validator_for(schema, f"tool {name!r}")
                except ToolDefinitionError as exc:
                    if self.on_invalid_schema == "raise":
                        raise
                    get_logger().warning(TOOL_SCHEMA_SKIPPED, tool=name, error=str(exc))
                    del view.routes[name]
                    continue
            kept.append(definition)
        view.definitions = kept
        return view

    def __repr__(self) -> str:
        return f"ValidatedRegistry({self._children[0]!r})"


_VALIDATORS: dict[str, SchemaValidator] = {}
_MAX_VALIDATORS = 1024


def validator_for(schema: Mapping[str, Any], where: str) -> SchemaValidator:
    """The validator of ``schema``, built once per distinct schema (by its JSON)."""
    try:
        key = json.dumps(schema, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        return SchemaValidator(schema, where=where)
    found = _VALIDATORS.get(key)
    if found is None:
        found = SchemaValidator(schema, where=where)
        if len(_VALIDATORS) >= _MAX_VALIDATORS:
            _VALIDATORS.clear()
        _VALIDATORS[key] = found
    return found
