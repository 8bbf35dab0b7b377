"""ToolPolicy: declared on @tool and Tool.from_definition, reported by registries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from agentloop import ConfigurationError, ToolPolicy
from agentloop._context import RunContext
from agentloop._tools import (
    CombinedRegistry,
    FilteredRegistry,
    FunctionRegistry,
    PrefixedRegistry,
    Tool,
    ToolResult,
    ValidatedRegistry,
    as_registry,
    tool,
    tool_policies,
)

SCHEMA = {"type": "object", "properties": {"q": {"type": "string"}}}
WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search"}


@tool(timeout=2.5, max_retries=3)
def slow(q: str) -> str:
    """Look something up slowly."""
    return q


@tool(sequential=True)
def write(q: str) -> str:
    """Write something."""
    return q


@tool
def plain(q: str) -> str:
    """Nothing special."""
    return q


class Declaring:
    """A custom registry declaring policies through the optional method."""

    def __init__(self, policies: object) -> None:
        self._policies = policies

    def definitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
        return [{"name": n, "description": "d", "input_schema": SCHEMA} for n in ("a", "b")]

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        return ToolResult(name)

    def policies(self) -> Any:
        return self._policies


class Silent:
    """A custom registry without a policies() method."""

    def definitions(self, ctx: RunContext[Any]) -> list[dict[str, Any]]:
        return [{"name": "quiet", "description": "d", "input_schema": SCHEMA}]

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        return ToolResult(name)


# --- ToolPolicy -----------------------------------------------------------------


def test_default_policy_sets_nothing() -> None:
    assert ToolPolicy() == ToolPolicy(timeout=None, max_retries=None, sequential=False)


def test_policy_accepts_good_values() -> None:
    policy = ToolPolicy(timeout=1, max_retries=0, sequential=True)
    assert (policy.timeout, policy.max_retries, policy.sequential) == (1, 0, True)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"timeout": 0}, "timeout=0 must be a finite number of seconds above 0"),
        ({"timeout": -1.5}, "timeout=-1.5 must be a finite number of seconds above 0"),
        ({"timeout": float("nan")}, "timeout=nan must be a finite number"),
        ({"timeout": float("inf")}, "or None for no timeout"),
        ({"timeout": True}, "timeout=True must be a number of seconds"),
        ({"timeout": "30"}, "timeout='30' must be a number of seconds"),
        ({"max_retries": -1}, "max_retries=-1 must be 0 or more"),
        ({"max_retries": 2.0}, "max_retries=2.0 must be a whole number"),
        ({"max_retries": False}, "max_retries=False must be a whole number"),
        ({"sequential": 1}, "sequential=1 must be True or False"),
        ({"sequential": None}, "sequential=None must be True or False"),
    ],
)
def test_policy_refuses_bad_values(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        ToolPolicy(**kwargs)
    assert words in str(info.value)


def test_policy_is_frozen() -> None:
    with pytest.raises(AttributeError):
        ToolPolicy().timeout = 3  # type: ignore[misc]


# --- @tool and Tool -----------------------------------------------------------------


def test_decorator_sets_the_policy() -> None:
    assert slow.policy == ToolPolicy(timeout=2.5, max_retries=3)
    assert write.policy == ToolPolicy(sequential=True)
    assert plain.policy == ToolPolicy()


def test_policy_is_not_part_of_the_definition() -> None:
    assert set(slow.definition) == {"name", "description", "input_schema"}


def test_decorator_refuses_a_bad_policy_naming_the_function() -> None:
    def fetch(q: str) -> str:
        """Fetch."""
        return q

    with pytest.raises(ConfigurationError, match=r"tool function 'fetch': .*timeout=-1"):
        tool(timeout=-1)(fetch)
    with pytest.raises(ConfigurationError, match="max_retries=True must be a whole number"):
        tool(max_retries=True)(fetch)  # type: ignore[arg-type]


def test_bound_methods_keep_the_policy() -> None:
    class Service:
        @tool(timeout=5)
        def run(self, q: str) -> str:
            """Run."""
            return q

    assert Service().run.policy == ToolPolicy(timeout=5)


def test_from_definition_takes_a_policy() -> None:
    definition = {"name": "lookup", "description": "Look up.", "input_schema": SCHEMA}
    made = Tool.from_definition(definition, lambda input: "x", policy=ToolPolicy(timeout=1))
    assert made.policy == ToolPolicy(timeout=1)
    assert Tool.from_definition(definition, lambda input: "x").policy == ToolPolicy()


def test_from_definition_refuses_a_policy_that_is_not_a_tool_policy() -> None:
    definition = {"name": "lookup", "description": "Look up.", "input_schema": SCHEMA}
    with pytest.raises(ConfigurationError, match="must be a ToolPolicy"):
        Tool.from_definition(definition, lambda input: "x", policy={"timeout": 1})  # type: ignore[arg-type]


# --- registries ---------------------------------------------------------------------


def test_function_registry_reports_every_tool_policy() -> None:
    registry = FunctionRegistry([slow, write, plain, WEB_SEARCH])
    assert registry.policies() == {
        "slow": ToolPolicy(timeout=2.5, max_retries=3),
        "write": ToolPolicy(sequential=True),
        "plain": ToolPolicy(),
    }
    assert tool_policies(registry) == registry.policies()


def test_function_registry_uses_the_given_tool_name() -> None:
    renamed = tool(name="fast_lookup", timeout=1)(plain.__wrapped__)
    assert FunctionRegistry([renamed]).policies() == {"fast_lookup": ToolPolicy(timeout=1)}


def test_prefixed_registry_reports_prefixed_names() -> None:
    registry = PrefixedRegistry(FunctionRegistry([slow, WEB_SEARCH]), prefix="db")
    assert registry.policies() == {"db_slow": ToolPolicy(timeout=2.5, max_retries=3)}
    assert set(tool_policies(registry)) <= {d["name"] for d in registry.definitions()}


def test_filtered_registry_reports_every_policy_whatever_was_listed() -> None:
    """Stateless: no listing changes the answer (a hidden tool cannot be called anyway)."""
    registry = FilteredRegistry(FunctionRegistry([slow, write]), lambda d: d["name"] != "write")
    before = registry.policies()
    assert [d["name"] for d in registry.definitions()] == ["slow"]
    assert (
        registry.policies()
        == before
        == {
            "slow": ToolPolicy(timeout=2.5, max_retries=3),
            "write": ToolPolicy(sequential=True),
        }
    )


def test_combined_registry_merges_policies_and_ignores_silent_registries() -> None:
    registry = CombinedRegistry(
        FunctionRegistry([slow]), Silent(), Declaring({"b": ToolPolicy(sequential=True)})
    )
    assert registry.policies() == {
        "slow": ToolPolicy(timeout=2.5, max_retries=3),
        "b": ToolPolicy(sequential=True),
    }


def test_validated_registry_forwards_policies() -> None:
    inner = Declaring({"a": ToolPolicy(timeout=3)})
    assert ValidatedRegistry(inner).policies() == {"a": ToolPolicy(timeout=3)}


def test_nested_wrappers_rename_and_filter() -> None:
    functions = FilteredRegistry(FunctionRegistry([slow, write]), lambda d: d["name"] == "write")
    registry = CombinedRegistry(
        PrefixedRegistry(functions, prefix="fs"),
        PrefixedRegistry(Declaring({"a": ToolPolicy(max_retries=1)}), prefix="ext"),
    )
    assert [d["name"] for d in registry.definitions()] == ["fs_write", "ext_a", "ext_b"]
    assert registry.policies() == {
        "fs_slow": ToolPolicy(timeout=2.5, max_retries=3),
        "fs_write": ToolPolicy(sequential=True),
        "ext_a": ToolPolicy(max_retries=1),
    }


def test_as_registry_keeps_the_policies() -> None:
    registry = as_registry([slow, Declaring({"a": ToolPolicy(timeout=9)})])
    assert tool_policies(registry) == {
        "slow": ToolPolicy(timeout=2.5, max_retries=3),
        "a": ToolPolicy(timeout=9),
    }


def test_tool_policies_is_empty_for_a_registry_without_the_method() -> None:
    assert tool_policies(Silent()) == {}
    assert tool_policies(ValidatedRegistry(Silent())) == {}


@pytest.mark.parametrize(
    "returned",
    [None, [("a", ToolPolicy())], {"a": {"timeout": 1}}, {1: ToolPolicy()}],
)
def test_tool_policies_refuses_a_malformed_answer(returned: object) -> None:
    with pytest.raises(ConfigurationError, match="must return a mapping of tool names"):
        tool_policies(Declaring(returned))


def test_tool_policies_refuses_an_async_policies_method() -> None:
    class AsyncDeclaring(Silent):
        async def policies(self) -> Mapping[str, ToolPolicy]:
            return {}

    with pytest.raises(ConfigurationError, match="make it a plain"):
        tool_policies(AsyncDeclaring())
