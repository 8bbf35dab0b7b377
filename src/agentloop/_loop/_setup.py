"""The checks ``Agent(...)`` makes on what is not part of its config: clients and tools."""

from __future__ import annotations

from collections.abc import Sequence

from .._async_client import AsyncClient
from .._client import Client
from .._exceptions import ConfigurationError
from .._tools import ToolRegistry
from .._tools._function_registry import FunctionRegistry
from ._config import AgentConfig
from ._rules import raise_problems, tool_choice_problems

__all__ = ["check_tool_choice", "split_clients"]


def split_clients(client: object, async_client: object) -> tuple[Client | None, AsyncClient | None]:
    """The sync and async clients given to an agent, checked."""
    if client is not None and not isinstance(client, (Client, AsyncClient)):
        raise _not_a_client("client", client, "Client(api_key=...) or AsyncClient(...)")
    if async_client is not None and not isinstance(async_client, AsyncClient):
        raise _not_a_client("async_client", async_client, "AsyncClient(api_key=...)")
    if isinstance(client, AsyncClient):
        return None, async_client or client
    return client, async_client


def _not_a_client(name: str, value: object, use: str) -> Exception:
    hint = " (an API key goes in Client(api_key=...))" if isinstance(value, str) else ""
    return ConfigurationError(
        f"{name} must be an agentloop client, not {type(value).__name__}{hint}: pass {use}"
    )


def check_tool_choice(config: AgentConfig, tools: object, registry: ToolRegistry) -> None:
    """Raise if a forced ``tool_choice`` names no tool of a fixed list of tools.

    Registries may change their tools between turns, so only a plain list of
    tools (no registry in it) is checked here.
    """
    if not config.check_rules or not config.forces_tool or isinstance(tools, ToolRegistry):
        return
    if not isinstance(tools, Sequence) or any(isinstance(t, ToolRegistry) for t in tools):
        return
    if not isinstance(registry, FunctionRegistry) or "mcp_servers" in config.settings:
        return
    names = {d["name"] for d in registry.definitions() if isinstance(d.get("name"), str)}
    raise_problems(tool_choice_problems(config.tool_choice, names))
