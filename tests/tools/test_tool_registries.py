"""FunctionRegistry, the wrappers, custom registries and the adapters the loop uses."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest
from structlog.testing import capture_logs

from agentloop._context import RunContext
from agentloop._exceptions import ToolDefinitionError, ToolError
from agentloop._tools import (
    CombinedRegistry,
    FilteredRegistry,
    FunctionRegistry,
    PrefixedRegistry,
    Tool,
    ToolRegistry,
    ToolResult,
    ValidatedRegistry,
    acall_tool,
    alist_definitions,
    as_registry,
    call_tool,
    list_definitions,
    tool,
)

WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@tool
async def shout(text: str) -> str:
    """Upper-case a text."""
    return text.upper()


def echo(text: str) -> str:
    """Echo a text."""
    return text


SCHEMA = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}


class SyncRegistry:
    """A registry written from the protocol alone, sync."""

    def __init__(self, names: Sequence[str] = ("lookup",)) -> None:
        self.names = list(names)
        self.threads: list[int] = []

    def definitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
        return [{"name": n, "description": "Look up.", "input_schema": SCHEMA} for n in self.names]

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        self.threads.append(threading.get_ident())
        if name == "boom":
            raise RuntimeError("registry exploded")
        if name == "refuse":
            raise ToolError("not allowed")
        return ToolResult(f"{name}:{input.get('q')}")


class AsyncRegistry:
    """A registry written from the protocol alone, async."""

    async def definitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
        return [{"name": "remote", "description": "Remote.", "input_schema": SCHEMA}]

    async def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        if name != "remote":
            return ToolResult(f"no tool {name}", is_error=True)
        return ToolResult(f"remote:{input['q']}:{ctx.tool_use_id}")


def names(definitions: Sequence[dict[str, Any]]) -> list[str]:
    return [d["name"] for d in definitions]


# --- FunctionRegistry ---------------------------------------------------------


def test_function_registry_lists_tools_in_order() -> None:
    registry = FunctionRegistry([add, echo, shout])
    assert names(registry.definitions()) == ["add", "echo", "shout"]
    assert registry.definitions()[0] == add.definition


def test_plain_functions_are_decorated_on_the_fly(ctx: RunContext[None]) -> None:
    registry = FunctionRegistry([echo])
    assert isinstance(registry.get("echo"), Tool)
    assert registry.call("echo", {"text": "hi"}, ctx) == ToolResult("hi")


def test_function_registry_calls_sync_and_async_tools(ctx: RunContext[None]) -> None:
    registry = FunctionRegistry([add, shout])
    assert registry.call("add", {"a": 1, "b": 2}, ctx) == ToolResult("3")
    assert registry.call("shout", {"text": "hi"}, ctx) == ToolResult("HI")


@pytest.mark.anyio
async def test_function_registry_acall(ctx: RunContext[None]) -> None:
    registry = FunctionRegistry([add, shout])
    assert await registry.acall("add", {"a": 1, "b": 2}, ctx) == ToolResult("3")
    assert await registry.acall("shout", {"text": "hi"}, ctx) == ToolResult("HI")


def test_duplicate_names_are_rejected() -> None:
    with pytest.raises(ToolDefinitionError, match="two tools are named 'add'"):
        FunctionRegistry([add, tool(name="add")(echo)])


def test_unknown_tool_lists_the_available_ones(ctx: RunContext[None]) -> None:
    result = FunctionRegistry([add, echo]).call("subtract", {}, ctx)
    assert result == ToolResult(
        "Unknown tool 'subtract'. Available tools: add, echo.", is_error=True
    )


def test_unknown_tool_in_empty_registry(ctx: RunContext[None]) -> None:
    result = FunctionRegistry().call("x", {}, ctx)
    assert result == ToolResult("Unknown tool 'x'. No tools are available.", is_error=True)


def test_server_tools_pass_through(ctx: RunContext[None]) -> None:
    registry = FunctionRegistry([add, WEB_SEARCH])
    assert registry.definitions() == [add.definition, WEB_SEARCH]
    result = registry.call("web_search", {"query": "x"}, ctx)
    assert result.is_error
    assert result.content == (
        "Unknown tool 'web_search'. It is a server tool, run by the API, not here. "
        "Available tools: add."
    )


def test_definition_dict_without_type_needs_a_handler() -> None:
    with pytest.raises(ToolDefinitionError, match=r"Tool.from_definition"):
        FunctionRegistry([{"name": "x", "description": "", "input_schema": SCHEMA}])


def test_registry_rejects_things_that_are_not_tools() -> None:
    with pytest.raises(ToolDefinitionError, match="neither a tool"):
        FunctionRegistry([42])  # type: ignore[list-item]


# --- Tool.from_definition -----------------------------------------------------


def test_from_definition_calls_the_handler_with_the_input(ctx: RunContext[None]) -> None:
    lookup = Tool.from_definition(
        {"name": "lookup", "description": "Look up.", "input_schema": SCHEMA},
        lambda data: f"found {data['q']}",
    )
    assert lookup.definition == {
        "name": "lookup",
        "description": "Look up.",
        "input_schema": SCHEMA,
    }
    assert lookup.call({"q": "x"}, ctx) == ToolResult("found x")


@pytest.mark.anyio
async def test_from_definition_passes_the_context_to_a_ctx_parameter(ctx: RunContext[None]) -> None:
    async def handler(data: dict[str, Any], ctx: RunContext[None]) -> str:
        return f"{data['q']} {ctx.tool_use_id}"

    lookup = Tool.from_definition({"name": "lookup", "input_schema": SCHEMA}, handler)
    assert lookup.is_async
    assert lookup.definition["description"] == ""
    assert await lookup.acall({"q": "x"}, ctx) == ToolResult("x toolu_01")


def test_from_definition_passes_the_context_to_a_run_context_parameter(
    ctx: RunContext[None],
) -> None:
    def handler(data: dict[str, Any], *, run: RunContext[None]) -> str:
        return run.run_id

    lookup = Tool.from_definition({"name": "lookup", "input_schema": SCHEMA}, handler)
    assert lookup.call({"q": "x"}, ctx) == ToolResult("run_1")


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ("nope", "must be a dict"),
        ({"name": "bad name", "input_schema": SCHEMA}, "invalid tool name 'bad name'"),
        ({"name": "x"}, 'input_schema must be a JSON Schema object with "type": "object"'),
        ({"name": "x", "input_schema": {"type": "array"}}, '"type": "object"'),
        ({"name": "x", "input_schema": SCHEMA, "description": 3}, "description must be a string"),
        (
            {"name": "x", "input_schema": {"type": "object", "properties": {"a": {"type": 5}}}},
            "input_schema is not a valid JSON Schema",
        ),
    ],
)
def test_from_definition_rejects_bad_definitions(definition: Any, message: str) -> None:
    with pytest.raises(ToolDefinitionError, match=message):
        Tool.from_definition(definition, lambda data: None)


def test_from_definition_needs_a_callable_handler() -> None:
    with pytest.raises(ToolDefinitionError, match="not callable"):
        Tool.from_definition({"name": "x", "input_schema": SCHEMA}, "handler")  # type: ignore[arg-type]


# --- custom registries through the adapters -------------------------------------


def test_custom_registries_satisfy_the_protocol() -> None:
    assert isinstance(SyncRegistry(), ToolRegistry)
    assert isinstance(AsyncRegistry(), ToolRegistry)
    assert isinstance(FunctionRegistry(), ToolRegistry)
    assert not isinstance(add, ToolRegistry)


def test_sync_adapters_with_a_sync_registry(ctx: RunContext[None]) -> None:
    registry = SyncRegistry()
    assert names(list_definitions(registry)) == ["lookup"]
    assert call_tool(registry, "lookup", {"q": "a"}, ctx) == ToolResult("lookup:a")


def test_sync_adapters_with_an_async_registry(ctx: RunContext[None]) -> None:
    registry = AsyncRegistry()
    assert names(list_definitions(registry)) == ["remote"]
    assert call_tool(registry, "remote", {"q": "a"}, ctx) == ToolResult("remote:a:toolu_01")


@pytest.mark.anyio
async def test_async_adapters_with_a_sync_registry_use_a_worker_thread(
    ctx: RunContext[None],
) -> None:
    registry = SyncRegistry()
    assert names(await alist_definitions(registry)) == ["lookup"]
    assert await acall_tool(registry, "lookup", {"q": "a"}, ctx) == ToolResult("lookup:a")
    assert registry.threads != [threading.get_ident()]


@pytest.mark.anyio
async def test_async_adapters_with_an_async_registry(ctx: RunContext[None]) -> None:
    registry = AsyncRegistry()
    assert names(await alist_definitions(registry)) == ["remote"]
    assert await acall_tool(registry, "remote", {"q": "a"}, ctx) == ToolResult("remote:a:toolu_01")


@pytest.mark.anyio
async def test_adapters_turn_registry_exceptions_into_errors(ctx: RunContext[None]) -> None:
    registry = SyncRegistry()
    with capture_logs() as logs:
        assert call_tool(registry, "boom", {}, ctx) == ToolResult(
            "RuntimeError: registry exploded", is_error=True
        )
        assert await acall_tool(registry, "boom", {}, ctx) == ToolResult(
            "RuntimeError: registry exploded", is_error=True
        )
    assert [log["event"] for log in logs] == ["tool.error", "tool.error"]
    assert call_tool(registry, "refuse", {}, ctx) == ToolResult("not allowed", is_error=True)


def test_adapters_convert_plain_return_values(ctx: RunContext[None]) -> None:
    class Loose:
        def definitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
            return []

        def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> Any:
            return {"ok": True}

    assert call_tool(Loose(), "x", {}, ctx) == ToolResult('{"ok": true}')


def test_definitions_are_reread_every_time() -> None:
    registry = SyncRegistry(["a"])
    combined = CombinedRegistry(registry)
    assert names(list_definitions(combined)) == ["a"]
    registry.names.append("b")
    assert names(list_definitions(combined)) == ["a", "b"]


# --- CombinedRegistry -------------------------------------------------------------


def test_combined_lists_and_routes_sync_and_async(ctx: RunContext[None]) -> None:
    combined = CombinedRegistry(FunctionRegistry([add]), SyncRegistry(), AsyncRegistry())
    assert names(combined.definitions()) == ["add", "lookup", "remote"]
    assert combined.call("add", {"a": 1, "b": 1}, ctx) == ToolResult("2")
    assert combined.call("lookup", {"q": "x"}, ctx) == ToolResult("lookup:x")
    assert combined.call("remote", {"q": "x"}, ctx) == ToolResult("remote:x:toolu_01")


@pytest.mark.anyio
async def test_combined_acall_routes_sync_and_async(ctx: RunContext[None]) -> None:
    combined = CombinedRegistry(FunctionRegistry([add]), SyncRegistry(), AsyncRegistry())
    assert names(await alist_definitions(combined)) == ["add", "lookup", "remote"]
    assert await acall_tool(combined, "add", {"a": 1, "b": 1}, ctx) == ToolResult("2")
    assert await acall_tool(combined, "lookup", {"q": "x"}, ctx) == ToolResult("lookup:x")
    assert await acall_tool(combined, "remote", {"q": "x"}, ctx) == ToolResult("remote:x:toolu_01")


def test_combined_name_clash_names_both_sources_and_suggests_a_prefix() -> None:
    combined = CombinedRegistry(FunctionRegistry([add]), SyncRegistry(["add"]))
    with pytest.raises(ToolDefinitionError) as info:
        combined.definitions()
    message = str(info.value)
    assert "'add' is defined by both FunctionRegistry([add]) and" in message
    assert "SyncRegistry" in message
    assert "PrefixedRegistry" in message


def test_combined_unknown_tool(ctx: RunContext[None]) -> None:
    combined = CombinedRegistry(FunctionRegistry([add, WEB_SEARCH]), AsyncRegistry())
    assert combined.call("nope", {}, ctx) == ToolResult(
        "Unknown tool 'nope'. Available tools: add, remote.", is_error=True
    )


def test_combined_rejects_non_registries() -> None:
    with pytest.raises(ToolDefinitionError, match="not a ToolRegistry"):
        CombinedRegistry(add)  # type: ignore[arg-type]


# --- PrefixedRegistry ---------------------------------------------------------------


def test_prefixed_renames_and_strips(ctx: RunContext[None]) -> None:
    prefixed = PrefixedRegistry(FunctionRegistry([add, WEB_SEARCH]), "math")
    assert names(prefixed.definitions()) == ["math_add", "web_search"]
    assert prefixed.call("math_add", {"a": 2, "b": 3}, ctx) == ToolResult("5")
    assert prefixed.call("add", {"a": 2, "b": 3}, ctx) == ToolResult(
        "Unknown tool 'add'. Available tools: math_add.", is_error=True
    )


@pytest.mark.anyio
async def test_prefixed_async_registry(ctx: RunContext[None]) -> None:
    prefixed = PrefixedRegistry(AsyncRegistry(), "net")
    assert names(await alist_definitions(prefixed)) == ["net_remote"]
    assert await acall_tool(prefixed, "net_remote", {"q": "x"}, ctx) == ToolResult(
        "remote:x:toolu_01"
    )
    # from sync code inside this loop, the async registry runs on the portal loop
    inside_loop = call_tool(prefixed, "net_remote", {"q": "y"}, ctx)
    assert inside_loop == ToolResult("remote:y:toolu_01")


def test_prefixed_async_registry_from_sync_code(ctx: RunContext[None]) -> None:
    prefixed = PrefixedRegistry(AsyncRegistry(), "net")
    assert call_tool(prefixed, "net_remote", {"q": "y"}, ctx) == ToolResult("remote:y:toolu_01")


def test_prefixed_resolves_a_combined_clash() -> None:
    combined = CombinedRegistry(
        FunctionRegistry([add]), PrefixedRegistry(SyncRegistry(["add"]), "x")
    )
    assert names(combined.definitions()) == ["add", "x_add"]


def test_a_prefixed_name_too_long_is_shortened_stably_and_routed_back(
    ctx: RunContext[None],
) -> None:
    inner = SyncRegistry(["t" * 60])
    prefixed = PrefixedRegistry(inner, "long")
    [shown] = names(prefixed.definitions())
    assert len(shown) == 64 and shown.startswith("long_tttt") and shown != "long_" + "t" * 59
    assert names(PrefixedRegistry(SyncRegistry(["t" * 60]), "long").definitions()) == [shown]
    assert prefixed.call(shown, {"q": "x"}, ctx) == ToolResult("t" * 60 + ":x")


@pytest.mark.parametrize("prefix", ["", "has space", "a.b"])
def test_invalid_prefix(prefix: str) -> None:
    with pytest.raises(ToolDefinitionError, match="invalid tool name prefix"):
        PrefixedRegistry(SyncRegistry(), prefix)


# --- FilteredRegistry ---------------------------------------------------------------


def test_filtered_hides_tools(ctx: RunContext[None]) -> None:
    filtered = FilteredRegistry(FunctionRegistry([add, echo]), lambda d: d["name"] != "add")
    assert names(filtered.definitions()) == ["echo"]
    assert filtered.call("add", {"a": 1, "b": 2}, ctx) == ToolResult(
        "Unknown tool 'add'. Available tools: echo.", is_error=True
    )
    assert filtered.call("echo", {"text": "x"}, ctx) == ToolResult("x")


@pytest.mark.anyio
async def test_filtered_async(ctx: RunContext[None]) -> None:
    filtered = FilteredRegistry(AsyncRegistry(), lambda d: True)
    assert await acall_tool(filtered, "remote", {"q": "x"}, ctx) == ToolResult("remote:x:toolu_01")
    hidden = FilteredRegistry(AsyncRegistry(), lambda d: False)
    result = await acall_tool(hidden, "remote", {"q": "x"}, ctx)
    assert result == ToolResult("Unknown tool 'remote'. No tools are available.", is_error=True)


# --- as_registry ----------------------------------------------------------------------


def test_as_registry_returns_a_validating_registry_unchanged() -> None:
    registry = FunctionRegistry([add])
    assert as_registry(registry) is registry
    assert as_registry([registry]) is registry


def test_as_registry_wraps_custom_registries_to_validate_their_input(ctx: RunContext[None]) -> None:
    custom = SyncRegistry()
    registry = as_registry(custom)
    assert isinstance(registry, ValidatedRegistry)
    assert list_definitions(registry) == custom.definitions(RunContext(deps=None))
    bad = call_tool(registry, "lookup", {"q": 5}, ctx)
    assert bad.is_error
    assert bad.content == "Invalid input for tool lookup:\n- q: 5 is not of type 'string'"
    assert custom.threads == []  # the registry never saw the bad input
    assert call_tool(registry, "lookup", {"q": "x"}, ctx) == ToolResult("lookup:x")


@pytest.mark.anyio
async def test_async_custom_registries_are_validated_too(ctx: RunContext[None]) -> None:
    registry = as_registry([AsyncRegistry(), FunctionRegistry([add])])
    await alist_definitions(registry)
    bad = await acall_tool(registry, "remote", {}, ctx)
    assert bad.is_error and "q: required property is missing" in str(bad.content)
    assert (await acall_tool(registry, "add", {"a": 1, "b": 2}, ctx)).content == "3"


def test_a_custom_registry_with_a_broken_schema_fails_when_listed() -> None:
    class Broken(SyncRegistry):
        def definitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
            return [{"name": "x", "input_schema": {"type": "object", "properties": 5}}]

    with pytest.raises(ToolDefinitionError, match="tool 'x'"):
        list_definitions(as_registry(Broken()))


def test_as_registry_from_a_list_of_tools() -> None:
    registry = as_registry([add, echo, WEB_SEARCH])
    assert isinstance(registry, FunctionRegistry)
    assert names(list_definitions(registry)) == ["add", "echo", "web_search"]


def test_as_registry_from_a_mixed_list(ctx: RunContext[None]) -> None:
    registry = as_registry([add, AsyncRegistry()])
    assert isinstance(registry, CombinedRegistry)
    assert names(list_definitions(registry)) == ["add", "remote"]
    assert call_tool(registry, "remote", {"q": "z"}, ctx) == ToolResult("remote:z:toolu_01")


def test_as_registry_rejects_other_things() -> None:
    with pytest.raises(ToolDefinitionError, match="not str"):
        as_registry("add")  # type: ignore[arg-type]
