"""Tool schemas: error messages that give the real advice, descriptions kept, signatures accepted."""

from __future__ import annotations

import sys
import typing
from dataclasses import dataclass

import pytest
from pydantic import BaseModel, ConfigDict
from typing_extensions import TypedDict

from agentloop._context import RunContext
from agentloop._exceptions import ToolDefinitionError
from agentloop._tools import tool

old_typed_dicts = pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="pydantic reads typing.TypedDict from Python 3.12 on"
)


class Address(typing.TypedDict):
    street: str
    city: str


class Person(typing.TypedDict):
    name: str
    home: Address


# --- typing.TypedDict before Python 3.12 (issue 11, item 16) ---------------------------


@old_typed_dicts
def test_typing_typed_dict_error_says_to_use_typing_extensions() -> None:
    def save(address: Address) -> None:
        """Save an address."""

    with pytest.raises(ToolDefinitionError) as info:
        tool(save)
    message = str(info.value)
    assert "parameter 'address'" in message
    assert "typing.TypedDict Address" in message
    assert "use typing_extensions.TypedDict" in message
    assert "cannot be expressed in JSON Schema" not in message


@old_typed_dicts
def test_typing_typed_dict_nested_in_a_container_is_named() -> None:
    def save_all(people: list[Person] | None = None) -> None:
        """Save people."""

    with pytest.raises(ToolDefinitionError) as info:
        tool(save_all)
    message = str(info.value)
    assert "parameter 'people'" in message
    assert "typing.TypedDict Person, Address" in message
    assert "use typing_extensions.TypedDict" in message


def test_other_inexpressible_types_keep_the_generic_advice() -> None:
    def run(callback: typing.Callable[[], None]) -> None:
        """Run."""

    with pytest.raises(ToolDefinitionError, match="cannot be expressed in JSON Schema"):
        tool(run)


# --- docstrings (issue 16, items 1 and 4) -----------------------------------------------


def test_google_docstring_without_summary_keeps_every_parameter_text() -> None:
    def f(foo: int, bar: str) -> None:
        """
        Args:
            foo: The foo thing.
            bar: The bar thing.
        """

    definition = tool(f).definition
    assert definition["description"] == ""
    properties = definition["input_schema"]["properties"]
    assert properties["foo"]["description"] == "The foo thing."
    assert properties["bar"]["description"] == "The bar thing."


def test_google_docstring_without_summary_keeps_its_returns() -> None:
    def f(foo: int) -> int:
        """Args:
            foo: The foo thing.

        Returns:
            Twice foo.
        """
        return 2 * foo

    definition = tool(f).definition
    assert definition["description"] == "Returns: Twice foo."
    assert definition["input_schema"]["properties"]["foo"]["description"] == "The foo thing."


@pytest.mark.parametrize(
    "docstring",
    [
        """Add one.

        Args:
            n: The number.

        Returns:
            int: The number plus one,
                never less.
        """,
        """Add one.

        Parameters
        ----------
        n : int
            The number.

        Returns
        -------
        int
            The number plus one, never less.
        """,
        """Add one.

        :param n: The number.
        :returns: The number plus one, never less.
        """,
    ],
    ids=["google", "numpy", "sphinx"],
)
def test_returns_section_is_kept_in_short_form(docstring: str) -> None:
    def add_one(n: int) -> int:
        return n + 1

    add_one.__doc__ = docstring
    definition = tool(add_one).definition
    assert definition["description"] == "Add one.\n\nReturns: The number plus one, never less."
    assert definition["input_schema"]["properties"]["n"]["description"] == "The number."


def test_yields_section_is_not_a_return_value() -> None:
    def count(n: int) -> None:
        """Count.

        Yields:
            Each number.
        """

    assert tool(count).definition["description"] == "Count."


# --- attribute docstrings (issue 16, item 2) --------------------------------------------


class Coordinates(TypedDict):
    lat: float
    """Latitude, in degrees."""
    lon: float
    """Longitude, in degrees."""
    label: str


@dataclass
class Box:
    width: int
    """Width, in pixels."""
    height: int = 1


def test_attribute_docstrings_of_typeddict_and_dataclass_fields_are_kept() -> None:
    def place(where: Coordinates, box: Box) -> None:
        """Place a box."""

    properties = tool(place).input_schema["properties"]
    where, box = properties["where"]["properties"], properties["box"]["properties"]
    assert where["lat"] == {"type": "number", "description": "Latitude, in degrees."}
    assert where["lon"] == {"type": "number", "description": "Longitude, in degrees."}
    assert where["label"] == {"type": "string"}
    assert box["width"] == {"type": "integer", "description": "Width, in pixels."}
    assert box["height"] == {"type": "integer", "default": 1}


# --- nested models are closed (issue 16, item 3) ----------------------------------------


class City(BaseModel):
    name: str


class Tagged(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


class Ignoring(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str


def visit(city: City, tagged: Tagged, ignoring: list[Ignoring]) -> str:
    """Visit."""
    return f"{city!r} {tagged!r} {ignoring!r}"


def test_nested_models_are_closed_unless_they_allow_extra_fields() -> None:
    properties = tool(visit).input_schema["properties"]
    assert properties["city"]["additionalProperties"] is False
    assert properties["ignoring"]["items"]["additionalProperties"] is False
    assert properties["tagged"]["additionalProperties"] is True


def test_a_misspelt_nested_key_is_a_field_level_error() -> None:
    result = tool(visit).call(
        {"city": {"name": "Oslo", "nmae": "x"}, "tagged": {"name": "t"}, "ignoring": []},
        RunContext(deps=None),
    )
    assert result.is_error
    assert "city.nmae: unexpected property (allowed: name)" in str(result.content)


def test_extra_keys_reach_a_model_that_allows_them() -> None:
    result = tool(visit).call(
        {"city": {"name": "Oslo"}, "tagged": {"name": "t", "color": "red"}, "ignoring": []},
        RunContext(deps=None),
    )
    assert not result.is_error
    assert "color='red'" in str(result.content)


# --- signatures peers accept (issue 16, item 5) -----------------------------------------


def test_var_keyword_becomes_additional_properties_passed_as_keywords() -> None:
    @tool
    def tag(name: str, **labels: int) -> str:
        """Tag something.

        Args:
            name: What to tag.
        """
        return f"{name} {sorted(labels.items())}"

    assert tag.input_schema == {
        "type": "object",
        "properties": {"name": {"type": "string", "description": "What to tag."}},
        "required": ["name"],
        "additionalProperties": {"type": "integer"},
    }
    ctx = RunContext(deps=None)
    assert tag.call({"name": "x", "b": 2, "a": 1}, ctx).content == "x [('a', 1), ('b', 2)]"
    assert tag.call({"name": "x"}, ctx).content == "x []"
    refused = tag.call({"name": "x", "a": "one"}, ctx)
    assert refused.is_error and "a:" in str(refused.content)


def test_var_keyword_of_a_model_is_validated_and_converted() -> None:
    @tool
    def visit_all(**cities: City) -> str:
        """Visit cities."""
        return ", ".join(f"{k}={type(v).__name__}({v.name})" for k, v in cities.items())

    schema = visit_all.input_schema
    assert schema["additionalProperties"] == {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
        "additionalProperties": False,
    }
    assert "$defs" not in schema
    result = visit_all.call({"a": {"name": "Oslo"}}, RunContext(deps=None))
    assert result.content == "a=City(Oslo)"


def test_var_keyword_cannot_override_the_run_context() -> None:
    @tool
    def f(ctx: RunContext[None], **extra: str) -> str:
        """F."""
        return f"{type(ctx).__name__} {extra}"

    ctx = RunContext(deps=None)
    assert f.call({"a": "b"}, ctx).content == "RunContext {'a': 'b'}"
    refused = f.call({"ctx": "spoof"}, ctx)
    assert refused.is_error
    assert "ctx: unexpected property" in str(refused.content)


def test_var_keyword_cannot_override_a_partial_keyword() -> None:
    import functools

    def f(user: str, **extra: str) -> str:
        return f"{user} {extra}"

    bound = tool(functools.partial(f, user="alice"))
    assert "user" not in bound.input_schema["properties"]
    assert bound.call({"user": "mallory"}, RunContext(deps=None)).is_error


def test_var_positional_becomes_a_named_array_passed_by_position() -> None:
    @tool
    def total(unit: str, *amounts: float, rounding: int = 2) -> str:
        """Add amounts up.

        Args:
            unit: The currency.
            amounts: The amounts to add.
        """
        return f"{round(sum(amounts), rounding)} {unit}"

    assert total.input_schema == {
        "type": "object",
        "properties": {
            "unit": {"type": "string", "description": "The currency."},
            "amounts": {
                "type": "array",
                "description": "The amounts to add.",
                "default": [],
                "items": {"type": "number"},
            },
            "rounding": {"type": "integer", "default": 2},
        },
        "required": ["unit"],
        "additionalProperties": False,
    }
    ctx = RunContext(deps=None)
    assert total.call({"unit": "EUR", "amounts": [1.5, 2.25]}, ctx).content == "3.75 EUR"
    assert total.call({"unit": "EUR"}, ctx).content == "0 EUR"
    assert total.call({"unit": "EUR", "amounts": [1.26], "rounding": 1}, ctx).content == "1.3 EUR"


def test_positional_only_parameters_are_passed_by_position_in_order() -> None:
    @tool
    def divide(a: float, b: float = 1.0, /, *, digits: int = 3) -> float:
        """Divide a by b."""
        return round(a / b, digits)

    assert divide.input_schema["required"] == ["a"]
    assert list(divide.input_schema["properties"]) == ["a", "b", "digits"]
    ctx = RunContext(deps=None)
    assert divide.call({"a": 1, "b": 3}, ctx).content == "0.333"
    assert divide.call({"b": 4, "a": 2}, ctx).content == "0.5"
    assert divide.call({"a": 2}, ctx).content == "2.0"
    assert divide.call({"a": 2, "b": 3, "digits": 1}, ctx).content == "0.7"


def test_positional_only_run_context_is_passed_in_its_place() -> None:
    @tool
    def who(ctx: RunContext[str], greeting: str, /, *names: str, **extra: bool) -> str:
        """Greet."""
        return f"{greeting} {' '.join(names)} from {ctx.deps} {extra}"

    assert list(who.input_schema["properties"]) == ["greeting", "names"]
    result = who.call({"greeting": "hi", "names": ["a", "b"], "loud": True}, RunContext(deps="me"))
    assert result.content == "hi a b from me {'loud': True}"


@pytest.mark.anyio
async def test_new_signatures_work_in_acall() -> None:
    @tool
    async def join(sep: str, /, *parts: str, **marks: str) -> str:
        """Join."""
        return sep.join(parts) + "".join(marks.values())

    result = await join.acall({"sep": "-", "parts": ["a", "b"], "x": "!"}, RunContext(deps=None))
    assert result.content == "a-b!"


def test_methods_with_var_positional_get_self_first() -> None:
    class Calculator:
        @tool
        def add(self, *values: int) -> int:
            """Add."""
            return sum(values) + self.offset

        offset = 100

    result = Calculator().add.call({"values": [1, 2]}, RunContext(deps=None))
    assert result.content == "103"


def test_unpacked_typed_dict_kwargs_are_refused_with_a_suggestion_from_the_annotation() -> None:
    from typing_extensions import Unpack

    def f(**options: Unpack[Coordinates]) -> None:
        """F."""

    with pytest.raises(ToolDefinitionError) as info:
        tool(f)
    assert "take one parameter such as `options: Coordinates`" in str(info.value)


def test_inexpressible_var_keyword_names_the_starred_parameter() -> None:
    def f(**hooks: typing.Callable[[], None]) -> None:
        """F."""

    with pytest.raises(ToolDefinitionError, match=r"parameter '\*\*hooks' has type .*Callable"):
        tool(f)
