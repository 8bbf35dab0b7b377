"""What is decided about a tool once, when it is defined: its :class:`Spec`."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from agentloop._context import RunContext
from agentloop._exceptions import ToolDefinitionError

from ._arguments import Arguments
from ._callables import Binding, Target, inspect_target, type_hints
from ._definition import check_definition, check_name
from ._docstrings import parse_docstring
from ._schema import SignaturePlan, is_run_context, plan_signature
from ._validation import InvalidInput, SchemaValidator, pydantic_errors

__all__ = ["Arguments", "Spec", "definition_spec", "function_spec"]

Prepare = Callable[[dict[str, Any], RunContext[Any]], Arguments]


@dataclass(frozen=True)
class Spec:
    """Everything decided once, when a tool is defined.

    ``prepare`` turns input already checked by ``validator`` into the call's
    positional and keyword arguments (raising :class:`InvalidInput`).
    """

    name: str
    definition: dict[str, Any]
    validator: SchemaValidator
    prepare: Prepare
    is_async: bool
    binding: Binding


def definition_spec(definition: Mapping[str, Any], handler: Callable[..., Any]) -> Spec:
    """The spec of a tool made from a hand-written definition and a handler.

    The handler gets the input dict as its first argument, and the run context
    by keyword if it has a parameter named ``ctx`` or annotated ``RunContext``.
    """
    checked = check_definition(definition)
    if not callable(handler):
        raise ToolDefinitionError(f"tool {checked['name']!r}: handler {handler!r} is not callable")
    validator = SchemaValidator(checked["input_schema"], where=f"tool {checked['name']!r}")
    ctx_name = _context_keyword(handler)

    def prepare(data: dict[str, Any], ctx: RunContext[Any]) -> Arguments:
        return (data,), ({ctx_name: ctx} if ctx_name else {})

    is_async = inspect_target(handler).is_async
    return Spec(checked["name"], checked, validator, prepare, is_async, "none")


def function_spec(
    target: Target,
    name: str | None,
    description: str | None,
    input_examples: Sequence[Mapping[str, Any]] | None,
    cache_control: Mapping[str, Any] | None,
) -> Spec:
    """The spec of a tool made from a function: name, docs, schema, validators."""
    where = f"tool function {target.name!r}"
    tool_name = check_name(name if name is not None else target.name, where=where)
    docs = parse_docstring(target.doc)
    hints = type_hints(target.source, where=where)
    plan = plan_signature(
        target.func, where=where, hints=hints, skip=target.skip, param_docs=docs.params
    )
    definition: dict[str, Any] = {
        "name": tool_name,
        "description": docs.description if description is None else description,
        "input_schema": plan.schema,
    }
    validator = SchemaValidator(plan.schema, where=where, generated=True)
    if input_examples is not None:
        definition["input_examples"] = _checked_examples(input_examples, validator, where)
    if cache_control is not None:
        definition["cache_control"] = dict(cache_control)
    prepare = functools.partial(_function_arguments, plan)
    return Spec(tool_name, definition, validator, prepare, target.is_async, target.binding)


def _function_arguments(
    plan: SignaturePlan, data: dict[str, Any], ctx: RunContext[Any]
) -> Arguments:
    try:
        return plan.arguments(data, ctx)
    except ValidationError as exc:
        raise InvalidInput(pydantic_errors(exc)) from exc


def _checked_examples(
    examples: Sequence[Mapping[str, Any]], validator: SchemaValidator, where: str
) -> list[dict[str, Any]]:
    checked = [dict(example) for example in examples]
    for index, example in enumerate(checked):
        try:
            validator.validate(example)
        except InvalidInput as exc:
            raise ToolDefinitionError(
                f"{where}: input_examples[{index}] does not match the input schema: "
                + "; ".join(exc.errors)
            ) from exc
    return checked


def _context_keyword(handler: Callable[..., Any]) -> str | None:
    """The parameter of ``handler`` (after the first) that takes the run context."""
    try:
        params = list(inspect.signature(handler).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    try:
        hints = type_hints(inspect_target(handler).source, where="handler")
    except ToolDefinitionError:
        hints = {}
    for p in params:
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and (
            p.name == "ctx" or is_run_context(hints.get(p.name))
        ):
            return p.name
    return None
