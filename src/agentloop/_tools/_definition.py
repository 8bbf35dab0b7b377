"""Checks on what goes into a tool definition: its name and a hand-written definition."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agentloop._exceptions import ToolDefinitionError

__all__ = ["NAME_PATTERN", "check_definition", "check_name"]

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_RULE = "tool names must match ^[a-zA-Z0-9_-]{1,64}$ (1 to 64 letters, digits, '_' or '-')"


def check_name(name: object, *, where: str) -> str:
    """Return ``name`` if the API accepts it as a tool name; else raise ToolDefinitionError."""
    if not isinstance(name, str):
        raise ToolDefinitionError(f"{where}: the tool name must be a string, not {name!r}")
    if NAME_PATTERN.fullmatch(name):
        return name
    if not name:
        problem = "is empty"
    elif len(name) > 64:
        problem = f"is {len(name)} characters long"
    else:
        bad = sorted({c for c in name if not re.fullmatch(r"[a-zA-Z0-9_-]", c)})
        problem = f"contains {', '.join(repr(c) for c in bad)}"
    raise ToolDefinitionError(
        f"{where}: invalid tool name {name!r}: it {problem}; {_RULE}. "
        "Pass a valid name, e.g. @tool(name='get_weather')"
    )


def check_definition(definition: object) -> dict[str, Any]:
    """Validate a hand-written client tool definition and return a copy of it.

    It needs a valid ``name``, an optional string ``description``, and an
    ``input_schema`` that is a JSON Schema object with ``"type": "object"``
    (the schema itself is checked when its validator is built).
    """
    if not isinstance(definition, Mapping):
        raise ToolDefinitionError(
            f"a tool definition must be a dict with name, description and input_schema, "
            f"not {type(definition).__name__}"
        )
    name = check_name(definition.get("name"), where="tool definition")
    where = f"tool definition {name!r}"
    description = definition.get("description", "")
    if not isinstance(description, str):
        raise ToolDefinitionError(f"{where}: description must be a string")
    schema = definition.get("input_schema")
    if not isinstance(schema, Mapping) or schema.get("type") != "object":
        raise ToolDefinitionError(
            f'{where}: input_schema must be a JSON Schema object with "type": "object", '
            f"got {schema!r}"
        )
    return {**definition, "description": description, "input_schema": dict(schema)}
