"""The "surely valid" predicate in front of jsonschema: never looser, and really used."""

from __future__ import annotations

import collections
import decimal
import enum
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

from agentloop._context import RunContext
from agentloop._tools import tool
from agentloop._tools._fastcheck import compile_check

# --- schemas in the supported subset, and instances that may or may not fit -----

names = st.sampled_from(["a", "b", "c"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from([0.0, 1.0, 2.5, -1.5, float("inf"), float("nan")]),
    st.sampled_from(["", "x", "yy", "héllo"]),
)
numbers = st.one_of(st.integers(-3, 3), st.sampled_from([0.5, 1.0, -2.5]))
sizes = st.integers(0, 3)
types = st.sampled_from(["string", "integer", "number", "boolean", "null", "object", "array"])


def _schema_with(
    children: st.SearchStrategy[Any], scalars: st.SearchStrategy[Any] = scalars
) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(types, st.lists(types, min_size=1, max_size=3)),
            "properties": st.dictionaries(names, children, max_size=3),
            "required": st.lists(names, max_size=3, unique=True),
            "additionalProperties": st.one_of(st.booleans(), children),
            "items": children,
            "enum": st.lists(scalars, min_size=1, max_size=3),
            "const": scalars,
            "anyOf": st.lists(children, min_size=1, max_size=3),
            "minimum": numbers,
            "maximum": numbers,
            "exclusiveMinimum": numbers,
            "exclusiveMaximum": numbers,
            "minLength": sizes,
            "maxLength": sizes,
            "minItems": sizes,
            "maxItems": sizes,
            "description": st.just("annotations are ignored"),
        },
    )


def _schemas(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.one_of(st.just(True), _schema_with(st.just({}), leaves)),
        lambda children: _schema_with(children, leaves),
        max_leaves=6,
    )


def _instances(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.one_of(names, st.just("d")), inner)
        ),
        max_leaves=8,
    )


odd_values = st.sampled_from(
    [decimal.Decimal("1"), collections.OrderedDict(a=1), (1, 2), type("S", (str,), {})("x")]
)
schemas = _schemas(scalars)
instances = _instances(st.one_of(scalars, odd_values))


@settings(max_examples=1500, deadline=None)
@given(schemas, instances)
def test_never_accepts_what_jsonschema_rejects(schema: dict[str, Any], instance: Any) -> None:
    check = compile_check(schema)
    assert check is not None, "every schema drawn here is in the supported subset"
    if check(instance):
        assert Draft202012Validator(schema).is_valid(instance), (schema, instance)


# Without floats, the cases where the predicate is deliberately stricter (2.0 as an
# integer, 1 == 1.0 in enum, NaN) cannot arise: there it must agree with jsonschema.
whole_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(["", "x", "yy"])
)
whole_schemas = _schemas(whole_scalars)
whole_instances = _instances(whole_scalars)


@settings(max_examples=1500, deadline=None)
@given(whole_schemas, whole_instances)
def test_agrees_with_jsonschema_on_plain_json(schema: dict[str, Any], instance: Any) -> None:
    """Not vacuous: on JSON without floats it accepts exactly what jsonschema accepts."""
    check = compile_check(schema)
    assert check is not None
    assert check(instance) == Draft202012Validator(schema).is_valid(instance), (schema, instance)


# --- which schemas get a predicate -----------------------------------------------


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


class Item(BaseModel):
    sku: str
    quantity: Annotated[int, Field(ge=1, le=99)]


@tool
def plain(
    city: str,
    days: Annotated[int, Field(ge=1, le=14)] = 3,
    unit: Literal["c", "f"] = "c",
    tags: list[str] | None = None,
    colour: Colour = Colour.RED,
    items: list[Item] | None = None,
    ratio: float = 0.5,
    exact: bool = False,
) -> str:
    """A tool with the usual kinds of parameters."""
    return city


@pytest.mark.parametrize(
    ("schema", "compiled"),
    [
        (plain.input_schema, True),
        ({"type": "object", "properties": {"when": {"type": "string", "format": "date"}}}, False),
        (
            {"type": "object", "properties": {"code": {"type": "string", "pattern": "^[A-Z]+$"}}},
            False,
        ),
        ({"$defs": {"n": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/n"}}}, False),
        ({"type": "object", "x-vendor": 1}, False),
        ({"type": "array", "items": False}, False),
    ],
)
def test_what_gets_a_predicate(schema: dict[str, Any], compiled: bool) -> None:
    assert (compile_check(schema) is not None) is compiled


def test_a_plain_tool_skips_jsonschema_for_valid_input(
    ctx: RunContext[None], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Refuse:
        def iter_errors(self, instance: Any) -> Any:
            raise AssertionError("jsonschema ran for a surely valid input")

    monkeypatch.setattr(plain._spec.validator, "_validator", Refuse())
    good = {
        "city": "Oslo",
        "days": 2,
        "tags": ["x"],
        "colour": "green",
        "items": [{"sku": "A", "quantity": 3}],
        "ratio": 1,
        "exact": True,
    }
    assert plain.call(good, ctx).content == "Oslo"


@pytest.mark.parametrize(
    ("bad", "line"),
    [
        ({"city": "Oslo", "days": 0}, "- days: 0 is less than the minimum of 1"),
        ({"city": "Oslo", "days": 2.0}, None),  # jsonschema accepts 2.0 as an integer
        ({"city": "Oslo", "colour": "blue"}, "- colour: 'blue' is not one of ['red', 'green']"),
        (
            {"city": "Oslo", "items": [{"sku": "A", "quantity": 0}]},
            "[0].quantity: 0 is less than the minimum of 1",
        ),
        ({"town": "Oslo"}, "- city: required property is missing"),
    ],
)
def test_what_it_does_not_vouch_for_goes_to_jsonschema(
    ctx: RunContext[None], bad: dict[str, Any], line: str | None
) -> None:
    result = plain.call(bad, ctx)
    if line is None:
        assert not result.is_error
    else:
        assert result.is_error
        assert line in str(result.content)
