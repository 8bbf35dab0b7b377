"""Validate tool input and explain every failure in words a model can act on.

Each failing field becomes one line, ``- path: reason``, for example::

    Invalid input for tool get_weather:
    - location: required property is missing
    - unit: 'kelvin' is not one of ['celsius', 'fahrenheit']
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticValidationError

from agentloop._exceptions import ToolDefinitionError

from ._fastcheck import compile_check

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = [
    "InvalidInput",
    "SchemaValidator",
    "pydantic_errors",
]

_MAX_LINE = 300


class InvalidInput(Exception):
    """Input that failed validation; ``errors`` holds one line per failing field."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))

    def message(self, tool: str) -> str:
        """The text sent back to the model."""
        lines = "\n".join(f"- {e}" for e in self.errors)
        return f"Invalid input for tool {tool}:\n{lines}"


class SchemaValidator:
    """A validator (with format checks) built once for one schema.

    The JSON Schema draft is the one the schema's ``$schema`` names (draft-04,
    -06, -07, 2019-09, 2020-12), Draft 2020-12 without one. For a plain
    2020-12 schema a compiled predicate first answers "surely valid" cheaply;
    jsonschema checks what it does not vouch for, and words the errors.
    """

    def __init__(self, schema: Mapping[str, Any], *, where: str, generated: bool = False) -> None:
        self._schema = schema
        self._validator: Any = None
        self._surely_valid = None
        if generated and "$schema" not in schema:
            # Our own 2020-12 schema (from a signature): valid by construction, so
            # jsonschema (slow to import) waits for the first input the fast check
            # cannot vouch for.
            self._surely_valid = compile_check(schema)
            if self._surely_valid is not None:
                return
        self._jsonschema(where)

    def _jsonschema(self, where: str = "") -> Any:
        """The jsonschema validator, built (and the schema checked) on first need."""
        if self._validator is not None:
            return self._validator
        # Imported here: jsonschema is slow to import and unused until needed.
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError
        from jsonschema.validators import validator_for

        schema = self._schema
        cls: Any = validator_for(schema, default=Draft202012Validator)
        try:
            cls.check_schema(schema)
        except SchemaError as exc:
            raise ToolDefinitionError(
                f"{where}: input_schema is not a valid JSON Schema ({_draft(cls)}): "
                f'{exc.message}; fix the schema, declare its draft with "$schema", or '
                'pass on_invalid_schema="skip" to leave such tools out'
            ) from exc
        if self._surely_valid is None and cls is Draft202012Validator:
            self._surely_valid = compile_check(schema)
        self._validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        return self._validator

    def validate(self, instance: object) -> None:
        """Raise :class:`InvalidInput` naming every failing field of ``instance``."""
        if self._surely_valid is not None and self._surely_valid(instance):
            return  # jsonschema would accept it too (see _fastcheck); skip its cost
        validator = self._jsonschema()
        errors = sorted(
            {line for error in validator.iter_errors(instance) for line in _lines(error)}
        )
        if errors:
            raise InvalidInput(errors)


def _draft(cls: Any) -> str:
    return str(getattr(cls, "__name__", "JSON Schema")).removesuffix("Validator")


def field_path(parts: Iterable[str | int]) -> str:
    """``address.lines[2]``; ``(input)`` for the input object itself."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(input)"


def _short(text: str) -> str:
    return text if len(text) <= _MAX_LINE else text[: _MAX_LINE - 1] + "…"


def _lines(error: ValidationError) -> list[str]:
    path = list(error.absolute_path)
    if error.validator == "required":
        name = _quoted_name(error.message)
        return [f"{field_path([*path, name])}: required property is missing"]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        allowed = ", ".join(known) or "none"
        return [
            f"{field_path([*path, str(key)])}: unexpected property (allowed: {allowed})"
            for key in error.instance
            if key not in known
        ]
    if error.validator in ("anyOf", "oneOf") and error.context:
        return [f"{field_path(path)}: {_short(_union_reason(error))}"]
    return [f"{field_path(path)}: {_short(error.message)}"]


def _quoted_name(message: str) -> str:
    quoted = message.removesuffix(" is a required property")
    try:
        name = ast.literal_eval(quoted)
    except (ValueError, SyntaxError):
        return quoted
    return str(name)


def _union_reason(error: ValidationError) -> str:
    subs = error.context or []
    if all(sub.validator == "type" and not sub.relative_path for sub in subs):
        kinds = " or ".join(repr(sub.validator_value) for sub in subs)
        return f"{error.instance!r} is not of type {kinds}"
    reasons: list[str] = []
    for sub in subs:
        where = field_path(sub.relative_path)
        reason = sub.message if where == "(input)" else f"{where}: {sub.message}"
        if reason not in reasons:
            reasons.append(reason)
    return f"{error.instance!r} matches none of the allowed forms ({'; '.join(reasons)})"


def pydantic_errors(exc: PydanticValidationError) -> list[str]:
    """One ``path: reason`` line per error pydantic found."""
    return [_short(f"{field_path(err['loc'])}: {err['msg']}") for err in exc.errors()]
