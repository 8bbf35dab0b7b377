"""Parameters typed exactly ``str``, ``int``, ``float`` or ``bool`` skip the pydantic pass
when the JSON value already has that very type. Whatever the input, the call gets the
same arguments (values and types) as through pydantic, or the same error."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from agentloop import RunContext
from agentloop._tools import Tool, tool
from agentloop._tools._arguments import SignaturePlan


def everything(a: str, b: int, /, c: float = 1.5, *, d: bool = False, ctx: RunContext) -> str:
    return "ok"


def keyword_only(*, name: str, count: int = 3) -> str:
    return name * count


def with_extras(name: str, **more: int) -> str:
    return name


def _plan(t: Tool[..., Any]) -> SignaturePlan:
    plan = t._spec.prepare.args[0]  # type: ignore[attr-defined]
    assert isinstance(plan, SignaturePlan)
    return plan


def _through_pydantic(plan: SignaturePlan, data: dict[str, Any], ctx: object) -> Any:
    slow = dataclasses.replace(plan)
    object.__setattr__(slow, "plain", False)
    return _outcome(slow, data, ctx)


def _outcome(plan: SignaturePlan, data: dict[str, Any], ctx: object) -> Any:
    try:
        args, kwargs = plan.arguments(data, ctx)
    except ValidationError as exc:
        return ("error", [(e["loc"], e["type"]) for e in exc.errors()])
    typed = lambda v: (type(v), v)  # noqa: E731 - 5 and 5.0 compare equal; their types do not
    return [typed(a) for a in args], {k: typed(v) for k, v in kwargs.items()}


def test_only_bare_plain_types_take_the_fast_path() -> None:
    assert _plan(tool(everything)).plain
    assert _plan(tool(keyword_only)).plain
    assert _plan(tool(with_extras)).plain  # extra keys fall back to pydantic, per call

    def optional(name: str | None = None) -> str:
        return ""

    def listed(names: list[str]) -> str:
        return ""

    assert not _plan(tool(optional)).plain
    assert not _plan(tool(listed)).plain


def test_a_value_pydantic_would_convert_is_converted(ctx: RunContext[None]) -> None:
    seen: list[Any] = []

    @tool
    def scale(factor: float) -> str:
        """Scale."""
        seen.append(factor)
        return "ok"

    assert scale.call({"factor": 2}, ctx).content == "ok"
    assert seen == [2.0] and type(seen[0]) is float


values = st.one_of(
    st.text(max_size=3),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.sampled_from(["a", "b", "c", "d", "ctx", "e"]), values))
def test_same_arguments_as_through_pydantic(data: dict[str, Any]) -> None:
    plan, ctx = _plan(tool(everything)), object()
    assert _outcome(plan, data, ctx) == _through_pydantic(plan, data, ctx)


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.sampled_from(["name", "count", "other"]), values))
@pytest.mark.parametrize("func", [keyword_only, with_extras])
def test_same_arguments_as_through_pydantic_keywords(func: Any, data: dict[str, Any]) -> None:
    plan, ctx = _plan(tool(func)), object()
    assert _outcome(plan, data, ctx) == _through_pydantic(plan, data, ctx)
