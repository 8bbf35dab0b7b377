"""The @tool decorator: definitions, names, docstrings, methods, partials, misconfiguration."""

from __future__ import annotations

import functools
import inspect
from typing import Annotated, Any

import pytest
from pydantic import Field

from agentloop._context import RunContext
from agentloop._exceptions import ToolDefinitionError
from agentloop._tools import FunctionRegistry, Tool, tool


@tool
def get_weather(location: str, unit: str = "celsius") -> str:
    """Get the current weather in a given location.

    Use it for current conditions only, not forecasts.

    Args:
        location: The city and state, e.g. San Francisco, CA.
        unit: Temperature unit.

    Returns:
        A short report.
    """
    return f"15 {unit} in {location}"


def test_decorated_function_stays_callable() -> None:
    assert get_weather("Paris") == "15 celsius in Paris"
    assert get_weather(location="Oslo", unit="fahrenheit") == "15 fahrenheit in Oslo"


def test_decorated_function_keeps_its_metadata() -> None:
    assert get_weather.__name__ == "get_weather"
    assert get_weather.__doc__ is not None
    assert (
        str(inspect.signature(get_weather)) == "(location: 'str', unit: 'str' = 'celsius') -> 'str'"
    )


def test_definition_has_name_description_and_schema() -> None:
    assert get_weather.definition == {
        "name": "get_weather",
        "description": "Get the current weather in a given location.\n\n"
        "Use it for current conditions only, not forecasts.\n\n"
        "Returns: A short report.",
        "input_schema": {
            "type": "object",
            "properties": {
                "location": {
                    "type": "string",
                    "description": "The city and state, e.g. San Francisco, CA.",
                },
                "unit": {
                    "type": "string",
                    "description": "Temperature unit.",
                    "default": "celsius",
                },
            },
            "required": ["location"],
            "additionalProperties": False,
        },
    }


def test_definition_is_a_copy() -> None:
    get_weather.definition["name"] = "changed"
    assert get_weather.name == "get_weather"


def test_tool_with_options() -> None:
    @tool(
        name="lookup-v2",
        description="Look a word up.",
        input_examples=[{"word": "cat"}],
        cache_control={"type": "ephemeral"},
    )
    def lookup(word: str) -> str:
        """Docstring description, overridden."""
        return word

    assert lookup.name == "lookup-v2"
    assert lookup.definition["description"] == "Look a word up."
    assert lookup.definition["input_examples"] == [{"word": "cat"}]
    assert lookup.definition["cache_control"] == {"type": "ephemeral"}
    assert lookup("dog") == "dog"


def test_optional_keys_are_absent_unless_given() -> None:
    assert set(get_weather.definition) == {"name", "description", "input_schema"}


def test_input_examples_are_checked_against_the_schema() -> None:
    with pytest.raises(ToolDefinitionError, match=r"input_examples\[1\].*word: required property"):

        @tool(input_examples=[{"word": "a"}, {"other": 1}])
        def lookup(word: str) -> str:
            return word


def test_function_without_docstring_has_empty_description() -> None:
    @tool
    def ping() -> str:
        return "pong"

    assert ping.definition["description"] == ""


@pytest.mark.parametrize(
    ("docstring", "expected"),
    [
        pytest.param(
            """Search the web.

            Args:
                query: What to search for.
                limit (int): How many results,
                    at most 10.
            """,
            {"query": "What to search for.", "limit": "How many results, at most 10."},
            id="google",
        ),
        pytest.param(
            """Search the web.

            Parameters
            ----------
            query : str
                What to search for.
            limit : int
                How many results.
            """,
            {"query": "What to search for.", "limit": "How many results."},
            id="numpy",
        ),
        pytest.param(
            """Search the web.

            :param query: What to search for.
            :param limit: How many results.
            :returns: the results.
            """,
            {"query": "What to search for.", "limit": "How many results."},
            id="sphinx",
        ),
    ],
)
def test_docstring_styles(docstring: str, expected: dict[str, str]) -> None:
    def search(query: str, limit: int = 5) -> str:
        return query

    search.__doc__ = docstring
    definition = tool(search).definition
    assert definition["description"].split("\n\n")[0] == "Search the web."
    properties = definition["input_schema"]["properties"]
    assert {name: p["description"] for name, p in properties.items()} == expected


def test_parameter_docs_are_not_repeated_in_the_description() -> None:
    description = get_weather.definition["description"]
    assert "San Francisco" not in description
    assert "Temperature unit" not in description
    assert description.endswith("\n\nReturns: A short report.")  # in its short form only


def test_annotated_field_description_wins_over_docstring() -> None:
    @tool
    def f(a: Annotated[int, Field(description="From Field.")], b: int) -> None:
        """Do it.

        Args:
            a: From docstring.
            b: Only in docstring.
        """

    properties = f.definition["input_schema"]["properties"]
    assert properties["a"]["description"] == "From Field."
    assert properties["b"]["description"] == "Only in docstring."


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("get weather", "contains ' '"),
        ("", "is empty"),
        ("x" * 65, "is 65 characters long"),
        ("héllo!", "contains '!', 'é'"),
    ],
)
def test_invalid_names_are_rejected_at_decoration(name: str, problem: str) -> None:
    with pytest.raises(ToolDefinitionError) as info:
        tool(name=name)(lambda: None)
    assert problem in str(info.value)
    assert "^[a-zA-Z0-9_-]{1,64}$" in str(info.value)


def test_lambda_needs_a_name() -> None:
    with pytest.raises(ToolDefinitionError, match="'<lambda>'"):
        tool(lambda: None)
    assert tool(name="noop")(lambda: None).name == "noop"


def test_unannotated_var_positional_is_rejected_with_a_starred_suggestion() -> None:
    def f(*items) -> None:  # type: ignore[no-untyped-def]
        ...

    with pytest.raises(
        ToolDefinitionError, match=r"'f'.*'\*items' has no type annotation.*`\*items: str`"
    ):
        tool(f)


def test_unannotated_var_keyword_is_rejected_with_a_starred_suggestion() -> None:
    def f(**options) -> None:  # type: ignore[no-untyped-def]
        ...

    with pytest.raises(
        ToolDefinitionError, match=r"'f'.*'\*\*options' has no type annotation.*`\*\*options: str`"
    ):
        tool(f)


def test_missing_annotation_is_rejected() -> None:
    def f(a: int, b) -> None:  # type: ignore[no-untyped-def]
        ...

    with pytest.raises(ToolDefinitionError, match=r"'f'.*'b' has no type annotation.*b: str"):
        tool(f)


def test_type_without_json_schema_is_rejected() -> None:
    class Connection:
        pass

    def f(a: int, conn: Connection) -> None: ...

    with pytest.raises(ToolDefinitionError, match=r"'f'.*'conn' has type Connection.*JSON Schema"):
        tool(f)


def test_callable_parameter_is_rejected() -> None:
    from collections.abc import Callable

    def f(callback: Callable[[int], int]) -> None: ...

    with pytest.raises(ToolDefinitionError, match="'callback'"):
        tool(f)


def test_unresolvable_annotation_is_rejected() -> None:
    def f(a: NotDefinedAnywhere) -> None:  # type: ignore[name-defined]  # noqa: F821
        ...

    with pytest.raises(ToolDefinitionError, match="cannot resolve its type annotations"):
        tool(f)


def test_not_callable_is_rejected() -> None:
    with pytest.raises(ToolDefinitionError, match="not callable"):
        tool(42)  # type: ignore[call-overload]


def test_run_context_parameter_is_injected_and_hidden(ctx: RunContext[None]) -> None:
    seen: list[RunContext[Any]] = []

    @tool
    def f(query: str, context: RunContext[None]) -> str:
        seen.append(context)
        return query

    assert list(f.definition["input_schema"]["properties"]) == ["query"]
    assert f.call({"query": "q"}, ctx).content == "q"
    assert seen == [ctx]


class Library:
    def __init__(self, books: list[str]) -> None:
        self.books = books

    @tool
    def search(self, word: str) -> list[str]:
        """Find books whose title holds a word."""
        return [b for b in self.books if word in b]

    @tool
    @classmethod
    def kind(cls, upper: bool = False) -> str:
        """The kind of library."""
        return cls.__name__.upper() if upper else cls.__name__

    @tool
    @staticmethod
    def add(a: int, b: int) -> int:
        return a + b


def test_method_schema_has_no_self() -> None:
    assert Library.search.definition["input_schema"]["properties"] == {"word": {"type": "string"}}


def test_method_binds_to_its_instance(ctx: RunContext[None]) -> None:
    lib = Library(["Dune", "Emma"])
    assert lib.search("un") == ["Dune"]
    assert isinstance(lib.search, Tool)
    assert lib.search.definition == Library.search.definition
    assert str(inspect.signature(lib.search)) == "(word: 'str') -> 'list[str]'"
    assert lib.search.call({"word": "mm"}, ctx).content == '["Emma"]'


def test_method_read_from_class_needs_binding() -> None:
    assert Library.search.needs_binding
    assert not Library(["x"]).search.needs_binding
    with pytest.raises(ToolDefinitionError, match=r"bound to an instance"):
        FunctionRegistry([Library.search])


def test_classmethod_tool(ctx: RunContext[None]) -> None:
    assert Library.kind.definition["input_schema"]["properties"] == {
        "upper": {"type": "boolean", "default": False}
    }
    # mypy types a @classmethod under another decorator as a plain function (cls included)
    assert Library.kind() == "Library"  # type: ignore[call-arg]
    assert Library(["x"]).kind.call({"upper": True}, ctx).content == "LIBRARY"


def test_staticmethod_tool(ctx: RunContext[None]) -> None:
    assert Library.add(1, 2) == 3
    assert Library(["x"]).add.call({"a": 1, "b": 2}, ctx).content == "3"
    assert list(Library.add.definition["input_schema"]["properties"]) == ["a", "b"]


def test_bound_method_passed_to_tool(ctx: RunContext[None]) -> None:
    class Counter:
        def __init__(self) -> None:
            self.n = 0

        def bump(self, by: int = 1) -> int:
            """Add to the counter."""
            self.n += by
            return self.n

    counter = Counter()
    bump = tool(counter.bump)
    assert bump.name == "bump"
    assert bump.definition["description"] == "Add to the counter."
    assert bump.call({"by": 2}, ctx).content == "2"
    assert counter.n == 2


def test_partial_hides_fixed_keywords(ctx: RunContext[None]) -> None:
    def fetch(url: str, api_key: str, timeout: float = 10.0) -> str:
        """Fetch a URL."""
        return f"{url} {api_key} {timeout}"

    fetch_tool = tool(functools.partial(fetch, api_key="secret"))
    schema = fetch_tool.definition["input_schema"]
    assert list(schema["properties"]) == ["url", "timeout"]
    assert "secret" not in str(fetch_tool.definition)
    assert fetch_tool.name == "fetch"
    assert fetch_tool.call({"url": "u"}, ctx).content == "u secret 10.0"
    rejected = fetch_tool.call({"url": "u", "api_key": "x"}, ctx)
    assert rejected.is_error
    assert "api_key: unexpected property" in str(rejected.content)


def test_callable_object(ctx: RunContext[None]) -> None:
    class Greeter:
        """Greet someone."""

        def __call__(self, name: str) -> str:
            return f"hello {name}"

    greet = tool(name="greet")(Greeter())
    assert greet.definition["description"] == "Greet someone."
    assert greet.call({"name": "Ann"}, ctx).content == "hello Ann"


def test_retool_renames() -> None:
    renamed = tool(name="weather")(get_weather)
    assert renamed.name == "weather"
    assert renamed("Rome") == "15 celsius in Rome"


async def _async_tool(x: int) -> int:
    return x + 1


def test_is_async() -> None:
    assert tool(_async_tool).is_async
    assert not get_weather.is_async
    assert tool(functools.partial(_async_tool)).is_async


@pytest.mark.anyio
async def test_async_tool_stays_awaitable() -> None:
    assert await tool(_async_tool)(1) == 2
