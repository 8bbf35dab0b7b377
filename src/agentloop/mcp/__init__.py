"""MCP servers as agentloop tool registries (``pip install agentloop[mcp]``).

::

    from agentloop import Agent
    from agentloop.mcp import MCPRegistry

    files = MCPRegistry.stdio("uvx", "mcp-server-filesystem", "/tmp", prefix="fs")
    agent = Agent(model="claude-sonnet-4-6", tools=[files])
    async with agent:                      # connects, in this task
        result = await agent.arun("What is in /tmp?")

* :class:`MCPRegistry`: one server, over stdio (:meth:`MCPRegistry.stdio`) or
  streamable HTTP (:meth:`MCPRegistry.http`).
* :func:`load_mcp_config`: the registries of an ``mcpServers`` JSON file.
* :class:`MCPConnectionError`: a server that cannot be started or reached.

``import agentloop`` never imports this module (nor the mcp package, which
is slow to import); it is imported when you import it.
"""

from __future__ import annotations

try:
    import mcp as _mcp  # noqa: F401  (fail here, with the fix, if the extra is missing)
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError("agentloop.mcp needs the mcp package: pip install 'agentloop[mcp]'") from exc

from ._config import load_mcp_config
from ._connection import MCP_LIST_CHANGED, MCP_SERVER_GONE
from ._errors import MCPConnectionError
from ._registry import MCPRegistry

__all__ = [
    "MCP_LIST_CHANGED",
    "MCP_SERVER_GONE",
    "MCPConnectionError",
    "MCPRegistry",
    "load_mcp_config",
]
