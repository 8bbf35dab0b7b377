"""The ``@tool`` decorator and :class:`Tool`, a Python function the model can call."""

from __future__ import annotations

import copy
import functools
import inspect
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast, overload

from typing_extensions import ParamSpec, Self

from agentloop._context import RunContext
from agentloop._exceptions import ConfigurationError

from ._aio import in_worker_thread, is_awaitable, run_awaitable
from ._callables import inspect_target
from ._logging import log_invalid_input
from ._policy import DEFAULT_POLICY, ToolPolicy
from ._results import ToolResult, exception_result, to_result
from ._spec import Arguments, Spec, definition_spec, function_spec
from ._validation import InvalidInput

__all__ = ["Tool", "tool"]

P = ParamSpec("P")
R = TypeVar("R")


class Tool(Generic[P, R]):
    """A function the model can call, with its tool definition.

    Call it like the function it wraps (``await`` it if the function is
    async). The loop uses :meth:`call` and :meth:`acall`, which validate the
    model's input against :attr:`definition`'s ``input_schema``, convert it to
    the annotated types, call the function, and turn its return value or
    exception into a :class:`ToolResult`; they never raise an ``Exception``.
    """

    __name__: str
    __wrapped__: Callable[..., Any]
    _spec: Spec
    _target: Callable[P, R]
    _bound: bool
    _policy: ToolPolicy

    def __init__(
        self,
        func: Callable[P, R] | classmethod[Any, P, R] | staticmethod[P, R],
        *,
        name: str | None = None,
        description: str | None = None,
        input_examples: Sequence[Mapping[str, Any]] | None = None,
        cache_control: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        sequential: bool = False,
    ) -> None:
        obj: Any = func._target if isinstance(func, Tool) else func
        target = inspect_target(obj)
        policy = _policy(target.name, timeout, max_retries, sequential)
        spec = function_spec(target, name, description, input_examples, cache_control)
        self._setup(spec, target.func, bound=target.binding == "none", policy=policy)
        if inspect.isroutine(target.func):
            functools.update_wrapper(self, target.func)
        else:
            self.__wrapped__ = target.func
            self.__name__ = target.name

    def _setup(
        self, spec: Spec, target: Callable[..., Any], *, bound: bool, policy: ToolPolicy
    ) -> None:
        self._spec = spec
        self._target = target
        self._bound = bound
        self._policy = policy

    @classmethod
    def from_definition(
        cls,
        definition: Mapping[str, Any],
        handler: Callable[..., Any],
        *,
        policy: ToolPolicy | None = None,
    ) -> Tool[..., Any]:
        """A tool from a hand-written definition and a handler.

        ``definition`` holds ``name``, ``description`` and ``input_schema`` (a
        JSON Schema object with ``"type": "object"``); other keys such as
        ``input_examples`` or ``cache_control`` are kept. The input is validated
        against ``input_schema`` as for decorated functions, then the handler is
        called with it as its first argument: ``handler(input)``. If the handler
        has a parameter named ``ctx`` or annotated with :class:`RunContext`, the
        run context is passed to it by that name. The handler may be async.
        ``policy`` (a :class:`ToolPolicy`) says how the loop runs it.
        Raises :class:`ToolDefinitionError` for an invalid definition.
        """
        spec = definition_spec(definition, handler)
        if policy is not None and not isinstance(policy, ToolPolicy):
            raise ConfigurationError(
                f"tool {spec.name!r}: policy={policy!r} must be a ToolPolicy, "
                "e.g. ToolPolicy(timeout=30)"
            )
        self: Tool[..., Any] = cls.__new__(cls)
        self._setup(spec, handler, bound=True, policy=policy or DEFAULT_POLICY)
        self.__name__ = spec.name
        self.__wrapped__ = handler
        return self

    @property
    def name(self) -> str:
        """The tool's name, as the model sees it."""
        return self._spec.name

    @property
    def description(self) -> str:
        """The tool's description, as the model sees it."""
        return cast(str, self._spec.definition["description"])

    @property
    def input_schema(self) -> dict[str, Any]:
        """A copy of the tool's ``input_schema``."""
        return copy.deepcopy(self._spec.definition["input_schema"])

    @property
    def definition(self) -> dict[str, Any]:
        """A copy of the definition for the request's ``tools`` list."""
        definition: dict[str, Any] = copy_json(self._spec.definition)
        return definition

    @property
    def policy(self) -> ToolPolicy:
        """How the loop runs this tool: timeout, retry budget, sequential."""
        return self._policy

    @property
    def is_async(self) -> bool:
        """Whether the function is a coroutine function."""
        return self._spec.is_async

    @property
    def needs_binding(self) -> bool:
        """True for a method read from its class: bind it (``instance.method``) to call it."""
        return not self._bound

    def __repr__(self) -> str:
        return f"<Tool {self.name}>"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._target(*args, **kwargs)

    @overload
    def __get__(self, obj: None, objtype: type[Any] | None = None) -> Self: ...
    @overload
    def __get__(self, obj: object, objtype: type[Any] | None = None) -> Tool[..., R]: ...
    def __get__(self, obj: object, objtype: type[Any] | None = None) -> Tool[..., R]:
        binding = self._spec.binding
        if binding == "class" and not self._bound:
            return self._bind(objtype if objtype is not None else type(obj))
        if binding == "instance" and not self._bound and obj is not None:
            return self._bind(obj)
        return self

    def _bind(self, owner: object) -> Tool[..., R]:
        bound: Tool[..., R] = object.__new__(type(self))
        bound.__dict__.update(self.__dict__)
        bound._target = types.MethodType(self._target, owner)
        bound._bound = True
        bound.__wrapped__ = bound._target
        return bound

    def call(self, input: Mapping[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Validate ``input``, call the tool, and return its result; never raises.

        An async tool runs with :func:`asyncio.run` in this thread, so this must
        not be called from inside a running event loop (use :meth:`acall`).
        """
        prepared = self._prepare(input, ctx)
        if isinstance(prepared, ToolResult):
            return prepared
        args, kwargs = prepared
        try:
            value: Any = self._target(*args, **kwargs)
            if is_awaitable(value):
                value = run_awaitable(value)
            return to_result(value)
        except Exception as exc:
            return exception_result(self.name, exc, ctx.tool_use_id or None)

    async def acall(self, input: Mapping[str, Any], ctx: RunContext[Any]) -> ToolResult:
        """Like :meth:`call`, without blocking the event loop.

        An async tool is awaited; a sync tool runs in a worker thread.
        """
        prepared = self._prepare(input, ctx)
        if isinstance(prepared, ToolResult):
            return prepared
        args, kwargs = prepared
        try:
            if self.is_async:
                value: Any = await cast(Any, self._target)(*args, **kwargs)
            else:
                value = await in_worker_thread(self._target, *args, **kwargs)
            if is_awaitable(value):
                value = await value
            return to_result(value)
        except Exception as exc:
            return exception_result(self.name, exc, ctx.tool_use_id or None)

    def _prepare(self, input: Mapping[str, Any], ctx: RunContext[Any]) -> Arguments | ToolResult:
        data = copy_json(dict(input)) if isinstance(input, Mapping) else input
        try:
            self._spec.validator.validate(data)
            return self._spec.prepare(data, ctx)
        except InvalidInput as exc:
            log_invalid_input(self.name, exc.errors, ctx.tool_use_id or None)
            return ToolResult(exc.message(self.name), is_error=True)


@overload
def tool(func: classmethod[Any, P, R], /) -> Tool[P, R]: ...
@overload
def tool(func: staticmethod[P, R], /) -> Tool[P, R]: ...
@overload
def tool(func: Callable[P, R], /) -> Tool[P, R]: ...
@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    input_examples: Sequence[Mapping[str, Any]] | None = None,
    cache_control: Mapping[str, Any] | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    sequential: bool = False,
) -> Callable[[Callable[P, R]], Tool[P, R]]: ...
def tool(
    func: Callable[P, R] | classmethod[Any, P, R] | staticmethod[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    input_examples: Sequence[Mapping[str, Any]] | None = None,
    cache_control: Mapping[str, Any] | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    sequential: bool = False,
) -> Tool[P, R] | Callable[[Callable[P, R]], Tool[P, R]]:
    """Make a function a tool: ``@tool`` or ``@tool(name=..., description=...)``.

    The name defaults to the function's name; the description to its
    docstring's summary and body (and its Returns section, as
    ``Returns: ...``); each parameter's description comes from
    ``Annotated[T, Field(description=...)]`` or the docstring's Args /
    Parameters / ``:param:`` section. Parameters annotated with
    :class:`RunContext` are passed by the loop and left out of the schema.
    ``input_examples`` (checked against the schema) and ``cache_control`` are
    added to the definition when given.

    ``timeout``, ``max_retries`` and ``sequential`` set the tool's
    :class:`ToolPolicy` (:attr:`Tool.policy`), which the loop enforces; a
    wrong value raises :class:`ConfigurationError` here.

    Works on sync and async functions, methods (put ``@tool`` above
    ``@classmethod`` / ``@staticmethod``), bound methods, ``functools.partial``
    objects (their fixed keywords are hidden from the model) and callable
    objects. Positional-only parameters are passed by position, ``*args: T``
    is an array property named after it, ``**kwargs: T`` the schema's
    ``additionalProperties``. Every parameter needs a type annotation; a
    missing one, or a type JSON Schema cannot express, raises
    :class:`ToolDefinitionError` here, at decoration time.
    """
    options: dict[str, Any] = {
        "name": name,
        "description": description,
        "input_examples": input_examples,
        "cache_control": cache_control,
        "timeout": timeout,
        "max_retries": max_retries,
        "sequential": sequential,
    }
    if func is not None:
        return Tool(func, **options)

    def decorate(f: Callable[P, R]) -> Tool[P, R]:
        return Tool(f, **options)

    return decorate


def _policy(
    name: str, timeout: float | None, max_retries: int | None, sequential: bool
) -> ToolPolicy:
    try:
        return ToolPolicy(timeout, max_retries, sequential)
    except ConfigurationError as exc:
        raise ConfigurationError(f"tool function {name!r}: {exc}") from None


_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


def copy_json(value: Any) -> Any:
    """A deep copy, fast for JSON data (dicts, lists, scalars); other objects are deep-copied."""
    if isinstance(value, dict):
        return {
            key: item if type(item) in _IMMUTABLE else copy_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [item if type(item) in _IMMUTABLE else copy_json(item) for item in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    return copy.deepcopy(value)
