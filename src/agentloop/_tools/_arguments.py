"""Turn the model's validated input into a Python call: :class:`SignaturePlan`.

Each parameter is passed the way its signature needs: positional-only ones by
position in declaration order, ``*args`` as the values of its array (and so
every parameter before it by position too), keyword parameters by name, and
the keys of ``**kwargs`` as keyword arguments.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ._validation import InvalidInput

__all__ = ["Arguments", "Param", "SignaturePlan"]

Arguments = tuple[tuple[Any, ...], dict[str, Any]]

_Kind = inspect._ParameterKind
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


@dataclass(frozen=True)
class Param:
    """One parameter of the call, in signature order.

    ``field`` is its field of the input model (its alias is ``name``), or None
    for a run-context parameter, which the loop fills in.
    """

    name: str
    field: str | None
    kind: _Kind
    default: Any = inspect.Parameter.empty
    plain: type | None = None
    """``str``, ``int``, ``float`` or ``bool`` when annotated exactly so: a JSON value
    of that very type is passed as it is."""

    @property
    def has_default(self) -> bool:
        """Whether the function has a default for it."""
        return self.default is not inspect.Parameter.empty


@dataclass(frozen=True)
class SignaturePlan:
    """Everything decided about a signature at decoration time.

    ``reserved`` holds names a ``**kwargs`` key may not take (run-context
    parameters, ``self``, a partial's fixed keywords).
    """

    schema: dict[str, Any]
    model: type[BaseModel]
    params: tuple[Param, ...]
    reserved: frozenset[str] = frozenset()
    plain: bool = field(init=False, repr=False, compare=False)
    """Every parameter is plain or the run context (and none is ``*args``/``**kwargs``)."""

    def __post_init__(self) -> None:
        plain = all(
            (p.plain is not None or p.field is None) and p.kind not in _VARIADIC
            for p in self.params
        )
        object.__setattr__(self, "plain", plain)

    def arguments(self, data: Mapping[str, Any], ctx: object) -> Arguments:
        """Validate ``data`` with pydantic into call arguments (may raise ValidationError).

        Keyword parameters the model left out and that have a default are not
        passed, so the function's own default applies; a positional one left
        out gets that default by position.
        """
        if self.plain:
            ready = self._plain_arguments(data, ctx)
            if ready is not None:
                return ready
        model = self.model.model_validate(data)
        given = model.model_fields_set
        by_position = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in self.params)
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for p in self.params:
            passed = p.field is None or p.field in given or not p.has_default
            value: Any = ctx if p.field is None else getattr(model, p.field)
            if p.kind is inspect.Parameter.VAR_POSITIONAL:
                args.extend(value)
            elif p.kind is inspect.Parameter.POSITIONAL_ONLY or (
                by_position and p.kind in _POSITIONAL
            ):
                args.append(value if passed else p.default)
            elif passed:
                kwargs[p.name] = value
        kwargs.update(self._extras(model))
        return tuple(args), kwargs

    def _plain_arguments(self, data: Mapping[str, Any], ctx: object) -> Arguments | None:
        """The arguments without pydantic, when every value given is exactly its
        parameter's plain type (what pydantic would pass unchanged); else None."""
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        used = 0
        for p in self.params:
            if p.field is None:
                value: Any = ctx
            elif p.name in data:
                value = data[p.name]
                if type(value) is not p.plain:
                    return None  # a conversion, or an error: pydantic decides
                used += 1
            elif p.has_default:
                if p.kind is inspect.Parameter.POSITIONAL_ONLY:
                    args.append(p.default)
                continue
            else:
                return None  # missing: pydantic words the error
            if p.kind is inspect.Parameter.POSITIONAL_ONLY:
                args.append(value)
            else:
                kwargs[p.name] = value
        if used != len(data):
            return None  # an unexpected property: pydantic words the error
        return tuple(args), kwargs

    def _extras(self, model: BaseModel) -> dict[str, Any]:
        extras = model.model_extra or {}
        clashes = sorted(self.reserved.intersection(extras))
        if clashes:
            raise InvalidInput(
                [f"{name}: unexpected property (a reserved name)" for name in clashes]
            )
        return extras
