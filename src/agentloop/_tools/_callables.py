"""Look through the many shapes of a Python callable to the function behind it.

A tool may be a plain or async function, a method defined in a class body
(``self``/``cls`` is then left out and the tool binds to its instance), a
``classmethod`` or ``staticmethod`` object, a bound method, a
``functools.partial`` (its keyword arguments are fixed and hidden from the
model), or an object with a ``__call__`` method.
"""

from __future__ import annotations

import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from agentloop._exceptions import ToolDefinitionError

__all__ = ["Binding", "Target", "inspect_target", "type_hints"]

Binding = Literal["none", "instance", "class"]
"""How a tool binds when read from a class or an instance (the descriptor protocol)."""

_SELF_NAMES = ("self", "cls")


@dataclass(frozen=True)
class Target:
    """What was found behind a callable."""

    func: Callable[..., Any]
    """What the tool calls (unbound for methods defined in a class body)."""
    source: Callable[..., Any]
    """The underlying function: annotations, docstring and async-ness come from it."""
    name: str
    doc: str | None
    binding: Binding
    skip: frozenset[str]
    """Parameters kept out of the schema: ``self``/``cls`` and a partial's fixed keywords."""
    is_async: bool


def inspect_target(obj: Any) -> Target:
    """Find the function behind ``obj`` and how it binds."""
    binding: Binding = "none"
    if isinstance(obj, classmethod):
        obj, binding = obj.__func__, "class"
    elif isinstance(obj, staticmethod):
        obj = obj.__func__
    if not callable(obj):
        raise ToolDefinitionError(f"{obj!r} is not callable and cannot become a tool")
    source, fixed = _unwrap(obj)
    skip = set(fixed)
    if inspect.isfunction(obj) and (binding == "class" or _is_method_in_class_body(obj)):
        binding = binding if binding == "class" else "instance"
        skip.add(next(iter(inspect.signature(obj).parameters)))
    return Target(
        func=obj,
        source=source,
        name=_name(obj),
        doc=_doc(obj, source),
        binding=binding,
        skip=frozenset(skip),
        is_async=inspect.iscoroutinefunction(source),
    )


def _unwrap(obj: Any) -> tuple[Callable[..., Any], set[str]]:
    fixed: set[str] = set()
    while True:
        if isinstance(obj, functools.partial):
            fixed.update(obj.keywords)
            obj = obj.func
        elif isinstance(obj, types.MethodType):
            obj = obj.__func__
        else:
            break
    if not inspect.isroutine(obj) and not isinstance(obj, type):
        obj = type(obj).__call__
    return obj, fixed


def _is_method_in_class_body(func: types.FunctionType) -> bool:
    """A function defined in a class body whose first parameter is ``self`` or ``cls``."""
    parts = func.__qualname__.split(".")
    if len(parts) < 2 or parts[-2] == "<locals>":
        return False
    first = next(iter(inspect.signature(func).parameters), None)
    return first in _SELF_NAMES


def _name(obj: Any) -> str:
    while isinstance(obj, functools.partial):
        obj = obj.func
    name = getattr(obj, "__name__", None)
    return name if isinstance(name, str) else type(obj).__name__


def _doc(obj: Any, source: Callable[..., Any]) -> str | None:
    doc = inspect.getdoc(source)
    if doc is None and not inspect.isroutine(obj) and not isinstance(obj, functools.partial):
        doc = inspect.getdoc(obj)
    return doc


def type_hints(source: Callable[..., Any], *, where: str) -> dict[str, Any]:
    """The resolved annotations of ``source`` (``Annotated`` kept).

    String annotations (``from __future__ import annotations``) naming types
    local to the scope that defines the tool are resolved with that scope's
    locals, found on the call stack as the first frame outside agentloop.
    """
    try:
        return typing.get_type_hints(source, include_extras=True)
    except NameError:
        pass
    try:
        return typing.get_type_hints(source, localns=_caller_locals(), include_extras=True)
    except Exception as exc:
        raise ToolDefinitionError(
            f"{where}: cannot resolve its type annotations ({type(exc).__name__}: {exc}); "
            "make every type used in the signature importable from the function's module"
        ) from exc


def _caller_locals() -> dict[str, Any]:
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("agentloop."):
        frame = frame.f_back  # type: ignore[assignment]
    return dict(frame.f_locals) if frame is not None else {}
