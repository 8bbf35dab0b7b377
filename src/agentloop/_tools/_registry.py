"""The :class:`ToolRegistry` protocol, and the adapters the loop calls registries through.

The adapters hide whether a registry is sync or async: the loop calls
:func:`list_definitions` / :func:`call_tool` from sync code and
:func:`alist_definitions` / :func:`acall_tool` from async code, whatever the
registry is. :func:`call_tool` and :func:`acall_tool` never raise an
``Exception``: what a registry raises becomes an is_error result.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from agentloop._context import RunContext
from agentloop._exceptions import ConfigurationError

from ._aio import in_worker_thread, run_awaitable
from ._policy import ToolPolicy
from ._results import ToolResult, exception_result, to_result

__all__ = [
    "ToolRegistry",
    "acall_tool",
    "alist_definitions",
    "call_tool",
    "is_server_tool",
    "list_definitions",
    "tool_policies",
    "unknown_tool",
]

Definitions = Sequence[Mapping[str, Any]]


@runtime_checkable
class ToolRegistry(Protocol):
    """Anything that can list tool definitions and call a tool by name.

    This is the way to plug in tools that are not Python functions: tools
    loaded from JSON Schema plus a handler, remote tools, a plugin directory.
    Either method may be sync or ``async def``.

    ``definitions()`` returns the tool definitions to send (client tools as
    ``{"name", "description", "input_schema"}``, server tools as their typed
    dicts). The loop reads it again before every model request, so a registry
    may change its tools between turns.

    ``call(name, input, ctx)`` runs the tool the model asked for and returns a
    :class:`ToolResult`. An unknown name should give an is_error result; an
    exception it raises becomes an is_error result too (:class:`ToolError`
    gives its own content).

    A registry may also offer ``async def acall(name, input, ctx)`` and
    ``async def adefinitions()``: the async adapters prefer them.

    A registry may declare how its tools are run with a sync method
    ``policies()`` returning a mapping from tool names (as the model sees
    them) to :class:`ToolPolicy`; tools it leaves out get the default policy.
    The loop reads it through :func:`tool_policies`.
    """

    def definitions(self) -> Definitions | Awaitable[Definitions]:
        """The tool definitions to send with the next request."""
        ...

    def call(
        self, name: str, input: dict[str, Any], ctx: RunContext[Any]
    ) -> ToolResult | Awaitable[ToolResult]:
        """Run the tool ``name`` with the model's ``input``."""
        ...


def is_server_tool(definition: Mapping[str, Any]) -> bool:
    """Whether ``definition`` declares a server tool (a typed dict such as ``web_search_...``)."""
    kind = definition.get("type")
    return kind is not None and kind != "custom"


def unknown_tool(name: str, available: Iterable[str], *, server: bool = False) -> ToolResult:
    """The is_error result for a call of a tool that is not available here."""
    names = ", ".join(available)
    listing = f"Available tools: {names}." if names else "No tools are available."
    why = " It is a server tool, run by the API, not here." if server else ""
    return ToolResult(f"Unknown tool {name!r}.{why} {listing}", is_error=True)


def list_definitions(registry: ToolRegistry) -> list[dict[str, Any]]:
    """The registry's definitions, from sync code (an async registry runs in ``asyncio.run``)."""
    definitions: Any = registry.definitions()
    if inspect.isawaitable(definitions):
        definitions = run_awaitable(definitions)
    return _copies(definitions)


async def alist_definitions(registry: ToolRegistry) -> list[dict[str, Any]]:
    """The registry's definitions, from async code (a sync registry runs in a thread)."""
    adefinitions = getattr(registry, "adefinitions", None)
    definitions: Any
    if adefinitions is not None:
        definitions = adefinitions()
    elif inspect.iscoroutinefunction(registry.definitions):
        definitions = registry.definitions()
    else:
        definitions = await in_worker_thread(registry.definitions)
    if inspect.isawaitable(definitions):
        definitions = await definitions
    return _copies(definitions)


def _copies(definitions: Definitions) -> list[dict[str, Any]]:
    return [dict(d) for d in definitions]


def call_tool(
    registry: ToolRegistry, name: str, input: dict[str, Any], ctx: RunContext[Any]
) -> ToolResult:
    """Call tool ``name`` from sync code; never raises an ``Exception``.

    If the registry's ``call`` returns an awaitable it runs with
    :func:`asyncio.run` in this thread (so not inside a running event loop).
    """
    try:
        result: Any = registry.call(name, input, ctx)
        if inspect.isawaitable(result):
            result = run_awaitable(result)
        return _as_result(result)
    except Exception as exc:
        return exception_result(name, exc, ctx.tool_use_id or None)


async def acall_tool(
    registry: ToolRegistry, name: str, input: dict[str, Any], ctx: RunContext[Any]
) -> ToolResult:
    """Call tool ``name`` from async code without blocking the event loop; never raises.

    Uses the registry's ``acall`` if it has one; else awaits ``call`` if it is
    a coroutine function; else runs ``call`` in a worker thread (awaiting its
    result if that is awaitable).
    """
    try:
        acall = getattr(registry, "acall", None)
        result: Any
        if acall is not None:
            result = acall(name, input, ctx)
        elif inspect.iscoroutinefunction(registry.call):
            result = registry.call(name, input, ctx)
        else:
            result = await in_worker_thread(registry.call, name, input, ctx)
        if inspect.isawaitable(result):
            result = await result
        return _as_result(result)
    except Exception as exc:
        return exception_result(name, exc, ctx.tool_use_id or None)


def _as_result(value: object) -> ToolResult:
    return value if isinstance(value, ToolResult) else to_result(value)


def tool_policies(registry: ToolRegistry) -> Mapping[str, ToolPolicy]:
    """The registry's per-tool policies, by tool name; ``{}`` if it declares none.

    Reads the registry's optional ``policies()`` method. A tool missing from
    the mapping gets the default :class:`ToolPolicy`. Raises
    :class:`ConfigurationError` if ``policies()`` returns anything other than
    a mapping of tool names to :class:`ToolPolicy` objects.
    """
    method = getattr(registry, "policies", None)
    if method is None:
        return {}
    policies: object = method()
    if inspect.iscoroutine(policies):
        policies.close()
        raise ConfigurationError(
            f"{registry!r}.policies() is async; make it a plain (sync) method: "
            "policies are declared, not fetched"
        )
    if not isinstance(policies, Mapping) or not all(
        isinstance(k, str) and isinstance(v, ToolPolicy) for k, v in policies.items()
    ):
        raise ConfigurationError(
            f"{registry!r}.policies() returned {policies!r}; it must return a mapping "
            "of tool names to ToolPolicy objects, e.g. {'search': ToolPolicy(timeout=30)}"
        )
    return policies
