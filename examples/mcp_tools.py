"""Tools from an MCP server: the model calls them like any other tool.

    pip install 'agentloop[mcp]'
    python examples/mcp_tools.py

``MCPRegistry.stdio`` starts a server and speaks MCP over its stdin and
stdout (``MCPRegistry.http`` reaches one over streamable HTTP). The server
here is the small one of the test suite (``tests/mcp/mcp_server.py``, written
with the mcp package's own server API). ``with agent:`` connects before the
run and disconnects after; the model calls two of the server's tools at once,
and one of them fails: its error goes back to the model as an ``is_error``
result and the run goes on. Runs offline against a scripted fake model; set
ANTHROPIC_API_KEY to ask Claude.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from _offline import MODEL, client

from agentloop import Agent
from agentloop.mcp import MCPRegistry
from agentloop.testing import reply, tool_use

SERVER = Path(__file__).resolve().parents[1] / "tests" / "mcp" / "mcp_server.py"

SCRIPT = [
    reply(
        "Let me add those up and read the file at the same time.",
        tool_use("demo_stats", {"numbers": [12.5, 30, 7.25]}),
        tool_use("demo_files_read", {"path": "budget.txt"}),
        tool_use("demo_fail", {"reason": "the printer is offline"}),
    ),
    reply("The three expenses add up to 49.75; budget.txt was read, but printing failed."),
]


def main() -> None:
    # stderr: the server's own log lines go to a file of your choice (None: inherit ours)
    server = MCPRegistry.stdio(sys.executable, str(SERVER), prefix="demo", stderr=os.devnull)
    agent = Agent(model=MODEL, tools=[server], client=client(SCRIPT))
    with agent:  # connects to the server; leaving the block disconnects
        print("tools from the server:", [d["name"] for d in server.definitions()][:4], "...")
        result = agent.run("Add 12.5, 30 and 7.25, read budget.txt, and print the total.")
    for message in result.messages:
        if message["role"] == "user" and isinstance(message["content"], list):
            for block in message["content"]:
                flag = "error " if block.get("is_error") else "result"
                print(f"[{flag}] {block.get('content')}")
    print(result.text)


if __name__ == "__main__":
    main()
