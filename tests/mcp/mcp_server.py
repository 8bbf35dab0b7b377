"""A small MCP server for the tests and the example, written with the mcp package's own API.

    python tests/mcp/mcp_server.py              # over stdio
    python tests/mcp/mcp_server.py http PORT    # streamable HTTP on 127.0.0.1:PORT

Tools: a text tool (echo), a structured one (stats), an image (pixel), one
that fails on purpose (fail, a ToolError) and one that crashes (crash), a
meeting point that answers only when two calls are inside it at once (meet),
a slow one that records being cancelled (slow, cancelled), a dotted name
(files.read), a draft-07 schema (pair), and one that adds a tool and sends
``list_changed`` (grow).
"""

from __future__ import annotations

import sys
from typing import Any, TypedDict

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image

server = MCPServer("agentloop-test", log_level="WARNING")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
_state: dict[str, Any] = {"cancelled": 0, "sleeping": 0, "inside": 0, "both": None}


class Stats(TypedDict):
    count: int
    total: float


@server.tool(structured_output=False)
def echo(text: str) -> str:
    """Echo a text back."""
    return text


@server.tool()
def stats(numbers: list[float]) -> Stats:
    """Count and add numbers."""
    return {"count": len(numbers), "total": sum(numbers)}


@server.tool()
def pixel() -> Image:
    """A tiny PNG."""
    return Image(data=PNG, format="png")


@server.tool(structured_output=False)
def fail(reason: str) -> str:
    """Always fails, with the reason."""
    raise ToolError(f"cannot: {reason}")


@server.tool(structured_output=False)
def crash() -> str:
    """Always crashes (the client sees no detail)."""
    raise RuntimeError("a secret detail")


@server.tool(structured_output=False)
async def meet(who: str) -> str:
    """Wait (at most 10 s) until a second call is inside too."""
    _state["inside"] += 1
    if _state["both"] is None:
        _state["both"] = anyio.Event()
    if _state["inside"] >= 2:
        _state["both"].set()
    with anyio.move_on_after(10):
        await _state["both"].wait()
    met = _state["both"].is_set()
    _state["inside"] -= 1
    if _state["inside"] == 0:
        _state["both"] = None
    return f"{who} met the other call" if met else f"{who} was alone"


@server.tool(structured_output=False)
async def slow(seconds: float) -> str:
    """Sleep, then answer; a cancellation is counted."""
    _state["sleeping"] += 1
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        _state["cancelled"] += 1
        raise
    finally:
        _state["sleeping"] -= 1
    return f"slept {seconds}"


@server.tool(structured_output=False)
def counts() -> str:
    """Slow calls sleeping now, and cancelled so far."""
    return f"sleeping={_state['sleeping']} cancelled={_state['cancelled']}"


@server.tool(name="files.read", structured_output=False)
def read_file(path: str) -> str:
    """Read a (pretend) file."""
    return f"contents of {path}"


@server.tool(structured_output=False)
def pair(items: list[Any]) -> str:
    """Takes a [name, count] pair (a draft-07 tuple schema)."""
    return f"{items[0]} x{items[1]}"


server._tool_manager.get_tool("pair").parameters = {  # type: ignore[union-attr]
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"items": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}},
    "required": ["items"],
}


@server.tool(structured_output=False)
async def grow(name: str, ctx: Context) -> str:
    """Add a tool called ``name`` and tell the client the list changed."""

    def extra(x: int) -> str:
        """Added later."""
        return f"{name} {x}"

    if server._tool_manager.get_tool(name) is None:
        server.add_tool(extra, name=name, description="Added later.", structured_output=False)
    await ctx.notify_tools_changed()  # 2026-07-28: to subscriptions/listen streams
    await ctx.request_context.session.send_tool_list_changed()  # older sessions
    return f"added {name}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["http"]:
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
