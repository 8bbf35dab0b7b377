"""The registry protocol (v2), and the adapters the loop calls registries through.

A registry has a sync form, an async form, or both:

* sync: ``definitions(ctx)`` and ``call(name, input, ctx)``;
* async: ``async def adefinitions(ctx)`` and ``async def acall(name, input, ctx)``.

The adapters hide which: the loop calls :func:`list_definitions` /
:func:`call_tool` from sync code and :func:`alist_definitions` /
:func:`acall_tool` from async code. Sync code reaches an async-only registry
through one portal event loop (see ``_portal.py``), never a loop per call;
async code runs a sync-only registry in worker threads. :func:`call_tool`
and :func:`acall_tool` never raise an ``Exception``: what a registry raises
becomes an is_error result.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from agentloop._context import RunContext
from agentloop._exceptions import ConfigurationError

from ._aio import in_worker_thread, is_awaitable
from ._policy import ToolPolicy
from ._results import ToolResult, exception_result, to_result

__all__ = [
    "AsyncToolRegistry",
    "ToolRegistry",
    "acall_tool",
    "alist_definitions",
    "call_tool",
    "is_registry",
    "is_server_tool",
    "list_context",
    "list_definitions",
    "tool_policies",
    "unknown_tool",
]

Definitions = Sequence[Mapping[str, Any]]


@runtime_checkable
class ToolRegistry(Protocol):
    """A registry in its sync form: list tool definitions, call a tool by name.

    ``definitions(ctx)`` returns the tool definitions to send (client tools as
    ``{"name", "description", "input_schema"}``, server tools as their typed
    dicts). ``ctx`` is the run's :class:`RunContext` (``deps``, ``run_id``,
    ``model``, ``messages``), so the tools may vary per run; the loop lists
    again before every model request. The zero-argument form
    ``definitions()`` still works, with a :class:`DeprecationWarning`.

    ``call(name, input, ctx)`` runs the tool the model asked for and returns a
    :class:`ToolResult`. An unknown name should give an is_error result; an
    exception it raises becomes an is_error result too (:class:`ToolError`
    gives its own content).

    A registry may offer the async form (:class:`AsyncToolRegistry`) as well,
    or instead; either method here may also be ``async def``. Optional:
    ``policies()`` (a sync mapping of tool names to :class:`ToolPolicy`, read
    through :func:`tool_policies`), ``validates_input = True`` (the registry
    checks every input against its schema, so the agent does not wrap it in a
    :class:`ValidatedRegistry`), and ``__aenter__``/``__aexit__`` for a
    registry that holds a connection (``async with agent:`` enters it).
    """

    def definitions(self, ctx: RunContext[Any]) -> Definitions | Awaitable[Definitions]:
        """The tool definitions to send with the next request of the run ``ctx``."""
        ...

    def call(
        self, name: str, input: dict[str, Any], ctx: RunContext[Any]
    ) -> ToolResult | Awaitable[ToolResult]:
        """Run the tool ``name`` with the model's ``input``."""
        ...


@runtime_checkable
class AsyncToolRegistry(Protocol):
    """A registry in its async form: ``adefinitions(ctx)`` and ``acall(name, input, ctx)``.

    The async driver awaits these on its own event loop; the sync driver runs
    them on one portal event loop (a daemon thread), so a connection the
    registry holds stays on the loop that opened it.
    """

    async def adefinitions(self, ctx: RunContext[Any]) -> Definitions:
        """The tool definitions to send with the next request of the run ``ctx``."""
        ...

    async def acall(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Run the tool ``name`` with the model's ``input``."""
        ...


def is_registry(value: object) -> bool:
    """Whether ``value`` is a registry, in the sync form, the async form or both."""
    return isinstance(value, (ToolRegistry, AsyncToolRegistry))


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


def list_context(ctx: RunContext[Any] | None) -> RunContext[Any]:
    """``ctx``, or an empty context for a listing outside any run."""
    return ctx if ctx is not None else RunContext(deps=None)


# --- listing ------------------------------------------------------------------------


def list_definitions(registry: object, ctx: RunContext[Any] | None = None) -> list[dict[str, Any]]:
    """The registry's definitions, from sync code (async methods run on the portal loop)."""
    ctx = list_context(ctx)
    method = getattr(registry, "definitions", None)
    if method is None or _is_async(method):
        from ._portal import run_in_portal

        return _copies(run_in_portal(alist_definitions(registry, ctx)))
    definitions: Any = _call_definitions(method, ctx)
    if inspect.isawaitable(definitions):
        from ._portal import run_in_portal

        definitions = run_in_portal(definitions)
    return _copies(definitions)


async def alist_definitions(
    registry: object, ctx: RunContext[Any] | None = None
) -> list[dict[str, Any]]:
    """The registry's definitions, from async code (a sync registry runs in a thread)."""
    ctx = list_context(ctx)
    adefinitions = getattr(registry, "adefinitions", None)
    definitions: Any
    if adefinitions is not None:
        definitions = _call_definitions(adefinitions, ctx)
    else:
        method = _method(registry, "definitions")
        if _is_async(method):
            definitions = _call_definitions(method, ctx)
        else:
            definitions = await in_worker_thread(_call_definitions, method, ctx)
    if inspect.isawaitable(definitions):
        definitions = await definitions
    return _copies(definitions)


def _call_definitions(method: Callable[..., Any], ctx: RunContext[Any]) -> Any:
    if _takes_context(method):
        return method(ctx)
    warnings.warn(
        f"{_owner(method)}: definitions() without a context is deprecated; "
        "accept the run's context: def definitions(self, ctx)",
        DeprecationWarning,
        stacklevel=4,
    )
    return method()


def _takes_context(method: Callable[..., Any]) -> bool:
    func = getattr(method, "__func__", method)
    try:
        return _accepts_one(func, hasattr(method, "__self__"))
    except TypeError:  # not hashable: inspect it each time
        return _accepts_one.__wrapped__(func, hasattr(method, "__self__"))


@functools.lru_cache(maxsize=512)
def _accepts_one(func: Callable[..., Any], bound: bool) -> bool:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return True
    params = list(signature.parameters.values())[1 if bound else 0 :]
    try:
        inspect.Signature(params).bind(None)
    except TypeError:
        return False
    return True


def _owner(method: Callable[..., Any]) -> str:
    owner = getattr(method, "__self__", None)
    return type(owner).__qualname__ if owner is not None else repr(method)


def _copies(definitions: Definitions) -> list[dict[str, Any]]:
    return [dict(d) for d in definitions]


# --- calling ------------------------------------------------------------------------


def call_tool(
    registry: object, name: str, input: dict[str, Any], ctx: RunContext[Any]
) -> ToolResult:
    """Call tool ``name`` from sync code; never raises an ``Exception``.

    A registry without a sync ``call`` (or whose ``call`` is async) runs on
    the portal event loop, the same loop for every call.
    """
    try:
        method = getattr(registry, "call", None)
        if method is None or _is_async(method):
            from ._portal import run_in_portal

            return run_in_portal(acall_tool(registry, name, input, ctx))
        result: Any = method(name, input, ctx)
        if type(result) is not ToolResult and is_awaitable(result):
            from ._portal import run_in_portal

            result = run_in_portal(result)
        return _as_result(result)
    except Exception as exc:
        return exception_result(name, exc, ctx.tool_use_id or None)


async def acall_tool(
    registry: object, name: str, input: dict[str, Any], ctx: RunContext[Any]
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
        else:
            method = _method(registry, "call")
            if _is_async(method):
                result = method(name, input, ctx)
            else:
                result = await in_worker_thread(method, name, input, ctx)
        if inspect.isawaitable(result):
            result = await result
        return _as_result(result)
    except Exception as exc:
        return exception_result(name, exc, ctx.tool_use_id or None)


def _method(registry: object, name: str) -> Callable[..., Any]:
    method = getattr(registry, name, None)
    if method is None:
        raise ConfigurationError(
            f"{registry!r} has neither {name}() nor a{name}(): a registry needs "
            "definitions(ctx) and call(name, input, ctx), or their async forms"
        )
    return method  # type: ignore[no-any-return]


def _is_async(method: object) -> bool:
    function = getattr(method, "__func__", None)  # a bound method: ask once per function
    if function is not None and getattr(method, "__self__", None) is not None:
        return _is_async_function(function)
    return inspect.iscoroutinefunction(method)


@functools.lru_cache(maxsize=256)
def _is_async_function(function: object) -> bool:
    return inspect.iscoroutinefunction(function)


def _as_result(value: object) -> ToolResult:
    return value if isinstance(value, ToolResult) else to_result(value)


# --- policies -----------------------------------------------------------------------


def tool_policies(registry: object) -> Mapping[str, ToolPolicy]:
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
