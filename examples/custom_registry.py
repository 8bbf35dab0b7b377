"""A custom tool registry: tool definitions read from a JSON Schema file, with handlers.

    python examples/custom_registry.py

Tools need not be decorated Python functions. Anything with ``definitions(ctx)``
and ``call(name, input, ctx)`` is a :class:`~agentloop.ToolRegistry`: tools
loaded from a file, served by another process, found in a plugin folder.
Here each definition in ``notes_tools.json`` is paired with a handler through
``Tool.from_definition``, which validates the model's input against the
file's ``input_schema`` before the handler runs; the scripted model's first
call breaks the schema, gets the field errors back, and corrects itself.
Runs offline against a scripted fake model; set ANTHROPIC_API_KEY to ask Claude.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from _offline import MODEL, client

from agentloop import Agent, RunContext, Tool, ToolResult
from agentloop.testing import reply, tool_use

Handler = Callable[[dict[str, Any]], Any]


class JsonSchemaRegistry:
    """Tools whose definitions live in a JSON file and whose code lives in handlers."""

    def __init__(self, path: Path, handlers: Mapping[str, Handler]) -> None:
        definitions = json.loads(path.read_text())["tools"]
        missing = {d["name"] for d in definitions} - set(handlers)
        if missing:
            raise ValueError(f"no handler for {sorted(missing)} in {path}")
        self._tools = {d["name"]: Tool.from_definition(d, handlers[d["name"]]) for d in definitions}

    def definitions(self, ctx: RunContext[Any] | None = None) -> list[dict[str, Any]]:
        """Read before every model request (``ctx`` is the run's context: its deps, run_id,
        model and messages), so a registry may change its tools between turns and runs."""
        return [t.definition for t in self._tools.values()]

    def call(self, name: str, input: dict[str, Any], ctx: RunContext[Any]) -> ToolResult:
        tool = self._tools.get(name)
        if tool is None:
            return ToolResult(
                f"Unknown tool {name!r}; use one of {list(self._tools)}", is_error=True
            )
        return tool.call(input, ctx)  # validates input against the schema, never raises


NOTES: dict[str, dict[str, Any]] = {}


def add_note(input: dict[str, Any]) -> str:
    NOTES[input["title"]] = {"body": input["body"], "tags": input.get("tags", [])}
    return f"Saved note {input['title']!r}; {len(NOTES)} note(s) saved."


def search_notes(input: dict[str, Any]) -> list[str] | str:
    word = input["word"].lower()
    hits = [
        title
        for title, note in NOTES.items()
        if word in f"{title} {note['body']} {' '.join(note['tags'])}".lower()
    ]
    return hits[: input.get("limit", 5)] or f"No note mentions {input['word']!r}."


SCRIPT = [
    reply(tool_use("add_note", {"title": "", "body": "Buy oat milk and coffee beans."})),
    reply(
        "The title cannot be empty; let me fix that.",
        tool_use(
            "add_note",
            {"title": "Groceries", "body": "Buy oat milk and coffee beans.", "tags": ["shopping"]},
        ),
    ),
    reply(tool_use("search_notes", {"word": "coffee"})),
    reply("Saved your note as 'Groceries'; it is the one note that mentions coffee."),
]


def main() -> None:
    registry = JsonSchemaRegistry(
        Path(__file__).with_name("notes_tools.json"),
        {"add_note": add_note, "search_notes": search_notes},
    )
    print("tools from the file:", [d["name"] for d in registry.definitions()])
    agent = Agent(model=MODEL, tools=registry, client=client(SCRIPT))
    result = agent.run(
        "Note down: buy oat milk and coffee beans. Then check which notes mention coffee."
    )
    for message in result.messages:
        if message["role"] == "user" and isinstance(message["content"], list):
            for block in message["content"]:
                if block.get("type") == "tool_result":
                    flag = "error " if block.get("is_error") else "result"
                    print(f"[{flag}] {block.get('content')}")
    print()
    print(result.text)


if __name__ == "__main__":
    main()
