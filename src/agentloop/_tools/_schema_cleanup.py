"""Make pydantic's JSON Schema read top-down for a model and a person.

* every non-recursive ``$ref`` is replaced by the schema it points to (keys
  beside the ``$ref``, like a field's ``description``, win over the target's);
* ``$defs`` keeps only recursive types, which cannot be inlined;
* pydantic's generated ``title`` keywords and OpenAPI ``discriminator``
  keywords are dropped (data such as defaults is never touched);
* an ``anyOf`` with an empty (accept-anything) branch is dropped, so
  ``Optional[Any]`` reads the same on every Python version;
* an object with ``properties`` (a model, dataclass or TypedDict) that says
  nothing of other keys is closed (``additionalProperties: false``), so a
  misspelt key is an error the model sees; a model with ``extra="allow"``
  already says ``additionalProperties: true``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["clean_schema"]

Schema = dict[str, Any]

# Keywords whose value is a map of names to subschemas, a list of subschemas, or one subschema.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SCHEMA_ONE = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
_DROPPED = frozenset({"title", "discriminator"})
_OPEN_KEYWORDS = frozenset({"additionalProperties", "patternProperties", "unevaluatedProperties"})
_KEY_ORDER = ("type", "description", "properties", "required", "additionalProperties")
_REF_PREFIX = "#/$defs/"


def map_subschemas(node: Schema, fn: Callable[[Any], Any]) -> Schema:
    """A copy of ``node`` with ``fn`` applied to each direct subschema."""
    out: Schema = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: fn(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [fn(sub) for sub in value]
        elif key in _SCHEMA_ONE:
            out[key] = fn(value)
        else:
            out[key] = value
    return out


def _strip(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    kept = {k: v for k, v in node.items() if not (k in _DROPPED and isinstance(v, (str, dict)))}
    out = map_subschemas(kept, _strip)
    if {} in out.get("anyOf", ()):  # Optional[Any] on some Pythons: anything goes
        del out["anyOf"]
    if "properties" in out and _OPEN_KEYWORDS.isdisjoint(out):
        out["additionalProperties"] = False
    return out


def _ordered(node: Any) -> Any:
    """``type`` and ``description`` first, then the rest in their order, at every level."""
    if not isinstance(node, dict):
        return node
    first = {k: node[k] for k in _KEY_ORDER if k in node}
    first.update((k, v) for k, v in node.items() if k not in first)
    return map_subschemas(first, _ordered)


def _refs(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            found.add(ref[len(_REF_PREFIX) :])
        map_subschemas(node, lambda sub: _refs(sub, found))
    return found


def _recursive(defs: dict[str, Any]) -> set[str]:
    """The names of ``defs`` that reach themselves through ``$ref``s."""
    edges = {name: _refs(schema, set()) for name, schema in defs.items()}

    def reaches_itself(start: str) -> bool:
        seen: set[str] = set()
        todo = list(edges.get(start, ()))
        while todo:
            name = todo.pop()
            if name == start:
                return True
            if name not in seen:
                seen.add(name)
                todo.extend(edges.get(name, ()))
        return False

    return {name for name in defs if reaches_itself(name)}


def _inline(defs: dict[str, Any], keep: set[str]) -> Callable[[Any], Any]:
    def resolve(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        name = ref[len(_REF_PREFIX) :] if isinstance(ref, str) else None
        if name is None or name in keep or name not in defs:
            return map_subschemas(node, resolve)
        siblings = map_subschemas({k: v for k, v in node.items() if k != "$ref"}, resolve)
        return {**resolve(defs[name]), **siblings}

    return resolve


def clean_schema(schema: Schema) -> Schema:
    """Inline non-recursive refs, drop titles, and put ``type`` and ``description`` first."""
    body = _strip(schema)
    defs: dict[str, Any] = body.pop("$defs", {})
    keep = _recursive(defs)
    resolve = _inline(defs, keep)
    result: Schema = resolve(body)
    if keep:
        result["$defs"] = {name: resolve(defs[name]) for name in sorted(keep)}
    ordered: Schema = _ordered(result)
    return ordered
