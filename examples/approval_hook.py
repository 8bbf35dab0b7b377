"""Ask a person before a risky tool runs: a ``before_tool`` hook that may return ``Deny``.

    python examples/approval_hook.py

The hook sees every call before it runs. Safe tools pass; for a risky one it
asks on the terminal, and a "no" becomes ``Deny(...)``: the tool does not run,
and the model gets the denial as an error result it can react to.
When stdin is not a terminal (CI, a pipe) nobody can answer, so the hook
answers "no" itself and says so. Runs offline against a scripted fake model;
set ANTHROPIC_API_KEY to ask Claude (real files are never touched: the tools
work on an in-memory folder).
"""

from __future__ import annotations

import sys
import threading

from _offline import MODEL, client

from agentloop import Agent, Deny, RunContext, ToolUseBlock, tool
from agentloop.testing import reply, tool_use

FILES = {"notes.txt": "buy milk", "report.pdf": "%PDF-1.7 ...", "old.log": "x" * 4096}
RISKY = {"delete_file"}
ASKING = threading.Lock()  # parallel calls run their hooks at once: ask one question at a time


@tool
def list_files() -> dict[str, int]:
    """List the files in the working folder, with their sizes in bytes."""
    return {name: len(data) for name, data in FILES.items()}


@tool
def delete_file(name: str) -> str:
    """Delete a file from the working folder. This cannot be undone.

    Args:
        name: The file name, as list_files shows it.
    """
    del FILES[name]
    return f"deleted {name}"


def ask(question: str) -> bool:
    """Ask on the terminal; with no terminal to ask on, answer no (and say so)."""
    if sys.stdin is not None and sys.stdin.isatty():
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    print(f"{question} [y/N] n   [auto-answer: stdin is not a terminal]")
    return False


def approve(call: ToolUseBlock, ctx: RunContext[None]) -> Deny | None:
    """Let safe tools run; ask before a risky one."""
    if call.name not in RISKY:
        return None
    with ASKING:
        allowed = ask(f"The agent wants to run {call.name}({call.input}). Allow?")
    if allowed:
        return None
    return Deny(f"The user did not allow {call.name} with {call.input}. Do not retry it.")


SCRIPT = [
    reply("Let me see what is there.", tool_use("list_files")),
    reply(
        "old.log and report.pdf look like the biggest; deleting them.",
        tool_use("delete_file", {"name": "old.log"}),
        tool_use("delete_file", {"name": "report.pdf"}),
    ),
    reply("Done. I deleted only the files you allowed; the others are still there."),
]


def main() -> None:
    agent = Agent(
        model=MODEL, tools=[list_files, delete_file], before_tool=approve, client=client(SCRIPT)
    )
    result = agent.run("Free up some space in my working folder: delete the big files.")
    print()
    print(result.text)
    print(f"files left: {sorted(FILES)}")


if __name__ == "__main__":
    main()
