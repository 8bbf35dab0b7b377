"""Structured output: an ``output_type`` turned into a schema, a validator and a way to ask.

:func:`output_spec` decides once, for a type, everything a run needs: the JSON
Schema (made by the same generator as tool schemas), whether the type is
wrapped in an object (``{"result": ...}``, for types the API cannot take at
the top: ``int``, ``list[...]``, a ``Literal``, a union of models), and which
way the model is asked: ``native`` (the API's ``output_config.format``, on
models whose :class:`~agentloop.ModelRules` say ``structured_outputs``) or
``tool`` (a final output tool whose input is the schema).

Validation is the tool-input validation: JSON Schema first (so the field
errors read like a tool's), then pydantic, which builds the value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PydanticUserError, TypeAdapter, create_model
from pydantic import ValidationError as PydanticValidationError

from .._exceptions import ConfigurationError
from .._tools._schema import _QuietJsonSchema
from .._tools._schema_cleanup import clean_schema
from .._tools._validation import InvalidInput, SchemaValidator, pydantic_errors
from ._output_schema import native_problems, native_schema
from ._rules import rules_for

__all__ = ["OUTPUT_TOOL", "OutputMode", "OutputSpec", "output_spec"]

OutputMode = Literal["auto", "native", "tool"]
OUTPUT_TOOL = "final_result"
_MODES = ("auto", "native", "tool")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # importing stays quick


@dataclass(frozen=True, eq=False)
class OutputSpec:
    """How a run gets, checks and builds its output (see the module docstring)."""

    output_type: Any
    mode: Literal["native", "tool"]
    schema: dict[str, Any]
    """The full schema: the output tool's ``input_schema``, and what the output is checked on."""
    wrapped: bool
    adapter: TypeAdapter[Any] = field(repr=False)
    inner: TypeAdapter[Any] = field(repr=False)
    validator: SchemaValidator = field(repr=False)
    tool_name: str = OUTPUT_TOOL

    # --- asking -----------------------------------------------------------------------

    @property
    def native_format(self) -> dict[str, Any]:
        """The ``output_config.format`` of a native request."""
        return {"type": "json_schema", "schema": native_schema(self.schema)}

    @property
    def tool_definition(self) -> dict[str, Any]:
        """The output tool, for the tool way."""
        return {
            "name": self.tool_name,
            "description": "Give the final answer of the task, and end it. Call it once, "
            "when you have the answer, instead of answering in text.",
            "input_schema": self.schema,
        }

    # --- checking ---------------------------------------------------------------------

    def parse_text(self, text: str) -> Any:
        """The output in a final text (the native way); raises :class:`InvalidInput`."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidInput([f"(output): not valid JSON ({exc})"]) from None
        return self.validate(data)

    def validate(self, data: Any) -> Any:
        """The output built from its JSON ``data``; raises :class:`InvalidInput`."""
        self.validator.validate(data)
        try:
            value = self.adapter.validate_python(data)
        except PydanticValidationError as exc:
            raise InvalidInput(pydantic_errors(exc)) from None
        return value.result if self.wrapped else value

    def dump(self, value: Any) -> Any:
        """``value`` as JSON data (what the run state keeps)."""
        return self.inner.dump_python(value, mode="json")

    def load(self, data: Any) -> Any:
        """The value :meth:`dump` gave ``data`` for."""
        return self.inner.validate_python(data)

    def partial(self, data: Any) -> Any:
        """A value built from partial JSON ``data``, where missing fields are missing;
        ``None`` when nothing usable arrived yet."""
        if self.wrapped:
            if not isinstance(data, dict) or "result" not in data:
                return None
            data = data["result"]
        return _partial_value(self.output_type, self.inner, data)


def _partial_value(output_type: Any, adapter: TypeAdapter[Any], data: Any) -> Any:
    try:
        return adapter.validate_python(data, experimental_allow_partial=True)
    except (PydanticValidationError, TypeError):
        pass
    model = output_type if isinstance(output_type, type) else None
    if model is not None and issubclass(model, BaseModel) and isinstance(data, dict):
        known = {k: v for k, v in data.items() if k in model.model_fields}
        return model.model_construct(**known)
    return None


def output_spec(
    output_type: Any, mode: object, model: str, *, retries: object = 1
) -> OutputSpec | None:
    """The spec of ``output_type`` for ``model`` (``None``: plain text, ``str`` asked
    in the ``auto`` mode or no type at all). Raises :class:`ConfigurationError`."""
    if mode not in _MODES:
        raise ConfigurationError(f"output_mode must be 'auto', 'native' or 'tool', got {mode!r}")
    if not (isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0):
        raise ConfigurationError(
            f"output_retries must be an int of at least 0, got {retries!r}: pass output_retries=1"
        )
    if output_type is None or (output_type is str and mode == "auto"):
        return None
    schema, wrapped, adapter, inner = _schema_of(output_type)
    native_ok = _native_mode(schema, mode, model, output_type)
    validator = SchemaValidator(schema, where=f"output_type {_name(output_type)}", generated=True)
    chosen: Literal["native", "tool"] = "native" if native_ok else "tool"
    return OutputSpec(output_type, chosen, schema, wrapped, adapter, inner, validator)


def _native_mode(schema: dict[str, Any], mode: object, model: str, output_type: Any) -> bool:
    if mode == "tool":
        return False
    problems = native_problems(schema)
    if mode == "native" and problems:
        raise ConfigurationError(
            f"output_type {_name(output_type)} cannot be sent as a native structured output: "
            f"{'; '.join(problems)}. Use output_mode='tool' (or 'auto'), or change the type"
        )
    if mode == "native":
        return True
    rules = rules_for(model)
    return not problems and rules is not None and rules.structured_outputs


def _schema_of(output_type: Any) -> tuple[dict[str, Any], bool, TypeAdapter[Any], TypeAdapter[Any]]:
    try:
        inner: TypeAdapter[Any] = TypeAdapter(output_type)
        schema = clean_schema(inner.json_schema(schema_generator=_QuietJsonSchema))
        if _is_object(schema):
            return schema, False, inner, inner
        model = create_model("Output", __base__=_Closed, result=(output_type, Field(...)))
        wrapped = clean_schema(model.model_json_schema(schema_generator=_QuietJsonSchema))
        return wrapped, True, TypeAdapter(model), inner
    except (PydanticUserError, TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"output_type {_name(output_type)} cannot become a JSON Schema ({exc}); use "
            "pydantic models, dataclasses, TypedDicts, list[...], Literal, Enum, unions of "
            "models, or str / int / float / bool"
        ) from exc


def _is_object(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "object" and "properties" in schema


def _name(output_type: Any) -> str:
    if isinstance(output_type, type):
        return output_type.__name__
    return repr(output_type).replace("typing.", "")
