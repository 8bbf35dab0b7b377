"""The part of an output schema the API's structured outputs accept.

Native structured outputs (``output_config.format``) take a subset of JSON
Schema: types, ``enum``/``const``, ``properties``/``required`` with
``additionalProperties: false`` on every object, ``items``, ``minItems`` of 0
or 1, ``anyOf``/``allOf``, local ``$ref``/``$defs``, ``description``,
``default`` and a few string ``format`` values. Numeric bounds, string
lengths, patterns and other array bounds are not accepted. :func:`native_schema`
keeps what is accepted and drops the rest, which agentloop enforces itself by
validating the output against the full schema. :func:`native_problems` names
what cannot be sent at all (open objects, recursive types).
"""

from __future__ import annotations

from typing import Any

from .._tools._schema_cleanup import map_subschemas

__all__ = ["native_problems", "native_schema"]

_KEPT = frozenset(
    {
        "type", "description", "enum", "const", "default", "properties", "required",
        "additionalProperties", "items", "minItems", "anyOf", "allOf", "$ref", "$defs",
        "format",
    }
)  # fmt: skip
FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)


def native_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with only the keywords native structured outputs accept."""
    out: dict[str, Any] = _kept(schema)
    return out


def _kept(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if "oneOf" in node and "anyOf" not in node:  # a tagged union: anyOf says enough
        node = {("anyOf" if k == "oneOf" else k): v for k, v in node.items()}
    kept = {k: v for k, v in node.items() if k in _KEPT and _accepted(k, v)}
    if kept.get("type") == "object" and "properties" in kept:
        kept["additionalProperties"] = False
    return map_subschemas(kept, _kept)


def _accepted(keyword: str, value: Any) -> bool:
    if keyword == "minItems":
        return value in (0, 1)
    if keyword == "format":
        return value in FORMATS
    return True


def native_problems(schema: dict[str, Any]) -> list[str]:
    """What in ``schema`` native structured outputs cannot express (empty if nothing)."""
    problems: list[str] = []
    if "$defs" in schema:
        names = ", ".join(sorted(schema["$defs"]))
        problems.append(f"recursive types ({names}) are not accepted")
    _open_objects(schema, "(output)", problems)
    return problems


def _open_objects(node: Any, where: str, problems: list[str]) -> None:
    if not isinstance(node, dict):
        return
    extra = node.get("additionalProperties")
    if node.get("type") == "object" and (extra not in (None, False) or "properties" not in node):
        problems.append(f"{where}: an object with free-form keys (a dict) is not accepted")
    for key, value in node.get("properties", {}).items():
        _open_objects(value, f"{where}.{key}" if where != "(output)" else key, problems)
    for keyword in ("items", "anyOf", "allOf", "oneOf"):
        sub = node.get(keyword)
        for item in sub if isinstance(sub, list) else [sub]:
            _open_objects(item, where, problems)
