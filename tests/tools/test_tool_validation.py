"""Input validation: jsonschema first, then pydantic; every failing field named."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Annotated, Literal

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel, Field
from structlog.testing import capture_logs

from agentloop._context import RunContext
from agentloop._tools import TOOL_INVALID_INPUT, Tool, ToolResult, tool


@tool
def get_weather(location: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    return f"{location} {unit}"


def test_every_failing_field_is_named(ctx: RunContext[None]) -> None:
    result = get_weather.call({"unit": "kelvin"}, ctx)
    assert result.is_error
    assert result.content == (
        "Invalid input for tool get_weather:\n"
        "- location: required property is missing\n"
        "- unit: 'kelvin' is not one of ['celsius', 'fahrenheit']"
    )


def test_unexpected_property_lists_allowed_ones(ctx: RunContext[None]) -> None:
    result = get_weather.call({"location": "Paris", "units": "celsius"}, ctx)
    assert result.content == (
        "Invalid input for tool get_weather:\n"
        "- units: unexpected property (allowed: location, unit)"
    )


def test_wrong_type(ctx: RunContext[None]) -> None:
    result = get_weather.call({"location": 42}, ctx)
    assert (
        result.content
        == "Invalid input for tool get_weather:\n- location: 42 is not of type 'string'"
    )


def test_input_that_is_not_an_object(ctx: RunContext[None]) -> None:
    result = get_weather.call(["Paris"], ctx)  # type: ignore[arg-type]
    assert result.is_error
    assert "- (input): ['Paris'] is not of type 'object'" in str(result.content)


class Item(BaseModel):
    sku: str
    quantity: Annotated[int, Field(ge=1)]


class Order(BaseModel):
    items: list[Item]
    note: str | None = None


@tool
def place_order(order: Order, count: int | None = None) -> str:
    return "ok"


def test_nested_paths(ctx: RunContext[None]) -> None:
    result = place_order.call(
        {"order": {"items": [{"sku": "a", "quantity": 1}, {"quantity": 0}]}}, ctx
    )
    assert result.content == (
        "Invalid input for tool place_order:\n"
        "- order.items[1].quantity: 0 is less than the minimum of 1\n"
        "- order.items[1].sku: required property is missing"
    )


def test_union_failure_names_the_accepted_types(ctx: RunContext[None]) -> None:
    result = place_order.call({"order": {"items": []}, "count": "three"}, ctx)
    assert result.content == (
        "Invalid input for tool place_order:\n- count: 'three' is not of type 'integer' or 'null'"
    )


def test_failures_are_logged_as_invalid_input(ctx: RunContext[None]) -> None:
    with capture_logs() as logs:
        get_weather.call({}, ctx)
    assert logs == [
        {
            "event": TOOL_INVALID_INPUT,
            "log_level": "info",
            "tool": "get_weather",
            "tool_use_id": "toolu_01",
            "errors": ["location: required property is missing"],
        }
    ]


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def test_input_is_converted_to_annotated_types(ctx: RunContext[None]) -> None:
    seen: dict[str, object] = {}

    @tool
    def record(
        order: Order,
        color: Color,
        when: dt.datetime,
        day: dt.date,
        ident: uuid.UUID,
        pair: tuple[int, str],
    ) -> None:
        seen.update(order=order, color=color, when=when, day=day, ident=ident, pair=pair)

    result = record.call(
        {
            "order": {"items": [{"sku": "a", "quantity": 2}]},
            "color": "red",
            "when": "2025-01-02T03:04:05Z",
            "day": "2025-01-02",
            "ident": "12345678-1234-5678-1234-567812345678",
            "pair": [1, "x"],
        },
        ctx,
    )
    assert not result.is_error
    assert seen == {
        "order": Order(items=[Item(sku="a", quantity=2)]),
        "color": Color.RED,
        "when": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "day": dt.date(2025, 1, 2),
        "ident": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "pair": (1, "x"),
    }


def test_format_checked_by_jsonschema(ctx: RunContext[None]) -> None:
    @tool
    def f(ident: uuid.UUID, day: dt.date) -> None: ...

    result = f.call({"ident": "nope", "day": "2025-13-45"}, ctx)
    assert result.content == (
        "Invalid input for tool f:\n"
        "- day: '2025-13-45' is not a 'date'\n"
        "- ident: 'nope' is not a 'uuid'"
    )


def test_pydantic_failure_is_reported_by_field(ctx: RunContext[None]) -> None:
    def even(n: int) -> int:
        if n % 2:
            raise ValueError("must be even")
        return n

    @tool
    def f(n: Annotated[int, AfterValidator(even)], when: dt.datetime) -> None: ...

    result = f.call({"n": 3, "when": "yesterday"}, ctx)
    assert result.is_error
    assert result.content == (
        "Invalid input for tool f:\n"
        "- n: Value error, must be even\n"
        "- when: Input should be a valid datetime or date, input is too short"
    )


def test_omitted_parameters_keep_the_function_default(ctx: RunContext[None]) -> None:
    sentinel: list[int] = []

    def f(items: list[int] = sentinel) -> bool:
        return items is sentinel

    assert tool(f).call({}, ctx).content == "true"


def test_input_is_not_mutated_by_the_tool(ctx: RunContext[None]) -> None:
    @tool
    def f(data: dict[str, list[int]]) -> None:
        data["a"].append(99)

    original = {"data": {"a": [1]}}
    f.call(original, ctx)
    assert original == {"data": {"a": [1]}}


def test_from_definition_validates_with_the_same_messages(ctx: RunContext[None]) -> None:
    search = Tool.from_definition(
        {
            "name": "search",
            "description": "Search.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string"},
                    "limit": {"type": "integer", "maximum": 5},
                },
                "required": ["query"],
            },
        },
        lambda data: data["query"],
    )
    result = search.call({"limit": 10}, ctx)
    assert result.content == (
        "Invalid input for tool search:\n"
        "- limit: 10 is greater than the maximum of 5\n"
        "- query: required property is missing"
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["order", "count", "other"]), json_values, max_size=3))
def test_any_json_input_gives_a_result_never_an_exception(data: dict[str, object]) -> None:
    ctx = RunContext(deps=None)
    result = place_order.call(data, ctx)
    assert isinstance(result, ToolResult)
    if result.is_error:
        assert str(result.content).startswith("Invalid input for tool place_order:\n- ")
