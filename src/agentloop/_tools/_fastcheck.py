"""A quick "surely valid" check for the plain schemas most tools have.

jsonschema stays the authority on tool input. Checking an input with it costs
about 10 µs even for ``{"city": "Paris"}``, on every tool call, because it is
general. Most input schemas use a small set of keywords: ``type``,
``properties``, ``required``, ``additionalProperties``, ``items``, ``enum``,
``const``, ``anyOf`` and the numeric, string and array bounds. For those,
:func:`compile_check` builds a plain Python predicate once, when the tool is
defined.

The predicate answers only "valid for certain" (``True``) or "not sure"
(``False``). On ``False`` the caller runs jsonschema, which decides and words
the errors. So the predicate may be stricter than JSON Schema (a float such
as ``2.0`` for an ``integer`` is "not sure"), but never looser: a property
test checks that everything it accepts, jsonschema accepts too. A schema with
any other keyword (``format``, ``pattern``, ``$ref``, …) gets no predicate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Check", "compile_check"]

Check = Callable[[Any], bool]
Compiler = Callable[[Any, Mapping[str, Any]], "Check | None"]
"""Compiles one keyword's value (seeing the whole schema) into a check, or None."""

_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
     "$comment"}
)  # fmt: skip
_SCALARS = (str, int, float, bool, type(None))
_NATIVE = frozenset({str, int, float, bool, type(None), dict, list})
"""The exact types json.loads makes. Anything else (a str subclass, a Decimal, an
OrderedDict) is "not sure": jsonschema's own type rules decide for it."""
_NUMBERS = (int, float)


def _when(kinds: tuple[type, ...], test: Check) -> Check:
    """``test`` for values of ``kinds``; other JSON values pass (the keyword does not
    apply to them, as in JSON Schema); values of other types are "not sure"."""

    def check(value: Any) -> bool:
        kind = type(value)
        if kind in kinds:
            return test(value)
        return kind in _NATIVE

    return check


_TYPES: dict[str, Check] = {
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int,
    "number": lambda v: type(v) in _NUMBERS,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
}


def compile_check(schema: Any) -> Check | None:
    """A predicate that is True only for instances valid under ``schema``, or None
    when the schema uses keywords outside the supported set."""
    if schema is True:
        return _always
    if not isinstance(schema, Mapping):
        return None
    checks: list[Check] = []
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        compiler = _KEYWORDS.get(key)
        if compiler is None:
            return None
        check = compiler(value, schema)
        if check is None:
            return None
        checks.append(check)
    return _all(checks)


def _always(value: Any) -> bool:
    return True


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def every(value: Any) -> bool:
        # a loop, not all(genexpr): this runs on every tool call, and the generator costs more
        for check in checks:  # noqa: SIM110
            if not check(value):
                return False
        return True

    return every


def _type(names: Any, schema: Mapping[str, Any]) -> Check | None:
    listed = [names] if isinstance(names, str) else names
    if not isinstance(listed, list) or not listed or not all(n in _TYPES for n in listed):
        return None
    tests = [_TYPES[n] for n in listed]
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _properties(properties: Any, schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(properties, Mapping):
        return None
    compiled: list[tuple[str, Check]] = []
    for name, subschema in properties.items():
        check = compile_check(subschema)
        if check is None:
            return None
        if check is not _always:
            compiled.append((name, check))

    def each(value: dict[str, Any]) -> bool:
        for name, check in compiled:  # noqa: SIM110  (a loop, as in _all)
            if name in value and not check(value[name]):
                return False
        return True

    return _when((dict,), each)


def _required(names: Any, schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    needed = frozenset(names)
    return _when((dict,), needed.issubset)


def _additional(additional: Any, schema: Mapping[str, Any]) -> Check | None:
    known = schema.get("properties", {})
    if not isinstance(known, Mapping):
        return None
    if additional is False:
        return _when((dict,), frozenset(known).issuperset)
    check = compile_check(additional)
    if check is None:
        return None
    return _when(
        (dict,), lambda value: all(check(v) for key, v in value.items() if key not in known)
    )


def _items(items: Any, schema: Mapping[str, Any]) -> Check | None:
    check = compile_check(items)
    if check is None:
        return None
    return _when((list,), lambda value: all(check(item) for item in value))


def _enum(members: Any, schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(members, list) or not all(type(m) in _SCALARS for m in members):
        return None
    # Same type and equal: JSON Schema's equality, without its 1 == 1.0 leniency.
    allowed = [(type(m), m) for m in members]
    return lambda value: any(type(value) is kind and value == m for kind, m in allowed)


def _const(member: Any, schema: Mapping[str, Any]) -> Check | None:
    return _enum([member], schema)


def _any_of(subschemas: Any, schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(subschemas, list) or not subschemas:
        return None
    compiled: list[Check] = []
    for subschema in subschemas:
        check = compile_check(subschema)
        if check is None:
            return None
        compiled.append(check)
    return lambda value: any(check(value) for check in compiled)


def _bound(kinds: tuple[type, ...], test: Callable[[Any, Any], bool]) -> Compiler:
    def compiler(limit: Any, schema: Mapping[str, Any]) -> Check | None:
        if type(limit) not in _NUMBERS:
            return None
        return _when(kinds, lambda value: test(value, limit))

    return compiler


_KEYWORDS: dict[str, Compiler] = {
    "type": _type,
    "properties": _properties,
    "required": _required,
    "additionalProperties": _additional,
    "items": _items,
    "enum": _enum,
    "const": _const,
    "anyOf": _any_of,
    "minimum": _bound(_NUMBERS, lambda v, n: v >= n),
    "maximum": _bound(_NUMBERS, lambda v, n: v <= n),
    "exclusiveMinimum": _bound(_NUMBERS, lambda v, n: v > n),
    "exclusiveMaximum": _bound(_NUMBERS, lambda v, n: v < n),
    "minLength": _bound((str,), lambda v, n: len(v) >= n),
    "maxLength": _bound((str,), lambda v, n: len(v) <= n),
    "minItems": _bound((list,), lambda v, n: len(v) >= n),
    "maxItems": _bound((list,), lambda v, n: len(v) <= n),
}
